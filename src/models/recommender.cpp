#include "movierec/recommender.h"

#include <omp.h>

#include "movierec/errors.h"
#include "util/parallel.h"
#include "util/topk.h"

namespace movierec {

float Recommender::predict(UserIndex, ItemIndex) const {
  throw NotSupported("model '" + std::string(name()) + "' ranks items but does not predict ratings");
}

std::vector<ScoredItem> Recommender::similar_items(ItemIndex, std::size_t) const {
  throw NotSupported("model '" + std::string(name()) + "' has no item similarity");
}

void Recommender::score_new_user(std::span<const ItemIndex>, std::span<const float>, std::span<float>) const {
  throw NotSupported("model '" + std::string(name()) + "' cannot fold in a new user");
}

void Recommender::save_payload(detail::BinaryWriter&) const {
  throw NotSupported("model '" + std::string(name()) + "' cannot be saved to a model file");
}

void Recommender::load_payload(detail::BinaryReader&) {
  throw NotSupported("model '" + std::string(name()) + "' cannot be read from a model file");
}

std::vector<ScoredItem> similar_with_min_ratings(const Recommender& model, ItemIndex i, std::size_t k,
                                                 const RatingMatrix& ratings, std::size_t min_ratings) {
  if (min_ratings == 0) return model.similar_items(i, k);
  std::vector<ScoredItem> out;
  for (const auto& s : model.similar_items(i, model.n_items())) {
    if (s.item < ratings.n_items() && ratings.item_count(s.item) < min_ratings) continue;
    out.push_back(s);
    if (out.size() == k) break;
  }
  return out;
}

std::vector<std::vector<ScoredItem>> Recommender::recommend(std::span<const UserIndex> users, const Query& q) const {
  std::vector<std::vector<ScoredItem>> out(users.size());
  const std::size_t n = n_items();
  constexpr std::size_t kBatch = 64;  // users scored per call: bounds memory at 64 * n floats
  const std::size_t n_batches = (users.size() + kBatch - 1) / kBatch;
  ExceptionKeeper errors;
#pragma omp parallel for schedule(dynamic)
  for (std::size_t b = 0; b < n_batches; ++b) {
    errors.run([&] {
      std::size_t lo = b * kBatch, hi = std::min(users.size(), lo + kBatch);
      std::vector<float> scores((hi - lo) * n);
      score(users.subspan(lo, hi - lo), scores);
      for (std::size_t r = lo; r < hi; ++r) {
        std::span<const float> row(scores.data() + (r - lo) * n, n);
        if (q.exclude && users[r] < q.exclude->n_users()) {
          auto seen = q.exclude->user_items(users[r]);
          out[r] = top_k(row, q.k, [&](ItemIndex i) { return std::binary_search(seen.begin(), seen.end(), i); });
        } else {
          out[r] = top_k(row, q.k);
        }
      }
    });
  }
  errors.rethrow();
  return out;
}

}  // namespace movierec
