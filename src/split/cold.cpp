// cold_items_split and cold_users_split: new movies or new users (cold start).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "movierec/errors.h"
#include "split/split_util.h"

namespace movierec {
namespace {

std::string percent_text(double percent) {
  std::string pct = std::to_string(percent);
  pct.erase(pct.find_last_not_of('0') + 1);
  if (pct.back() == '.') pct.pop_back();
  return pct;
}

}  // namespace

Split cold_items_split(const RatingMatrix& r, const std::vector<char>& eligible, double percent, std::uint64_t seed,
                       std::size_t min_ratings) {
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
    throw ConfigError("cold_items_split: " + std::to_string(pool.size()) +
                      " movies have every requested side "
                      "feature and at least " +
                      std::to_string(min_ratings) + " ratings; " + percent_text(percent) + "% of them is no movie");
  // One generator for the whole draw (stream 0 of the seed), as portable as the other splits.
  std::mt19937_64 rng(splitting::mix_seed(seed, 0));
  splitting::sample_front(pool, n_new, rng);
  std::vector<char> is_new(r.n_items(), 0);
  for (std::size_t k = 0; k < n_new; ++k) is_new[pool[k]] = 1;
  std::vector<std::uint8_t> test(r.nnz(), 0);
  const auto& items = r.user_items_raw();
  for (std::size_t p = 0; p < items.size(); ++p) test[p] = is_new[items[p]];
  Split s = splitting::split_by_mask(r, test, "cold-items:" + percent_text(percent));
  s.new_items.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n_new));
  std::sort(s.new_items.begin(), s.new_items.end());
  s.eligible_items = pool.size();
  return s;
}

Split cold_items_validation(const Split& outer, const std::vector<char>& eligible, double percent, std::uint64_t seed,
                            std::size_t min_ratings) {
  // Stream 1: a draw independent of the outer one; the outer new movies have no
  // train rating, so they cannot be drawn again.
  Split s = cold_items_split(outer.train, eligible, percent, splitting::mix_seed(seed, 1), min_ratings);
  s.name = outer.name + ":valid";
  return s;
}

Split cold_users_split(const RatingMatrix& r, double percent, std::uint64_t seed, std::size_t reveal,
                       std::size_t min_ratings) {
  if (!(percent > 0 && percent < 100))
    throw ConfigError("cold_users_split: percent must be in (0, 100), got " + std::to_string(percent));
  std::vector<UserIndex> pool;
  for (UserIndex u = 0; u < r.n_users(); ++u)
    if (r.user_count(u) >= min_ratings + reveal) pool.push_back(u);
  const auto n_new = static_cast<std::size_t>(std::llround(percent / 100.0 * pool.size()));
  if (n_new == 0)
    throw ConfigError("cold_users_split: " + std::to_string(pool.size()) + " users have at least " +
                      std::to_string(min_ratings + reveal) + " ratings (" + std::to_string(min_ratings) +
                      " + reveal=" + std::to_string(reveal) + "); " + percent_text(percent) + "% of them is no user");
  std::mt19937_64 rng(splitting::mix_seed(seed, 0));
  splitting::sample_front(pool, n_new, rng);
  std::vector<std::uint8_t> test(r.nnz(), 0);
  const auto& ptr = r.user_ptr();
  for (std::size_t k = 0; k < n_new; ++k) {
    const UserIndex u = pool[k];
    const std::size_t count = ptr[u + 1] - ptr[u];
    auto times = r.user_times(u);
    auto items = r.user_items(u);
    std::vector<std::uint32_t> pos(count);
    std::iota(pos.begin(), pos.end(), 0u);
    // Earliest first: by timestamp, then by movie; the first `reveal` stay in train.
    std::sort(pos.begin(), pos.end(), [&](std::uint32_t a, std::uint32_t b) {
      return times[a] != times[b] ? times[a] < times[b] : items[a] < items[b];
    });
    for (std::size_t q = reveal; q < count; ++q) test[ptr[u] + pos[q]] = 1;
  }
  Split s = splitting::split_by_mask(
      r, test, "cold-users:" + percent_text(percent) + (reveal ? ":reveal=" + std::to_string(reveal) : ""));
  s.new_users.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n_new));
  std::sort(s.new_users.begin(), s.new_users.end());
  s.eligible_users = pool.size();
  s.revealed = reveal;
  return s;
}

Split cold_users_validation(const Split& outer, double percent, std::uint64_t seed, std::size_t reveal,
                            std::size_t min_ratings) {
  Split s = cold_users_split(outer.train, percent, splitting::mix_seed(seed, 1), reveal, min_ratings);
  s.name = outer.name + ":valid";
  return s;
}

}  // namespace movierec
