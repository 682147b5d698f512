#include "movierec/rating_matrix.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "movierec/errors.h"

namespace movierec {

RatingMatrix::RatingMatrix(std::size_t n_users, std::size_t n_items, std::vector<Rating> ratings)
    : n_users_(n_users), n_items_(n_items) {
  // Counting sort by user then by item: O(nnz + n), stable, no comparisons.
  user_ptr_.assign(n_users + 1, 0);
  item_ptr_.assign(n_items + 1, 0);
  for (const auto& r : ratings) {
    if (r.user >= n_users || r.item >= n_items)
      throw DataError("rating index out of range: user " + std::to_string(r.user) + ", item " +
                      std::to_string(r.item));
    ++user_ptr_[r.user + 1];
    ++item_ptr_[r.item + 1];
  }
  std::partial_sum(user_ptr_.begin(), user_ptr_.end(), user_ptr_.begin());
  std::partial_sum(item_ptr_.begin(), item_ptr_.end(), item_ptr_.begin());
  const std::size_t nnz = ratings.size();

  // CSC first (sorted by item, then user, via two stable passes).
  std::vector<std::uint32_t> by_user(nnz);
  {
    std::vector<std::size_t> pos(user_ptr_.begin(), user_ptr_.end() - 1);
    for (std::size_t k = 0; k < nnz; ++k) by_user[pos[ratings[k].user]++] = static_cast<std::uint32_t>(k);
  }
  item_users_.resize(nnz);
  item_values_.resize(nnz);
  std::vector<std::uint32_t> by_item(nnz);
  {
    std::vector<std::size_t> pos(item_ptr_.begin(), item_ptr_.end() - 1);
    for (std::uint32_t k : by_user) by_item[pos[ratings[k].item]++] = k;
  }
  for (std::size_t p = 0; p < nnz; ++p) {
    item_users_[p] = ratings[by_item[p]].user;
    item_values_[p] = ratings[by_item[p]].value;
  }
  // CSR from the item-sorted order: users' rows come out sorted by item.
  user_items_.resize(nnz);
  user_values_.resize(nnz);
  user_times_.resize(nnz);
  {
    std::vector<std::size_t> pos(user_ptr_.begin(), user_ptr_.end() - 1);
    for (std::uint32_t k : by_item) {
      const Rating& r = ratings[k];
      std::size_t p = pos[r.user]++;
      user_items_[p] = r.item;
      user_values_[p] = r.value;
      user_times_[p] = r.timestamp;
    }
  }
  for (std::size_t u = 0; u < n_users; ++u)
    for (std::size_t p = user_ptr_[u] + 1; p < user_ptr_[u + 1]; ++p)
      if (user_items_[p] == user_items_[p - 1])
        throw DataError("duplicate rating for user index " + std::to_string(u) + ", item index " +
                        std::to_string(user_items_[p]));
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
