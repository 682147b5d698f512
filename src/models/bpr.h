// Bayesian personalised ranking (Rendle et al. 2009) by SGD: for a rated
// (u, i) and a movie j drawn uniformly, maximise ln sigma(x_uij) with
//   x_uij = b_i - b_j + p_u . (q_i - q_j),
// L2-regularised (reg) on every parameter the sample touches. One epoch draws
// nnz samples: (u, i) uniform over the training ratings, j uniform over the
// movies (skipped when u rated j, verify_negative). Threads sample and update
// without locks (Hogwild, Niu et al. 2011); threads=1 is reproducible.
// Ranking only: scores are not ratings.
#pragma once

#include "models/factors.h"
#include "util/params.h"

namespace movierec {

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
