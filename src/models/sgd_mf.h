// Biased matrix factorisation by stochastic gradient descent ("svd", Funk 2006;
// Koren, Bell, Volinsky 2009) and the tutorial's alternating variant:
//   r_ui ~ mu + b_u + b_i + p_u . q_i
// minimising, per training rating, with e = r_ui - r^_ui,
//   1/2 e^2 + reg_factors/2 (|p_u|^2 + |q_i|^2) + reg_bias/2 (b_u^2 + b_i^2).
//
// Parallel schedule (LIBMF's FPSG, Zhuang et al. 2013): users and movies are
// permuted at random and cut into a blocks x blocks grid; a thread takes a
// block whose row and column no other thread holds, so no two threads ever
// write the same p_u, q_i, b_u or b_i. Each epoch visits every block once, in
// random order, and the ratings of each block in a new order (param order):
//   chunked  shuffled in cache-sized chunks visited in random order (default;
//            see chunk_order in sgd_mf.cpp),
//   full     the whole block reshuffled (a cache miss per swap on big blocks),
//   user     sorted by user (no reshuffle).
// threads=1 with a seed is bit-for-bit reproducible; blocks=1, threads=1,
// order=full is plain serial SGD over the whole matrix in a fresh random order
// every epoch: the reference the fast schedule is compared with.
#pragma once

#include <cstdint>
#include <vector>

#include "models/factor_model.h"
#include "util/params.h"

namespace movierec {

// Which side an SGD pass updates: both (joint), or one side with the other
// fixed (the alternating variant).
enum class SgdSides { kJoint, kUsers, kItems };

// One SGD step on one rating (u, i, r), in two halves: sgd_error reads the
// parameters, sgd_apply moves them by x -= lr * d(loss)/dx (see sgd_rating_loss),
// every gradient from the old values. p, q: n floats (n = the padded stride,
// a compile-time kN on the fast path).
template <int kN = 0>
inline float sgd_error(float r, float mu, float bu, float bi, const float* p, const float* q, std::size_t n_dynamic) {
  if constexpr (kN > 0 && kN % 16 == 0)
    return r - (mu + bu + bi + dot_fixed<kN>(p, q));
  else
    return r - (mu + bu + bi + dot(p, q, kN ? static_cast<std::size_t>(kN) : n_dynamic));
}

template <SgdSides kSides, int kN = 0>
inline void sgd_apply(float e, float& bu, float& bi, float* __restrict p, float* __restrict q, std::size_t n_dynamic,
                      float lr, float reg_factors, float reg_bias) {
  const std::size_t n = kN ? static_cast<std::size_t>(kN) : n_dynamic;
  // b -= lr * (-e + reg_bias * b)
  if constexpr (kSides != SgdSides::kItems) bu += lr * (e - reg_bias * bu);
  if constexpr (kSides != SgdSides::kUsers) bi += lr * (e - reg_bias * bi);
  // p -= lr * (-e q + reg p) = (1 - lr reg) p + lr e q; q likewise with the old p.
  const float decay = 1.f - lr * reg_factors, le = lr * e;
#pragma omp simd
  for (std::size_t f = 0; f < n; ++f) {
    const float pf = p[f], qf = q[f];
    if constexpr (kSides != SgdSides::kItems) p[f] = decay * pf + le * qf;
    if constexpr (kSides != SgdSides::kUsers) q[f] = decay * qf + le * pf;
  }
}

// The whole step; returns the error e before it.
template <SgdSides kSides, int kN = 0>
inline float sgd_step(float r, float mu, float& bu, float& bi, float* __restrict p, float* __restrict q,
                      std::size_t n_dynamic, float lr, float reg_factors, float reg_bias) {
  const float e = sgd_error<kN>(r, mu, bu, bi, p, q, n_dynamic);
  sgd_apply<kSides, kN>(e, bu, bi, p, q, n_dynamic, lr, reg_factors, reg_bias);
  return e;
}

// The loss of one rating (above) and its exact gradient, for tests.
struct RatingLoss {
  double loss = 0;
  std::vector<double> d_p, d_q;  // d loss / d p_u, d q_i
  double d_bu = 0, d_bi = 0;
};
RatingLoss sgd_rating_loss(float r, float mu, float bu, float bi, std::span<const float> p, std::span<const float> q,
                           float reg_factors, float reg_bias);

struct SgdOptions {
  int factors = 0, epochs = 0;
  float lr = 0, reg_factors = 0, reg_bias = 0, init_std = 0;
  std::uint64_t seed = 0;
  int threads = 0;   // 0: FitOptions.threads
  int blocks = 0;    // grid side; 0: 1 with one thread, else 4 * threads + 2
  int chunk = 4096;  // ratings per chunk with order=chunked
  enum class Order { kChunked, kFull, kUser } order = Order::kChunked;
  bool generic_kernel = false;  // the run-time width loop even where a fixed-width one is compiled
  bool wide_grid = false;       // 12-byte grid entries even where 8-byte ones fit
};

// Biased MF by SGD. Subclasses choose which sides each epoch updates (as
// LIBMF's solvers override one step of the shared loop).
class SgdMf : public FactorModel {
 public:
  SgdMf(Params& p, int default_epochs);
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  bool predicts_ratings() const override { return true; }
  // Fold-in: p_u and b_u by a ridge solve against the fixed q_i and b_i, with
  // the objective's weights summed over the user's ratings (reg * n) plus the
  // fold-in prior (kFoldInPseudoRatings, kFoldInBiasShrinkage in ridge.h).
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  const SgdOptions& options() const { return opt_; }

 protected:
  virtual SgdSides sides_for_epoch(int epoch) const = 0;  // epoch is 1-based
  void load_extra(detail::BinaryReader& in) override { require_biases(in); }
  SgdOptions opt_;
};

class Svd final : public SgdMf {
 public:
  explicit Svd(Params& p) : SgdMf(p, 20) {}
  std::string_view name() const override { return "svd"; }

 protected:
  SgdSides sides_for_epoch(int) const override { return SgdSides::kJoint; }
};

// The tutorial's alternating variant: odd epochs update the user weights (p_u,
// b_u) with the movie features fixed, even epochs the movie features (q_i, b_i)
// with the user weights fixed.
class SvdAlternating final : public SgdMf {
 public:
  explicit SvdAlternating(Params& p) : SgdMf(p, 40) {}
  std::string_view name() const override { return "svd-alternating"; }

 protected:
  SgdSides sides_for_epoch(int epoch) const override { return epoch % 2 ? SgdSides::kUsers : SgdSides::kItems; }
};

}  // namespace movierec
