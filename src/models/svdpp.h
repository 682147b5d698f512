// SVD++ (Koren 2008, "Factorization meets the neighborhood", eq. 15): biased
// MF plus the implicit feedback of which movies the user rated, N(u):
//   r_ui ~ mu + b_u + b_i + q_i . (p_u + |N(u)|^-1/2 sum_{j in N(u)} y_j)
// fitted by SGD with the per-rating updates of the paper (and of Surprise's
// SVDpp), with reg_implicit on y_j.
//
// Speed: the per-rating step moves every y_j of the user by the same vector
// (lr * e * |N|^-1/2 * q_i) and decays them all by (1 - lr * reg_implicit), so
// y_j after the user's ratings is a * y_j + d for one scalar a and one vector d.
// Processing a user's ratings together we keep z = |N|^-1/2 sum y_j up to date
// in O(k) per rating and write the y_j once per user: O(|N(u)| k) per user
// instead of O(|N(u)|^2 k), with the same result as the per-rating update.
// Users run in parallel (Hogwild on q_i, b_i, y_j); threads=1 is reproducible.
// After fit, user_ holds p_u + |N(u)|^-1/2 sum y_j, so scoring is plain MF.
#pragma once

#include "models/factor_model.h"
#include "util/params.h"

namespace movierec {

// The state one SVD++ user pass reads and updates.
struct SvdppRefs {
  float mu;
  FactorMatrix &p, &q, &y;
  std::vector<float>&bu, &bi;
};
struct SvdppRates {
  float lr, reg_factors, reg_bias, reg_implicit;
};

// SGD over the ratings of user u in the given order: rated = N(u), the movies
// u rated (each rating's movie), values their ratings, order the positions in
// rated of the ratings to step on, in turn (fit passes a permutation of
// 0..|N(u)|-1; one position is one per-rating step). The fast path (lazy y update, O(|N(u)| k)); z and d are
// scratch buffers of q.stride() floats.
void svdpp_user_pass(const SvdppRefs& m, const SvdppRates& r, UserIndex u, std::span<const ItemIndex> rated,
                     std::span<const float> values, std::span<const std::uint32_t> order, float* z, float* d);
// The same pass with the paper's per-rating update of every y_j, O(|N(u)|^2 k):
// the reference the fast path is tested against.
void svdpp_user_pass_reference(const SvdppRefs& m, const SvdppRates& r, UserIndex u, std::span<const ItemIndex> rated,
                               std::span<const float> values, std::span<const std::uint32_t> order);

class SvdPlusPlus final : public FactorModel {
 public:
  explicit SvdPlusPlus(Params& p);
  std::string_view name() const override { return "svdpp"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  bool predicts_ratings() const override { return true; }
  // Fold-in: z from the rated movies' y_j, then p_u, b_u by a ridge solve.
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  const FactorMatrix& implicit_factors() const { return y_; }

 private:
  void save_extra(detail::BinaryWriter& out) const override;
  void load_extra(detail::BinaryReader& in) override;

  int factors_, epochs_, threads_;
  float lr_, reg_factors_, reg_bias_, reg_implicit_, init_std_;
  std::uint64_t seed_;
  FactorMatrix y_;  // y_j, one row per movie
};

}  // namespace movierec
