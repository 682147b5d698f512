// Splits on hand-made matrices: counts per user, disjointness, union = all,
// timestamps carried, seeds, the latest ratings, predefined files and specs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "../support/shared.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/split.h"
#include "split/split_util.h"

namespace movierec {
namespace {

namespace fs = std::filesystem;
using Key = std::tuple<UserIndex, ItemIndex, float, std::int64_t>;

std::multiset<Key> keys(const RatingMatrix& m) {
  std::multiset<Key> out;
  for (const Rating& r : m.triplets()) out.insert({r.user, r.item, r.value, r.timestamp});
  return out;
}

// Users with 1, 3, 5, 25 and 40 ratings on 50 items; value and timestamp
// encode (user, item) so that moved ratings can be recognised.
RatingMatrix test_matrix() {
  const std::size_t counts[] = {1, 3, 5, 25, 40};
  std::vector<Rating> r;
  for (UserIndex u = 0; u < 5; ++u)
    for (ItemIndex i = 0; i < counts[u]; ++i)
      r.push_back({u, (i * 7 + u) % 50, 0.5f + static_cast<float>((u + i) % 10) / 2, 1000 * u + 37 * i});
  return RatingMatrix(5, 50, r);
}

// Checks train and test partition r: disjoint, union = all (values and timestamps included).
void expect_partition(const RatingMatrix& r, const Split& s) {
  EXPECT_EQ(s.train.n_users(), r.n_users());
  EXPECT_EQ(s.test.n_items(), r.n_items());
  EXPECT_EQ(s.train.nnz() + s.test.nnz(), r.nnz());
  auto all = keys(s.train);
  for (auto& k : keys(s.test)) {
    EXPECT_FALSE(s.train.contains(std::get<0>(k), std::get<1>(k))) << "in both";
    all.insert(k);
  }
  EXPECT_EQ(all, keys(r));
}

TEST(Holdout, CountsPerUser) {
  RatingMatrix r = test_matrix();
  Split s = holdout_split(r, 2, 7);
  EXPECT_EQ(s.name, "holdout:2");
  expect_partition(r, s);
  // max(0, min(2, count - 2)) for counts 1, 3, 5, 25, 40: 0, 1, 2, 2, 2.
  const std::size_t want[] = {0, 1, 2, 2, 2};
  for (UserIndex u = 0; u < 5; ++u) EXPECT_EQ(s.test.user_count(u), want[u]) << u;
  // n = 10: 0, 0, 0, 10, 10; users keep at least 10 in train.
  Split t = holdout_split(r, 10, 7);
  const std::size_t want10[] = {0, 0, 0, 10, 10};
  for (UserIndex u = 0; u < 5; ++u) EXPECT_EQ(t.test.user_count(u), want10[u]) << u;
}

TEST(Holdout, ValidationCarveOutSplitsTheOuterTrainPart) {
  RatingMatrix r = test_matrix();
  Split outer = holdout_split(r, 5, 7);
  Split inner = holdout_validation(outer, 5, 7);
  EXPECT_EQ(inner.name, "holdout:5:valid");
  expect_partition(outer.train, inner);
  // Outer test max(0, min(5, count - 5)) of 1, 3, 5, 25, 40 leaves 1, 3, 5, 20, 35 in
  // train; the carve-out takes the same rule of those: 0, 0, 0, 5, 5.
  const std::size_t want[] = {0, 0, 0, 5, 5};
  for (UserIndex u = 0; u < 5; ++u) EXPECT_EQ(inner.test.user_count(u), want[u]) << u;
  // No outer test rating can be drawn again: the carve-out is of the train part only.
  for (UserIndex u = 0; u < 5; ++u)
    for (ItemIndex i : inner.test.user_items(u)) EXPECT_FALSE(outer.test.contains(u, i)) << u << " " << i;
}

TEST(Holdout, DeterministicForASeedDifferentAcrossSeeds) {
  RatingMatrix r = test_matrix();
  auto a = keys(holdout_split(r, 5, 11).test);
  EXPECT_EQ(a, keys(holdout_split(r, 5, 11).test));
  // Users 3 and 4 pick 5 of 25 and 5 of 40: the chance two seeds agree is
  // 1 / (C(25,5) C(40,5)) ~ 1e-11; of the 5 other seeds at least one differs.
  int differ = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) differ += keys(holdout_split(r, 5, seed).test) != a;
  EXPECT_EQ(differ, 5);
}

TEST(Holdout, SamplerIsUniform) {
  // 40,000 samples of 1 of 4 positions: each ~10,000 (sd ~87).
  std::mt19937_64 rng(3);
  int hits[4] = {0, 0, 0, 0};
  for (int k = 0; k < 40000; ++k) {
    std::vector<int> v{0, 1, 2, 3};
    splitting::sample_front(v, 1, rng);
    ++hits[v[0]];
  }
  for (int h : hits) EXPECT_NEAR(h, 10000, 500);
  // A sample of 3 of 5 holds 3 distinct elements.
  std::vector<int> v{0, 1, 2, 3, 4};
  splitting::sample_front(v, 3, rng);
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<int>{0, 1, 2, 3, 4}));
  for (int k = 0; k < 1000; ++k) EXPECT_LT(splitting::uniform_below(rng, 3), 3u);
}

