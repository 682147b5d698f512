// The user x movie rating matrix: CSR by user, and CSC by movie built on first use.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
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

// The timestamps of one user's ratings: a view of 32-bit or 64-bit storage
// (32 bits whenever every timestamp fits: MovieLens until 2038), read as
// int64. A matrix built without timestamps gives zeros.
class TimeSpan {
 public:
  TimeSpan() = default;
  TimeSpan(const std::int32_t* narrow, const std::int64_t* wide, std::size_t n) : narrow_(narrow), wide_(wide), n_(n) {}
  std::int64_t operator[](std::size_t k) const { return narrow_ ? narrow_[k] : (wide_ ? wide_[k] : 0); }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

 private:
  const std::int32_t* narrow_ = nullptr;
  const std::int64_t* wide_ = nullptr;
  std::size_t n_ = 0;
};

// Immutable sparse matrix of ratings.
// CSR: the ratings of user u are positions [user_ptr[u], user_ptr[u+1]) of
// user_items/user_values/user_times, sorted by item. CSC: the ratings of item i
// are positions [item_ptr[i], item_ptr[i+1]) of item_users/item_values, sorted
// by user. The CSC arrays are built on first use (thread safe; copies share
// them): models that walk users only (svd, bpr) never pay their 8 bytes per
// rating. Thread safety: const methods are safe to call concurrently.
class RatingMatrix {
 public:
  RatingMatrix() = default;
  // Builds the matrix from triplets. REQUIRES: user < n_users, item < n_items,
  // no duplicate (user, item) pair (checked: throws DataError naming the pair).
  RatingMatrix(std::size_t n_users, std::size_t n_items, std::vector<Rating> ratings);
  // The same from columns (the loaders' lean path: no triplet copy; when the
  // users come grouped, as in MovieLens files, the arrays become the CSR
  // without a copy). times may be empty (no timestamps: all read as 0).
  RatingMatrix(std::size_t n_users, std::size_t n_items, std::vector<UserIndex> users, std::vector<ItemIndex> items,
               std::vector<float> values, std::vector<std::int64_t> times);

  std::size_t n_users() const { return n_users_; }
  std::size_t n_items() const { return n_items_; }
  std::size_t nnz() const { return user_items_.size(); }

  std::span<const ItemIndex> user_items(UserIndex u) const {
    return {user_items_.data() + user_ptr_[u], user_ptr_[u + 1] - user_ptr_[u]};
  }
  std::span<const float> user_values(UserIndex u) const {
    return {user_values_.data() + user_ptr_[u], user_ptr_[u + 1] - user_ptr_[u]};
  }
  TimeSpan user_times(UserIndex u) const {
    const std::size_t b = user_ptr_[u], n = user_ptr_[u + 1] - b;
    return {times32_.empty() ? nullptr : times32_.data() + b, times64_.empty() ? nullptr : times64_.data() + b, n};
  }
  bool has_times() const { return !times32_.empty() || !times64_.empty(); }
  std::span<const UserIndex> item_users(ItemIndex i) const {
    return {columns().users.data() + item_ptr_[i], item_ptr_[i + 1] - item_ptr_[i]};
  }
  std::span<const float> item_values(ItemIndex i) const {
    return {columns().values.data() + item_ptr_[i], item_ptr_[i + 1] - item_ptr_[i]};
  }
  std::size_t user_count(UserIndex u) const { return user_ptr_[u + 1] - user_ptr_[u]; }
  std::size_t item_count(ItemIndex i) const { return item_ptr_[i + 1] - item_ptr_[i]; }

  // Raw arrays, for kernels that walk the whole matrix.
  const std::vector<std::size_t>& user_ptr() const { return user_ptr_; }
  const std::vector<ItemIndex>& user_items_raw() const { return user_items_; }
  const std::vector<float>& user_values_raw() const { return user_values_; }
  const std::vector<std::size_t>& item_ptr() const { return item_ptr_; }
  const std::vector<UserIndex>& item_users_raw() const { return columns().users; }
  const std::vector<float>& item_values_raw() const { return columns().values; }

  // The rating of (u, i), or 0 when absent. O(log n_u).
  float get(UserIndex u, ItemIndex i) const;
  bool contains(UserIndex u, ItemIndex i) const;

  // All ratings as triplets in CSR order.
  std::vector<Rating> triplets() const;

  double mean() const;  // mean rating, 0 when empty
  float min_value() const { return min_; }
  float max_value() const { return max_; }

 private:
  struct Columns {
    std::atomic<bool> ready{false};
    std::mutex mu;
    std::vector<UserIndex> users;
    std::vector<float> values;
  };
  const Columns& columns() const {
    const Columns& c = *cols_;
    return c.ready.load(std::memory_order_acquire) ? c : build_columns();
  }
  const Columns& build_columns() const;
  // After the CSR arrays are filled: sorts each row by item, checks
  // duplicates, counts item_ptr_, min_ and max_.
  void finish_rows();

  std::size_t n_users_ = 0, n_items_ = 0;
  std::vector<std::size_t> user_ptr_{0}, item_ptr_{0};
  std::vector<ItemIndex> user_items_;
  std::vector<float> user_values_;
  std::vector<std::int32_t> times32_;  // at most one of the two is filled
  std::vector<std::int64_t> times64_;
  std::shared_ptr<Columns> cols_ = std::make_shared<Columns>();
  float min_ = 0, max_ = 0;
};

}  // namespace movierec
