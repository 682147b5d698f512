#include "split/split_util.h"

namespace movierec::splitting {

namespace {

// One side of a split as columns, in CSR order: they become the matrix's rows
// without a copy (a vector of 24-byte triplets plus the matrix built from it
// held twice the memory).
struct Side {
  std::vector<UserIndex> users;
  std::vector<ItemIndex> items;
  std::vector<float> values;
  std::vector<std::int64_t> times;
  void reserve(std::size_t n, bool with_times) {
    users.reserve(n);
    items.reserve(n);
    values.reserve(n);
    if (with_times) times.reserve(n);
  }
  RatingMatrix matrix(std::size_t n_users, std::size_t n_items) {
    return RatingMatrix(n_users, n_items, std::move(users), std::move(items), std::move(values), std::move(times));
  }
};

}  // namespace

Split split_by_mask(const RatingMatrix& r, const std::vector<std::uint8_t>& test, std::string name) {
  std::size_t n_test = 0;
  for (auto t : test) n_test += t;
  const bool with_times = r.has_times();
  Side tr, te;
  tr.reserve(r.nnz() - n_test, with_times);
  te.reserve(n_test, with_times);
  const auto& ptr = r.user_ptr();
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    auto items = r.user_items(u);
    auto values = r.user_values(u);
    auto times = r.user_times(u);
    for (std::size_t k = 0; k < items.size(); ++k) {
      Side& s = test[ptr[u] + k] ? te : tr;
      s.users.push_back(u);
      s.items.push_back(items[k]);
      s.values.push_back(values[k]);
      if (with_times) s.times.push_back(times[k]);
    }
  }
  Split s;
  s.name = std::move(name);
  s.train = tr.matrix(r.n_users(), r.n_items());
  s.test = te.matrix(r.n_users(), r.n_items());
  return s;
}

}  // namespace movierec::splitting
