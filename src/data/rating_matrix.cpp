#include "movierec/rating_matrix.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "movierec/errors.h"

namespace movierec {

RatingMatrix::RatingMatrix(std::size_t n_users, std::size_t n_items, std::vector<Rating> ratings)
    : n_users_(n_users), n_items_(n_items) {
  // Indices are 32-bit; n + 1 offsets must not wrap.
  constexpr std::size_t kMaxIndex = std::numeric_limits<UserIndex>::max();
  if (n_users > kMaxIndex || n_items > kMaxIndex)
    throw DataError("rating matrix of " + std::to_string(n_users) + " users x " + std::to_string(n_items) +
                    " movies: more than 2^32-1");
  // Two counting-sort scatters: triplets -> CSR (then each row sorted by item,
  // usually a no-op since loaders emit rows in file order), CSR -> CSC (columns
  // come out sorted by user because users are visited in order).
  user_ptr_.assign(n_users + 1, 0);
  item_ptr_.assign(n_items + 1, 0);
  for (const auto& r : ratings) {
    if (r.user >= n_users || r.item >= n_items)
      throw DataError("rating index out of range: user " + std::to_string(r.user) + ", item " + std::to_string(r.item));
    ++user_ptr_[r.user + 1];
    ++item_ptr_[r.item + 1];
  }
  std::partial_sum(user_ptr_.begin(), user_ptr_.end(), user_ptr_.begin());
  std::partial_sum(item_ptr_.begin(), item_ptr_.end(), item_ptr_.begin());
  const std::size_t nnz = ratings.size();

  user_items_.resize(nnz);
  user_values_.resize(nnz);
  user_times_.resize(nnz);
  {
    std::vector<std::size_t> pos(user_ptr_.begin(), user_ptr_.end() - 1);
    for (const auto& r : ratings) {
      std::size_t p = pos[r.user]++;
      user_items_[p] = r.item;
      user_values_[p] = r.value;
      user_times_[p] = r.timestamp;
    }
  }
  std::vector<Rating>().swap(ratings);  // free the triplets before the CSC copy

  bool duplicate = false;
  std::size_t dup_user = 0;
  ItemIndex dup_item = 0;
#pragma omp parallel for schedule(dynamic, 256) if (nnz > 1000000)
  for (std::size_t u = 0; u < n_users; ++u) {
    const std::size_t lo = user_ptr_[u], hi = user_ptr_[u + 1];
    if (!std::is_sorted(user_items_.begin() + lo, user_items_.begin() + hi)) {
      std::vector<std::size_t> order(hi - lo);
      std::iota(order.begin(), order.end(), lo);
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return user_items_[a] < user_items_[b]; });
      std::vector<ItemIndex> items(hi - lo);
      std::vector<float> values(hi - lo);
      std::vector<std::int64_t> times(hi - lo);
      for (std::size_t k = 0; k < order.size(); ++k) {
        items[k] = user_items_[order[k]];
        values[k] = user_values_[order[k]];
        times[k] = user_times_[order[k]];
      }
      std::copy(items.begin(), items.end(), user_items_.begin() + lo);
      std::copy(values.begin(), values.end(), user_values_.begin() + lo);
      std::copy(times.begin(), times.end(), user_times_.begin() + lo);
    }
    for (std::size_t p = lo + 1; p < hi; ++p)
      if (user_items_[p] == user_items_[p - 1]) {
#pragma omp critical(movierec_duplicate)
        if (!duplicate || u < dup_user) duplicate = true, dup_user = u, dup_item = user_items_[p];
      }
  }
  if (duplicate)
    throw DataError("duplicate rating for user index " + std::to_string(dup_user) + ", item index " +
                    std::to_string(dup_item));

  item_users_.resize(nnz);
  item_values_.resize(nnz);
  {
    std::vector<std::size_t> pos(item_ptr_.begin(), item_ptr_.end() - 1);
    for (std::size_t u = 0; u < n_users; ++u)
      for (std::size_t p = user_ptr_[u]; p < user_ptr_[u + 1]; ++p) {
        std::size_t q = pos[user_items_[p]]++;
        item_users_[q] = static_cast<UserIndex>(u);
        item_values_[q] = user_values_[p];
      }
  }
  if (nnz) {
    auto [lo, hi] = std::minmax_element(user_values_.begin(), user_values_.end());
    min_ = *lo;
    max_ = *hi;
  }
}

float RatingMatrix::get(UserIndex u, ItemIndex i) const {
  auto items = user_items(u);
  auto it = std::lower_bound(items.begin(), items.end(), i);
  if (it == items.end() || *it != i) return 0.0f;
  return user_values(u)[it - items.begin()];
}

bool RatingMatrix::contains(UserIndex u, ItemIndex i) const {
  auto items = user_items(u);
  return std::binary_search(items.begin(), items.end(), i);
}

std::vector<Rating> RatingMatrix::triplets() const {
  std::vector<Rating> out;
  out.reserve(nnz());
  for (UserIndex u = 0; u < n_users_; ++u)
    for (std::size_t p = user_ptr_[u]; p < user_ptr_[u + 1]; ++p)
      out.push_back({u, user_items_[p], user_values_[p], user_times_[p]});
  return out;
}

double RatingMatrix::mean() const {
  if (user_values_.empty()) return 0.0;
  double s = 0;
  for (float v : user_values_) s += v;
  return s / static_cast<double>(user_values_.size());
}

}  // namespace movierec
