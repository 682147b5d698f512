// A synthetic MovieLens folder whose truth depends on one content feature:
// users like Action movies (rating 5, often rated) and dislike Drama movies
// (rating 2, rarely rated); years are drawn independently of the genre.
#pragma once

#include <fmt/format.h>

#include <random>
#include <string>

#include "../data/fixtures.h"

namespace movierec::testing {

inline std::filesystem::path genre_truth_set(const std::string& name, int movies = 200, int users = 120,
                                             unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::string m = "movieId,title,genres\n", r = "userId,movieId,rating,timestamp\n";
  for (int i = 1; i <= movies; ++i)
    m += fmt::format("{},Movie {} ({}),{}\n", i, i, 1980 + int(rng() % 30), i % 2 ? "Action" : "Drama");
  std::uniform_real_distribution<double> u01(0, 1);
  for (int u = 1; u <= users; ++u)
    for (int i = 1; i <= movies; ++i) {
      const bool action = i % 2;
      if (u01(rng) < (action ? 0.3 : 0.06)) r += fmt::format("{},{},{},{}\n", u, i, action ? 5.0 : 2.0, u * 1000 + i);
    }
  return csv_set(name, m, r);
}

}  // namespace movierec::testing