TEST(KFold, FoldsPartitionTheRatings) {
  RatingMatrix r = test_matrix();  // 1 + 3 + 5 + 25 + 40 = 74 ratings
  auto folds = kfold_splits(r, 3, 5);
  ASSERT_EQ(folds.size(), 3u);
  // Fold f holds positions [f * 74 / 3, (f + 1) * 74 / 3): 24, 25, 25.
  EXPECT_EQ(folds[0].test.nnz(), 24u);
  EXPECT_EQ(folds[1].test.nnz(), 25u);
  EXPECT_EQ(folds[2].test.nnz(), 25u);
  EXPECT_EQ(folds[1].name, "fold 2/3");
  std::multiset<Key> tests;
  for (const auto& f : folds) {
    expect_partition(r, f);
    for (auto& k : keys(f.test)) tests.insert(k);
  }
  EXPECT_EQ(tests, keys(r));  // each rating in exactly one test fold
  EXPECT_EQ(keys(kfold_splits(r, 3, 5)[1].test), keys(folds[1].test));
  EXPECT_NE(keys(kfold_splits(r, 3, 6)[1].test), keys(folds[1].test));
  EXPECT_THROW(kfold_splits(r, 1, 5), ConfigError);
  EXPECT_THROW(kfold_splits(r, 75, 5), ConfigError);
}

TEST(Temporal, TakesTheLatest) {
  // User 0: items 0..3 at 50, 10, 40, 30; user 1: items 0..2 all at 100 (ties
  // by item: item 2 is the latest); user 2: one rating.
  std::vector<Rating> v = {{0, 0, 1, 50},  {0, 1, 2, 10},  {0, 2, 3, 40},  {0, 3, 4, 30},
                           {1, 0, 1, 100}, {1, 1, 2, 100}, {1, 2, 3, 100}, {2, 1, 5, 7}};
  RatingMatrix r(3, 4, v);
  Split s = temporal_split(r, 1);
  expect_partition(r, s);
  EXPECT_EQ(s.name, "temporal:1");
  EXPECT_TRUE(s.test.contains(0, 0));   // t = 50
  EXPECT_TRUE(s.test.contains(1, 2));   // tie at 100, highest item
  EXPECT_EQ(s.test.user_count(2), 0u);  // keeps its only rating
  EXPECT_EQ(s.test.nnz(), 2u);
  EXPECT_EQ(s.test.user_times(0)[0], 50);
  Split two = temporal_split(r, 2);
  // count 4: min(2, 4 - 2) = 2 latest (50, 40); count 3: min(2, 1) = 1.
  EXPECT_TRUE(two.test.contains(0, 0));
  EXPECT_TRUE(two.test.contains(0, 2));
  EXPECT_EQ(two.test.user_count(1), 1u);
  EXPECT_EQ(two.test.nnz(), 3u);
}

