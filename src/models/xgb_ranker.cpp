#include "models/xgb_ranker.h"

#include "models/xgboost_api.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "movierec/errors.h"

namespace movierec {
namespace {

void check(int rc, const char* what) {
  if (rc != 0) throw Error(std::string("xgboost ") + what + ": " + XGBGetLastError());
}

// An owned DMatrix.
struct Matrix {
  DMatrixHandle h = nullptr;
  Matrix(const float* x, std::size_t rows, std::size_t cols) {
    check(XGDMatrixCreateFromMat(x, rows, cols, std::nanf(""), &h), "XGDMatrixCreateFromMat");
  }
  ~Matrix() {
    if (h) XGDMatrixFree(h);
  }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
};

std::unique_ptr<Matrix> make(const RankData& d) {
  if (d.x.size() != d.rows() * d.cols) throw Error("ranker: feature matrix size does not match the labels");
  auto m = std::make_unique<Matrix>(d.x.data(), d.rows(), d.cols);
  check(XGDMatrixSetFloatInfo(m->h, "label", d.labels.data(), d.labels.size()), "label");
  if (!d.groups.empty()) check(XGDMatrixSetUIntInfo(m->h, "group", d.groups.data(), d.groups.size()), "group");
  if (!d.base_margin.empty()) {
    if (d.base_margin.size() != d.rows()) throw Error("ranker: base_margin size does not match the labels");
    check(XGDMatrixSetFloatInfo(m->h, "base_margin", d.base_margin.data(), d.base_margin.size()), "base_margin");
  }
  return m;
}

}  // namespace

XgbRanker::XgbRanker() = default;

XgbRanker::~XgbRanker() {
  if (handle_) XGBoosterFree(handle_);
}

std::vector<double> XgbRanker::train(const RankData& data, const RankerOptions& o, const RankData* eval) {
  if (data.rows() == 0) throw Error("ranker: no training rows");
  auto dtrain = make(data);
  std::unique_ptr<Matrix> deval = eval ? make(*eval) : nullptr;
  if (handle_) XGBoosterFree(handle_);
  handle_ = nullptr;
  std::vector<DMatrixHandle> cache = {dtrain->h};
  if (deval) cache.push_back(deval->h);
  check(XGBoosterCreate(cache.data(), cache.size(), &handle_), "XGBoosterCreate");
  auto set = [&](const char* k, const std::string& v) { check(XGBoosterSetParam(handle_, k, v.c_str()), k); };
  const bool ranking = o.objective.rfind("rank:", 0) == 0;
  set("objective", o.objective);
  set("eval_metric", ranking ? "ndcg@" + std::to_string(o.ndcg_k) : std::string("rmse"));
  set("eta", std::to_string(o.eta));
  set("max_depth", std::to_string(o.max_depth));
  set("min_child_weight", std::to_string(o.min_child_weight));
  set("subsample", std::to_string(o.subsample));
  set("colsample_bytree", std::to_string(o.colsample));
  set("lambda", std::to_string(o.lambda));
  set("tree_method", "hist");
  set("max_bin", std::to_string(o.max_bin));
  set("seed", std::to_string(o.seed));
  set("verbosity", "0");
  if (o.threads > 0) set("nthread", std::to_string(o.threads));
  std::vector<double> curve;
  for (int it = 0; it < o.rounds; ++it) {
    check(XGBoosterUpdateOneIter(handle_, it, dtrain->h), "XGBoosterUpdateOneIter");
    if (!deval) continue;
    const char* name = "eval";
    const char* out = nullptr;
    check(XGBoosterEvalOneIter(handle_, it, &deval->h, &name, 1, &out), "XGBoosterEvalOneIter");
    // "[3]\teval-ndcg@10:0.41"
    std::string s(out);
    curve.push_back(std::atof(s.substr(s.rfind(':') + 1).c_str()));
    if (o.early_stopping > 0) {
      const auto best =
          ranking ? std::max_element(curve.begin(), curve.end()) : std::min_element(curve.begin(), curve.end());
      if (static_cast<int>(curve.end() - best) > o.early_stopping) break;
    }
  }
  return curve;
}

std::vector<float> XgbRanker::predict(const float* x, std::size_t rows, std::size_t cols,
                                      const float* base_margin) const {
  if (!handle_) throw Error("ranker: predict before train");
  if (rows == 0) return {};
  Matrix m(x, rows, cols);
  if (base_margin) check(XGDMatrixSetFloatInfo(m.h, "base_margin", base_margin, rows), "base_margin");
  std::lock_guard lock(mu_);
  bst_ulong len = 0;
  const float* out = nullptr;
  check(XGBoosterPredict(handle_, m.h, 0, 0, 0, &len, &out), "XGBoosterPredict");
  if (len != rows)
    throw Error("ranker: xgboost returned " + std::to_string(len) + " scores for " + std::to_string(rows) + " rows");
  return std::vector<float>(out, out + len);
}

void XgbRanker::truncate(int rounds) {
  if (!handle_) throw Error("ranker: truncate before train");
  BoosterHandle out = nullptr;
  check(XGBoosterSlice(handle_, 0, rounds, 1, &out), "XGBoosterSlice");
  XGBoosterFree(handle_);
  handle_ = out;
}

std::vector<char> XgbRanker::save() const {
  if (!handle_) throw Error("ranker: save before train");
  bst_ulong len = 0;
  const char* buf = nullptr;
  check(XGBoosterSaveModelToBuffer(handle_, "{\"format\": \"ubj\"}", &len, &buf), "XGBoosterSaveModelToBuffer");
  return std::vector<char>(buf, buf + len);
}

void XgbRanker::load(const std::vector<char>& bytes, const std::string& what) {
  if (handle_) XGBoosterFree(handle_);
  handle_ = nullptr;
  check(XGBoosterCreate(nullptr, 0, &handle_), "XGBoosterCreate");
  if (XGBoosterLoadModelFromBuffer(handle_, bytes.data(), bytes.size()) != 0) {
    std::string msg = XGBGetLastError();
    XGBoosterFree(handle_);
    handle_ = nullptr;
    throw DataError(what + ": xgboost could not load it: " + msg);
  }
}

}  // namespace movierec
