#include "eval/validation_ranking.h"

#include <algorithm>
#include <limits>
#include <string>

#include "movierec/errors.h"
#include "movierec/metrics.h"

namespace movierec {

ValidationRanking::ValidationRanking(const RatingMatrix& train, const RatingMatrix& test, std::size_t k,
                                     float relevance)
    : train_(train), k_(k) {
  if (test.n_users() != train.n_users() || test.n_items() != train.n_items())
    throw ConfigError("validation matrix is " + std::to_string(test.n_users()) + " x " +
                      std::to_string(test.n_items()) + ", train is " + std::to_string(train.n_users()) + " x " +
                      std::to_string(train.n_items()));
  for (UserIndex u = 0; u < test.n_users(); ++u) {
    std::vector<ItemIndex> rel;
    auto items = test.user_items(u);
    auto values = test.user_values(u);
    for (std::size_t p = 0; p < items.size(); ++p)
      if (values[p] >= relevance) rel.push_back(items[p]);
    if (rel.empty()) continue;
    users_.push_back(u);
    relevant_.push_back(std::move(rel));
  }
}

RankingMetrics ValidationRanking::measure(const Recommender& model) const {
  RankingMetrics out;
  out.users = users_.size();
  if (users_.empty()) return out;
  auto recs = model.recommend(users_, Query{k_, &train_});
  std::vector<char> covered(train_.n_items(), 0);
  std::vector<ItemIndex> ranked;
  for (std::size_t r = 0; r < users_.size(); ++r) {
    ranked.clear();
    for (const auto& s : recs[r]) {
      ranked.push_back(s.item);
      if (s.item < covered.size()) covered[s.item] = 1;
    }
    out.precision += precision_at_k(ranked, relevant_[r], k_);
    out.recall += recall_at_k(ranked, relevant_[r], k_);
    out.ndcg += ndcg_at_k(ranked, relevant_[r], k_);
    out.map += average_precision_at_k(ranked, relevant_[r], k_);
    out.hit += hit_at_k(ranked, relevant_[r], k_);
  }
  const double n = static_cast<double>(users_.size());
  out.precision /= n;
  out.recall /= n;
  out.ndcg /= n;
  out.map /= n;
  out.hit /= n;
  out.coverage =
      train_.n_items() ? static_cast<double>(std::count(covered.begin(), covered.end(), 1)) / train_.n_items() : 0;
  return out;
}

void ValidationRanking::measure(const Recommender& model, EpochReport& rep) const {
  if (users_.empty()) {
    rep.valid_ndcg = rep.valid_recall = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  const RankingMetrics m = measure(model);
  rep.valid_ndcg = m.ndcg;
  rep.valid_recall = m.recall;
}

}  // namespace movierec
