// blend: a stacked rating model, the Netflix-prize way of combining rating
// predictors (Töscher, Jahrer, Bell 2009, "The BigChaos solution to the Netflix
// Grand Prize", section on blending; Sill et al. 2009, "Feature-weighted linear
// stacking", for the meta-features).
//
// Base models (svdpp, which carries the implicit feedback of which movies a
// user rated, svd, item-knn, user-knn, baseline by default) predict every
// training rating out of fold: the training matrix is cut into `folds` seeded
// folds, each base is fitted on the other folds and predicts the ratings of
// this one (cross-fitting; the evaluation's test part is never read). On those
// out-of-fold rows the blender learns the rating from
//   x_ui = [each base's prediction,
//           log(1 + n_u), u's mean rating (shrunk to mu by 5 ratings), u's std,
//           log(1 + n_i), i's mean rating (shrunk by 10), i's std,
//           i's side features (side=genres,year: multi-hot genres, year),
//           u's side features (user_side=age,gender,occupation, one-hot)]
// with user and movie statistics of the matrix the bases were fitted on. The
// blender is a ridge regression on the base predictions (plus an intercept),
// then, with blender=xgb, gradient-boosted trees (xgboost reg:squarederror)
// on the residual of that linear blend, started from it as base margin:
//   r_ui ~ w . [preds, 1] + sum_t tree_t(x_ui).
// The number of trees is chosen by early stopping on a seeded fifth of the
// out-of-fold rows (trees that do not lower its RMSE below the linear blend's
// are dropped: rounds 0 is the linear blend); the trees are then retrained on
// every row with that number. Finally the bases are refitted on the whole
// training matrix and predict through the blender.
//
// Defaults were chosen on a validation split that never reads a test fold:
// ml-100k kfold:5 (seed 42) fold 1's training part cut 80/20 at random, both
// parts passed as `--split files:inner.csv,valid.csv`. There (RMSE; svdpp
// 0.9158, the linear blend 0.9092): trees eta 0.05 with 256 bins 0.9024, 64
// bins 0.9017, 32 bins 0.9018; eta 0.1 with 64 bins 0.9022 at 60% of the
// CPU time (chosen); depth 6, min_child_weight 200, folds 10, als as a sixth
// base, svdpp factors=50: 0.9023-0.9030, no better; without user side
// features 0.9036, without any side feature 0.9054; refit=false 0.9034.
//
// Cost: folds + 1 fits of every base, plus the boosting (rows = nnz of train,
// or a seeded sample of max_rows of them). Memory: the out-of-fold feature
// matrix, rows x cols floats (2M x 73 floats = 584 MB at the default cap).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "models/content_side.h"
#include "models/xgb_ranker.h"
#include "movierec/recommender.h"

namespace movierec {

// Ridge regression with an unpenalised last column (the intercept):
// argmin_w |X w - y|^2 + lambda |w_{0..cols-2}|^2, solved in double precision.
// @param x rows x cols, row-major; y rows values. Returns cols weights.
std::vector<double> ridge_with_intercept(const std::vector<float>& x, const std::vector<float>& y, std::size_t cols,
                                         double lambda);

class Blend final : public Recommender {
 public:
  explicit Blend(Params& p);
  ~Blend() override;
  std::string_view name() const override { return "blend"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override;
  bool predicts_ratings() const override { return true; }
  // The first base's similar movies that has any (svdpp: cosine of movie factors).
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  // Fold-in through every base (NotSupported when one cannot: user-knn); the
  // user's statistics from the given ratings, the user side features missing.
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return n_users_; }
  std::size_t n_items() const override { return n_items_; }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  // Feature names, in column order.
  std::vector<std::string> feature_names() const;
  // The linear blend's weights: one per base, then the intercept.
  const std::vector<double>& linear_weights() const { return weights_; }
  int rounds_used() const { return rounds_used_; }
  // Out-of-fold rows the blender learned from (0 after a model file load).
  std::size_t blender_rows() const { return blender_rows_; }
  // RMSE on the early-stopping fifth of the out-of-fold rows: the linear
  // blend, the chosen blend, and the best single base (NaN before fit or
  // after a model file load).
  double valid_rmse_linear() const { return valid_linear_; }
  double valid_rmse() const { return valid_blend_; }
  double valid_rmse_best_base() const { return valid_best_base_; }

 private:
  // Per-user and per-movie statistics of a rating matrix (feature values).
  struct Stats {
    std::vector<float> user_log_n, user_mean, user_std, item_log_n, item_mean, item_std;
  };
  static Stats stats_of(const RatingMatrix& r);
  std::vector<std::unique_ptr<Recommender>> make_bases() const;
  std::size_t n_cols() const;
  // One feature row: preds (one per base), then the statistics and side
  // features. user_stats: 3 values (log n, mean, std); user_side: a row of
  // the user features, null when there are none.
  void feature_row(const float* preds, const float* user_stats, const float* user_side, ItemIndex i, const Stats& st,
                   float* out) const;
  float linear(const float* preds) const;
  // Blended ratings of rows (rows x n_cols, preds in the first columns).
  std::vector<float> blend_rows(const std::vector<float>& x, std::size_t rows) const;
  // The user's (log n, mean, std) from its ratings.
  std::array<float, 3> user_stats_of(std::span<const float> values) const;
  int fit_threads_of(const FitOptions& opts) const;

  std::vector<std::string> base_names_;
  std::string base_params_;
  SideParams side_;
  std::string user_side_;
  std::string blender_;
  int folds_, rounds_;
  double ridge_;
  std::size_t max_rows_;
  bool refit_;
  RankerOptions xgb_opts_;
  int threads_;
  std::uint64_t seed_;
  // State.
  std::size_t n_users_ = 0, n_items_ = 0;
  float mu_ = 0;
  std::vector<std::unique_ptr<Recommender>> bases_;
  Stats stats_;
  std::size_t item_dim_ = 0, user_dim_ = 0;
  std::vector<float> item_side_, user_side_values_, user_missing_;  // user_missing_: the row of a new user
  std::vector<double> weights_;
  XgbRanker booster_;
  int rounds_used_ = 0;
  std::size_t blender_rows_ = 0;
  double valid_linear_, valid_blend_, valid_best_base_;
};

}  // namespace movierec
