#include "models/content_knn.h"

#include <algorithm>
#include <cmath>

#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/topk.h"

namespace movierec {
namespace {

// The movies a user rated at or above their mean (all of them when equal).
std::vector<ItemIndex> liked_items(std::span<const ItemIndex> items, std::span<const float> values) {
  std::vector<ItemIndex> out;
  if (items.empty()) return out;
  double mean = 0;
  for (float v : values) mean += v;
  mean /= values.size();
  for (std::size_t p = 0; p < items.size(); ++p)
    if (values[p] >= mean - 1e-6) out.push_back(items[p]);
  return out;
}

}  // namespace

ContentKnn::ContentKnn(Params& p)
    : side_(p, "genres,year"),
      k_(p.get_int("k", 20, "liked movies averaged per score, the most similar first (0: the mean profile)", 0,
                   1000000)) {}

void ContentKnn::fit(const RatingMatrix& train, const FitOptions& opts) {
  ItemFeatures f = side_.build("content-knn", train, opts.dataset);
  feats_ = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(f.values.data(),
                                                                                                   f.n_items, f.dim);
  for (Eigen::Index i = 0; i < feats_.rows(); ++i) {
    const float n = feats_.row(i).norm();
    if (n > 0) feats_.row(i) /= n;
  }
  liked_ptr_.assign(1, 0);
  liked_.clear();
  for (UserIndex u = 0; u < train.n_users(); ++u) {
    auto l = liked_items(train.user_items(u), train.user_values(u));
    liked_.insert(liked_.end(), l.begin(), l.end());
    liked_ptr_.push_back(liked_.size());
  }
}

void ContentKnn::score_liked(std::span<const ItemIndex> liked, std::span<float> out) const {
  const Eigen::Index n = feats_.rows(), m = static_cast<Eigen::Index>(liked.size());
  std::fill(out.begin(), out.end(), 0.f);
  if (m == 0) return;
  Eigen::MatrixXf L(feats_.cols(), m);
  for (Eigen::Index t = 0; t < m; ++t) L.col(t) = feats_.row(liked[t]).transpose();
  Eigen::Map<Eigen::VectorXf> o(out.data(), n);
  if (k_ == 0) {
    o.noalias() = feats_ * (L.rowwise().sum() / float(m));
    return;
  }
  const Eigen::MatrixXf S = feats_ * L;  // n x m cosines
  std::vector<float> row(m);
  const std::size_t k = std::min<std::size_t>(k_, m);
  for (Eigen::Index i = 0; i < n; ++i) {
    std::size_t c = 0;
    for (Eigen::Index t = 0; t < m; ++t)
      if (liked[t] != ItemIndex(i)) row[c++] = S(i, t);  // a movie is not its own neighbour
    const std::size_t kk = std::min(k, c);
    if (kk == 0) continue;
    std::nth_element(row.begin(), row.begin() + (kk - 1), row.begin() + c, std::greater<float>());
    double s = 0;
    for (std::size_t t = 0; t < kk; ++t) s += row[t];
    out[i] = static_cast<float>(s / kk);
  }
}

void ContentKnn::score(std::span<const UserIndex> users, std::span<float> out) const {
  const std::size_t n = n_items();
  for (std::size_t r = 0; r < users.size(); ++r) {
    const UserIndex u = users[r];
    std::span<const ItemIndex> liked;
    if (u < n_users()) liked = {liked_.data() + liked_ptr_[u], liked_ptr_[u + 1] - liked_ptr_[u]};
    score_liked(liked, out.subspan(r * n, n));
  }
}

void ContentKnn::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                                std::span<float> out) const {
  std::vector<ItemIndex> in, kept;
  std::vector<float> vals;
  for (std::size_t t = 0; t < items.size(); ++t)
    if (items[t] < n_items()) {
      in.push_back(items[t]);
      vals.push_back(values[t]);
    }
  score_liked(liked_items(in, vals), out);
}

std::vector<ScoredItem> ContentKnn::similar_items(ItemIndex i, std::size_t k) const {
  if (i >= n_items()) throw ConfigError("similar_items: movie index " + std::to_string(i) + " out of range");
  if (feats_.row(i).squaredNorm() == 0) return {};
  Eigen::VectorXf s = feats_ * feats_.row(i).transpose();
  return top_k(std::span<const float>(s.data(), s.size()), k, [i](ItemIndex c) { return c == i; });
}

void ContentKnn::save_payload(detail::BinaryWriter& out) const {
  out.put<std::uint64_t>(feats_.rows());
  out.put<std::uint64_t>(feats_.cols());
  out.put_vector(std::vector<float>(feats_.data(), feats_.data() + feats_.size()));
  out.put_vector(liked_ptr_);
  out.put_vector(liked_);
}

void ContentKnn::load_payload(detail::BinaryReader& in) {
  // rows against the dataset and cols below 2^31 first, so rows * cols cannot
  // wrap (found by tests/fuzz/model_file_fuzz: a wrapped product gave Eigen a
  // negative size).
  const std::size_t rows = in.get_n_items("feature rows");
  const auto cols = in.get<std::uint64_t>();
  if (cols > 0x7fffffffu) in.fail("feature columns " + std::to_string(cols));
  auto v = in.get_vector<float>();
  liked_ptr_ = in.get_vector<std::size_t>();
  liked_ = in.get_vector<ItemIndex>();
  if (v.size() != rows * cols || liked_ptr_.empty() || liked_ptr_.front() != 0 || liked_ptr_.back() != liked_.size())
    in.fail("inconsistent content-knn sizes");
  for (std::size_t u = 0; u + 1 < liked_ptr_.size(); ++u)
    if (liked_ptr_[u] > liked_ptr_[u + 1]) in.fail("liked offsets not increasing");
  for (auto i : liked_)
    if (i >= rows) in.fail("liked movie index out of range");
  feats_ = Eigen::Map<Eigen::MatrixXf>(v.data(), rows, cols);
}

}  // namespace movierec
