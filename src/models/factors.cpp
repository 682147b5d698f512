#include "models/factors.h"

#include <omp.h>
#include <sys/mman.h>

#include <cmath>
#include <numbers>

#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/topk.h"

namespace movierec {

namespace {
constexpr std::size_t kHugePage = std::size_t(2) << 20, kHugeFrom = std::size_t(4) << 20;
std::align_val_t alignment_for(std::size_t bytes) { return std::align_val_t(bytes >= kHugeFrom ? kHugePage : 64); }
}  // namespace

void* allocate_aligned(std::size_t bytes) {
  void* p = ::operator new(bytes, alignment_for(bytes));
  // A hint only: without THP the pages stay 4 KiB.
  if (bytes >= kHugeFrom) madvise(p, (bytes + kHugePage - 1) / kHugePage * kHugePage, MADV_HUGEPAGE);
  return p;
}

void deallocate_aligned(void* p, std::size_t bytes) { ::operator delete(p, alignment_for(bytes)); }

std::pair<double, double> Rng::normal_pair() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * std::numbers::pi * u2;
  return {r * std::cos(t), r * std::sin(t)};
}

void FactorMatrix::fill_normal(float std, std::uint64_t seed) {
  const auto n = static_cast<std::int64_t>(rows_);
  // Threads only for big matrices: a parallel region costs more than small ones.
#pragma omp parallel for schedule(static) if (rows_ * k_ > (std::size_t(1) << 20))
  for (std::int64_t r = 0; r < n; ++r) {
    Rng rng(seed, static_cast<std::uint64_t>(r));
    float* x = row(r);
    for (std::size_t f = 0; f < k_; f += 2) {
      auto [z0, z1] = rng.normal_pair();
      x[f] = static_cast<float>(z0) * std;
      if (f + 1 < k_) x[f + 1] = static_cast<float>(z1) * std;
    }
  }
}

bool FactorMatrix::all_finite() const {
  for (float x : data_)
    if (!std::isfinite(x)) return false;
  return true;
}

void FactorMatrix::save(BinaryWriter& out) const {
  out.put<std::uint64_t>(rows_);
  out.put<std::uint64_t>(k_);
  for (std::size_t r = 0; r < rows_; ++r) out.append(row(r), k_ * sizeof(float));
}

void FactorMatrix::load(BinaryReader& in, std::string_view field, bool users) {
  const std::string rows_field = std::string(field) + " rows";
  auto rows = users ? in.get_n_users(rows_field) : in.get_n_items(rows_field);
  auto k = in.get<std::uint64_t>();
  // k = 0 with rows > 0 is no model's matrix (factors >= 1) and would need no bytes at all.
  if (k > kMaxFactors || (rows && (k == 0 || rows > in.remaining() / (k * sizeof(float)))))
    in.fail(std::string(field) + " of " + std::to_string(rows) + " x " + std::to_string(k));
  *this = FactorMatrix(rows, k);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t f = 0; f < k; ++f) row(r)[f] = in.get<float>();
    in.check_finite({row(r), k}, std::string(field) + " row " + std::to_string(r));
  }
}

int fit_threads(int param_threads, const FitOptions& opts) {
  return param_threads > 0 ? param_threads : thread_count(opts.threads);
}

namespace {
[[noreturn]] void not_finite(std::string_view model, std::string_view what, std::string_view hint) {
  throw ConfigError("model '" + std::string(model) + "': " + std::string(what) +
                    " hold NaN or infinite values after fit (training diverged); " + std::string(hint));
}
}  // namespace

void check_finite(const FactorMatrix& m, std::string_view model, std::string_view what, std::string_view hint) {
  if (!m.all_finite()) not_finite(model, what, hint);
}

void check_finite(std::span<const float> v, std::string_view model, std::string_view what, std::string_view hint) {
  for (float x : v)
    if (!std::isfinite(x)) not_finite(model, what, hint);
}

// ---- RidgeSolver

void RidgeSolver::solve(const FactorMatrix& q, std::span<const ItemIndex> items, std::span<const float> targets,
                        float reg_factors, float reg_bias, bool bias, int cg_steps, std::span<float> x) {
  const Eigen::Index k = static_cast<Eigen::Index>(q.k());
  const Eigen::Index dim = k + (bias ? 1 : 0);
  const Eigen::Index n = static_cast<Eigen::Index>(items.size());
  Eigen::Map<Eigen::VectorXf> xv(x.data(), dim);
  if (n == 0) {  // no data: the regularised optimum is 0
    xv.setZero();
    return;
  }
  // a_: column j is the design row a_j (dim x n), copied from contiguous factor rows.
  a_.resize(dim, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    a_.col(j).head(k) = Eigen::Map<const Eigen::VectorXf>(q.row(items[j]), k);
    if (bias) a_(k, j) = 1.f;
  }
  t_ = Eigen::Map<const Eigen::VectorXf>(targets.data(), n);
  rhs_.noalias() = a_ * t_;
  auto apply_reg = [&](const Eigen::VectorXf& v, Eigen::VectorXf& out) {
    out.head(k) += reg_factors * v.head(k);
    if (bias) out(k) += reg_bias * v(k);
  };
  if (cg_steps <= 0) {
    gram_.setZero(dim, dim);
    gram_.selfadjointView<Eigen::Lower>().rankUpdate(a_);
    for (Eigen::Index f = 0; f < k; ++f) gram_(f, f) += reg_factors;
    if (bias) gram_(k, k) += reg_bias;
    Eigen::LLT<Eigen::MatrixXf> llt(gram_);
    if (llt.info() == Eigen::Success) {
      xv = llt.solve(rhs_);
    } else {  // singular without regularisation: least-norm-ish fallback
      xv = gram_.selfadjointView<Eigen::Lower>().ldlt().solve(rhs_);
    }
    return;
  }
  // Conjugate gradient on A x = rhs, A = a a^T + diag(reg), warm-started at x.
  sol_ = xv;
  r_.noalias() = a_ * (a_.transpose() * sol_);
  apply_reg(sol_, r_);
  r_ = rhs_ - r_;
  p_ = r_;
  float rs_old = r_.squaredNorm();
  for (int s = 0; s < cg_steps && rs_old > 1e-20f; ++s) {
    ap_.noalias() = a_ * (a_.transpose() * p_);
    apply_reg(p_, ap_);
    float pap = p_.dot(ap_);
    if (!(pap > 0)) break;
    float alpha = rs_old / pap;
    sol_ += alpha * p_;
    r_ -= alpha * ap_;
    float rs_new = r_.squaredNorm();
    p_ = r_ + (rs_new / rs_old) * p_;
    rs_old = rs_new;
  }
  xv = sol_;
}

// ---- FactorModel

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