fs::path fixture(const std::string& name) { return fs::path(MOVIEREC_SOURCE_DIR) / "tests" / "fixtures" / name; }

TEST(FileSplits, BraceExpansionOnTinyMl100k) {
  Dataset ds = load_dataset(fixture("ml100k-tiny"));
  auto splits = make_splits(ds, "files:" + fixture("ml100k-tiny").string() + "/u{1..2}.base,test", 0);
  ASSERT_EQ(splits.size(), 2u);
  EXPECT_EQ(splits[0].name, "u1");
  EXPECT_EQ(splits[0].train.nnz(), 2u);
  EXPECT_EQ(splits[0].test.nnz(), 2u);
  EXPECT_EQ(splits[1].train.nnz(), 3u);
  EXPECT_EQ(splits[1].test.nnz(), 1u);
  expect_partition(ds.ratings, splits[0]);
  expect_partition(ds.ratings, splits[1]);
  // u2.test: user 10 rated item 1 with 5 at 881250949.
  UserIndex u10 = *ds.users.find(10);
  ItemIndex i1 = *ds.items.find(1);
  EXPECT_FLOAT_EQ(splits[1].test.get(u10, i1), 5.0f);
  EXPECT_EQ(splits[1].test.user_times(u10)[0], 881250949);
  // Relative to the dataset folder, one file pair.
  EXPECT_EQ(make_splits(ds, "files:u2.base,test", 0).size(), 1u);
}

std::string split_error(const Dataset& ds, const std::string& base, const std::string& test) {
  auto dir = testing::temp_dir("splitfiles");
  std::ofstream(dir / "a.base") << base;
  std::ofstream(dir / "a.test") << test;
  std::string msg;
  try {
    make_splits(ds, "files:" + (dir / "a.base").string() + ",test", 0);
  } catch (const DataError& e) {
    msg = e.what();
  }
  fs::remove_all(dir);
  return msg;
}

TEST(FileSplits, BadFiles) {
  Dataset ds = load_dataset(fixture("ml100k-tiny"));
  EXPECT_EQ(split_error(ds, "10\t1\t5\t1\n99\t1\t5\t1\n", "10\t2\t1\t1\n"),
            "a.base:2: field 'user id': expected a user of ml100k-tiny, got \"99\"");
  EXPECT_EQ(split_error(ds, "10\t1\t5\t1\n", "10\t77\t1\t1\n"),
            "a.test:1: field 'item id': expected a movie listed in the movies of ml100k-tiny, got \"77\"");
  EXPECT_EQ(split_error(ds, "10\t1\t5\t1\n20\t2\t3\t1\n", "10\t2\t1\t1\n20\t2\t3\t1\n"),
            "a.test:2: field 'item id': the rating by user id 20 for item id 2 is also in a.base "
            "(train and test must be disjoint)");
  EXPECT_EQ(split_error(ds, "10\t1\t5\t1\n10\t1\t4\t1\n", "10\t2\t1\t1\n"),
            "a.base:2: field 'item id': duplicate rating by user id 10 for item id 1 (first at line 1)");
  EXPECT_EQ(split_error(ds, "10\t1\t9\t1\n", "10\t2\t1\t1\n"),
            "a.base:1: field 'rating': expected a number in [1, 5], got \"9\"");
  EXPECT_THROW(make_splits(ds, "files:/nonexistent/u{1..2}.base,test", 0), IoError);
}

// The ConfigError message of make_splits(ds, spec), "" when it succeeds.
std::string split_error(const Dataset& ds, const std::string& spec) {
  try {
    make_splits(ds, spec, 1);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(MakeSplits, HoldoutValidationSpec) {
  Dataset ds = load_dataset(fixture("csv-tiny"));  // 3 users with 3 ratings each
  auto v = make_splits(ds, "holdout:1:valid", 1);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].name, "holdout:1:valid");
  // Outer: 1 of 3 each to test; inner: 1 of the 2 left each (min(1, 2 - 1)).
  EXPECT_EQ(v[0].train.nnz() + v[0].test.nnz(), 6u);
  EXPECT_EQ(v[0].test.nnz(), 3u);
  EXPECT_EQ(split_error(ds, "holdout:x:valid"),
            "split spec \"holdout:x:valid\": expected the test ratings per user N (an integer >= 1), got \"x\"");
}

