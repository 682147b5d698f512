// Side information about users, where the dataset has a user file (ml-100k's
// u.user, ml-1m's users.dat), as one dense one-hot matrix: the features a
// model can represent a user by when it has few or no ratings (cold users).
//
// Blocks (`user_side=age,gender,occupation`, or `all`):
//   age         7 buckets, ml-1m's: under 18, 18-24, 25-34, 35-44, 45-49, 50-55, 56+
//   gender      M, F
//   occupation  the dataset's occupations (sorted)
// Each block ends with a "missing" column (1 for a user the file does not
// describe). No statistic of the ratings is involved, so nothing leaks from test.
//
// Layout: values[u * dim + j] is feature j of user u (UserIndex).
#pragma once

#include <string>
#include <vector>

#include "features/item_features.h"

namespace movierec {

struct UserFeatures {
  std::size_t n_users = 0, dim = 0;
  std::vector<float> values;  // n_users x dim
  std::vector<FeatureBlock> blocks;

  const float* row(UserIndex u) const { return values.data() + std::size_t(u) * dim; }
  // "age 8 (missing 0), gender 3 (missing 0)...".
  std::string summary() const;
};

// Parses "age,gender,occupation" or "all"; ConfigError naming a bad entry.
std::vector<std::string> parse_user_side(const std::string& spec);

// ConfigError when the dataset has no user file (naming the feature and the files looked for).
UserFeatures build_user_features(const Dataset& ds, const std::vector<std::string>& names);

// The bucket of an age (0 = under 18 ... 6 = 56 and over); ml-1m's ages are
// already bucket bounds and land in their own bucket.
int age_bucket(int age);

}  // namespace movierec
