#include "movierec/rating_matrix.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "movierec/errors.h"

namespace movierec {

namespace {

void check_size(std::size_t n_users, std::size_t n_items) {
  // Indices are 32-bit; n + 1 offsets must not wrap.
  constexpr std::size_t kMaxIndex = std::numeric_limits<UserIndex>::max();
  if (n_users > kMaxIndex || n_items > kMaxIndex)
    throw DataError("rating matrix of " + std::to_string(n_users) + " users x " + std::to_string(n_items) +
                    " movies: more than 2^32-1");
}

[[noreturn]] void out_of_range(std::size_t u, std::size_t i) {
  throw DataError("rating index out of range: user " + std::to_string(u) + ", item " + std::to_string(i));
}

// How timestamps are stored: none (every one is 0), 32 bits, or 64 bits.
enum class TimeWidth { kNone, kNarrow, kWide };
template <typename Get>
TimeWidth time_width(std::size_t n, Get get) {
  bool any = false;
  for (std::size_t k = 0; k < n; ++k) {
    const std::int64_t t = get(k);
    if (t < std::numeric_limits<std::int32_t>::min() || t > std::numeric_limits<std::int32_t>::max())
      return TimeWidth::kWide;
    any |= t != 0;
  }
  return any ? TimeWidth::kNarrow : TimeWidth::kNone;
}

// Reorders a[lo + k] = a[order[k]] for one row.
template <typename T>
void permute_row(std::vector<T>& a, const std::vector<std::size_t>& order, std::size_t lo) {
  if (a.empty()) return;
  std::vector<T> tmp(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) tmp[k] = a[order[k]];
  std::copy(tmp.begin(), tmp.end(), a.begin() + static_cast<std::ptrdiff_t>(lo));
}

}  // namespace

RatingMatrix::RatingMatrix(std::size_t n_users, std::size_t n_items, std::vector<Rating> ratings)
    : n_users_(n_users), n_items_(n_items) {
  check_size(n_users, n_items);
  // A counting-sort scatter: triplets -> CSR (then each row sorted by item,
  // usually a no-op since loaders emit rows in file order).
  user_ptr_.assign(n_users + 1, 0);
  item_ptr_.assign(n_items + 1, 0);
  for (const auto& r : ratings) {
    if (r.user >= n_users || r.item >= n_items) out_of_range(r.user, r.item);
    ++user_ptr_[r.user + 1];
    ++item_ptr_[r.item + 1];
  }
  std::partial_sum(user_ptr_.begin(), user_ptr_.end(), user_ptr_.begin());
  std::partial_sum(item_ptr_.begin(), item_ptr_.end(), item_ptr_.begin());
  const std::size_t nnz = ratings.size();
  const TimeWidth width = time_width(nnz, [&](std::size_t k) { return ratings[k].timestamp; });

  user_items_.resize(nnz);
  user_values_.resize(nnz);
  if (width == TimeWidth::kNarrow) times32_.resize(nnz);
  if (width == TimeWidth::kWide) times64_.resize(nnz);
  {
    std::vector<std::size_t> pos(user_ptr_.begin(), user_ptr_.end() - 1);
    for (const auto& r : ratings) {
      std::size_t p = pos[r.user]++;
      user_items_[p] = r.item;
      user_values_[p] = r.value;
      if (width == TimeWidth::kNarrow) times32_[p] = static_cast<std::int32_t>(r.timestamp);
      if (width == TimeWidth::kWide) times64_[p] = r.timestamp;
    }
  }
  std::vector<Rating>().swap(ratings);  // freed before anything else is allocated
  finish_rows();
}

RatingMatrix::RatingMatrix(std::size_t n_users, std::size_t n_items, std::vector<UserIndex> users,
                           std::vector<ItemIndex> items, std::vector<float> values, std::vector<std::int64_t> times)
    : n_users_(n_users), n_items_(n_items) {
  check_size(n_users, n_items);
  const std::size_t nnz = users.size();
  if (items.size() != nnz || values.size() != nnz || (!times.empty() && times.size() != nnz))
    throw DataError("rating columns of different lengths: " + std::to_string(nnz) + " users, " +
                    std::to_string(items.size()) + " items, " + std::to_string(values.size()) + " values, " +
                    std::to_string(times.size()) + " timestamps");
  user_ptr_.assign(n_users + 1, 0);
  item_ptr_.assign(n_items + 1, 0);
  bool grouped = true;  // every user's ratings in one run, users in increasing order
  for (std::size_t k = 0; k < nnz; ++k) {
    if (users[k] >= n_users || items[k] >= n_items) out_of_range(users[k], items[k]);
    ++user_ptr_[users[k] + 1];
    ++item_ptr_[items[k] + 1];
    if (k > 0 && users[k] < users[k - 1]) grouped = false;
  }
  std::partial_sum(user_ptr_.begin(), user_ptr_.end(), user_ptr_.begin());
  std::partial_sum(item_ptr_.begin(), item_ptr_.end(), item_ptr_.begin());
  const TimeWidth width = times.empty() ? TimeWidth::kNone : time_width(nnz, [&](std::size_t k) { return times[k]; });
  if (grouped) {
    // Already in CSR order: the columns become the rows, no copy.
    std::vector<UserIndex>().swap(users);
    user_items_ = std::move(items);
    user_values_ = std::move(values);
    if (width == TimeWidth::kNarrow) {
      times32_.resize(nnz);
      for (std::size_t k = 0; k < nnz; ++k) times32_[k] = static_cast<std::int32_t>(times[k]);
    }
    if (width == TimeWidth::kWide) times64_ = std::move(times);
    std::vector<std::int64_t>().swap(times);
  } else {
    user_items_.resize(nnz);
    user_values_.resize(nnz);
    if (width == TimeWidth::kNarrow) times32_.resize(nnz);
    if (width == TimeWidth::kWide) times64_.resize(nnz);
    std::vector<std::size_t> pos(user_ptr_.begin(), user_ptr_.end() - 1);
    for (std::size_t k = 0; k < nnz; ++k) {
      std::size_t p = pos[users[k]]++;
      user_items_[p] = items[k];
      user_values_[p] = values[k];
      if (width == TimeWidth::kNarrow) times32_[p] = static_cast<std::int32_t>(times[k]);
      if (width == TimeWidth::kWide) times64_[p] = times[k];
    }
    std::vector<UserIndex>().swap(users);
    std::vector<ItemIndex>().swap(items);
    std::vector<float>().swap(values);
    std::vector<std::int64_t>().swap(times);
  }
  finish_rows();
}

void RatingMatrix::finish_rows() {
  const std::size_t nnz = user_items_.size();
  bool duplicate = false;
  std::size_t dup_user = 0;
  ItemIndex dup_item = 0;
#pragma omp parallel for schedule(dynamic, 256) if (nnz > 1000000)
  for (std::size_t u = 0; u < n_users_; ++u) {
    const std::size_t lo = user_ptr_[u], hi = user_ptr_[u + 1];
    if (!std::is_sorted(user_items_.begin() + lo, user_items_.begin() + hi)) {
      std::vector<std::size_t> order(hi - lo);
      std::iota(order.begin(), order.end(), lo);
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return user_items_[a] < user_items_[b]; });
      permute_row(user_items_, order, lo);
      permute_row(user_values_, order, lo);
      permute_row(times32_, order, lo);
      permute_row(times64_, order, lo);
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
  if (nnz) {
    auto [lo, hi] = std::minmax_element(user_values_.begin(), user_values_.end());
    min_ = *lo;
    max_ = *hi;
  }
}

const RatingMatrix::Columns& RatingMatrix::build_columns() const {
  Columns& c = *cols_;
  std::lock_guard lock(c.mu);
  if (c.ready.load(std::memory_order_relaxed)) return c;
  // CSR -> CSC: columns come out sorted by user because users are visited in order.
  const std::size_t nnz = user_items_.size();
  c.users.resize(nnz);
  c.values.resize(nnz);
  std::vector<std::size_t> pos(item_ptr_.begin(), item_ptr_.end() - 1);
  for (std::size_t u = 0; u < n_users_; ++u)
    for (std::size_t p = user_ptr_[u]; p < user_ptr_[u + 1]; ++p) {
      std::size_t q = pos[user_items_[p]]++;
      c.users[q] = static_cast<UserIndex>(u);
      c.values[q] = user_values_[p];
    }
  c.ready.store(true, std::memory_order_release);
  return c;
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
  for (UserIndex u = 0; u < n_users_; ++u) {
    const TimeSpan times = user_times(u);
    for (std::size_t p = user_ptr_[u], k = 0; p < user_ptr_[u + 1]; ++p, ++k)
      out.push_back({u, user_items_[p], user_values_[p], times[k]});
  }
  return out;
}

double RatingMatrix::mean() const {
  if (user_values_.empty()) return 0.0;
  double s = 0;
  for (float v : user_values_) s += v;
  return s / static_cast<double>(user_values_.size());
}

}  // namespace movierec
