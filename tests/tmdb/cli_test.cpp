// `movierec posters fetch` end to end against the TMDB look-alike.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "tmdb_mock.h"
#include "util/atomic_file.h"

using namespace movierec::testing;

namespace {

// Movie 1 -> tmdb 101 (poster), 2 -> tmdb 102 404 then imdb tt0114709 (poster),
// 3 -> tmdb 103 (no poster), 4 -> tmdb 109 (not an image).
std::filesystem::path write_dataset(const std::filesystem::path& dir, bool with_bad) {
  std::string movies = "movieId,title,genres\r\n1,One (1990),Drama\r\n2,Two (1991),Comedy\r\n3,Three (1992),Drama\r\n";
  std::string links = "movieId,imdbId,tmdbId\r\n1,0000001,101\r\n2,0114709,102\r\n3,0000003,103\r\n";
  std::string ratings = "userId,movieId,rating,timestamp\r\n1,1,4.0,1\r\n1,2,3.0,2\r\n2,3,5.0,3\r\n";
  if (with_bad) {
    movies += "4,Four (1993),Drama\r\n";
    links += "4,0000004,109\r\n";
    ratings += "2,4,2.0,4\r\n";
  }
  movierec::write_file_atomically(dir / "movies.csv", movies);
  movierec::write_file_atomically(dir / "links.csv", links);
  movierec::write_file_atomically(dir / "ratings.csv", ratings);
  return dir;
}

}  // namespace

TEST(PostersFetchCli, NeedsCredentials) {
  ScopedEnv key("TMDB_API_KEY", std::nullopt);
  ScopedEnv token("TMDB_TOKEN", std::nullopt);
  auto r = run_command(std::string(MOVIEREC_BINARY) + " posters fetch --data . --out /tmp/never");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("TMDB_API_KEY"), std::string::npos) << r.output;
}

TEST(PostersFetchCli, FetchesWithExitCodesAndNoKeyInTheOutput) {
  auto dir = temp_dir("posters-cli");
  auto data = write_dataset(dir / "data", false);
  TmdbMock m;
  ScopedEnv key("TMDB_API_KEY", kKey);
  ScopedEnv token("TMDB_TOKEN", std::nullopt);
  const std::string base = std::string(MOVIEREC_BINARY) + " posters fetch --data '" + data.string() + "' --out '" +
                           (dir / "out").string() + "' --api-url " + m.api() + " --image-url " + m.images() +
                           " --retries 1 --backoff 0.01 --timeout 0.5 --jobs 2";
  auto r = run_command(base + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["fetched"], 2);
  EXPECT_EQ(j["missing"], 1);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(list_dir(dir / "out"), (std::set<std::string>{"1.jpg", "2.jpg"}));
  EXPECT_EQ(r.output.find(kKey), std::string::npos);

  // A poster that fails: exit 1, the summary names it, still no key anywhere.
  write_dataset(dir / "data", true);
  auto f = run_command(base);
  EXPECT_EQ(f.exit_code, 1) << f.output;
  EXPECT_NE(f.output.find("0 fetched, 2 skipped"), std::string::npos) << f.output;
  EXPECT_NE(f.output.find("4 Four (1993): image"), std::string::npos) << f.output;
  EXPECT_NE(f.output.find("1 posters failed"), std::string::npos) << f.output;
  EXPECT_EQ(f.output.find(kKey), std::string::npos) << f.output;
  EXPECT_TRUE(leftover_temporaries(dir).empty());
  std::filesystem::remove_all(dir);
}
