// Seeded train/test splits. Every split keeps the dataset's index space:
// train and test are n_users x n_items matrices with disjoint ratings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "movierec/rating_matrix.h"

namespace movierec {

struct Dataset;

struct Split {
  std::string name;  // "holdout:10", "fold 2/5"...
  RatingMatrix train, test;
  // New movies (cold start): no rating in train. Filled by cold_items_split and
  // by file splits (movies absent from the train file); empty otherwise.
  std::vector<ItemIndex> new_items;
  std::size_t eligible_items = 0;  // cold_items_split: movies that could become new
  // New users (cold start): all their ratings in test but the first `reveal`.
  std::vector<UserIndex> new_users;
  std::size_t eligible_users = 0;  // cold_users_split: users that could become new
  std::size_t revealed = 0;        // cold_users_split: ratings per new user kept in train
};

// The tutorial's protocol: n test ratings per user, sampled without replacement;
// a user keeps at least n ratings in train (users with fewer than 2n ratings
// give fewer test ratings: max(0, count - n)).
Split holdout_split(const RatingMatrix& r, std::size_t n, std::uint64_t seed);

// Its validation carve-out: holdout_split of the outer train part with the
// seed mixed (stream 1), named "holdout:N:valid", so hyperparameters are
// chosen without the outer test part.
Split holdout_validation(const Split& outer, std::size_t n, std::uint64_t seed);

// Random k-fold over ratings: fold f is the test set of split f.
std::vector<Split> kfold_splits(const RatingMatrix& r, std::size_t k, std::uint64_t seed);

// Per user, the n latest ratings (by timestamp, ties by item) are the test set;
// a user keeps at least n in train, as in holdout_split.
Split temporal_split(const RatingMatrix& r, std::size_t n);

// Predefined files: for each base file, its test file (ml-100k's u1..u5).
// Raw ids are mapped through ds; unknown ids are a DataError naming the line.
std::vector<Split> file_splits(const Dataset& ds, const std::vector<std::string>& base_files,
                               const std::vector<std::string>& test_files);

// Writes each split's train and test as MovieLens CSV (header
// userId,movieId,rating,timestamp; raw ids, rows by user then movie) into dir:
// fold1.train, fold1.test, fold2.train... (created if missing; each file
// written atomically). Returns the spec that reads them back,
// "files:DIR/fold{1..K}.train,test": evaluating on it gives the same results.
std::string write_split_files(const Dataset& ds, const std::vector<Split>& splits, const std::string& dir);
// New movies (cold start): among the eligible movies (eligible[i] != 0) with
// at least min_ratings ratings, round(percent% of them) are drawn (seeded) as new
// movies; every rating of a new movie goes to test, every other rating to train.
// REQUIRES eligible.size() == r.n_items(); ConfigError when no movie qualifies.
Split cold_items_split(const RatingMatrix& r, const std::vector<char>& eligible, double percent, std::uint64_t seed,
                       std::size_t min_ratings = 5);

// The validation carve-out of a cold split: the same rule applied to its
// train part (seed mixed), so hyperparameters are chosen without its test part.
Split cold_items_validation(const Split& outer, const std::vector<char>& eligible, double percent, std::uint64_t seed,
                            std::size_t min_ratings = 5);

// New users (cold start): among the users with at least min_ratings + reveal
// ratings, round(percent% of them) are drawn (seeded) as new users. A new
// user's first `reveal` ratings by time (ties by movie) stay in train, what a
// model may know of them; the rest go to test. Every other rating stays in
// train. ConfigError when no user qualifies.
Split cold_users_split(const RatingMatrix& r, double percent, std::uint64_t seed, std::size_t reveal = 0,
                       std::size_t min_ratings = 5);

// Its validation carve-out: the same rule on the outer split's train part (the
// outer new users keep only `reveal` ratings there, too few to be drawn again).
Split cold_users_validation(const Split& outer, double percent, std::uint64_t seed, std::size_t reveal = 0,
                            std::size_t min_ratings = 5);

// Parses a split spec: "holdout:10" ("holdout:10:valid" is its validation
// carve-out, see holdout_validation), "kfold:5", "temporal:10",
// "files:DIR/u{1..5}.base,test" (base files and the matching ".test" files),
// "files:TRAIN.csv,TEST.csv" (two MovieLens-format files; movies absent from
// TRAIN are new movies), "cold-items:P" (P% of the eligible movies new, see
// cold_items_split; "cold-items:P:valid" is its validation carve-out),
// "cold-users:P[:reveal=N][:valid]" (P% of the users new, their first N
// ratings revealed, see cold_users_split), "none"
// (train on everything, empty test). eligible: per movie, whether it has the
// side features a cold split requires (empty: every movie). Throws
// ConfigError on a bad spec.
std::vector<Split> make_splits(const Dataset& ds, const std::string& spec, std::uint64_t seed,
                               const std::vector<char>& eligible = {});

}  // namespace movierec