TEST(MakeSplits, SpecsAndErrors) {
  Dataset ds = load_dataset(fixture("csv-tiny"));
  auto none = make_splits(ds, "none", 1);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].train.nnz(), 9u);
  EXPECT_EQ(none[0].test.nnz(), 0u);
  EXPECT_EQ(none[0].test.n_items(), 9u);
  // csv-tiny: every user has 3 ratings; holdout:1 takes min(1, 3 - 1) = 1 each.
  auto h = make_splits(ds, "holdout:1", 1);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].test.nnz(), 3u);
  EXPECT_EQ(make_splits(ds, "kfold:3", 1).size(), 3u);
  EXPECT_EQ(make_splits(ds, "temporal:1", 1)[0].test.nnz(), 3u);
  auto message = [&](const std::string& spec) { return split_error(ds, spec); };
  EXPECT_EQ(message("holdout:0"),
            "split spec \"holdout:0\": expected the test ratings per user N (an integer >= 1), got \"0\"");
  EXPECT_EQ(message("holdout:x"),
            "split spec \"holdout:x\": expected the test ratings per user N (an integer >= 1), got \"x\"");
  EXPECT_EQ(message("kfold:1"), "split spec \"kfold:1\": expected the number of folds K (an integer >= 2), got \"1\"");
  EXPECT_EQ(message("holdout"),
            "bad split spec \"holdout\": expected none, holdout:N[:valid], kfold:K, temporal:N, cold-items:P, "
            "cold-users:P[:reveal=N], files:DIR/u{1..5}.base,test or files:TRAIN.csv,TEST.csv");
  EXPECT_EQ(message("random:3"),
            "bad split spec \"random:3\": unknown kind \"random\"; expected none, holdout:N[:valid], kfold:K, temporal:N, "
            "cold-items:P, cold-users:P[:reveal=N], files:DIR/u{1..5}.base,test or files:TRAIN.csv,TEST.csv");
  EXPECT_EQ(message("files:u{1..5.base,test"), "split spec \"files:u{1..5.base,test\": '{' without '}'");
  EXPECT_EQ(message("files:u{5..1}.base,test"),
            "split spec \"files:u{5..1}.base,test\": expected a range {a..b} with integers a <= b, got {5..1}");
}

// Users with 2, 6, 8, 10, 12, ... ratings: cold-users draws among those with
// at least 5 + reveal ratings; a new user keeps its first `reveal` ratings (by
// time) in train and has the rest in test; everyone else stays in train.
RatingMatrix cold_users_matrix() {
  std::vector<Rating> r;
  for (UserIndex u = 0; u < 40; ++u) {
    const std::size_t count = u == 0 ? 2 : 4 + 2 * (u % 10);
    for (ItemIndex i = 0; i < count; ++i)
      // Timestamps run backwards through the items, two of them tied, so the
      // order by time is not the order by item.
      r.push_back({u, (i + 2 * u) % 60, 1.0f + (i % 5), i == 1 ? 500 : 1000 - 10 * std::int64_t(i)});
  }
  return RatingMatrix(40, 60, r);
}

