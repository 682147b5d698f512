// holdout_split and temporal_split: n test ratings per user, a user keeping at
// least n in train (max(0, min(n, count - n)) go to test).
#include <algorithm>
#include <numeric>

#include "split/split_util.h"

namespace movierec {
namespace {

// Holds out t = held_out_count(count, n) ratings of each user: the first t
// positions (0..count) after order_front(u, pos, t) has put them in front.
template <typename OrderFront>
Split per_user_split(const RatingMatrix& r, std::size_t n, const std::string& label, OrderFront order_front) {
  std::vector<std::uint8_t> test(r.nnz(), 0);
  const auto& ptr = r.user_ptr();
#pragma omp parallel for schedule(dynamic, 256)
  for (std::size_t u = 0; u < r.n_users(); ++u) {
    const std::size_t count = ptr[u + 1] - ptr[u];
    const std::size_t t = splitting::held_out_count(count, n);
    if (t == 0) continue;
    std::vector<std::uint32_t> pos(count);
    std::iota(pos.begin(), pos.end(), 0u);
    order_front(static_cast<UserIndex>(u), pos, t);
    for (std::size_t k = 0; k < t; ++k) test[ptr[u] + pos[k]] = 1;
  }
  return splitting::split_by_mask(r, test, label);
}

}  // namespace

Split holdout_split(const RatingMatrix& r, std::size_t n, std::uint64_t seed) {
  return per_user_split(r, n, "holdout:" + std::to_string(n),
                        [&](UserIndex u, std::vector<std::uint32_t>& pos, std::size_t t) {
                          // One generator per user: the split does not depend on thread scheduling.
                          std::mt19937_64 rng(splitting::mix_seed(seed, u));
                          splitting::sample_front(pos, t, rng);
                        });
}

Split holdout_validation(const Split& outer, std::size_t n, std::uint64_t seed) {
  // Stream 1: draws independent of the outer split's, on what it left in train.
  Split s = holdout_split(outer.train, n, splitting::mix_seed(seed, 1));
  s.name = outer.name + ":valid";
  return s;
}

Split temporal_split(const RatingMatrix& r, std::size_t n) {
  return per_user_split(
      r, n, "temporal:" + std::to_string(n), [&](UserIndex u, std::vector<std::uint32_t>& pos, std::size_t t) {
        auto times = r.user_times(u);
        auto items = r.user_items(u);
        // Latest first: by timestamp, then by item (the higher index counts as later).
        auto later = [&](std::uint32_t a, std::uint32_t b) {
          return times[a] != times[b] ? times[a] > times[b] : items[a] > items[b];
        };
        std::partial_sort(pos.begin(), pos.begin() + static_cast<std::ptrdiff_t>(t), pos.end(), later);
      });
}

}  // namespace movierec
