#include "eval/candidates.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "movierec/errors.h"
#include "util/parallel.h"

namespace movierec {

double auc(std::span<const float> scores, std::span<const char> relevant) {
  const std::size_t n = scores.size();
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] < scores[b]; });
  // Mann-Whitney: rank sum of the positives, tied scores sharing their mean rank.
  double rank_sum = 0, pos = 0;
  for (std::size_t lo = 0; lo < n;) {
    std::size_t hi = lo;
    while (hi < n && scores[order[hi]] == scores[order[lo]]) ++hi;
    const double mean_rank = (lo + 1 + hi) / 2.0;  // ranks lo+1 .. hi
    for (std::size_t t = lo; t < hi; ++t)
      if (relevant[order[t]]) {
        rank_sum += mean_rank;
        pos += 1;
      }
    lo = hi;
  }
  const double neg = static_cast<double>(n) - pos;
  if (pos == 0 || neg == 0) return std::nan("");
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

MetricMap candidate_metrics(const Recommender& model, const Split& split, const EvalOptions& opts) {
  const RatingMatrix& train = split.train;
  const RatingMatrix& test = split.test;
  const bool only_new = opts.candidates == EvalOptions::Candidates::kNew;
  if (only_new && split.new_items.empty())
    throw ConfigError("candidates=new: split '" + split.name +
                      "' has no new movies (use a cold-items split, or "
                      "files with movies absent from the train file)");
  const std::size_t n = model.n_items();
  std::vector<char> is_new(n, 0);
  for (ItemIndex i : split.new_items) is_new[i] = 1;
  std::vector<UserIndex> users;
  for (UserIndex u = 0; u < test.n_users(); ++u) {
    auto items = test.user_items(u);
    auto vals = test.user_values(u);
    for (std::size_t p = 0; p < items.size(); ++p)
      if (vals[p] >= opts.relevance_threshold && (!only_new || is_new[items[p]])) {
        users.push_back(u);
        break;
      }
  }
  const std::size_t k = opts.k;
  struct PerUser {
    double ndcg = 0, recall = 0, precision = 0, auc = std::nan(""), new_share = 0;
  };
  std::vector<PerUser> res(users.size());
  constexpr std::size_t kBatch = 64;
  const std::size_t n_batches = (users.size() + kBatch - 1) / kBatch;
  ExceptionKeeper errors;
#pragma omp parallel for schedule(dynamic)
  for (std::size_t b = 0; b < n_batches; ++b)
    errors.run([&] {
      const std::size_t lo = b * kBatch, hi = std::min(users.size(), lo + kBatch);
      std::vector<float> scores((hi - lo) * n);
      model.score(std::span<const UserIndex>(users).subspan(lo, hi - lo), scores);
      std::vector<ItemIndex> cand, rel, ranked;
      std::vector<float> cs;
      std::vector<char> cr, relevant(n, 0);
      for (std::size_t r = lo; r < hi; ++r) {
        const UserIndex u = users[r];
        const float* row = scores.data() + (r - lo) * n;
        cand.clear();
        if (only_new) {
          cand = split.new_items;
        } else {
          auto seen = train.user_items(u);
          for (ItemIndex i = 0; i < n; ++i)
            if (!std::binary_search(seen.begin(), seen.end(), i)) cand.push_back(i);
        }
        rel.clear();
        auto items = test.user_items(u);
        auto vals = test.user_values(u);
        for (std::size_t p = 0; p < items.size(); ++p)
          if (vals[p] >= opts.relevance_threshold && (!only_new || is_new[items[p]])) {
            rel.push_back(items[p]);
            relevant[items[p]] = 1;
          }
        // Best first; equal scores by item index, as top_k.
        const std::size_t top = std::min(k, cand.size());
        ranked = cand;
        std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(top), ranked.end(),
                          [&](ItemIndex a, ItemIndex c) { return row[a] > row[c] || (row[a] == row[c] && a < c); });
        ranked.resize(top);
        PerUser& p = res[r];
        p.ndcg = ndcg_at_k(ranked, rel, k);
        p.recall = recall_at_k(ranked, rel, k);
        p.precision = precision_at_k(ranked, rel, k);
        std::size_t new_top = 0;
        for (ItemIndex i : ranked) new_top += is_new[i];
        p.new_share = top ? double(new_top) / top : 0;
        cs.resize(cand.size());
        cr.resize(cand.size());
        for (std::size_t t = 0; t < cand.size(); ++t) {
          cs[t] = row[cand[t]];
          cr[t] = relevant[cand[t]];
        }
        p.auc = auc(cs, cr);
        for (ItemIndex i : rel) relevant[i] = 0;
      }
    });
  errors.rethrow();
  MetricMap m;
  if (users.empty()) return m;
  double ndcg = 0, recall = 0, precision = 0, auc_sum = 0, auc_n = 0, share = 0;
  for (const auto& p : res) {
    ndcg += p.ndcg;
    recall += p.recall;
    precision += p.precision;
    share += p.new_share;
    if (!std::isnan(p.auc)) {
      auc_sum += p.auc;
      auc_n += 1;
    }
  }
  const double nu = static_cast<double>(users.size());
  const std::string at = "@" + std::to_string(k);
  m["ndcg" + at] = ndcg / nu;
  m["recall" + at] = recall / nu;
  m["precision" + at] = precision / nu;
  if (auc_n > 0) m["auc"] = auc_sum / auc_n;
  if (!only_new) m["new_share" + at] = share / nu;
  m["ranked_users"] = nu;
  m["candidates"] = only_new ? static_cast<double>(split.new_items.size()) : static_cast<double>(n);
  return m;
}

}  // namespace movierec
