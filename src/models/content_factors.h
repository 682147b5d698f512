// content-factors: new movies' latent factors predicted from their content
// (van den Oord, Dieleman & Schrauwen 2013, "Deep content-based music
// recommendation": Spotify's mapping from audio to iALS factors).
//
// 1. Fit a factor model on the ratings (base=ials by default, or any model
//    with factors: svd, als, bpr...): user factors P, movie factors Q, and
//    movie biases b when the model has them.
// 2. Ridge regression in closed form from the item features X (src/features,
//    plus a constant column) to [Q | b | log(1 + n_i)], n_i the movie's number
//    of training ratings, over the movies with at least min_ratings ratings:
//      W = (X^T X + ridge I)^-1 X^T T.
//    With cross=true X also holds the products of every two features of
//    different blocks (genre x year bucket, genre x poster component...).
//    With map=mlp a small perceptron (src/models/mlp_map.h: one ReLU hidden
//    layer, Adam) replaces the ridge as the map.
// 3. A new movie (no training rating) gets q = x W_Q, b = x w_b and a predicted
//    popularity x w_pop; a known movie keeps its learned q (blended with the
//    content prediction by `blend`) and its observed popularity.
// Score of (u, i): p_u . q_i + b_i (+ the base model's mean and user bias) +
// pop_weight * popularity_i. Ranking only.
#pragma once

#include "util/eigen.h"

#include <memory>

#include "models/content_side.h"
#include "models/mlp_map.h"
#include "movierec/recommender.h"

namespace movierec {

// Ridge regression in closed form: W = (X^T X + lambda I)^-1 X^T T over the
// rows in `rows`, by a Cholesky (LLT) solve of the d x d system.
// X: n x d, T: n x t. REQUIRES lambda > 0.
Eigen::MatrixXf ridge_map(const Eigen::MatrixXf& X, const Eigen::MatrixXf& T, const std::vector<Eigen::Index>& rows,
                          double lambda);

class ContentFactors final : public Recommender {
 public:
  explicit ContentFactors(Params& p);
  std::string_view name() const override { return "content-factors"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  // Cosine of the movies' (predicted, for new movies) factor vectors.
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  std::size_t n_users() const override { return users_.rows(); }
  std::size_t n_items() const override { return items_.rows(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  const Eigen::MatrixXf& item_factors() const { return items_; }
  const std::vector<float>& popularity() const { return pop_; }  // log(1 + n_i), predicted for new movies

 private:
  std::unique_ptr<Recommender> make_base() const;  // base with base_params, not fitted

  SideParams side_;
  std::string base_, base_params_;
  double ridge_, pop_weight_, blend_;
  int min_ratings_;
  bool cross_;
  std::string map_;  // ridge or mlp
  MlpOptions mlp_;
  // State.
  Eigen::MatrixXf users_, items_;  // n_users x k, n_items x k
  std::vector<float> user_bias_, item_bias_, pop_;
  float mu_ = 0;
};

}  // namespace movierec
