#include <gtest/gtest.h>

#include <regex>

#include "../support/shared.h"
#include "../vision/vision_fixtures.h"
#include "movierec/registry.h"
#include "report/gallery.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(Gallery, EscapeAndBase64) {
  EXPECT_EQ(html_escape("Tom & Jerry <\"x\"> 'y'"), "Tom &amp; Jerry &lt;&quot;x&quot;&gt; &#39;y&#39;");
  // RFC 4648 test vectors.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Gallery, EveryTitleEscapedPostersEmbeddedTitleCardsForTheRest) {
  auto dir = temp_dir("gallery");
  Dataset ds =
      make_dataset(1, {"Tom & Jerry: <The Movie> (1990)", "Heat (1991)", "Amélie (1992)", "\"Se7en\" (1993)"}, {}, {});
  write_image(dir / "10.jpg", solid(185, 278, 30, 60, 200));         // movie 0
  write_image(dir / "tt0100002.png", solid(300, 450, 200, 60, 30));  // movie 2, by imdb id
  PosterFolder posters(dir);
  std::vector<GalleryQuery> q = {
      {0, {{"model-a", {{1, 0.9f}, {2, 0.8f}, {3, 0.7f}}, ""}, {"model-b", {}, "no poster"}}},
      {3, {{"model-a", {{0, 0.5f}}, ""}}}};
  std::string html = gallery_html(ds, posters, q, {});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // Titles (year stripped) appear escaped, never raw.
  EXPECT_NE(html.find("Tom &amp; Jerry: &lt;The Movie&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<The Movie>"), std::string::npos);
  EXPECT_NE(html.find("&quot;Se7en&quot;"), std::string::npos);
  EXPECT_NE(html.find("Amélie"), std::string::npos);
  EXPECT_NE(html.find(">Heat<"), std::string::npos);
  EXPECT_NE(html.find("1991"), std::string::npos);
  EXPECT_NE(html.find("0.900"), std::string::npos);  // scores under the posters
  // Posters: movie 0 twice (query + row), movie 2 once; movies 1 and 3 get title cards (1 once, 3 twice).
  EXPECT_EQ(count(html, "<img src=\"data:image/jpeg;base64,"), 3u);
  EXPECT_EQ(count(html, "<div class=\"card\">"), 3u);
  EXPECT_NE(html.find("data-images=\"3\""), std::string::npos);
  EXPECT_NE(html.find(">no poster<"), std::string::npos);
  // Self-contained: no external resource.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src=\"/"), std::string::npos);
  // Thumbnails are small: a 185x278 poster at 110 px wide is a few KB.
  std::smatch m;
  std::string first = html.substr(html.find("base64,") + 7);
  EXPECT_LT(first.find('"'), 12000u);
  write_gallery_html(dir / "g.html", ds, posters, q);
  EXPECT_TRUE(std::filesystem::exists(dir / "g.html"));
  std::filesystem::remove_all(dir);
}

TEST(Gallery, QueriesRecordModelsWithoutSimilarity) {
  auto pop = create_model("popularity");
  auto rows = gallery_queries({{"popularity", pop.get()}}, {0, 1}, 5);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_EQ(rows[0].rows.size(), 1u);
  EXPECT_TRUE(rows[0].rows[0].items.empty());
  EXPECT_NE(rows[0].rows[0].note.find("no item similarity"), std::string::npos) << rows[0].rows[0].note;
}
