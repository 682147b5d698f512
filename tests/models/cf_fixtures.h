// Matrices shared by the similarity-model tests.
#pragma once

#include <random>
#include <vector>

#include "movierec/rating_matrix.h"

namespace movierec::testing {

// The 3 x 4 hand-made matrix (users x movies; 0 = not rated):
//   u0: 5 3 0 1
//   u1: 4 0 0 1
//   u2: 1 1 5 4
inline RatingMatrix hand_matrix() {
  return RatingMatrix(3, 4,
                      {{0, 0, 5.f},
                       {0, 1, 3.f},
                       {0, 3, 1.f},
                       {1, 0, 4.f},
                       {1, 3, 1.f},
                       {2, 0, 1.f},
                       {2, 1, 1.f},
                       {2, 2, 5.f},
                       {2, 3, 4.f}});
}

// A random users x movies matrix with half-star ratings at the given density;
// the last user and the last movie are left empty on purpose.
inline RatingMatrix random_matrix(std::size_t users, std::size_t items, double density, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> coin(0, 1);
  std::uniform_int_distribution<int> half_stars(1, 10);
  std::vector<Rating> r;
  for (UserIndex u = 0; u + 1 < users; ++u)
    for (ItemIndex i = 0; i + 1 < items; ++i)
      if (coin(rng) < density) r.push_back({u, i, half_stars(rng) * 0.5f});
  return RatingMatrix(users, items, r);
}

// Dense copy: d[u][i], 0 where not rated.
inline std::vector<std::vector<double>> dense(const RatingMatrix& m) {
  std::vector<std::vector<double>> d(m.n_users(), std::vector<double>(m.n_items(), 0.0));
  for (const Rating& r : m.triplets()) d[r.user][r.item] = r.value;
  return d;
}

}  // namespace movierec::testing
