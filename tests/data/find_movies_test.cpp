// find_movies and the title helpers.
#include <gtest/gtest.h>

#include "data/titles.h"
#include "fixtures.h"
#include "movierec/dataset.h"

namespace movierec {
namespace {

TEST(Titles, Year) {
  EXPECT_EQ(data::title_year("Heat (1995)"), 1995);
  EXPECT_EQ(data::title_year("From Dusk Till Dawn 2: Texas Blood Money (1999) "), 1999);
  EXPECT_EQ(data::title_year("Fawlty Towers (1975-1979)"), 1975);
  EXPECT_EQ(data::title_year("Big Bang Theory, The (2007-)"), 2007);
  EXPECT_EQ(data::title_year("Death Note: Desu n\xC3\xB4to (2006\xE2\x80\x93"
                             "2007)"),
            2006);
  EXPECT_EQ(data::title_year("1984 (1984)"), 1984);
  EXPECT_EQ(data::title_year("Babylon 5"), 0);
  EXPECT_EQ(data::title_year("Movie (abcd)"), 0);
  EXPECT_EQ(data::title_year("City of Lost Children, The (Cit\xC3\xA9 des enfants perdus, La) (1995)"), 1995);
  EXPECT_EQ(data::strip_title_year("Heat (1995)"), "Heat");
  EXPECT_EQ(data::strip_title_year("Babylon 5 "), "Babylon 5");
}

TEST(Titles, KeysMoveArticles) {
  auto keys = data::title_keys("Matrix, The (1999)");
  EXPECT_EQ(keys, (std::vector<std::string>{"matrix the", "the matrix", "matrix"}));
  keys = data::title_keys("City of Lost Children, The (Cit\xC3\xA9 des enfants perdus, La) (1995)");
  auto has = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
  EXPECT_TRUE(has("the city of lost children"));
  EXPECT_TRUE(has("la cit\xC3\xA9 des enfants perdus"));
  EXPECT_EQ(data::normalize_title("  Say \"Hello\"!  (2001) "), "say hello 2001");
}

class FindMovies : public ::testing::Test {
 protected:
  Dataset ds_ = load_dataset(testing::fixture("csv-tiny"));
  // Raw movie ids of the matches, best first.
  std::vector<std::int64_t> find(const std::string& q) {
    std::vector<std::int64_t> out;
    for (ItemIndex i : find_movies(ds_, q)) out.push_back(ds_.movies[i].id);
    return out;
  }
};

TEST_F(FindMovies, ExactTitleFirst) {
  EXPECT_EQ(find("Heat (1995)"), (std::vector<std::int64_t>{6}));
  EXPECT_EQ(find("heat (1972)"), (std::vector<std::int64_t>{7000}));
  EXPECT_EQ(find("HEAT 1995"), (std::vector<std::int64_t>{6}));
}

TEST_F(FindMovies, WithoutYearAmbiguousByRatings) {
  // Heat (1995) has 2 ratings, Heat (1972) none: both returned, rated first.
  EXPECT_EQ(find("heat"), (std::vector<std::int64_t>{6, 7000}));
  EXPECT_EQ(find("toy story"), (std::vector<std::int64_t>{1}));
}

TEST_F(FindMovies, MovedArticles) {
  EXPECT_EQ(find("the matrix"), (std::vector<std::int64_t>{2571}));
  EXPECT_EQ(find("Matrix, The"), (std::vector<std::int64_t>{2571}));
  EXPECT_EQ(find("matrix"), (std::vector<std::int64_t>{2571}));
  EXPECT_EQ(find("The American President"), (std::vector<std::int64_t>{11}));
  EXPECT_EQ(find("the matrix (1999)"), (std::vector<std::int64_t>{2571}));
  EXPECT_TRUE(find("the matrix (2003)").empty());
}

TEST_F(FindMovies, PrefixThenSubstring) {
  EXPECT_EQ(find("toy"), (std::vector<std::int64_t>{1}));           // word prefix
  EXPECT_EQ(find("say hello"), (std::vector<std::int64_t>{3000}));  // quotes ignored
  EXPECT_EQ(find("president"), (std::vector<std::int64_t>{11}));    // substring
  EXPECT_EQ(find("am\xC3\xA9lie"), (std::vector<std::int64_t>{4000}));
  EXPECT_TRUE(find("zzz").empty());
  EXPECT_TRUE(find("  ").empty());
}

}  // namespace
}  // namespace movierec
