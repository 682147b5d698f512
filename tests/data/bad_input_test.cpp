// Bad input: every error names file, line and field, says what was expected
// and what was found; lenient mode skips and counts bad rows.
#include <gtest/gtest.h>

#include "data/ratings_reader.h"
#include "fixtures.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"

namespace movierec {
namespace {

namespace fs = std::filesystem;
using testing::csv_set;
using testing::kMovies;
using testing::kRatingsHeader;

// The message of the DataError that loading dir throws ("" when none).
std::string data_error(const fs::path& dir, const LoadOptions& opts = {}) {
  try {
    load_dataset(dir, opts);
  } catch (const DataError& e) {
    fs::remove_all(dir);
    return e.what();
  }
  fs::remove_all(dir);
  return "";
}

std::string ratings_error(const std::string& rows) {
  return data_error(csv_set("bad", kMovies, kRatingsHeader + rows));
}

TEST(BadInput, NonNumericRatingNamesFileLineFieldExpectedGot) {
  // Line 1 is the header: the bad row is line 3.
  EXPECT_EQ(ratings_error("1,1,4.0,10\n1,2,five,11\n"),
            "ratings.csv:3: field 'rating': expected a number in [0.5, 5], got \"five\"");
}

TEST(BadInput, RatingOutsideTheScale) {
  EXPECT_EQ(ratings_error("1,1,5.5,10\n"), "ratings.csv:2: field 'rating': expected a number in [0.5, 5], got \"5.5\"");
  EXPECT_EQ(ratings_error("1,1,0,10\n"), "ratings.csv:2: field 'rating': expected a number in [0.5, 5], got \"0\"");
  EXPECT_EQ(ratings_error("1,1,-1,10\n"), "ratings.csv:2: field 'rating': expected a number in [0.5, 5], got \"-1\"");
  EXPECT_EQ(ratings_error("1,1,nan,10\n"), "ratings.csv:2: field 'rating': expected a number in [0.5, 5], got \"nan\"");
  EXPECT_EQ(ratings_error("1,1,,10\n"), "ratings.csv:2: field 'rating': expected a number in [0.5, 5], got \"\"");
}

TEST(BadInput, BadIds) {
  EXPECT_EQ(ratings_error("abc,1,4,10\n"),
            "ratings.csv:2: field 'userId': expected a positive integer id, got \"abc\"");
  EXPECT_EQ(ratings_error("1,1,4,1\n0,1,4,10\n"),
            "ratings.csv:3: field 'userId': expected a positive integer id, got \"0\"");
  EXPECT_EQ(ratings_error("-3,1,4,10\n"), "ratings.csv:2: field 'userId': expected a positive integer id, got \"-3\"");
  EXPECT_EQ(ratings_error("1,x1,4,10\n"), "ratings.csv:2: field 'movieId': expected a positive integer id, got \"x1\"");
  EXPECT_EQ(ratings_error("1,1.5,4,10\n"),
            "ratings.csv:2: field 'movieId': expected a positive integer id, got \"1.5\"");
}

TEST(BadInput, MovieAbsentFromMoviesCsv) {
  EXPECT_EQ(ratings_error("1,1,4,10\n1,99,4,10\n"),
            "ratings.csv:3: field 'movieId': expected a movie listed in movies.csv, got \"99\"");
}

TEST(BadInput, BadTimestamp) {
  EXPECT_EQ(ratings_error("1,1,4,yesterday\n"),
            "ratings.csv:2: field 'timestamp': expected an integer (seconds since 1970), got \"yesterday\"");
}

TEST(BadInput, WrongFieldCount) {
  EXPECT_EQ(ratings_error("1,1,4,10\n1,2,4\n"),
            "ratings.csv:3: expected 4 fields (userId,movieId,rating,timestamp), got 3: \"1,2,4\"");
  EXPECT_EQ(ratings_error("1,1,4,10,7\n"),
            "ratings.csv:2: expected 4 fields (userId,movieId,rating,timestamp), got 5: \"1,1,4,10,7\"");
}

TEST(BadInput, DuplicatePairNamesBothLines) {
  EXPECT_EQ(ratings_error("1,1,4,10\n2,2,3,11\n1,1,3,12\n"),
            "ratings.csv:4: field 'movieId': duplicate rating by userId 1 for movieId 1 (first at line 2)");
}

TEST(BadInput, MissingHeader) {
  EXPECT_EQ(data_error(csv_set("nohead", kMovies, "1,1,4,10\n")),
            "ratings.csv:1: expected the header \"userId,movieId,rating,timestamp\", got \"1,1,4,10\"");
  EXPECT_EQ(data_error(csv_set("nohead2", "1,Toy Story (1995),Comedy\n", kRatingsHeader + "1,1,4,10\n")),
            "movies.csv:1: expected the header \"movieId,title,genres\", got \"1,Toy Story (1995),Comedy\"");
}

TEST(BadInput, EmptyFiles) {
  EXPECT_EQ(data_error(csv_set("empty", kMovies, "")), "ratings.csv: the file is empty");
  EXPECT_EQ(data_error(csv_set("empty2", "", kRatingsHeader + "1,1,4,10\n")), "movies.csv: the file is empty");
  EXPECT_EQ(data_error(csv_set("headonly", kMovies, kRatingsHeader)),
            "ratings.csv: no ratings (the file has no data rows)");
  // Lenient mode still refuses an empty file.
  LoadOptions lenient;
  lenient.lenient = true;
  EXPECT_EQ(data_error(csv_set("empty3", kMovies, "\xEF\xBB\xBF\r\n"), lenient), "ratings.csv: the file is empty");
}

TEST(BadInput, MissingFilesAreIoErrorsNamingThem) {
  auto dir = testing::temp_dir("missing");
  testing::write_text(dir / "movies.csv", kMovies);
  try {
    load_dataset(dir);
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "ratings.csv").string()), std::string::npos) << e.what();
  }
  fs::remove(dir / "movies.csv");
  try {
    load_dataset(dir);
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no MovieLens files in"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_dataset(dir / "nope"), IoError);
  fs::remove_all(dir);
}

