#include "data/rating_matrix_io.h"

namespace movierec {

void save_rating_matrix(BinaryWriter& out, const RatingMatrix& m) {
  out.put<std::uint64_t>(m.n_users());
  out.put<std::uint64_t>(m.n_items());
  std::vector<UserIndex> us;
  us.reserve(m.nnz());
  for (UserIndex u = 0; u < m.n_users(); ++u) us.insert(us.end(), m.user_count(u), u);
  out.put_vector(us);
  out.put_vector(m.user_items_raw());
  out.put_vector(m.user_values_raw());
}

RatingMatrix load_rating_matrix(BinaryReader& in) {
  // Sizes against the dataset first: n_users = 2^64-1 would wrap the offsets' size.
  const std::size_t n_users = in.get_n_users("n_users");
  const std::size_t n_items = in.get_n_items("n_items");
  auto us = in.get_vector<UserIndex>();
  auto is = in.get_vector<ItemIndex>();
  auto vs = in.get_vector<float>();
  if (us.size() != is.size() || us.size() != vs.size()) in.fail("rating arrays of different lengths");
  in.check_finite(vs, "ratings");
  std::vector<Rating> ratings(us.size());
  for (std::size_t p = 0; p < us.size(); ++p) ratings[p] = {us[p], is[p], vs[p], 0};
  try {
    return RatingMatrix(n_users, n_items, std::move(ratings));
  } catch (const DataError& e) {
    in.fail(std::string("bad ratings: ") + e.what());
  }
}

}  // namespace movierec
