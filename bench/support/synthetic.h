// MovieLens-shaped synthetic ratings at any size, for benchmarks.
//
// Shape: movie popularity follows a Zipf law (a seeded permutation decides
// which ids are popular); user activity is lognormal (a long tail of heavy
// raters, at least min(20, n_ratings / n_users) ratings each, as MovieLens
// keeps users with 20+ ratings); values come from a latent low-rank model,
//   r = 3.5 + b_u + b_i + p_u . q_i + noise,
// rounded to 0.5 steps and clipped to [0.5, 5] (mean ~3.5, sd ~1, as MovieLens).
// No (user, item) pair repeats. Output is sorted by user, then item, like
// MovieLens ratings.csv. Timestamps: each user rates over a span starting
// somewhere in 1996-2023.
//
// Deterministic: a seed gives the same ratings whatever the thread count (one
// generator per user, seeded from (seed, user)). Multithreaded with OpenMP.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "movierec/rating_matrix.h"

namespace movierec::bench {

struct SyntheticSpec {
  std::size_t n_users = 1000;
  std::size_t n_items = 2000;
  std::size_t n_ratings = 100000;  // REQUIRES: <= n_users * n_items / 2
  std::size_t factors = 8;         // rank of the latent model
  std::uint64_t seed = 42;
  double zipf_exponent = 1.0;   // popularity of the movie of rank k ~ 1 / k^s
  double activity_sigma = 1.0;  // sigma of the lognormal user activity
};

// Ratings with dense 0-based user and item indices, sorted by (user, item).
// Throws std::invalid_argument when the spec cannot be met.
std::vector<Rating> generate_ratings(const SyntheticSpec& spec);

// Writes a MovieLens ratings.csv: header "userId,movieId,rating,timestamp",
// userId = user + 1, movieId = movie_ids[item] (item + 1 when movie_ids is
// empty), ratings as "4.0"/"3.5". Written atomically. Throws IoError.
void write_ratings_csv(const std::filesystem::path& path, const std::vector<Rating>& ratings,
                       const std::vector<std::int64_t>& movie_ids = {});

// Writes the matching movies.csv: "movieId,title,genres", titles
// "Movie 17 (1999)", a genre or two from the MovieLens list.
void write_movies_csv(const std::filesystem::path& path, std::size_t n_items,
                      const std::vector<std::int64_t>& movie_ids = {});

// Both files into dir (created when absent): a folder load_dataset reads.
void write_dataset(const std::filesystem::path& dir, const SyntheticSpec& spec);

}  // namespace movierec::bench
