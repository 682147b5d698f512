// Explicit alternating least squares with weighted-lambda regularisation
// (Zhou, Wilkinson, Schreiber, Pan 2008, "ALS-WR"), with optional biases:
//   r_ui ~ mu + b_u + b_i + p_u . q_i
//   min sum_(u,i) (r_ui - r^_ui)^2 + reg (sum_u n_u (|p_u|^2 + b_u^2) + sum_i n_i (|q_i|^2 + b_i^2))
// Each half-step solves every row exactly (Cholesky LLT of the k+1 normal
// equations, RidgeSolver) or by cg_steps warm-started conjugate-gradient steps;
// rows run in parallel (independent given the other side).
#pragma once

#include "models/factor_model.h"
#include "models/ridge.h"
#include "util/params.h"

namespace movierec {

class Als final : public FactorModel {
 public:
  explicit Als(Params& p);
  std::string_view name() const override { return "als"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  bool predicts_ratings() const override { return true; }
  // Fold-in: the user half-step of fit for a new row (same weighted lambda).
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;

  // One half-step: every row of `solved` (users when by_user) from the fixed
  // `other` side. Public for tests.
  void solve_side(const RatingMatrix& train, bool by_user, int threads);

 private:
  void load_extra(detail::BinaryReader& in) override;
  // The row's least-squares solve, shared by fit and fold-in.
  void solve_row(RidgeSolver& solver, const FactorMatrix& other, std::span<const float> other_bias,
                 std::span<const ItemIndex> index, std::span<const float> values, std::vector<float>& targets,
                 int cg_steps, std::span<float> x) const;

  int factors_, iterations_, cg_steps_, threads_;
  float reg_, init_std_;
  bool biases_;
  std::uint64_t seed_;
};

}  // namespace movierec
