#include "models/svdpp.h"

#include <chrono>
#include <cmath>
#include <numeric>

#include "models/epoch_loop.h"
#include "models/ridge.h"
#include "models/rmse_over.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/rng.h"

namespace movierec {
namespace {

// z = |N|^-1/2 sum_{j in N} y_j into z (n floats); 0 for an empty N.
void implicit_sum(const FactorMatrix& y, std::span<const ItemIndex> rated, float* z, std::size_t n) {
  std::fill(z, z + n, 0.f);
  for (ItemIndex j : rated) {
    const float* yj = y.row(j);
#pragma omp simd
    for (std::size_t f = 0; f < n; ++f) z[f] += yj[f];
  }
  const float s = rated.empty() ? 0.f : 1.f / std::sqrt(float(rated.size()));
  for (std::size_t f = 0; f < n; ++f) z[f] *= s;
}

}  // namespace

void svdpp_user_pass(const SvdppRefs& m, const SvdppRates& r, UserIndex u, std::span<const ItemIndex> rated,
                     std::span<const float> values, std::span<const std::uint32_t> order, float* z, float* d) {
  const std::size_t n = m.q.stride();
  const float s = 1.f / std::sqrt(float(rated.size()));
  implicit_sum(m.y, rated, z, n);
  std::fill(d, d + n, 0.f);
  float a = 1.f;  // every y_j of N(u) becomes a * y_j + d after the loop
  const float decay_f = 1.f - r.lr * r.reg_factors, decay_y = 1.f - r.lr * r.reg_implicit;
  float* pu = m.p.row(u);
  float& bu = m.bu[u];
  for (std::uint32_t o : order) {
    const ItemIndex i = rated[o];
    float* qi = m.q.row(i);
    float& bi = m.bi[i];
    float qp = 0;
#pragma omp simd reduction(+ : qp)
    for (std::size_t f = 0; f < n; ++f) qp += qi[f] * (pu[f] + z[f]);
    const float e = values[o] - (m.mu + bu + bi + qp);
    bu += r.lr * (e - r.reg_bias * bu);
    bi += r.lr * (e - r.reg_bias * bi);
    const float le = r.lr * e, les = le * s;
#pragma omp simd
    for (std::size_t f = 0; f < n; ++f) {
      const float qf = qi[f], pf = pu[f];
      qi[f] = decay_f * qf + le * (pf + z[f]);
      pu[f] = decay_f * pf + le * qf;
      // every y_j += lr (e s q_i - reg y_j); z = s sum y_j moves by lr e q_i (s^2 |N| = 1).
      d[f] = decay_y * d[f] + les * qf;
      z[f] = decay_y * z[f] + le * qf;
    }
    a *= decay_y;
  }
  for (ItemIndex j : rated) {
    float* y = m.y.row(j);
#pragma omp simd
    for (std::size_t f = 0; f < n; ++f) y[f] = a * y[f] + d[f];
  }
}

void svdpp_user_pass_reference(const SvdppRefs& m, const SvdppRates& r, UserIndex u, std::span<const ItemIndex> rated,
                               std::span<const float> values, std::span<const std::uint32_t> order) {
  const std::size_t k = m.q.k();
  const double s = 1.0 / std::sqrt(double(rated.size()));
  float* pu = m.p.row(u);
  for (std::uint32_t o : order) {
    const ItemIndex i = rated[o];
    float* qi = m.q.row(i);
    std::vector<double> z(k, 0.0);  // recomputed from the current y_j for every rating
    for (ItemIndex j : rated)
      for (std::size_t f = 0; f < k; ++f) z[f] += s * m.y.row(j)[f];
    double pred = m.mu + m.bu[u] + m.bi[i];
    for (std::size_t f = 0; f < k; ++f) pred += qi[f] * (pu[f] + z[f]);
    const double e = values[o] - pred;
    m.bu[u] += static_cast<float>(r.lr * (e - r.reg_bias * m.bu[u]));
    m.bi[i] += static_cast<float>(r.lr * (e - r.reg_bias * m.bi[i]));
    std::vector<double> q_old(qi, qi + k);
    for (std::size_t f = 0; f < k; ++f) {
      const double pf = pu[f];
      qi[f] += static_cast<float>(r.lr * (e * (pf + z[f]) - r.reg_factors * q_old[f]));
      pu[f] += static_cast<float>(r.lr * (e * q_old[f] - r.reg_factors * pf));
    }
    for (ItemIndex j : rated)
      for (std::size_t f = 0; f < k; ++f)
        m.y.row(j)[f] += static_cast<float>(r.lr * (e * s * q_old[f] - r.reg_implicit * m.y.row(j)[f]));
  }
}

SvdPlusPlus::SvdPlusPlus(Params& p) {
  factors_ = p.get_int("factors", 20, "number of latent factors k", 1, 4096);
  epochs_ = p.get_int("epochs", 25, "passes over the training ratings", 1, 100000);
  lr_ = static_cast<float>(p.get_double("lr", 0.007, "SGD learning rate (lower it if training diverges)", 1e-9, 10));
  // reg: one weight for every term (Surprise's reg_all); the specific ones override it.
  const auto reg =
      p.get_optional_double("reg", "L2 weight on every parameter: sets reg_factors, reg_bias and reg_implicit", 0, 100);
  reg_factors_ =
      static_cast<float>(p.get_double("reg_factors", reg.value_or(0.1), "L2 weight on p_u and q_i per rating", 0, 100));
  reg_bias_ =
      static_cast<float>(p.get_double("reg_bias", reg.value_or(0.02), "L2 weight on b_u and b_i per rating", 0, 100));
  reg_implicit_ = static_cast<float>(
      p.get_double("reg_implicit", reg.value_or(0.005), "L2 weight on the implicit y_j per rating", 0, 100));
  init_std_ = static_cast<float>(p.get_double("init_std", 0.1, "std of the normal initial factors", 0, 10));
  seed_ = static_cast<std::uint64_t>(p.get_int("seed", 42, "random seed (init, order)", 0, 2147483647));
  threads_ = p.get_int("threads", 0, "threads; 0: the fit's thread setting (every core)", 0, 1024);
}

void SvdPlusPlus::fit(const RatingMatrix& train, const FitOptions& opts) {
  // Per epoch, each rating updates p_u, q_i and its user's implicit sum.
  const int threads = fit_threads(threads_, opts, 4.0 * train.nnz() * epochs_ * factors_);
  const std::size_t nu = train.n_users(), ni = train.n_items();
  Rng rng(seed_);
  mu_ = static_cast<float>(train.mean());
  FactorMatrix p(nu, factors_);
  item_ = FactorMatrix(ni, factors_);
  y_ = FactorMatrix(ni, factors_);
  p.fill_normal(init_std_, rng());
  item_.fill_normal(init_std_, rng());
  y_.fill_normal(init_std_, rng());
  user_bias_.assign(nu, 0.f);
  item_bias_.assign(ni, 0.f);
  user_ = FactorMatrix(nu, factors_);  // p_u + z_u, refreshed for reports and at the end

  const std::size_t n = p.stride();
  const auto& ptr = train.user_ptr();
  std::vector<std::uint32_t> order(train.nnz());  // per user, a shuffled permutation of 0..n_u-1
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t j = ptr[u]; j < ptr[u + 1]; ++j) order[j] = static_cast<std::uint32_t>(j - ptr[u]);
  std::vector<UserIndex> users(nu);
  std::iota(users.begin(), users.end(), 0u);