TEST(ColdUsers, NewUsersKeepTheirFirstRatingsByTime) {
  const RatingMatrix r = cold_users_matrix();
  for (std::size_t reveal : {0, 3}) {
    SCOPED_TRACE(reveal);
    Split s = cold_users_split(r, 25, 7, reveal);
    expect_partition(r, s);
    std::size_t eligible = 0;
    for (UserIndex u = 0; u < r.n_users(); ++u) eligible += r.user_count(u) >= 5 + reveal;
    EXPECT_EQ(s.eligible_users, eligible);
    EXPECT_EQ(s.new_users.size(), static_cast<std::size_t>(std::llround(0.25 * eligible)));
    EXPECT_EQ(s.revealed, reveal);
    EXPECT_EQ(s.name, reveal ? "cold-users:25:reveal=3" : "cold-users:25");
    std::set<UserIndex> fresh(s.new_users.begin(), s.new_users.end());
    for (UserIndex u = 0; u < r.n_users(); ++u) {
      if (!fresh.count(u)) {
        EXPECT_EQ(s.test.user_count(u), 0u) << u;
        EXPECT_EQ(s.train.user_count(u), r.user_count(u)) << u;
        continue;
      }
      ASSERT_GE(r.user_count(u), 5 + reveal);
      EXPECT_EQ(s.train.user_count(u), reveal) << u;
      // Every train rating of a new user is no later than any of its test ratings.
      std::int64_t latest_train = std::numeric_limits<std::int64_t>::min();
      const TimeSpan train_times = s.train.user_times(u), test_times = s.test.user_times(u);
      for (std::size_t k = 0; k < train_times.size(); ++k) latest_train = std::max(latest_train, train_times[k]);
      for (std::size_t k = 0; k < test_times.size(); ++k) EXPECT_LE(latest_train, test_times[k]) << u;
    }
  }
  // Same seed, same draw; another seed, another draw.
  EXPECT_EQ(cold_users_split(r, 25, 7).new_users, cold_users_split(r, 25, 7).new_users);
  EXPECT_NE(cold_users_split(r, 25, 7).new_users, cold_users_split(r, 25, 8).new_users);
}

TEST(ColdUsers, RevealedRatingsAreTheEarliestWithTiesByMovie) {
  // One user, 6 ratings: times 30, 10, 10, 20, 50, 40 on movies 0..5.
  std::vector<Rating> v;
  const std::int64_t times[] = {30, 10, 10, 20, 50, 40};
  for (ItemIndex i = 0; i < 6; ++i) v.push_back({0, i, 3.0f, times[i]});
  // A second user so that 50% is one user.
  for (ItemIndex i = 0; i < 6; ++i) v.push_back({1, i, 4.0f, times[i]});
  RatingMatrix r(2, 6, v);
  Split s = cold_users_split(r, 50, 1, 2, 1);
  ASSERT_EQ(s.new_users.size(), 1u);
  const UserIndex u = s.new_users[0];
  // Earliest two: movie 1 (t=10) and movie 2 (t=10, the tie broken by movie).
  auto kept = s.train.user_items(u);
  EXPECT_EQ(std::vector<ItemIndex>(kept.begin(), kept.end()), (std::vector<ItemIndex>{1, 2}));
  EXPECT_EQ(s.test.user_count(u), 4u);
}

TEST(ColdUsers, ValidationCarveOutDrawsOthersAndSpecsParse) {
  const RatingMatrix r = cold_users_matrix();
  Split outer = cold_users_split(r, 25, 7, 2);
  Split inner = cold_users_validation(outer, 25, 7, 2);
  EXPECT_EQ(inner.name, "cold-users:25:reveal=2:valid");
  EXPECT_EQ(inner.train.nnz() + inner.test.nnz(), outer.train.nnz());
  for (UserIndex u : inner.new_users)
    EXPECT_FALSE(std::binary_search(outer.new_users.begin(), outer.new_users.end(), u)) << u;

  Dataset ds = load_dataset(fixture("csv-tiny"));  // 3 users with 3 ratings each
  auto message = [&](const std::string& spec) { return split_error(ds, spec); };
  EXPECT_EQ(message("cold-users:0"),
            "split spec \"cold-users:0\": expected the percentage of new users P in (0, 100) (cold-users:P, "
            "cold-users:P:reveal=N, and :valid for the validation carve-out), got \"0\"");
  EXPECT_EQ(message("cold-users:50:reveal=x"),
            "split spec \"cold-users:50:reveal=x\": expected the revealed ratings per new user N (an integer >= 0), "
            "got \"x\"");
  EXPECT_EQ(message("cold-users:50"),
            "cold_users_split: 0 users have at least 5 ratings (5 + reveal=0); 50% of them is no user");
}

}  // namespace
}  // namespace movierec
