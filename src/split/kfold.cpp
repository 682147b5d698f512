// kfold_splits: the ratings shuffled once (own Fisher-Yates, see split_util.h),
// fold f = shuffled positions [f * nnz / k, (f + 1) * nnz / k): fold sizes
// differ by at most one and the folds partition the ratings.
#include <numeric>

#include "movierec/errors.h"
#include "split/split_util.h"

namespace movierec {

std::vector<Split> kfold_splits(const RatingMatrix& r, std::size_t k, std::uint64_t seed) {
  if (k < 2) throw ConfigError("kfold: k must be at least 2, got " + std::to_string(k));
  if (k > 255) throw ConfigError("kfold: k must be at most 255, got " + std::to_string(k));
  if (k > r.nnz())
    throw ConfigError("kfold: k = " + std::to_string(k) + " is more than the " + std::to_string(r.nnz()) + " ratings");
  const std::size_t nnz = r.nnz();
  std::vector<std::uint32_t> order(nnz);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(splitting::mix_seed(seed, 0));
  splitting::sample_front(order, nnz, rng);
  std::vector<std::uint8_t> fold(nnz);
  for (std::size_t f = 0; f < k; ++f)
    for (std::size_t p = f * nnz / k; p < (f + 1) * nnz / k; ++p) fold[order[p]] = static_cast<std::uint8_t>(f);
  std::vector<Split> out;
  out.reserve(k);
  std::vector<std::uint8_t> test(nnz);
  for (std::size_t f = 0; f < k; ++f) {
    for (std::size_t p = 0; p < nnz; ++p) test[p] = fold[p] == f;
    out.push_back(splitting::split_by_mask(r, test, "fold " + std::to_string(f + 1) + "/" + std::to_string(k)));
  }
  return out;
}

}  // namespace movierec
