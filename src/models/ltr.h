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
// carved-out ratings. Boosting starts from `margin` times the linear stage,
// z-scored over the user's candidates, so that with no trees ltr ranks as the
// linear stage does. The linear stage is the sum over base models of `weights` times their scores z-scored over the
// candidates (weights fixed, or chosen on the carve-out's NDCG@10 by coordinate
// ascent with weights=auto). The default bases are ease, session-ease,
// session-ease with context=5, ials and popularity, weighted 1, 1, 0.5, 0, 0.
//
// Cross-fitting: the users fall in two halves (half_of, seeded) and booster h
// trains on half h's users only, then scores the other half. A user's
// negatives hold the ratings of that user the model does not know (the
// evaluation's test part among them); a booster trained on them learns to push
// those very movies down for that user. On holdout:10:valid (ltr seeds 42, 1,
// 2, 3), with margin=3: one booster for everyone NDCG@10 0.150, cross-fitted
// 0.1737, 0.1725, 0.1738, 0.1722 (ease 0.1740); the earlier single booster
// without margin 0.173, 0.165, 0.169, 0.160. With select_rounds each booster's
// number of rounds is chosen on the users it will score (their carved-out
// groups; best NDCG@10, stopped `patience` rounds after the best). Finally the
// base models are refitted on the whole training matrix, and scores come from
// them. The boosters are stored in the model file with the base models' payloads.
// Scores: 1000 + the booster's score for candidates, below -1000 for the
// others (in the first base model's order). Ranking only.
#pragma once

#include <array>
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
  bool needs_timestamps() const override { return needs_timestamps_; }
  std::size_t n_users() const override { return train_.n_users(); }
  std::size_t n_items() const override { return train_.n_items(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  // Feature names, in column order (for reports and tests).
  std::vector<std::string> feature_names() const;
  // Cross-fitting: half h's users (half_of) are scored by booster 1 - h,
  // trained on the other half's groups only.
  int half_of(UserIndex u) const {
    return static_cast<int>((static_cast<std::uint64_t>(u) * 0x9E3779B97F4A7C15ull + seed_) >> 63);
  }
  const std::array<int, 2>& rounds_used() const { return rounds_used_; }
  // The linear stage's weight of each base model (after fit or load).
  const std::vector<double>& blend_weights() const { return weights_; }
  const std::vector<double>& validation_curve(int h) const { return curves_[h]; }
  const XgbRanker& ranker(int h) const { return rankers_[h]; }
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
  double margin_;
  RankerOptions ranker_opts_;
  std::uint64_t seed_;
  bool needs_timestamps_ = false;  // some base model reads them
  // State.
  RatingMatrix train_;
  std::vector<std::unique_ptr<Recommender>> bases_;
  ItemFeatures feats_;  // may have no block (side=none)
  std::vector<int> years_;
  std::unique_ptr<Stats> stats_;
  std::array<XgbRanker, 2> rankers_;
  std::array<int, 2> rounds_used_ = {0, 0};
  std::vector<double> fixed_weights_;  // the weights parameter; empty: auto
  std::vector<double> weights_;        // the linear stage
  std::array<std::vector<double>, 2> curves_;
};

}  // namespace movierec
