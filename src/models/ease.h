// EASE (Steck 2019, "Embarrassingly shallow autoencoders for sparse data"):
// the item-item model B minimising |X - X B|^2 + lambda |B|^2 with diag(B) = 0,
// X the binary user x movie matrix of the training ratings. Closed form:
//   P = (X^T X + lambda I)^-1,   B_ij = -P_ij / P_jj (i != j),   B_jj = 0,
// and the scores of user u are x_u B. Movies without training ratings get 0.
//
// form=dense stores B (m x m, m = movies with ratings) from an LLT inverse of
// the Gram matrix: O(m^3). With fewer users than movies (ml-latest-small: 610
// users, 9.7k movies) form=woodbury is exact and far cheaper: by the Woodbury
// identity (X^T X + lambda I)^-1 = (I - X^T (lambda I + X X^T)^-1 X) / lambda, so
// with lambda I + X X^T = L L^T (Cholesky of the small users x users matrix),
// Z = L^-1 X and S = Z^T Z:
//   B_ij = S_ij / (1 - S_jj)  (i != j).
// We keep Z (users x m) and d_j = 1 - S_jj, never the m x m matrix, and score
// x_u B = (Z^T (Z x_u) - x_u o diag(S)) / d elementwise: O(users x m) per user.
// form=auto picks the smaller side.
//
// session-ease (Kind::kSession): the same model on a Gram matrix of sessions
// instead of whole profiles. Each user's ratings, ordered by time, are cut into
// every run of `window` consecutive ratings, and each run is a row of X: two
// movies rated d < window places apart co-occur window - d times. MovieLens
// users rate in bursts of related movies (one genre page, one search), so what
// was rated next to a movie says more than the rest of the profile; scores are
// still x_u B over the user's whole profile. lambda is per rating (multiplied
// by window); the dense form only (the runs outnumber the movies), over movies
// with at least min_ratings ratings. On ml-latest-small holdout:10:valid
// (ease 0.1746 NDCG@10 over the same movies): window 21, lambda 50 gives 0.1785
// alone and 0.1863 in an equal z-score blend with ease; window 41, lambda 200
// 0.1830 alone.
// context=C scores a movie by the best moment of the user's time line instead:
// the most, over the gaps between consecutive ratings, of the sum of B's rows of
// the C ratings on each side of the gap (a held-out rating sat in one such gap).
// Fold-in (score_new_user) has no times: it scores the whole profile.
#pragma once

#include "util/eigen.h"

#include "movierec/recommender.h"
#include "util/params.h"

namespace movierec {

class Ease final : public Recommender {
 public:
  enum class Kind { kProfile, kSession };  // ease, session-ease
  explicit Ease(Params& p, Kind kind = Kind::kProfile);
  std::string_view name() const override { return kind_ == Kind::kSession ? "session-ease" : "ease"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  // Column i of B: how much each movie j adds to movie i's score.
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  // x B for the row x of the given movies: +1 where the rating is a like, -1
  // where it is below kDislikeBelow (models/fold_in.h), so a disliked movie's
  // look-alikes go down instead of up.
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  std::size_t n_users() const override { return user_ptr_.size() - 1; }
  std::size_t n_items() const override { return n_items_; }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  bool needs_timestamps() const override { return window_ > 0; }
  bool woodbury() const { return z_.size() > 0; }
  // B_ij for tests (i, j movie indices).
  float weight(ItemIndex i, ItemIndex j) const;

 private:
  // Scores every movie for the row with w[p] at items[p] (w empty: all 1) into out.
  void score_row(std::span<const ItemIndex> items, std::span<const float> w, std::span<float> out) const;
  // session-ease with context > 0: the best gap of u's time line, into out.
  void score_context(UserIndex u, std::span<float> out) const;
  // active_ position of movie i, or -1 when it had no training ratings.
  std::int64_t slot(ItemIndex i) const { return slot_[i]; }

  Kind kind_;
  int window_ = 0;  // 0: whole profiles (ease)
  double lambda_;
  int min_ratings_ = 1;
  int context_ = 0;                    // session-ease: ratings each side of a gap; 0: whole profile
  std::vector<ItemIndex> time_items_;  // session-ease: user_items_ of each user in time order
  std::string form_;
  int threads_;
  std::size_t n_items_ = 0;
  std::vector<std::int64_t> slot_;        // movie -> position among active movies, -1 if none
  std::vector<ItemIndex> active_;         // movies with training ratings
  std::vector<std::size_t> user_ptr_{0};  // training rows (x_u), CSR
  std::vector<ItemIndex> user_items_;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> b_;  // dense form: m x m, B(j, i) = B_ji
  Eigen::MatrixXf z_;                                                        // woodbury form: users x m, column j = Z_j
  Eigen::VectorXf d_;                                                        // woodbury form: d_j = 1 - S_jj
};

}  // namespace movierec
