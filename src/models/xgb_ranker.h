// A LambdaMART ranker (xgboost's `rank:ndcg`) through xgboost's C API: train
// on groups of rows (one group per user), predict, and the booster as bytes
// for model files. Errors from xgboost are thrown as movierec::Error with
// XGBGetLastError's message.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace movierec {

// Rows of features with their labels, grouped: rows [g_0, g_0 + groups[0]) are
// the first group... x is rows x cols, row-major.
struct RankData {
  std::size_t cols = 0;
  std::vector<float> x, labels;
  std::vector<unsigned> groups;  // may be empty for a regression objective
  // Per row, optional: the margin boosting starts from instead of a constant
  // (a regression on the residual of another model's prediction).
  std::vector<float> base_margin;
  std::size_t rows() const { return labels.size(); }
};

struct RankerOptions {
  int rounds = 300;   // boosting rounds (trees)
  int max_depth = 6;  // deeper trees fit interactions, and overfit small data
  double eta = 0.05;  // learning rate: smaller needs more rounds
  double min_child_weight = 1;
  double subsample = 0.8;  // rows sampled per tree
  double colsample = 0.8;  // features sampled per tree
  double lambda = 1;       // L2 on leaf weights
  int max_bin = 256;       // histogram bins per feature: fewer are faster and coarser
  int ndcg_k = 10;         // the eval metric's cut-off (ndcg@k)
  int threads = 0;         // 0: xgboost's default (every core)
  std::uint64_t seed = 42;
  // "rank:ndcg" (LambdaMART, the eval metric ndcg@k) or a regression such as
  // "reg:squarederror" (the eval metric rmse).
  std::string objective = "rank:ndcg";
  // With an eval set: stop after this many rounds without a better eval
  // metric (0: run every round).
  int early_stopping = 0;
};

class XgbRanker {
 public:
  XgbRanker();
  ~XgbRanker();
  XgbRanker(const XgbRanker&) = delete;
  XgbRanker& operator=(const XgbRanker&) = delete;

  // Trains a fresh booster. With eval non-null, returns eval's ndcg@k (rmse
  // for a regression objective) after each round (empty otherwise).
  std::vector<double> train(const RankData& train, const RankerOptions& opts, const RankData* eval = nullptr);
  // Scores rows x cols features (row-major), starting from base_margin (rows
  // values) when given. Thread safe (serialised: xgboost owns the output buffer).
  std::vector<float> predict(const float* x, std::size_t rows, std::size_t cols,
                             const float* base_margin = nullptr) const;
  bool trained() const { return handle_ != nullptr; }
  // Keeps the first `rounds` trees (early stopping after train).
  void truncate(int rounds);
  // The booster in xgboost's UBJSON model format; load() throws DataError on
  // bad bytes, naming `what`.
  std::vector<char> save() const;
  void load(const std::vector<char>& bytes, const std::string& what = "ltr booster");

 private:
  void* handle_ = nullptr;  // BoosterHandle
  mutable std::mutex mu_;
};

}  // namespace movierec