  auto refresh_users = [&] {  // user_ = p_u + z_u
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
    for (std::size_t u = 0; u < nu; ++u) {
      float* out = user_.row(u);
      implicit_sum(y_, train.user_items(static_cast<UserIndex>(u)), out, n);
      const float* pu = p.row(u);
      for (std::size_t f = 0; f < n; ++f) out[f] += pu[f];
    }
  };

  Progress progress("svdpp epochs", epochs_, opts.progress);
  const float lo = train.min_value(), hi = train.max_value();
  const SvdppRefs refs{mu_, p, item_, y_, user_bias_, item_bias_};
  const SvdppRates rates{lr_, reg_factors_, reg_bias_, reg_implicit_};
  std::uint64_t epoch_seed = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto start = [&](int) {
    rng.shuffle(std::span<UserIndex>(users));
    epoch_seed = rng();
    t0 = std::chrono::steady_clock::now();
  };
  auto work = [&](int, std::size_t begin, std::size_t end) {
    thread_local AlignedFloats z, d;  // scratch, n floats
    z.resize(n);
    d.resize(n);
    for (std::size_t t = begin; t < end; ++t) {
      const UserIndex u = users[t];
      if (ptr[u] == ptr[u + 1]) continue;
      std::span<std::uint32_t> perm(order.data() + ptr[u], ptr[u + 1] - ptr[u]);
      Rng(epoch_seed, u).shuffle(perm);
      svdpp_user_pass(refs, rates, u, train.user_items(u), train.user_values(u), perm, z.data(), d.data());
    }
  };
  auto end = [&](int epoch) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.add(1);
    if (opts.on_epoch) {
      refresh_users();
      report_rating_epoch(opts, epoch, seconds, train, lo, hi, threads,
                          [this](UserIndex u, ItemIndex i) { return score_one(u, i); });
    }
  };
  // Users run in parallel, 16 at a time (Hogwild on q_i, b_i, y_j).
  run_epochs(threads, epochs_, nu, 16, start, work, end);
  progress.done();
  refresh_users();
  const char* hint = "try a lower lr or higher reg_factors / reg_implicit";
  check_fitted(hint);
  check_finite(y_, name(), "implicit factors", hint);
}

void SvdPlusPlus::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                                 std::span<float> out) const {
  // z from the rated movies' y_j, then p_u and b_u by a ridge solve against the
  // fixed q_i (the objective summed over the user's ratings, plus the fold-in
  // prior of ridge.h).
  const std::size_t k = item_.k();
  for (ItemIndex i : items)
    if (i >= n_items()) throw ConfigError("score_new_user: movie index " + std::to_string(i) + " out of range");
  std::vector<float> z(y_.stride()), targets(items.size());
  implicit_sum(y_, items, z.data(), y_.stride());
  for (std::size_t j = 0; j < items.size(); ++j)
    targets[j] = values[j] - mu_ - item_bias_[items[j]] - dot(item_.row(items[j]), z.data(), k);
  const float n = static_cast<float>(items.size());
  std::vector<float> x(k + 1, 0.f);
  RidgeSolver().solve(item_, items, targets, reg_factors_ * (n + kFoldInPseudoRatings),
                      reg_bias_ * n + kFoldInBiasShrinkage, true, 0, x);
  for (std::size_t f = 0; f < k; ++f) x[f] += z[f];
  score_vector(std::span<const float>(x.data(), k), x[k], out);
}

void SvdPlusPlus::save_extra(BinaryWriter& out) const { y_.save(out); }

void SvdPlusPlus::load_extra(BinaryReader& in) {
  require_biases(in);
  y_.load(in, "implicit factors", false);
  if (y_.rows() != item_.rows() || y_.k() != item_.k()) in.fail("implicit factors of the wrong size");
}

}  // namespace movierec
