// ltr: a learning-to-rank re-ranker (LambdaMART, xgboost `rank:ndcg`) over the
// candidates of several base models (Burges 2010, "From RankNet to LambdaRank
// to LambdaMART").
//
// Candidates of user u: the union of each base model's `candidates` best
// movies u did not rate. Features of (u, i), per base model b: its score, its
// score minus u's best score of b, and i's rank in b's list (candidates when
// absent); the movie's log(1 + ratings), mean rating shrunk to the global mean
// (10 pseudo-ratings) and release year; the user's log(1 + ratings) and mean
// rating; for each side-feature block (side=genres,year,...), the cosine of i's
// block to the mean block of the movies u liked (rated at or above u's mean):
// genre overlap, year affinity, poster and tag similarity.
//
// Training never sees the evaluation's test part: fit() carves `valid` ratings
// per user out of its training matrix (holdout, seeded), fits the base models
// on the rest, and labels each candidate 1 when it is among the user's
// carved-out ratings. A fifth of those users (by seed) choose the number of
// boosting rounds (best validation NDCG@10, when select_rounds is on; stopped
// `patience` rounds after the best); the booster is then trained on every user
// with that count. Finally the base
// models are refitted on the whole training matrix, and scores come from them.
// The booster is stored in the model file with the base models' payloads.
// Scores: 1000 + the booster's score for candidates, below -1000 for the
// others (in the first base model's order). Ranking only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "features/item_features.h"
#include "models/content_side.h"
#include "models/xgb_ranker.h"
#include "movierec/recommender.h"

namespace movierec {

class Ltr final : public Recommender {
 public:
  explicit Ltr(Params& p);
  ~Ltr() override;
  std::string_view name() const override { return "ltr"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  std::size_t n_users() const override { return train_.n_users(); }
  std::size_t n_items() const override { return train_.n_items(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  // Feature names, in column order (for reports and tests).
  std::vector<std::string> feature_names() const;
  int rounds_used() const { return rounds_used_; }
  const std::vector<double>& validation_curve() const { return curve_; }
  const XgbRanker& ranker() const { return ranker_; }
  // What score() ranks, for benchmarks and tests: the candidates of each user
  // (sorted) and their feature rows (feature_names().size() floats a row, row-major),
  // from the fitted base models. REQUIRES: fitted.
  void candidate_rows(std::span<const UserIndex> users, std::vector<std::vector<ItemIndex>>& cand,
                      std::vector<float>& x) const;
  const std::vector<std::unique_ptr<Recommender>>& bases() const { return bases_; }

 private:
  struct Stats;  // per-movie and per-user statistics of a training matrix
  // Candidates and their feature rows for users, from fitted base models and
  // the training matrix they were fitted on. first, when given, receives the
  // first base model's scores (users x movies).
  void rows_for(std::span<const UserIndex> users, const std::vector<std::unique_ptr<Recommender>>& bases,
                const RatingMatrix& train, const Stats& st, std::vector<std::vector<ItemIndex>>& cand,
                std::vector<float>& x, std::vector<float>* first = nullptr) const;
  std::vector<std::unique_ptr<Recommender>> make_bases() const;
  std::size_t n_cols() const;

  SideParams side_;
  std::vector<std::string> base_names_;
  std::string base_params_;
  int candidates_, valid_, rounds_;
  bool select_rounds_;
  RankerOptions ranker_opts_;
  std::uint64_t seed_;
  // State.
  RatingMatrix train_;
  std::vector<std::unique_ptr<Recommender>> bases_;
  ItemFeatures feats_;  // may have no block (side=none)
  std::vector<int> years_;
  std::unique_ptr<Stats> stats_;
  XgbRanker ranker_;
  int rounds_used_ = 0;
  std::vector<double> curve_;
};

}  // namespace movierec
