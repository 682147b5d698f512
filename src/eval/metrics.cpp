// Rating errors and ranking metrics of one list (include/movierec/metrics.h).
#include "movierec/metrics.h"

#include <algorithm>
#include <cmath>

#include "movierec/errors.h"

namespace movierec {
namespace {

// Hits of ranked[0, k) in relevant, by position (relevant sorted once).
std::vector<bool> hits_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k) {
  std::vector<ItemIndex> rel(relevant.begin(), relevant.end());
  std::sort(rel.begin(), rel.end());
  rel.erase(std::unique(rel.begin(), rel.end()), rel.end());
  const std::size_t n = std::min(k, ranked.size());
  std::vector<bool> hit(n);
  for (std::size_t p = 0; p < n; ++p) hit[p] = std::binary_search(rel.begin(), rel.end(), ranked[p]);
  return hit;
}

std::size_t distinct(std::span<const ItemIndex> relevant) {
  std::vector<ItemIndex> rel(relevant.begin(), relevant.end());
  std::sort(rel.begin(), rel.end());
  return std::unique(rel.begin(), rel.end()) - rel.begin();
}

}  // namespace

ErrorMetrics error_metrics(std::span<const float> predicted, std::span<const float> actual, const RatingScale& clip) {
  if (predicted.size() != actual.size())
    throw ConfigError("error_metrics: " + std::to_string(predicted.size()) + " predictions for " +
                      std::to_string(actual.size()) + " ratings");
  ErrorMetrics m;
  m.n = actual.size();
  if (m.n == 0) return m;
  double se = 0, ae = 0;
  for (std::size_t k = 0; k < m.n; ++k) {
    double p = std::clamp(predicted[k], clip.min, clip.max);
    double e = p - actual[k];
    se += e * e;
    ae += std::abs(e);
  }
  m.mse = se / m.n;
  m.rmse = std::sqrt(m.mse);
  m.mae = ae / m.n;
  return m;
}

double precision_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k) {
  if (k == 0) return 0;
  auto hit = hits_at_k(ranked, relevant, k);
  return static_cast<double>(std::count(hit.begin(), hit.end(), true)) / k;
}

double recall_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k) {
  const std::size_t n_rel = distinct(relevant);
  if (n_rel == 0) return 0;
  auto hit = hits_at_k(ranked, relevant, k);
  return static_cast<double>(std::count(hit.begin(), hit.end(), true)) / n_rel;
}

double ndcg_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k) {
  const std::size_t ideal = std::min(k, distinct(relevant));
  if (ideal == 0) return 0;
  auto hit = hits_at_k(ranked, relevant, k);
  double dcg = 0, idcg = 0;
  for (std::size_t p = 0; p < hit.size(); ++p)
    if (hit[p]) dcg += 1.0 / std::log2(p + 2.0);
  for (std::size_t p = 0; p < ideal; ++p) idcg += 1.0 / std::log2(p + 2.0);
  return dcg / idcg;
}

double average_precision_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k) {
  const std::size_t norm = std::min(k, distinct(relevant));
  if (norm == 0) return 0;
  auto hit = hits_at_k(ranked, relevant, k);
  double sum = 0;
  std::size_t hits = 0;
  for (std::size_t p = 0; p < hit.size(); ++p)
    if (hit[p]) sum += static_cast<double>(++hits) / (p + 1);
  return sum / norm;
}

double hit_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k) {
  auto hit = hits_at_k(ranked, relevant, k);
  return std::find(hit.begin(), hit.end(), true) != hit.end() ? 1.0 : 0.0;
}

}  // namespace movierec
