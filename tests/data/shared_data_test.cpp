// The real datasets in ../shared (skipped when absent): counts published in
// /work/shared/data/README.md.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "movierec/dataset.h"
#include "movierec/split.h"

namespace movierec {
namespace {

using testing::shared_path;

std::int64_t first_match(const Dataset& ds, const std::string& q) {
  auto found = find_movies(ds, q);
  return found.empty() ? -1 : ds.movies[found.front()].id;
}

TEST(SharedData, MlLatestSmall2016) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small-2016");
  Dataset ds = load_dataset(shared_path("data/ml-latest-small-2016"));
  EXPECT_EQ(ds.users.size(), 671u);
  EXPECT_EQ(ds.rated_movies(), 9066u);
  EXPECT_EQ(ds.ratings.nnz(), 100004u);
  EXPECT_EQ(ds.movies.size(), 9125u);
  EXPECT_EQ(first_match(ds, "Heat (1995)"), 6);
  EXPECT_EQ(find_movies(ds, "Heat (1995)").size(), 1u);
  EXPECT_EQ(first_match(ds, "Toy Story (1995)"), 1);
  EXPECT_EQ(first_match(ds, "toy story"), 1);
  EXPECT_EQ(first_match(ds, "the matrix"), 2571);
  // 13 rows of links.csv have no tmdbId.
  std::size_t no_tmdb = 0;
  for (const auto& m : ds.movies) no_tmdb += m.tmdb_id < 0;
  EXPECT_EQ(no_tmdb, 13u);
  EXPECT_FLOAT_EQ(ds.ratings.min_value(), 0.5f);
  EXPECT_FLOAT_EQ(ds.ratings.max_value(), 5.0f);
}

TEST(SharedData, MlLatestSmall) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small");
  Dataset ds = load_dataset(shared_path("data/ml-latest-small"));
  EXPECT_EQ(ds.users.size(), 610u);
  EXPECT_EQ(ds.rated_movies(), 9724u);
  EXPECT_EQ(ds.ratings.nnz(), 100836u);
  EXPECT_EQ(ds.movies.size(), 9742u);
  EXPECT_EQ(first_match(ds, "Heat (1995)"), 6);
  EXPECT_EQ(first_match(ds, "Toy Story (1995)"), 1);
  std::size_t no_tmdb = 0;
  for (const auto& m : ds.movies) no_tmdb += m.tmdb_id < 0;
  EXPECT_EQ(no_tmdb, 8u);
}

TEST(SharedData, Ml100kAndItsSplits) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-100k");
  Dataset ds = load_dataset(shared_path("data/ml-100k"));
  EXPECT_EQ(ds.users.size(), 943u);
  EXPECT_EQ(ds.movies.size(), 1682u);
  EXPECT_EQ(ds.ratings.nnz(), 100000u);
  EXPECT_EQ(first_match(ds, "Heat (1995)"), 273);
  auto splits = make_splits(ds, "files:" + shared_path("data/ml-100k").string() + "/u{1..5}.base,test", 1);
  ASSERT_EQ(splits.size(), 5u);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(splits[k].name, std::string(1, 'u') + std::to_string(k + 1));
    EXPECT_EQ(splits[k].train.nnz(), 80000u);
    EXPECT_EQ(splits[k].test.nnz(), 20000u);
  }
  // ua/ub relative to the dataset folder.
  auto ua = make_splits(ds, "files:ua.base,test", 1);
  ASSERT_EQ(ua.size(), 1u);
  EXPECT_EQ(ua[0].train.nnz(), 90570u);
  EXPECT_EQ(ua[0].test.nnz(), 9430u);
}

}  // namespace
}  // namespace movierec
