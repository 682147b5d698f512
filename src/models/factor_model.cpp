#include "models/factor_model.h"

#include <omp.h>

#include <cmath>

#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/topk.h"

namespace movierec {

int fit_threads(int param_threads, const FitOptions& opts, double work) {
  return param_threads > 0 ? param_threads : threads_for_flops(opts.threads, work);
}

void FactorModel::score(std::span<const UserIndex> users, std::span<float> out) const {
  const std::size_t n = n_items();
  const auto k = static_cast<Eigen::Index>(user_.k());
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> p(users.size(), k);
  for (std::size_t r = 0; r < users.size(); ++r)
    p.row(static_cast<Eigen::Index>(r)) = Eigen::Map<const Eigen::RowVectorXf>(user_.row(users[r]), k);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> o(
      out.data(), static_cast<Eigen::Index>(users.size()), static_cast<Eigen::Index>(n));
  o.noalias() = p * item_.map().transpose();
  for (std::size_t r = 0; r < users.size(); ++r) {
    float base = mu_ + (user_bias_.empty() ? 0.f : user_bias_[users[r]]);
    float* row = out.data() + r * n;
    if (item_bias_.empty()) {
      for (std::size_t i = 0; i < n; ++i) row[i] += base;
    } else {
      for (std::size_t i = 0; i < n; ++i) row[i] += base + item_bias_[i];
    }
  }
}

void FactorModel::score_vector(std::span<const float> p, float bu, std::span<float> out) const {
  const std::size_t n = n_items();
  for (std::size_t i = 0; i < n; ++i)
    out[i] = mu_ + bu + (item_bias_.empty() ? 0.f : item_bias_[i]) + dot(p.data(), item_.row(i), user_.k());
}

float FactorModel::predict(UserIndex u, ItemIndex i) const {
  if (!predicts_ratings()) return Recommender::predict(u, i);  // throws NotSupported
  if (u >= n_users() || i >= n_items())
    throw ConfigError("model '" + std::string(name()) + "': predict(" + std::to_string(u) + ", " + std::to_string(i) +
                      ") outside the trained " + std::to_string(n_users()) + " x " + std::to_string(n_items()));
  return score_one(u, i);
}

std::vector<ScoredItem> FactorModel::similar_items(ItemIndex i, std::size_t k) const {
  const std::size_t n = n_items();
  if (i >= n) throw ConfigError("similar_items: movie index " + std::to_string(i) + " outside 0.." + std::to_string(n));
  const float* qi = item_.row(i);
  const float ni = std::sqrt(dot(qi, qi, item_.stride()));
  std::vector<float> cos(n, std::numeric_limits<float>::quiet_NaN());
  if (ni > 0) {
    for (std::size_t j = 0; j < n; ++j) {
      const float* qj = item_.row(j);
      float nj = std::sqrt(dot(qj, qj, item_.stride()));
      if (nj > 0) cos[j] = dot(qi, qj, item_.stride()) / (ni * nj);
    }
  }
  return top_k(std::span<const float>(cos), k, [i](ItemIndex j) { return j == i; });
}

void FactorModel::check_fitted(std::string_view hint) const {
  check_finite(user_, name(), "user factors", hint);
  check_finite(item_, name(), "movie factors", hint);
  check_finite(user_bias_, name(), "user biases", hint);
  check_finite(item_bias_, name(), "movie biases", hint);
}

void FactorModel::save_payload(BinaryWriter& out) const {
  user_.save(out);
  item_.save(out);
  out.put(mu_);
  out.put_vector(user_bias_);
  out.put_vector(item_bias_);
  save_extra(out);
}

void FactorModel::require_biases(BinaryReader& in) const {
  // load_payload already checked that a bias vector is empty or has one value a row.
  if (user_bias_.size() != user_.rows()) in.fail("no user biases (" + std::string(name()) + " has one per user)");
  if (item_bias_.size() != item_.rows()) in.fail("no movie biases (" + std::string(name()) + " has one per movie)");
}

void FactorModel::load_payload(BinaryReader& in) {
  user_.load(in, "user factors", true);
  item_.load(in, "movie factors", false);
  if (user_.k() != item_.k()) in.fail("user and movie factors of different sizes");
  mu_ = in.get<float>();
  user_bias_ = in.get_vector<float>();
  item_bias_ = in.get_vector<float>();
  in.check_finite({&mu_, 1}, "global mean");
  in.check_finite(user_bias_, "user biases");
  in.check_finite(item_bias_, "movie biases");
  if (!user_bias_.empty() && user_bias_.size() != user_.rows()) in.fail("user biases of the wrong size");
  if (!item_bias_.empty() && item_bias_.size() != item_.rows()) in.fail("movie biases of the wrong size");
  load_extra(in);
}

}  // namespace movierec
