// mix: a weighted blend of other models. Made for the CF + poster similar-movie
// lists (item-knn's co-rating similarity with the poster model's visual one:
// `similarity-report --models item-knn,poster,mix`), it blends recommendations
// and rating predictions too.
//
// Different models score on different scales (cosines of sparse rating
// vectors sit near 0.1, of CNN features near 0.7, factor products are
// unbounded), so each part's scores are standardised before they are weighted:
// z = (s - mean) / sd over a user's scores of every movie (score,
// score_new_user) or over a query's `pool` most similar movies of that part
// (similar_items). A movie that a part leaves out of its pool, or scores as
// non-finite, gets that part's lowest z; a part with nothing to say (no
// poster, no ratings) is left out of that list, so a new movie still gets its
// poster neighbours. predict: the weighted mean of the parts' predictions,
// when every part predicts ratings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "movierec/recommender.h"
#include "util/params.h"

namespace movierec {

class Mix final : public Recommender {
 public:
  explicit Mix(Params& p);
  ~Mix() override;
  std::string_view name() const override { return "mix"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override;
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override;
  bool predicts_ratings() const override;
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  void score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                      std::span<float> out) const override;
  bool needs_timestamps() const override;
  std::size_t n_users() const override { return parts_.front()->n_users(); }
  std::size_t n_items() const override { return parts_.front()->n_items(); }
  void save_payload(detail::BinaryWriter& out) const override;
  void load_payload(detail::BinaryReader& in) override;

  const std::vector<double>& weights() const { return weights_; }

 private:
  std::vector<std::unique_ptr<Recommender>> make_parts() const;

  std::vector<std::string> names_;
  std::vector<double> weights_;
  std::string part_params_, features_;
  std::size_t pool_;
  std::vector<std::unique_ptr<Recommender>> parts_;
};

// Standardises scores in place: (s - mean) / sd over the finite ones; the
// non-finite ones become the lowest standardised score (0 for all when the
// scores are equal or none is finite).
void standardise_scores(std::span<float> s);

}  // namespace movierec
