// Title search: normalisation and ranking (more cases over HTTP in api_test).
#include <gtest/gtest.h>

#include "../support/shared.h"
#include "movierec/dataset.h"
#include "serve/search.h"

using namespace movierec;
using namespace movierec::serve;
using namespace movierec::testing;

TEST(TitleSearch, Normalize) {
  EXPECT_EQ(normalize_title("Léon: The Professional"), "leon the professional");
  EXPECT_EQ(normalize_title("  HEAT  (1995) "), "heat 1995");
  EXPECT_EQ(normalize_title("Schindler's List"), "schindlers list");
  EXPECT_EQ(normalize_title("Amélie (Fabuleux destin d'Amélie Poulain, Le)"),
            "amelie fabuleux destin damelie poulain le");
  EXPECT_EQ(normalize_title("Ærø Straße Łódź"), "aero strasse lodz");
}

TEST(TitleSearch, MlLatestSmall) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small");
  Dataset ds = load_dataset(shared_path("data/ml-latest-small"));
  TitleIndex t(ds);
  auto title = [&](ItemIndex i) { return ds.movies[i].title; };
  EXPECT_EQ(title(t.search("heat", 5).at(0)), "Heat (1995)");
  auto ts = t.search("toy story", 10);
  ASSERT_GE(ts.size(), 3u);
  EXPECT_EQ(title(ts[0]), "Toy Story (1995)");
  EXPECT_EQ(title(ts[1]).substr(0, 10), "Toy Story ");
  EXPECT_EQ(title(ts[2]).substr(0, 10), "Toy Story ");
  const auto leon = title(t.search("leon", 3).at(0));
  EXPECT_EQ(leon.substr(0, 5), "L\xc3\xa9on") << leon;
  EXPECT_EQ(title(t.search("Léon", 3).at(0)), leon);
  EXPECT_EQ(title(t.search("the matrix", 3).at(0)), "Matrix, The (1999)");
  EXPECT_EQ(title(t.search("godfather", 3).at(0)), "Godfather, The (1972)");
  EXPECT_TRUE(t.search("", 3).empty());
}
