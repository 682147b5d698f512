// The ranking half of evaluation, in one place: the users with relevant test
// ratings, their top-k among the movies not rated in train, and the metrics
// of those lists. evaluate() reports all of them; the ranking models'
// learning curves (ials, bpr) report NDCG@k and recall@k after every epoch
// through FitOptions::measure_epoch, which evaluate() supplies from this
// class, so the last epoch's values are the ones `evaluate` reports.
#pragma once

#include <cstddef>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

// Means over the users with at least one relevant test rating.
struct RankingMetrics {
  std::size_t users = 0;  // users measured; 0: nothing to measure (the means are 0)
  double precision = 0, recall = 0, ndcg = 0, map = 0, hit = 0;
  double coverage = 0;  // share of train's movies in at least one list
};

class ValidationRanking {
 public:
  // Collects, once, the users with relevant test ratings (values >=
  // relevance) and those movies. REQUIRES: k > 0. Throws ConfigError when
  // test and train differ in shape.
  ValidationRanking(const RatingMatrix& train, const RatingMatrix& test, std::size_t k, float relevance);

  // Ranks every movie not rated in train for each user (model.recommend, in
  // parallel: call it outside any parallel region) and averages the metrics,
  // summed in user order and divided once.
  RankingMetrics measure(const Recommender& model) const;

  // rep.valid_ndcg and rep.valid_recall from measure(); NaN when no user has a
  // relevant test rating.
  void measure(const Recommender& model, EpochReport& rep) const;

  std::size_t users() const { return users_.size(); }

 private:
  const RatingMatrix& train_;
  std::size_t k_;
  std::vector<UserIndex> users_;
  std::vector<std::vector<ItemIndex>> relevant_;
};

}  // namespace movierec
