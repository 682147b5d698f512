// The user x movie rating matrix, stored twice: CSR by user and CSC by movie.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "movierec/types.h"

namespace movierec {

// One rating as a triplet; the unit of loaders and splits.
struct Rating {
  UserIndex user;
  ItemIndex item;
  float value;
  std::int64_t timestamp = 0;  // seconds since the epoch, 0 when unknown
};

// Immutable sparse matrix of ratings.
// CSR: the ratings of user u are positions [user_ptr[u], user_ptr[u+1]) of
// user_items/user_values/user_times, sorted by item. CSC: the ratings of item i
// are positions [item_ptr[i], item_ptr[i+1]) of item_users/item_values, sorted
// by user. Thread safety: const methods are safe to call concurrently.
class RatingMatrix {
 public:
  RatingMatrix() = default;
  // Builds both layouts from triplets. REQUIRES: user < n_users, item < n_items,
  // no duplicate (user, item) pair (checked: throws DataError naming the pair).
  RatingMatrix(std::size_t n_users, std::size_t n_items, std::vector<Rating> ratings);

  std::size_t n_users() const { return n_users_; }
  std::size_t n_items() const { return n_items_; }
  std::size_t nnz() const { return user_items_.size(); }

  std::span<const ItemIndex> user_items(UserIndex u) const {
    return {user_items_.data() + user_ptr_[u], user_ptr_[u + 1] - user_ptr_[u]};
  }
  std::span<const float> user_values(UserIndex u) const {
    return {user_values_.data() + user_ptr_[u], user_ptr_[u + 1] - user_ptr_[u]};
  }
  std::span<const std::int64_t> user_times(UserIndex u) const {
    return {user_times_.data() + user_ptr_[u], user_ptr_[u + 1] - user_ptr_[u]};
  }
  std::span<const UserIndex> item_users(ItemIndex i) const {
    return {item_users_.data() + item_ptr_[i], item_ptr_[i + 1] - item_ptr_[i]};
  }
  std::span<const float> item_values(ItemIndex i) const {
    return {item_values_.data() + item_ptr_[i], item_ptr_[i + 1] - item_ptr_[i]};
  }
  std::size_t user_count(UserIndex u) const { return user_ptr_[u + 1] - user_ptr_[u]; }
  std::size_t item_count(ItemIndex i) const { return item_ptr_[i + 1] - item_ptr_[i]; }

  // Raw arrays, for kernels that walk the whole matrix.
  const std::vector<std::size_t>& user_ptr() const { return user_ptr_; }
  const std::vector<ItemIndex>& user_items_raw() const { return user_items_; }
  const std::vector<float>& user_values_raw() const { return user_values_; }
  const std::vector<std::size_t>& item_ptr() const { return item_ptr_; }
  const std::vector<UserIndex>& item_users_raw() const { return item_users_; }
  const std::vector<float>& item_values_raw() const { return item_values_; }

  // The rating of (u, i), or 0 when absent. O(log n_u).
  float get(UserIndex u, ItemIndex i) const;
  bool contains(UserIndex u, ItemIndex i) const;

  // All ratings as triplets in CSR order.
  std::vector<Rating> triplets() const;

  double mean() const;  // mean rating, 0 when empty
  float min_value() const { return min_; }
  float max_value() const { return max_; }

 private:
  std::size_t n_users_ = 0, n_items_ = 0;
  std::vector<std::size_t> user_ptr_{0}, item_ptr_{0};
  std::vector<ItemIndex> user_items_;
  std::vector<float> user_values_;
  std::vector<std::int64_t> user_times_;
  std::vector<UserIndex> item_users_;
  std::vector<float> item_values_;
  float min_ = 0, max_ = 0;
};

}  // namespace movierec