TEST(BadInput, MoviesCsvRows) {
  EXPECT_EQ(data_error(csv_set("m1", "movieId,title,genres\n1,A (1990),Drama\n1,B (1991),Drama\n",
                               kRatingsHeader + "1,1,4,1\n")),
            "movies.csv:3: field 'movieId': duplicate movieId 1 (first at line 2)");
  EXPECT_EQ(data_error(csv_set("m2", "movieId,title,genres\n1,A, B (1990),Drama\n", kRatingsHeader + "1,1,4,1\n")),
            "movies.csv:2: expected 3 fields (movieId,title,genres), got 4: \"1,A, B (1990),Drama\"");
  EXPECT_EQ(data_error(csv_set("m3", "movieId,title,genres\nx,A (1990),Drama\n", kRatingsHeader + "1,1,4,1\n")),
            "movies.csv:2: field 'movieId': expected a positive integer id, got \"x\"");
  EXPECT_EQ(data_error(csv_set("m4", "movieId,title,genres\n1,A (1990),Drama\n2,\"B (1991),Drama\n",
                               kRatingsHeader + "1,1,4,1\n")),
            "movies.csv:3: unterminated quoted field (a '\"' opened here is never closed)");
}

TEST(BadInput, LinksAndTags) {
  auto dir = csv_set("links", kMovies, kRatingsHeader + "1,1,4,1\n");
  testing::write_text(dir / "links.csv", "movieId,imdbId,tmdbId\n1,0114709,862\n2,tt0113497,8844\n");
  EXPECT_EQ(data_error(dir), "links.csv:3: field 'imdbId': expected an integer id or nothing, got \"tt0113497\"");
  dir = csv_set("tags", kMovies, kRatingsHeader + "1,1,4,1\n");
  testing::write_text(dir / "tags.csv", "userId,movieId,tag,timestamp\n1,1,fun,1\n1,42,fun,1\n");
  EXPECT_EQ(data_error(dir), "tags.csv:3: field 'movieId': expected a movie listed in movies.csv, got \"42\"");
}

TEST(BadInput, Ml100kAndDatMessagesUseTheirFieldNames) {
  auto dir = testing::temp_dir("bad100k");
  testing::write_text(dir / "u.item",
                      "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n");
  testing::write_text(dir / "u.data", "1\t1\t5\t10\n2\t1\t6\t10\n");
  EXPECT_EQ(data_error(dir), "u.data:2: field 'rating': expected a number in [1, 5], got \"6\"");
  dir = testing::temp_dir("bad100k-flags");
  testing::write_text(dir / "u.item",
                      "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|2\n");
  testing::write_text(dir / "u.data", "1\t1\t5\t10\n");
  EXPECT_EQ(data_error(dir), "u.item:1: field 'Western': expected a genre flag 0 or 1, got \"2\"");
  dir = testing::temp_dir("baddat");
  testing::write_text(dir / "movies.dat", "1::Toy Story (1995)::Comedy\n");
  testing::write_text(dir / "ratings.dat", "1::1::5::978300760\n1::2::3::978302109\n");
  EXPECT_EQ(data_error(dir), "ratings.dat:2: field 'MovieID': expected a movie listed in movies.dat, got \"2\"");
}

