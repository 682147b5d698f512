#include "movierec/dataset.h"

namespace movierec {

std::uint64_t Dataset::fingerprint() const {
  // FNV-1a over the id maps and every (user, item, rating).
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t k = 0; k < n; ++k) {
      h ^= c[k];
      h *= 1099511628211ull;
    }
  };
  mix(users.raw_ids().data(), users.raw_ids().size() * sizeof(std::int64_t));
  mix(items.raw_ids().data(), items.raw_ids().size() * sizeof(std::int64_t));
  mix(ratings.user_ptr().data(), ratings.user_ptr().size() * sizeof(std::size_t));
  mix(ratings.user_items_raw().data(), ratings.user_items_raw().size() * sizeof(ItemIndex));
  mix(ratings.user_values_raw().data(), ratings.user_values_raw().size() * sizeof(float));
  return h;
}

std::size_t Dataset::rated_movies() const {
  std::size_t n = 0;
  for (ItemIndex i = 0; i < ratings.n_items(); ++i) n += ratings.item_count(i) > 0;
  return n;
}

}  // namespace movierec
