// Bayesian personalised ranking (Rendle et al. 2009) by SGD: for a rated
// (u, i) and a movie j drawn uniformly, maximise ln sigma(x_uij) with
//   x_uij = b_i - b_j + p_u . (q_i - q_j),
// L2-regularised (reg) on every parameter the sample touches. One epoch draws
// nnz samples: (u, i) uniform over the training ratings, j uniform over the
// movies (skipped when u rated j, verify_negative). Threads sample and update
// without locks (Hogwild, Niu et al. 2011); threads=1 is reproducible.
// Ranking only: scores are not ratings.
#pragma once

#include <cmath>

#include "models/factor_model.h"
#include "util/params.h"

namespace movierec {

// One SGD step on the sample (u, i, j), u rated i and not j: every parameter
// moves by x -= lr * d(loss)/dx with
//   loss = -ln sigma(x_uij) + reg/2 (|p_u|^2 + |q_i|^2 + |q_j|^2 + b_i^2 + b_j^2),
// every gradient from the old values. pu, qi, qj: distinct rows of n floats.
// Returns x_uij before the step.
inline float bpr_step(float* pu, float* qi, float* qj, float& bi, float& bj, std::size_t n, float lr, float reg) {
  float x_uij = bi - bj;
#pragma omp simd reduction(+ : x_uij)
  for (std::size_t f = 0; f < n; ++f) x_uij += pu[f] * (qi[f] - qj[f]);
  // d ln sigma(x) / dx = sigma(-x) = 1 / (1 + e^x)
  const float z = 1.f / (1.f + std::exp(x_uij));
  const float lz = lr * z, decay = 1.f - lr * reg;
  bi += lr * (z - reg * bi);
  bj += lr * (-z - reg * bj);
#pragma omp simd
  for (std::size_t f = 0; f < n; ++f) {
    const float pf = pu[f], qif = qi[f], qjf = qj[f];
    pu[f] = decay * pf + lz * (qif - qjf);
    qi[f] = decay * qif + lz * pf;
    qj[f] = decay * qjf - lz * pf;
  }
  return x_uij;
}

class Bpr final : public FactorModel {
 public:
  explicit Bpr(Params& p);
  std::string_view name() const override { return "bpr"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;

 private:
  int factors_, epochs_, threads_;
  float lr_, reg_, init_std_;
  bool verify_negative_;
  std::uint64_t seed_;
};

}  // namespace movierec
