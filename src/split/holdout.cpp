// holdout_split and temporal_split: n test ratings per user, a user keeping at
// least n in train (max(0, min(n, count - n)) go to test).
#include <algorithm>
#include <numeric>

#include "split/split_util.h"

namespace movierec {

Split holdout_split(const RatingMatrix& r, std::size_t n, std::uint64_t seed) {
  std::vector<std::uint8_t> test(r.nnz(), 0);
  const auto& ptr = r.user_ptr();
#pragma omp parallel for schedule(dynamic, 256)
  for (std::size_t u = 0; u < r.n_users(); ++u) {
    std::size_t count = ptr[u + 1] - ptr[u];
    std::size_t t = splitting::held_out_count(count, n);
    if (t == 0) continue;
    // One generator per user: the split does not depend on thread scheduling.
    std::mt19937_64 rng(splitting::mix_seed(seed, u));
    std::vector<std::uint32_t> pos(count);
    std::iota(pos.begin(), pos.end(), 0u);
    splitting::sample_front(pos, t, rng);
    for (std::size_t k = 0; k < t; ++k) test[ptr[u] + pos[k]] = 1;
  }
  return splitting::split_by_mask(r, test, "holdout:" + std::to_string(n));
}

Split temporal_split(const RatingMatrix& r, std::size_t n) {
  std::vector<std::uint8_t> test(r.nnz(), 0);
  const auto& ptr = r.user_ptr();
#pragma omp parallel for schedule(dynamic, 256)
  for (std::size_t u = 0; u < r.n_users(); ++u) {
    std::size_t count = ptr[u + 1] - ptr[u];
    std::size_t t = splitting::held_out_count(count, n);
    if (t == 0) continue;
    auto times = r.user_times(static_cast<UserIndex>(u));
    auto items = r.user_items(static_cast<UserIndex>(u));
    std::vector<std::uint32_t> pos(count);
    std::iota(pos.begin(), pos.end(), 0u);
    // Latest first: by timestamp, then by item (the higher index counts as later).
    auto later = [&](std::uint32_t a, std::uint32_t b) {
      return times[a] != times[b] ? times[a] > times[b] : items[a] > items[b];
    };
    std::partial_sort(pos.begin(), pos.begin() + static_cast<std::ptrdiff_t>(t), pos.end(), later);
    for (std::size_t k = 0; k < t; ++k) test[ptr[u] + pos[k]] = 1;
  }
  return splitting::split_by_mask(r, test, "temporal:" + std::to_string(n));
}

}  // namespace movierec
