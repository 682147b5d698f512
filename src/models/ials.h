// Implicit-feedback ALS (Hu, Koren, Volinsky 2008, "Collaborative filtering for
// implicit feedback datasets"): every rated (u, i) is a positive preference
// p_ui = 1 with confidence c_ui = 1 + alpha * r_ui; unrated pairs have p = 0,
// c = 1. The user step (movies symmetric) is
//   x_u = (Y^T Y + Y^T (C_u - I) Y + reg I)^-1 Y^T C_u p(u)
// with Y^T Y + reg I computed once per half-step, so a row costs O(n_u k^2)
// (Cholesky) or O(n_u k + k^2) per conjugate-gradient step (solver=cg, the
// default, as the implicit library: cg_steps steps warm-started from the
// previous x_u). Ranking only: scores are not ratings.
#pragma once

#include "models/factor_model.h"
#include "util/params.h"

namespace movierec {

class ImplicitAls final : public FactorModel {
 public:
  explicit ImplicitAls(Params& p);
  std::string_view name() const override { return "ials"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  // Fold-in: the user step for a new row, solved exactly (Cholesky). A rating
  // below kDislikeBelow (models/fold_in.h) is a preference of -1, not +1.
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;

  // One half-step (users when by_user) from the fixed other side. Public for tests.
  void solve_side(const RatingMatrix& train, bool by_user, int threads);
  // Hu et al.'s objective over every (user, movie) pair,
  //   sum_ui c_ui (p_ui - x_u . y_i)^2 + reg (sum_u |x_u|^2 + sum_i |y_i|^2),
  // divided by the total confidence sum_ui c_ui; O(nnz k + (users + movies) k^2).
  // Reported per iteration as EpochReport::loss.
  double loss(const RatingMatrix& train, int threads) const;
  float alpha() const { return alpha_; }
  float reg() const { return reg_; }

 private:
  void load_extra(detail::BinaryReader& in) override;

  int factors_, iterations_, cg_steps_, threads_;
  float alpha_, reg_, init_std_;
  std::uint64_t seed_;
  Eigen::MatrixXf item_gram_;  // Q^T Q + reg I (k x k) of the fitted movies, for fold-in
};

}  // namespace movierec
