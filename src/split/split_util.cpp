#include "split/split_util.h"

namespace movierec::splitting {

Split split_by_mask(const RatingMatrix& r, const std::vector<std::uint8_t>& test, std::string name) {
  std::size_t n_test = 0;
  for (auto t : test) n_test += t;
  std::vector<Rating> tr, te;
  tr.reserve(r.nnz() - n_test);
  te.reserve(n_test);
  const auto& ptr = r.user_ptr();
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    auto items = r.user_items(u);
    auto values = r.user_values(u);
    auto times = r.user_times(u);
    for (std::size_t k = 0; k < items.size(); ++k) {
      Rating x{u, items[k], values[k], times[k]};
      (test[ptr[u] + k] ? te : tr).push_back(x);
    }
  }
  Split s;
  s.name = std::move(name);
  s.train = RatingMatrix(r.n_users(), r.n_items(), std::move(tr));
  s.test = RatingMatrix(r.n_users(), r.n_items(), std::move(te));
  return s;
}

}  // namespace movierec::splitting
