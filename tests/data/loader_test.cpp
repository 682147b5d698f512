// The readers on tiny hand-made fixtures (tests/fixtures/*): every format,
// quoted titles, UTF-8 and Latin-1 text, BOM, CRLF, links and tags.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "movierec/dataset.h"

namespace movierec {
namespace {

using testing::fixture;

// Rating of (raw user, raw movie), or -1 when absent.
float rating_of(const Dataset& ds, std::int64_t user, std::int64_t movie) {
  auto u = ds.users.find(user);
  auto i = ds.items.find(movie);
  if (!u || !i || !ds.ratings.contains(*u, *i)) return -1;
  return ds.ratings.get(*u, *i);
}

TEST(LoadCsv, TinySetWithBomCrlfAndQuotedTitles) {
  Dataset ds = load_dataset(fixture("csv-tiny"));
  EXPECT_EQ(ds.format, "movielens-csv");
  EXPECT_EQ(ds.name, "csv-tiny");
  // 9 movies in file order, rated or not; 3 users in order of first appearance (5, 2, 9).
  ASSERT_EQ(ds.items.size(), 9u);
  EXPECT_EQ(ds.items.raw_ids(), (std::vector<std::int64_t>{1, 6, 11, 2571, 3000, 4000, 5000, 6000, 7000}));
  EXPECT_EQ(ds.users.raw_ids(), (std::vector<std::int64_t>{5, 2, 9}));
  EXPECT_EQ(ds.ratings.nnz(), 9u);
  EXPECT_EQ(ds.ratings.n_users(), 3u);
  EXPECT_EQ(ds.ratings.n_items(), 9u);
  // Rated: 1, 6, 11, 2571, 3000, 4000 (6 of 9).
  EXPECT_EQ(ds.rated_movies(), 6u);
  EXPECT_FLOAT_EQ(rating_of(ds, 5, 6), 3.5f);
  EXPECT_FLOAT_EQ(rating_of(ds, 2, 1), 0.5f);
  EXPECT_FLOAT_EQ(rating_of(ds, 2, 11), 3.0f);  // "3" without a decimal point
  EXPECT_FLOAT_EQ(rating_of(ds, 9, 1), 2.0f);
  EXPECT_FLOAT_EQ(rating_of(ds, 9, 2571), -1);
  // Timestamps are kept: user 2 (index 1) rated items 0, 2, 4 at 150, 50, 400.
  auto times = ds.ratings.user_times(1);
  ASSERT_EQ(times.size(), 3u);
  EXPECT_EQ(times[0], 150);
  EXPECT_EQ(times[1], 50);
  EXPECT_EQ(times[2], 400);
  EXPECT_FLOAT_EQ(ds.scale.min, 0.5f);
  EXPECT_FLOAT_EQ(ds.scale.max, 5.0f);
  EXPECT_FLOAT_EQ(ds.scale.step, 0.5f);

  const auto& m = ds.movies;
  EXPECT_EQ(m[0].title, "Toy Story (1995)");
  EXPECT_EQ(m[0].year, 1995);
  EXPECT_EQ(m[0].genres, (std::vector<std::string>{"Adventure", "Animation", "Children", "Comedy", "Fantasy"}));
  EXPECT_EQ(m[2].title, "American President, The (1995)");  // quoted, with a comma
  EXPECT_EQ(m[3].title, "Matrix, The (1999)");
  EXPECT_EQ(m[4].title, "Say \"Hello\" (2001)");                                                // doubled quotes
  EXPECT_TRUE(m[4].genres.empty());                                                             // "(no genres listed)"
  EXPECT_EQ(m[5].title, "Am\xC3\xA9lie (Fabuleux destin d'Am\xC3\xA9lie Poulain, Le) (2001)");  // UTF-8 kept
  EXPECT_EQ(m[5].year, 2001);
  EXPECT_EQ(m[6].year, 1975);          // "(1975-1979)"
  EXPECT_EQ(m[7].title, "Babylon 5");  // trailing space trimmed, no year
  EXPECT_EQ(m[7].year, 0);
  // links.csv: imdb/tmdb ids, an empty tmdbId, movies without a row.
  EXPECT_EQ(m[0].imdb_id, 114709);
  EXPECT_EQ(m[0].tmdb_id, 862);
  EXPECT_EQ(m[2].imdb_id, 112346);
  EXPECT_EQ(m[2].tmdb_id, -1);
  EXPECT_EQ(m[3].imdb_id, -1);
  // tags.csv: distinct per movie, quoted tag with a comma.
  EXPECT_EQ(m[0].tags, (std::vector<std::string>{"pixar", "fun, family"}));
  EXPECT_EQ(m[3].tags, (std::vector<std::string>{"sci-fi"}));
  EXPECT_TRUE(m[1].tags.empty());
}

TEST(LoadCsv, TagsCanBeSkipped) {
  LoadOptions opts;
  opts.load_tags = false;
  Dataset ds = load_dataset(fixture("csv-tiny"), opts);
  EXPECT_TRUE(ds.movies[0].tags.empty());
}

TEST(Load100k, Latin1TitlesGenresAndYears) {
  Dataset ds = load_dataset(fixture("ml100k-tiny"));
  EXPECT_EQ(ds.format, "ml-100k");
  ASSERT_EQ(ds.movies.size(), 4u);
  EXPECT_EQ(ds.ratings.nnz(), 4u);
  EXPECT_EQ(ds.users.raw_ids(), (std::vector<std::int64_t>{10, 20, 30}));
  // Latin-1 0xE9 becomes UTF-8 C3 A9.
  EXPECT_EQ(ds.movies[1].title, "Mis\xC3\xA9rables, Les (1995)");
  // Flags 3, 4, 5 of u.genre: Animation, Children's, Comedy.
  EXPECT_EQ(ds.movies[0].genres, (std::vector<std::string>{"Animation", "Children's", "Comedy"}));
  EXPECT_EQ(ds.movies[1].genres, (std::vector<std::string>{"Drama", "Mystery"}));  // flags 8, 13
  EXPECT_TRUE(ds.movies[2].genres.empty());                                        // only "unknown"
  EXPECT_EQ(ds.movies[2].year, 0);
  EXPECT_EQ(ds.movies[3].year, 1994);  // no year in the title: the release date's
  EXPECT_FLOAT_EQ(ds.scale.min, 1.0f);
  EXPECT_FLOAT_EQ(ds.scale.step, 1.0f);
  EXPECT_FLOAT_EQ(rating_of(ds, 10, 2), 1.0f);
  EXPECT_EQ(ds.ratings.user_times(*ds.users.find(30))[0], 881250952);
}

TEST(LoadDat, Ml1mWithLatin1AndWholeStars) {
  Dataset ds = load_dataset(fixture("ml1m-tiny"));
  EXPECT_EQ(ds.format, "ml-dat");
  ASSERT_EQ(ds.movies.size(), 3u);
  EXPECT_EQ(ds.ratings.nnz(), 3u);
  EXPECT_EQ(ds.movies[2].title, "Caf\xC3\xA9 au Lait (1993)");
  EXPECT_EQ(ds.movies[0].genres, (std::vector<std::string>{"Animation", "Children's", "Comedy"}));
  EXPECT_FLOAT_EQ(ds.scale.min, 1.0f);  // users.dat present: ml-1m, whole stars
  EXPECT_FLOAT_EQ(rating_of(ds, 1, 3), 3.0f);
  EXPECT_EQ(ds.rated_movies(), 3u);
}

TEST(LoadDat, Ml10mHalfStarsAndTags) {
  Dataset ds = load_dataset(fixture("ml10m-tiny"));
  EXPECT_FLOAT_EQ(ds.scale.min, 0.5f);
  EXPECT_FLOAT_EQ(ds.scale.step, 0.5f);
  EXPECT_FLOAT_EQ(rating_of(ds, 1, 1), 3.5f);
  EXPECT_FLOAT_EQ(rating_of(ds, 7, 1), 0.5f);
  EXPECT_EQ(ds.movies[0].tags, (std::vector<std::string>{"pixar"}));
  EXPECT_EQ(ds.movies[1].tags, (std::vector<std::string>{"jungle"}));
}

TEST(LoadCsv, FingerprintIsStableAndDataDependent) {
  Dataset a = load_dataset(fixture("csv-tiny"));
  Dataset b = load_dataset(fixture("csv-tiny"));
  Dataset c = load_dataset(fixture("ml100k-tiny"));
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_NE(a.fingerprint(), c.fingerprint());
}

TEST(LoadCsv, LfAndNoTrailingNewline) {
  auto dir = testing::csv_set("lf", testing::kMovies, testing::kRatingsHeader + "1,1,4,5\n1,2,3,6\n2,3,5,7");
  Dataset ds = load_dataset(dir);
  EXPECT_EQ(ds.ratings.nnz(), 3u);
  EXPECT_EQ(ds.movies[2].title, "Heat, The (1995)");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace movierec
