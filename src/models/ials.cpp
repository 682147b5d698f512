#include "models/ials.h"

#include <chrono>

#include "models/fold_in.h"
#include "models/ridge.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/rng.h"

namespace movierec {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Y^T Y + reg I over the padded stride (padding rows and columns stay 0, so
// CG on stride-long vectors keeps the padding at 0).
Eigen::MatrixXf gram_padded(const FactorMatrix& y, float reg) {
  Eigen::Map<const RowMajorMatrix, Eigen::Aligned64> m(y.data(), static_cast<Eigen::Index>(y.rows()),
                                                       static_cast<Eigen::Index>(y.stride()));
  Eigen::MatrixXf g(m.cols(), m.cols());
  g.noalias() = m.transpose() * m;
  for (std::size_t f = 0; f < y.k(); ++f) g(f, f) += reg;
  return g;
}

// Exact solve of one row: A = YtY + sum_j (c_j - 1) y_j y_j^T, b = sum_j c_j p_j y_j,
// p_j = prefs[j] (empty: every p_j = 1). YtY: k x k with reg. x: k floats.
void cholesky_row(const Eigen::MatrixXf& yty, const FactorMatrix& y, std::span<const ItemIndex> index,
                  std::span<const float> values, float alpha, Eigen::MatrixXf& a, Eigen::MatrixXf& g,
                  Eigen::VectorXf& b, float* x, std::span<const float> prefs = {}) {
  const auto k = static_cast<Eigen::Index>(y.k());
  const auto n = static_cast<Eigen::Index>(index.size());
  a.resize(k, n);
  b.setZero(k);
  for (Eigen::Index j = 0; j < n; ++j) {
    Eigen::Map<const Eigen::VectorXf> yj(y.row(index[j]), k);
    const float c = 1.f + alpha * values[j];
    a.col(j) = std::sqrt(c - 1.f) * yj;  // (c - 1) y y^T = (sqrt(c-1) y)(sqrt(c-1) y)^T
    b += (prefs.empty() ? c : c * prefs[static_cast<std::size_t>(j)]) * yj;
  }
  g = yty.topLeftCorner(k, k);
  g.selfadjointView<Eigen::Lower>().rankUpdate(a);
  Eigen::Map<Eigen::VectorXf>(x, k) = g.selfadjointView<Eigen::Lower>().llt().solve(b);
}

// One row by `steps` conjugate-gradient steps on A x = b (the implicit
// library's least_squares_cg), warm-started from x:
//   A v = YtY v + sum_j (c_j - 1)(y_j . v) y_j,  b = sum_j c_j y_j.
// kN: the padded stride when known at compile time (unrolled kernels); yty is
// n x n column-major with zero padding; r, p, ap: scratch of n floats.
template <int kN>
void cg_row(const float* yty, const FactorMatrix& ys, std::span<const ItemIndex> index, std::span<const float> values,
            float alpha, int steps, float* x, float* r, float* p, float* ap) {
  constexpr std::size_t kAhead = 4;  // rows prefetched ahead: the gathers are random
  const std::size_t n = kN ? kN : ys.stride();
  auto dotn = [n](const float* a, const float* b) {
    if constexpr (kN > 0)
      return dot_fixed<kN>(a, b);
    else
      return dot(a, b, n);
  };
  auto yty_times = [&](const float* v, float* out) {
    if constexpr (kN > 0) {
      Eigen::Map<Eigen::Matrix<float, kN, 1>, Eigen::Aligned64>(out).noalias() =
          Eigen::Map<const Eigen::Matrix<float, kN, kN>, Eigen::Aligned64>(yty) *
          Eigen::Map<const Eigen::Matrix<float, kN, 1>, Eigen::Aligned64>(v);
    } else {
      const auto m = static_cast<Eigen::Index>(n);
      Eigen::Map<Eigen::VectorXf, Eigen::Aligned64>(out, m).noalias() =
          Eigen::Map<const Eigen::MatrixXf, Eigen::Aligned64>(yty, m, m) *
          Eigen::Map<const Eigen::VectorXf, Eigen::Aligned64>(v, m);
    }
  };
  // Adds sum_j w_j(y_j) y_j to out, w_j from the row and its confidence.
  auto gather = [&](float* out, auto weight) {
    const std::size_t m = index.size();
    for (std::size_t j = 0; j < m; ++j) {
      if (j + kAhead < m) {
        const float* next = ys.row(index[j + kAhead]);
        for (std::size_t f = 0; f < n; f += 16) __builtin_prefetch(next + f);
      }
      const float* y = ys.row(index[j]);
      const float w = weight(y, values[j]);
#pragma omp simd aligned(out, y : 64)
      for (std::size_t f = 0; f < n; ++f) out[f] += w * y[f];
    }
  };
  // r = b - A x = sum_j (c_j - (c_j - 1) y_j.x) y_j - YtY x
  yty_times(x, ap);
  for (std::size_t f = 0; f < n; ++f) r[f] = -ap[f];
  gather(r, [&](const float* y, float v) {
    const float c = 1.f + alpha * v;
    return c - (c - 1.f) * dotn(y, x);
  });
  std::copy(r, r + n, p);
  float rs_old = dotn(r, r);
  for (int s = 0; s < steps && rs_old > 1e-20f; ++s) {
    yty_times(p, ap);
    gather(ap, [&](const float* y, float v) { return alpha * v * dotn(y, p); });
    const float step = rs_old / dotn(p, ap);
#pragma omp simd
    for (std::size_t f = 0; f < n; ++f) {
      x[f] += step * p[f];
      r[f] -= step * ap[f];
    }
    const float rs_new = dotn(r, r);
    const float beta = rs_new / rs_old;
#pragma omp simd
    for (std::size_t f = 0; f < n; ++f) p[f] = r[f] + beta * p[f];
    rs_old = rs_new;
  }
}

}  // namespace

ImplicitAls::ImplicitAls(Params& p) {
  factors_ = p.get_int("factors", 64, "number of latent factors k", 1, 4096);
  iterations_ = p.get_int("iterations", 15, "ALS iterations (users then movies)", 1, 100000);
  alpha_ = static_cast<float>(p.get_double("alpha", 1.0, "confidence slope: c = 1 + alpha * rating", 0, 1e6));
  reg_ = static_cast<float>(
      p.get_double("reg", 30, "L2 weight lambda on every factor vector (30: best NDCG@10 on ml-latest-small)", 0, 1e6));
  std::string solver =
      p.get_string("solver", "cg", "row solver: conjugate gradient, or exact Cholesky", {"cg", "cholesky"});
  cg_steps_ = p.get_int("cg_steps", 3, "conjugate-gradient steps per row, warm-started (solver=cg)", 1, 1000);
  if (solver == "cholesky") cg_steps_ = 0;
  init_std_ = static_cast<float>(p.get_double("init_std", 0.01, "std of the normal initial factors", 0, 10));
  seed_ = static_cast<std::uint64_t>(p.get_int("seed", 42, "random seed (initial factors)", 0, 2147483647));
  threads_ = p.get_int("threads", 0, "threads; 0: the fit's thread setting (every core)", 0, 1024);
}

void ImplicitAls::solve_side(const RatingMatrix& train, bool by_user, int threads) {
  FactorMatrix& xs = by_user ? user_ : item_;
  const FactorMatrix& ys = by_user ? item_ : user_;
  const std::size_t n = xs.stride();
  const Eigen::MatrixXf yty = gram_padded(ys, reg_);
  const auto rows = static_cast<std::int64_t>(xs.rows());
  const float alpha = alpha_;
  const int steps = cg_steps_;
  ExceptionKeeper errors;
#pragma omp parallel num_threads(threads)
  errors.run([&] {
    Eigen::MatrixXf a, g;
    Eigen::VectorXf b;
    AlignedFloats r(n), p(n), ap(n);
#pragma omp for schedule(dynamic, 64)
    for (std::int64_t row = 0; row < rows; ++row) {
      const auto u = static_cast<std::uint32_t>(row);
      auto index = by_user ? train.user_items(u) : train.item_users(u);
      auto values = by_user ? train.user_values(u) : train.item_values(u);
      float* x = xs.row(u);
      if (index.empty()) {  // b = 0: the solution is 0
        std::fill(x, x + n, 0.f);
        continue;
      }
      if (steps == 0) {
        cholesky_row(yty, ys, index, values, alpha, a, g, b, x);
        continue;
      }
      auto run = [&](auto n_tag) {
        cg_row<decltype(n_tag)::value>(yty.data(), ys, index, values, alpha, steps, x, r.data(), p.data(), ap.data());
      };
      switch (n) {
        case 16:
          run(std::integral_constant<int, 16>{});
          break;
        case 32:
          run(std::integral_constant<int, 32>{});
          break;
        case 64:
          run(std::integral_constant<int, 64>{});
          break;
        case 128:
          run(std::integral_constant<int, 128>{});
          break;
        default:
          run(std::integral_constant<int, 0>{});
          break;
      }
    }
  });
  errors.rethrow();
}

void ImplicitAls::fit(const RatingMatrix& train, const FitOptions& opts) {
  const int threads = fit_threads(threads_, opts, als_work(train, iterations_, factors_, cg_steps_));
  Rng rng(seed_);
  mu_ = 0;
  user_bias_.clear();
  item_bias_.clear();
  user_ = FactorMatrix(train.n_users(), factors_);
  item_ = FactorMatrix(train.n_items(), factors_);
  user_.fill_normal(init_std_, rng());
  item_.fill_normal(init_std_, rng());
  Progress progress("ials iterations", iterations_, opts.progress);
  for (int it = 1; it <= iterations_; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    solve_side(train, true, threads);
    solve_side(train, false, threads);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.add(1);
    if (opts.on_epoch) {
      EpochReport rep;
      rep.epoch = it;
      rep.seconds = seconds;
      rep.loss = loss(train, threads);
      if (opts.measure_epoch) opts.measure_epoch(*this, rep);  // graded by the caller
      opts.on_epoch(rep);
    }
  }
  progress.done();
  check_fitted("try a higher reg or a lower alpha");
  item_gram_ = gram_padded(item_, reg_).topLeftCorner(factors_, factors_);
}

double ImplicitAls::loss(const RatingMatrix& train, int threads) const {
  // Over every pair: sum_ui s_ui^2 = sum_u x_u^T (Y^T Y) x_u = <X^T X, Y^T Y>
  // (elementwise), so only the rated pairs need their own term, as the
  // implicit library's calculate_loss.
  const Eigen::MatrixXd gx = gram_padded(user_, 0).cast<double>(), gy = gram_padded(item_, 0).cast<double>();
  double total = (gx.array() * gy.array()).sum() + reg_ * (gx.trace() + gy.trace());
  double rated = 0, extra_confidence = 0;
  const std::size_t n = user_.stride();
  const auto rows = static_cast<std::int64_t>(train.n_users());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64) reduction(+ : rated, extra_confidence)
  for (std::int64_t row = 0; row < rows; ++row) {
    const auto u = static_cast<UserIndex>(row);
    auto items = train.user_items(u);
    auto values = train.user_values(u);
    for (std::size_t j = 0; j < items.size(); ++j) {
      const double s = dot(user_.row(u), item_.row(items[j]), n);
      const double c = 1.0 + static_cast<double>(alpha_) * values[j];
      rated += c * (1 - s) * (1 - s) - s * s;  // replaces the pair's c = 1, p = 0 term
      extra_confidence += c - 1;
    }
  }
  total += rated;
  const double weight = static_cast<double>(train.n_users()) * static_cast<double>(train.n_items()) + extra_confidence;
  return weight > 0 ? total / weight : 0;
}

void ImplicitAls::load_extra(BinaryReader&) {
  item_gram_ = gram_padded(item_, reg_)
                   .topLeftCorner(static_cast<Eigen::Index>(item_.k()), static_cast<Eigen::Index>(item_.k()));
}

void ImplicitAls::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                                 std::span<float> out) const {
  for (ItemIndex i : items)
    if (i >= n_items()) throw ConfigError("score_new_user: movie index " + std::to_string(i) + " out of range");
  if (values.size() != items.size())
    throw ConfigError("score_new_user: " + std::to_string(items.size()) + " movies but " +
                      std::to_string(values.size()) + " ratings");
  // A disliked movie (rating below kDislikeBelow) gets preference -1 rather
  // than 0, which every unrated movie already has: its look-alikes go down.
  std::vector<float> prefs(values.size());
  for (std::size_t p = 0; p < values.size(); ++p) prefs[p] = like_sign(values[p]);
  std::vector<float> x(item_.k(), 0.f);
  if (!items.empty()) {
    Eigen::MatrixXf a, g;
    Eigen::VectorXf b;
    cholesky_row(item_gram_, item_, items, values, alpha_, a, g, b, x.data(), prefs);
  }
  score_vector(x, 0.f, out);
}

}  // namespace movierec
