// Issue 11: what a hostile TMDB server can send. A poster_path is one image
// file name or nothing; text from the server is escaped before it is printed.
#include <gtest/gtest.h>

#include "tmdb/posters.h"

using namespace movierec::tmdb;

TEST(Issue11Tmdb, OnlyRealPosterFileNamesPass) {
  for (const char* ok : {"/obpPQskaVpSbVkMUTEkm4ccx5CT.jpg", "/a.png", "/x-y_z.JPEG", "/a.b.webp"})
    EXPECT_TRUE(valid_poster_path(ok)) << ok;
  // "/.." made a request to {image}/{size}/.. (the folder above), as did the others.
  for (const char* bad : {"/..", "/.", "/../x.jpg", "/a/b.jpg", "/a.jpg?x=1", "/a.jpg#f", "/%2e%2e.jpg", "a.jpg", "/",
                          "/.hidden.jpg", "/a.exe", "/a.jpg\n", "//evil.example/a.jpg"})
    EXPECT_FALSE(valid_poster_path(bad)) << bad;
}

TEST(Issue11Tmdb, AnswersAreReadWithoutTrustingThem) {
  auto p = poster_path_from(R"({"poster_path":"/p1.jpg"})", false);
  EXPECT_EQ(p.path, "/p1.jpg");
  EXPECT_TRUE(p.problem.empty());
  EXPECT_TRUE(poster_path_from(R"({"poster_path":null})", false).path.empty());
  EXPECT_TRUE(poster_path_from(R"({"movie_results":[]})", true).not_found);
  EXPECT_EQ(poster_path_from(R"({"movie_results":[{"poster_path":"/f.jpg"}]})", true).path, "/f.jpg");
  // A hostile poster_path: refused, and its escape sequence shown as text.
  auto evil = poster_path_from("{\"poster_path\":\"/..\\u001b[2J\"}", false);
  EXPECT_TRUE(evil.path.empty());
  EXPECT_EQ(evil.problem, "unexpected poster_path '/..\\x1b[2J' from TMDB");
  // Bad JSON: nlohmann quotes the bytes it read; the ESC must not reach the terminal.
  auto bad = poster_path_from("{\"a\":\x1b[2J", false);
  EXPECT_NE(bad.problem.find("bad JSON from TMDB"), std::string::npos) << bad.problem;
  EXPECT_EQ(bad.problem.find('\x1b'), std::string::npos) << bad.problem;
}
