// Per-epoch ranking metrics of the ranking models' learning curves (ials,
// bpr): NDCG@k and recall@k on the held-out ratings, measured exactly as
// evaluate() measures them (the same users, the same top-k over the movies
// not rated in train, the same metric functions), so the last epoch's value
// is the one `evaluate` reports.
#pragma once

#include <optional>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

class ValidationRanking {
 public:
  // Collects, once, the users with relevant validation ratings (values >=
  // relevance) and those movies. REQUIRES: k > 0, validation has train's shape.
  ValidationRanking(const RatingMatrix& train, const RatingMatrix& validation, std::size_t k, float relevance);

  // Fills rep.valid_ndcg and rep.valid_recall (means over the users) from
  // model.recommend; NaN when no user has a relevant validation rating. Runs
  // recommend's parallel loop: call it outside any parallel region.
  void measure(const Recommender& model, EpochReport& rep) const;

 private:
  const RatingMatrix& train_;
  std::size_t k_;
  std::vector<UserIndex> users_;
  std::vector<std::vector<ItemIndex>> relevant_;
};

// The measurement a ranking model's fit makes after each epoch: present only
// when opts has on_epoch, a validation matrix and validation_k > 0, so a fit
// without a learning curve pays nothing.
std::optional<ValidationRanking> validation_ranking(const RatingMatrix& train, const FitOptions& opts);

}  // namespace movierec