TEST(Lenient, SkipsCountsAndReportsTheFirstFive) {
  // 7 bad rows among 10: lines 3 (rating), 4 (count), 5 (unknown movie),
  // 6 (user), 8 (duplicate of line 2), 9 (timestamp), 11 (rating).
  std::string rows =
      "1,1,4,10\n"  // line 2
      "1,2,five,10\n"
      "1,2\n"
      "1,9,4,10\n"
      "u,1,4,10\n"
      "2,1,3,10\n"  // line 7
      "1,1,2,10\n"
      "3,3,4,later\n"
      "3,3,4.5,10\n"  // line 10
      "3,2,7,10\n";
  LoadOptions opts;
  opts.lenient = true;
  LoadReport report;
  auto dir = csv_set("lenient", kMovies, kRatingsHeader + rows);
  Dataset ds = load_dataset(dir, opts, &report);
  fs::remove_all(dir);
  EXPECT_EQ(report.skipped, 7u);
  ASSERT_EQ(report.first_errors.size(), 5u);
  // The row errors come in file order, then the duplicate found afterwards.
  EXPECT_EQ(report.first_errors[0].rfind("ratings.csv:3: field 'rating'", 0), 0u) << report.first_errors[0];
  EXPECT_EQ(report.first_errors[1].rfind("ratings.csv:4: expected 4 fields", 0), 0u) << report.first_errors[1];
  EXPECT_EQ(report.first_errors[2].rfind("ratings.csv:5: field 'movieId'", 0), 0u) << report.first_errors[2];
  EXPECT_EQ(report.first_errors[3].rfind("ratings.csv:6: field 'userId'", 0), 0u) << report.first_errors[3];
  EXPECT_EQ(report.first_errors[4].rfind("ratings.csv:9: field 'timestamp'", 0), 0u) << report.first_errors[4];
  // Kept: lines 2, 7, 10 (the first of a duplicate pair stays: 4 from line 2).
  EXPECT_EQ(ds.ratings.nnz(), 3u);
  EXPECT_EQ(ds.users.raw_ids(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_FLOAT_EQ(ds.ratings.get(0, 0), 4.0f);
  EXPECT_FLOAT_EQ(ds.ratings.get(2, 2), 4.5f);
}

TEST(Lenient, NoBadRowsNoReport) {
  LoadOptions opts;
  opts.lenient = true;
  LoadReport report;
  load_dataset(testing::fixture("csv-tiny"), opts, &report);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_TRUE(report.first_errors.empty());
}

// The parallel reader: big enough for several chunks, same result as one
// thread, and line numbers right across chunk boundaries.
class ParallelReader : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int m = 1; m <= 50; ++m) movies_.add(m);
    fmt_.file = "ratings.csv";
    fmt_.sep = ",";
    fmt_.header = "userId,movieId,rating,timestamp";
    fmt_.field_names[0] = "userId";
    fmt_.field_names[1] = "movieId";
    fmt_.field_names[2] = "rating";
    fmt_.field_names[3] = "timestamp";
    fmt_.movie_file = "movies.csv";
    // 150,000 rows (~3 MB): user k / 50 + 1, movie k % 50 + 1, rating (k % 10 + 1) / 2.
    text_ = fmt_.header + "\r\n";
    for (int k = 0; k < kRows; ++k)
      text_ += std::to_string(k / 50 + 1) + "," + std::to_string(k % 50 + 1) + "," + std::to_string((k % 10 + 1) / 2) +
               ((k % 10 + 1) % 2 ? ".5" : ".0") + "," + std::to_string(1000 + k) + "\r\n";
  }
  static constexpr int kRows = 150000;
  IdMap movies_;
  data::RatingsFormat fmt_;
  std::string text_;
};

TEST_F(ParallelReader, SameAsOneThread) {
  data::IdLookup lookup(movies_);
  auto one = data::parse_ratings(text_, fmt_, lookup, false, 1);
  auto many = data::parse_ratings(text_, fmt_, lookup, false, 4);
  ASSERT_EQ(one.size(), static_cast<std::size_t>(kRows));
  ASSERT_EQ(many.size(), one.size());
  for (std::size_t k = 0; k < one.size(); ++k) {
    const Rating a = one.at(k), b = many.at(k);
    ASSERT_TRUE(a.user == b.user && a.item == b.item && a.value == b.value && a.timestamp == b.timestamp) << k;
  }
  // Row 123456: user 123456 / 50 + 1 = 2470, movie 7 (index 6), rating 7 / 2 -> "3.5", time 124456.
  const Rating r = many.at(123456);
  EXPECT_EQ(r.user, 2470u);
  EXPECT_EQ(r.item, 6u);
  EXPECT_FLOAT_EQ(r.value, 3.5f);
  EXPECT_EQ(r.timestamp, 124456);
}

TEST_F(ParallelReader, LineNumbersAcrossChunks) {
  // Break row 140000 (file line 140002: header, then 1-based rows).
  std::string bad = "2801,1,4.0,1\r\n";
  std::size_t pos = 0;
  for (int line = 1; line < 140002; ++line) pos = text_.find('\n', pos) + 1;
  std::size_t end = text_.find('\n', pos) + 1;
  text_.replace(pos, end - pos, "2801,1,lots,1\r\n");
  data::IdLookup lookup(movies_);
  try {
    data::parse_ratings(text_, fmt_, lookup, false, 4);
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "ratings.csv:140002: field 'rating': expected a number in [0.5, 5], got \"lots\"");
  }
  auto lenient = data::parse_ratings(text_, fmt_, lookup, true, 4, true);
  EXPECT_EQ(lenient.skipped, 1u);
  EXPECT_EQ(lenient.size(), static_cast<std::size_t>(kRows - 1));
  // Rows after the skipped one keep their own line numbers.
  EXPECT_EQ(lenient.lines[139999], 140001u);
  EXPECT_EQ(lenient.lines[140000], 140003u);
  (void)bad;
}

}  // namespace
}  // namespace movierec
