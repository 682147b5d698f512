// cold_items_split: new movies (cold start), every rating of a new movie in test.
#include <algorithm>
#include <cmath>

#include "movierec/errors.h"
#include "split/split_util.h"

namespace movierec {

Split cold_items_split(const RatingMatrix& r, const std::vector<char>& eligible, double percent,
                       std::uint64_t seed, std::size_t min_ratings) {
  if (!eligible.empty() && eligible.size() != r.n_items())
    throw ConfigError("cold_items_split: eligible has " + std::to_string(eligible.size()) + " movies, the matrix " +
                      std::to_string(r.n_items()));
  if (!(percent > 0 && percent < 100))
    throw ConfigError("cold_items_split: percent must be in (0, 100), got " + std::to_string(percent));
  std::vector<ItemIndex> pool;
  for (ItemIndex i = 0; i < r.n_items(); ++i)
    if ((eligible.empty() || eligible[i]) && r.item_count(i) >= min_ratings) pool.push_back(i);
  const auto n_new = static_cast<std::size_t>(std::llround(percent / 100.0 * pool.size()));
  if (n_new == 0)
    throw ConfigError("cold_items_split: " + std::to_string(pool.size()) + " movies have every requested side "
                      "feature and at least " + std::to_string(min_ratings) + " ratings; " + std::to_string(percent) +
                      "% of them is no movie");
  // One generator for the whole draw (stream 0 of the seed), as portable as the other splits.
  std::mt19937_64 rng(splitting::mix_seed(seed, 0));
  splitting::sample_front(pool, n_new, rng);
  std::vector<char> is_new(r.n_items(), 0);
  for (std::size_t k = 0; k < n_new; ++k) is_new[pool[k]] = 1;
  std::vector<std::uint8_t> test(r.nnz(), 0);
  const auto& items = r.user_items_raw();
  for (std::size_t p = 0; p < items.size(); ++p) test[p] = is_new[items[p]];
  std::string pct = std::to_string(percent);
  pct.erase(pct.find_last_not_of('0') + 1);
  if (pct.back() == '.') pct.pop_back();
  Split s = splitting::split_by_mask(r, test, "cold-items:" + pct);
  s.new_items.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n_new));
  std::sort(s.new_items.begin(), s.new_items.end());
  s.eligible_items = pool.size();
  return s;
}

Split cold_items_validation(const Split& outer, const std::vector<char>& eligible, double percent,
                            std::uint64_t seed, std::size_t min_ratings) {
  // Stream 1: a draw independent of the outer one; the outer new movies have no
  // train rating, so they cannot be drawn again.
  Split s = cold_items_split(outer.train, eligible, percent, splitting::mix_seed(seed, 1), min_ratings);
  s.name = outer.name + ":valid";
  return s;
}

}  // namespace movierec
