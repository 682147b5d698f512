// Neighbourhood models: user-knn and item-knn (Koren 2010 section 2.2;
// Surprise's KNNBasic / KNNWithMeans / KNNBaseline in one model).
//
// Item-based, for user u and movie i (user-based swaps the roles):
//   N = the k movies most similar to i among those u rated (positive
//       similarities only; ties: lower index first)
//   r_ui = base(u, i) + sum_{j in N} s_ij (r_uj - base(u, j)) / (weight_reg + sum_{j in N} s_ij)
// with base = the baseline b_ui = mu + b_u + b_i (centering=baseline), the
// mean of the row's ratings (mean: the movie's for item-based, the user's for
// user-based) or 0 (none; then weight_reg pulls towards b_ui instead of 0:
// r_ui = (sum s_ij r_uj + weight_reg b_ui) / (weight_reg + sum s_ij)).
// With fewer than min_k neighbours (or none) the model predicts b_ui.
// weight_reg (default 0.3; Surprise has none, i.e. 0) keeps one weakly similar
// neighbour from moving the prediction by its whole residual: on
// ml-latest-small-2016 holdout:10 it lowers item-knn's RMSE by ~0.015 and
// user-knn's by ~0.025, on ml-100k kfold:5 by 0.001 and 0.005 (bench/cf_bench.cpp).
// Defaults (k 40, shrinkage 100, weight_reg 0.3, pearson-baseline, baseline
// centering) were tuned on those two protocols: k 20-80 and shrinkage 50-200
// change the RMSE by < 0.002; min_k 10 instead of weight_reg gains less (~0.01).
// Similarities are computed once in fit (models/similarity.h), sparse and
// exact, and kept as per-row neighbour lists. predict costs O(neighbours of i)
// (item-knn) or O(raters of i) (user-knn) with u's row cached per thread;
// score() scatters u's ratings through the lists, O(sum over u's movies of
// their list lengths), so score and predict agree bit for bit.
#pragma once

#include <vector>

#include "models/baseline.h"
#include "models/similarity.h"
#include "movierec/recommender.h"
#include "util/params.h"

namespace movierec {

namespace knn_detail {
// One rated entry seen from the target's side: a neighbour's similarity, its
// centred rating, and its index.
struct Candidate {
  float sim;
  float resid;
  std::uint32_t who;
};
// The k-th largest similarity of c (REQUIRES: 1 <= k <= c.size(), similarities
// positive and finite). scratch: reusable memory.
float kth_largest(std::span<const Candidate> c, std::size_t k, std::vector<float>& scratch);
}  // namespace knn_detail

class Knn final : public Recommender {
 public:
  enum class Kind { kUser, kItem };
  enum class Centering { kNone, kMean, kBaseline };

  Knn(Params& p, Kind kind);
  std::string_view name() const override { return kind_ == Kind::kUser ? "user-knn" : "item-knn"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override;
  bool predicts_ratings() const override { return true; }
  // item-knn: the stored neighbour list of i. user-knn: the same similarity
  // between movies, computed on demand (O(ratings of i's raters)).
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  // item-knn only (user-knn would need the new user's similarity to everyone).
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return train_.n_users(); }
  std::size_t n_items() const override { return train_.n_items(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  // Neighbour lists of the rows (users for user-knn, movies for item-knn).
  const NeighborLists& neighbors() const { return nb_; }
  const Biases& biases() const { return biases_; }

 private:
  using Candidate = knn_detail::Candidate;
  void prepare();  // derived state (means, residuals, transposed lists) from train_, biases_, nb_
  float base(UserIndex u, ItemIndex i) const;
  float combine(std::vector<Candidate>& cands, float base, float fallback) const;
  // Item-based scores of every movie for one user given as (item, residual),
  // sorted by item; base_of(i) and fallback_of(i) per movie.
  template <typename Base, typename Fallback>
  void score_items_from(std::span<const ItemIndex> items, std::span<const float> resid, Base base_of,
                        Fallback fallback_of, std::span<float> out) const;
  void score_user_based(UserIndex u, std::span<float> out) const;
  std::vector<float> transformed_values(bool csc, bool item_rows) const;

  Kind kind_;
  int k_, min_k_;
  double weight_reg_;
  Centering centering_;
  SimilarityOptions sim_opts_;
  double reg_user_, reg_item_;
  int bias_epochs_;

  RatingMatrix train_;
  Biases biases_;
  NeighborLists nb_;
  // Derived in prepare():
  NeighborLists rev_;                         // nb_ transposed (item-knn with truncated lists only)
  std::vector<float> user_mean_, item_mean_;  // mean rating of each row (mu when it has none)
  std::vector<float> resid_csr_, resid_csc_;  // r_ui - base(of the rated side), both layouts
  std::uint64_t generation_ = 0;              // unique per prepare(): keys the per-thread row cache
};

}  // namespace movierec
