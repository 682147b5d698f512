// User side features (ml-100k u.user, ml-1m users.dat): one-hot blocks by hand.
#include <gtest/gtest.h>

#include "../support/shared.h"
#include "features/user_features.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"

namespace movierec {
namespace {

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(MOVIEREC_SOURCE_DIR) / "tests" / "fixtures" / name;
}

TEST(UserFeatures, AgeBucketsAreMl1msBuckets) {
  // Under 18, 18-24, 25-34, 35-44, 45-49, 50-55, 56+.
  const std::pair<int, int> cases[] = {{1, 0},  {17, 0}, {18, 1}, {24, 1}, {25, 2}, {34, 2}, {35, 3},
                                       {44, 3}, {45, 4}, {49, 4}, {50, 5}, {55, 5}, {56, 6}, {90, 6}};
  for (auto [age, bucket] : cases) EXPECT_EQ(age_bucket(age), bucket) << age;
}

TEST(UserFeatures, OneHotBlocksWithMissing) {
  // ml100k-tiny: users 10 (24, M, technician), 20 (53, F, other), 30 (not in u.user).
  Dataset ds = load_dataset(fixture("ml100k-tiny"));
  UserFeatures f = build_user_features(ds, parse_user_side("all"));
  // age 7 + missing, gender 2 + missing, occupation {other, technician} + missing.
  ASSERT_EQ(f.dim, 8u + 3u + 3u);
  ASSERT_EQ(f.blocks.size(), 3u);
  EXPECT_EQ(f.summary(), "age 8 (missing 1), gender 3 (missing 1), occupation 3 (missing 1)");
  auto row = [&](std::int64_t raw) {
    const float* r = f.row(*ds.users.find(raw));
    return std::vector<float>(r, r + f.dim);
  };
  //                  age: <18 18 25 35 45 50 56 ?   gender: M F ?   occupation: other technician ?
  EXPECT_EQ(row(10), (std::vector<float>{0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(row(20), (std::vector<float>{0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(row(30), (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1}));
  // One block alone, in the order named.
  UserFeatures g = build_user_features(ds, parse_user_side("gender"));
  ASSERT_EQ(g.dim, 3u);
  EXPECT_EQ(g.row(*ds.users.find(20))[1], 1.f);
}

TEST(UserFeatures, ClearErrors) {
  MOVIEREC_EXPECT_ERROR(parse_user_side("age,height"), ConfigError, "user side feature 'height'",
                        "age, gender, occupation or all");
  MOVIEREC_EXPECT_ERROR(parse_user_side("age,age"), ConfigError, "'age' is named twice");
  Dataset csv = load_dataset(fixture("csv-tiny"));
  MOVIEREC_EXPECT_ERROR(build_user_features(csv, {"occupation"}), ConfigError, "user side feature 'occupation'",
                        "csv-tiny has no user file");
}

}  // namespace
}  // namespace movierec
