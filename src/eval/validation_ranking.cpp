#include "eval/validation_ranking.h"

#include <limits>
#include <string>

#include "movierec/errors.h"
#include "movierec/metrics.h"

namespace movierec {

ValidationRanking::ValidationRanking(const RatingMatrix& train, const RatingMatrix& validation, std::size_t k,
                                     float relevance)
    : train_(train), k_(k) {
  if (validation.n_users() != train.n_users() || validation.n_items() != train.n_items())
    throw ConfigError("validation matrix is " + std::to_string(validation.n_users()) + " x " +
                      std::to_string(validation.n_items()) + ", train is " + std::to_string(train.n_users()) + " x " +
                      std::to_string(train.n_items()));
  for (UserIndex u = 0; u < validation.n_users(); ++u) {
    std::vector<ItemIndex> rel;
    auto items = validation.user_items(u);
    auto values = validation.user_values(u);
    for (std::size_t p = 0; p < items.size(); ++p)
      if (values[p] >= relevance) rel.push_back(items[p]);
    if (rel.empty()) continue;
    users_.push_back(u);
    relevant_.push_back(std::move(rel));
  }
}

void ValidationRanking::measure(const Recommender& model, EpochReport& rep) const {
  if (users_.empty()) {
    rep.valid_ndcg = rep.valid_recall = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  auto recs = model.recommend(users_, Query{k_, &train_});
  // Summed in user order and divided once, as evaluate(): the same bits.
  double ndcg = 0, recall = 0;
  std::vector<ItemIndex> ranked;
  for (std::size_t r = 0; r < users_.size(); ++r) {
    ranked.clear();
    for (const auto& s : recs[r]) ranked.push_back(s.item);
    ndcg += ndcg_at_k(ranked, relevant_[r], k_);
    recall += recall_at_k(ranked, relevant_[r], k_);
  }
  const double n = static_cast<double>(users_.size());
  rep.valid_ndcg = ndcg / n;
  rep.valid_recall = recall / n;
}

std::optional<ValidationRanking> validation_ranking(const RatingMatrix& train, const FitOptions& opts) {
  if (!opts.on_epoch || !opts.validation || opts.validation_k == 0) return std::nullopt;
  return std::optional<ValidationRanking>(std::in_place, train, *opts.validation, opts.validation_k,
                                          opts.validation_relevance);
}

}  // namespace movierec
