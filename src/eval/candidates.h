// Ranking metrics over a candidate set (the new-movie protocol): per test user
// with at least one relevant test rating, the candidates are ranked by the
// model's scores and NDCG@k, recall@k and AUC are averaged over those users.
#pragma once

#include "movierec/metrics.h"

namespace movierec {

// REQUIRES opts.candidates != Candidates::kUnrated (evaluate's own loop). kNew
// ranks split.new_items (ConfigError when the split has none); kAll every movie
// the user did not rate in train, and adds "new_share@k", the share of new movies
// in the top k. AUC: the probability that a relevant candidate outscores a
// non-relevant one (ties count one half), per user, over users with both.
MetricMap candidate_metrics(const Recommender& model, const Split& split, const EvalOptions& opts);

// One user's AUC from candidate scores and relevance flags (NaN without a
// relevant or a non-relevant candidate). Exposed for tests.
double auc(std::span<const float> scores, std::span<const char> relevant);

}  // namespace movierec
