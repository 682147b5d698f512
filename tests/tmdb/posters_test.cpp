// fetch_posters against a loopback TMDB look-alike (API and image server).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <thread>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "movierec/errors.h"
#include "tmdb/posters.h"
#include "tmdb_mock.h"
#include "util/atomic_file.h"

using namespace movierec;
using namespace movierec::tmdb;
using movierec::testing::leftover_temporaries;
using movierec::testing::list_dir;
using movierec::testing::MockServer;
using movierec::testing::ScopedEnv;

namespace {

using movierec::testing::jpeg_for;
using movierec::testing::kKey;
using movierec::testing::kToken;
using movierec::testing::mean_blue;
using movierec::testing::TmdbMock;

std::vector<PosterTarget> all_targets() {
  return {{1, "One", 101, -1},      {2, "Two", 102, 114709},  {3, "Three", 103, -1},   {4, "Four", -1, 999},
          {5, "Five", 105, -1},     {6, "Six", 106, -1},      {7, "Seven", 107, -1},   {8, "Eight", 108, -1},
          {9, "Nine", 109, -1},     {10, "Ten", 110, -1},     {11, "Eleven", 111, -1}, {12, "Twelve", 112, -1},
          {13, "Thirteen", -1, -1}, {14, "Fourteen", 102, -1}};
}

TmdbOptions test_options(const TmdbMock& m) {
  TmdbOptions o;
  o.api_url = m.api();
  o.image_url = m.images();
  o.jobs = 4;
  o.progress = false;
  o.http.timeout_ms = 1000;  // the look-alike's stalls last until it stops: only an in-time answer can be late
  o.http.retries = 2;
  o.http.backoff_s = 0.01;
  o.http.backoff_max_s = 0.05;
  return o;
}

std::set<std::int64_t> ids(const std::vector<PosterIssue>& v) {
  std::set<std::int64_t> s;
  for (const auto& i : v) s.insert(i.movie_id);
  return s;
}

std::string reason(const std::vector<PosterIssue>& v, std::int64_t id) {
  for (const auto& i : v)
    if (i.movie_id == id) return i.reason;
  return "";
}

}  // namespace

TEST(ImageProblem, AcceptsCompleteImagesOnly) {
  std::string j = jpeg_for(3);
  EXPECT_EQ(image_problem(j), "");
  EXPECT_EQ(image_problem(j + std::string(5, '\0')), "");  // trailing padding after the end marker
  EXPECT_EQ(image_problem(j.substr(0, j.size() / 2)), "JPEG without its end marker (truncated)");
  EXPECT_EQ(image_problem(j.substr(0, j.size() - 1)), "JPEG without its end marker (truncated)");
  EXPECT_EQ(image_problem(""), "empty image");
  EXPECT_EQ(image_problem("<html>rate limited</html>"), "not a decodable image");
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), png);
  std::string p(png.begin(), png.end());
  EXPECT_EQ(image_problem(p), "");
  EXPECT_EQ(image_problem(p.substr(0, p.size() - 4)), "PNG without its IEND chunk (truncated)");
}

TEST(ImageProblem, SharedPostersPass) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/posters");
  // The first 300 posters by name: real TMDB / IMDb JPEGs must all be accepted.
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(movierec::testing::shared_path("data/posters")))
    if (e.path().extension() == ".jpg") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  files.resize(std::min<std::size_t>(files.size(), 300));
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) EXPECT_EQ(image_problem(read_file(f)), "") << f;
}

TEST(Posters, FetchesRetriesAndReportsEveryCase) {
  TmdbMock m;
  auto out = movierec::testing::temp_dir("posters");
  ScopedEnv key("TMDB_API_KEY", kKey);
  ScopedEnv token("TMDB_TOKEN", std::nullopt);
  auto o = test_options(m);
  o.progress = true;  // the run takes over a second (Retry-After: 1), so the bar draws
  ::testing::internal::CaptureStderr();
  PosterSummary s;
  try {
    s = fetch_posters(all_targets(), out, o);
  } catch (...) {
    ::testing::internal::GetCapturedStderr();
    throw;
  }
  std::string err = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(s.total, 14u);
  EXPECT_EQ(s.fetched, 5u);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_EQ(ids(s.missing), (std::set<std::int64_t>{3, 4, 5, 13, 14}));
  EXPECT_EQ(ids(s.failed), (std::set<std::int64_t>{8, 9, 10, 12}));
  EXPECT_EQ(list_dir(out), (std::set<std::string>{"1.jpg", "2.jpg", "6.jpg", "7.jpg", "11.jpg"}));
  // Each file holds its own poster: blue = 20 * n (JPEG moves it by a unit or two).
  for (int n : {1, 2, 6, 7, 11}) EXPECT_NEAR(mean_blue(out / (std::to_string(n) + ".jpg")), 20 * n, 4) << n;

  EXPECT_NE(reason(s.missing, 3).find("no poster for tmdbId 103"), std::string::npos) << reason(s.missing, 3);
  EXPECT_NE(reason(s.missing, 4).find("imdbId tt0000999 not found"), std::string::npos) << reason(s.missing, 4);
  EXPECT_NE(reason(s.missing, 5).find("image not found"), std::string::npos) << reason(s.missing, 5);
  EXPECT_NE(reason(s.missing, 13).find("no tmdbId or imdbId"), std::string::npos);
  EXPECT_NE(reason(s.missing, 14).find("tmdbId 102 not found"), std::string::npos) << reason(s.missing, 14);
  EXPECT_NE(reason(s.failed, 8).find("after 3 attempts"), std::string::npos) << reason(s.failed, 8);
  EXPECT_NE(reason(s.failed, 9).find("not a decodable image"), std::string::npos) << reason(s.failed, 9);
  EXPECT_NE(reason(s.failed, 10).find("truncated"), std::string::npos) << reason(s.failed, 10);
  EXPECT_NE(reason(s.failed, 12).find("imed out"), std::string::npos) << reason(s.failed, 12);
  EXPECT_NE(reason(s.failed, 12).find("after 3 attempts"), std::string::npos) << reason(s.failed, 12);
  EXPECT_EQ(m.image_hits(8), 3);  // cut transfers are retried (1 + 2)
  EXPECT_EQ(m.image_hits(9), 1);  // a bad image is not

  // Credentials: every API call carried the key, no image request did, and
  // the key shows nowhere (masked in URLs of failure reasons).
  EXPECT_EQ(m.unauthorised_.load(), 0);
  EXPECT_EQ(m.credentials_to_images_.load(), 0);
  EXPECT_EQ(m.sizes_seen(), std::set<std::string>{"w185"});
  for (const auto& v : {s.missing, s.failed})
    for (const auto& i : v) EXPECT_EQ(i.reason.find(kKey), std::string::npos) << i.reason;
  EXPECT_EQ(err.find(kKey), std::string::npos);
  EXPECT_NE(err.find("posters ["), std::string::npos) << err;  // the bar: count, rate, time
  EXPECT_NE(err.find("/s"), std::string::npos) << err;
  EXPECT_LE(m.peak_.load(), 4);  // --jobs 4
  EXPECT_TRUE(leftover_temporaries(out).empty());

  // Second run: everything on disk is skipped, not downloaded again.
  int before = m.image_hits(1);
  auto again = fetch_posters(all_targets(), out, test_options(m));
  EXPECT_EQ(again.skipped, 5u);
  EXPECT_EQ(again.fetched, 0u);
  EXPECT_EQ(m.image_hits(1), before);
  std::filesystem::remove_all(out);
}

TEST(Posters, BearerTokenGoesInTheHeaderOnly) {
  TmdbMock m;
  auto out = movierec::testing::temp_dir("posters-token");
  ScopedEnv key("TMDB_API_KEY", std::nullopt);
  ScopedEnv token("TMDB_TOKEN", kToken);
  auto o = test_options(m);
  o.size = "w92";
  auto s = fetch_posters({{1, "One", 101, -1}, {2, "Two", 102, 114709}}, out, o);
  EXPECT_EQ(s.fetched, 2u);
  EXPECT_EQ(m.key_requests_.load(), 0);
  EXPECT_EQ(m.bearer_requests_.load(), 3);  // movie 101, movie 102 (404), find tt0114709
  EXPECT_EQ(m.credentials_to_images_.load(), 0);
  EXPECT_EQ(m.sizes_seen(), std::set<std::string>{"w92"});
  std::filesystem::remove_all(out);
}

TEST(Posters, RejectedKeyIsAConfigErrorWithTheKeyMasked) {
  TmdbMock m;
  auto out = movierec::testing::temp_dir("posters-401");
  auto o = test_options(m);
  o.api_key = "wrong-SECRET-key";
  o.token.clear();
  ScopedEnv token("TMDB_TOKEN", std::nullopt);
  try {
    fetch_posters({{1, "One", 101, -1}}, out, o);
    FAIL();
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("HTTP 401"), std::string::npos) << msg;
    EXPECT_NE(msg.find("api_key=***"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("wrong-SECRET-key"), std::string::npos) << msg;
  }
  EXPECT_TRUE(list_dir(out).empty());
  std::filesystem::remove_all(out);
}

TEST(Posters, NoCredentialsOrBadOptionsAreConfigErrors) {
  ScopedEnv key("TMDB_API_KEY", std::nullopt);
  ScopedEnv token("TMDB_TOKEN", std::nullopt);
  auto out = movierec::testing::temp_dir("posters-nokey");
  TmdbOptions o;
  o.api_url = "http://127.0.0.1:1";
  EXPECT_THROW(fetch_posters({{1, "One", 101, -1}}, out, o), ConfigError);
  o.api_key = "k";
  o.size = "huge";
  MOVIEREC_EXPECT_ERROR(fetch_posters({{1, "One", 101, -1}}, out, o), ConfigError, "size: expected", "'huge'");
  o.size = "w185";
  o.jobs = 0;
  MOVIEREC_EXPECT_ERROR(fetch_posters({{1, "One", 101, -1}}, out, o), ConfigError, "jobs: expected 1..64, got 0");
  std::filesystem::remove_all(out);
}

TEST(Posters, ABrokenFileOnDiskIsFetchedAgain) {
  TmdbMock m;
  auto out = movierec::testing::temp_dir("posters-broken");
  write_file_atomically(out / "1.jpg", jpeg_for(1).substr(0, 100));  // cut: not skipped
  write_file_atomically(out / "7.jpg", jpeg_for(7));                 // good: skipped
  auto o = test_options(m);
  o.api_key = kKey;
  auto s = fetch_posters({{1, "One", 101, -1}, {7, "Seven", 107, -1}}, out, o);
  EXPECT_EQ(s.fetched, 1u);
  EXPECT_EQ(s.skipped, 1u);
  EXPECT_EQ(image_problem(read_file(out / "1.jpg")), "");
  EXPECT_EQ(m.image_hits(7), 0);
  std::filesystem::remove_all(out);
}

TEST(Posters, TargetsFromADataset) {
  Dataset ds;
  ds.name = "tiny";
  for (auto [id, title, imdb, tmdb] : std::vector<std::tuple<int, const char*, int, int>>{
           {1, "Toy Story (1995)", 114709, 862}, {2, "Jumanji (1995)", 113497, 8844}, {5, "Heat (1995)", 113277, -1}}) {
    ds.items.add(id);
    Movie mv;
    mv.id = id;
    mv.title = title;
    mv.imdb_id = imdb;
    mv.tmdb_id = tmdb;
    ds.movies.push_back(mv);
  }
  auto all = poster_targets(ds);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].movie_id, 5);
  EXPECT_EQ(all[2].tmdb_id, -1);
  EXPECT_EQ(all[2].imdb_id, 113277);
  auto some = poster_targets(ds, {"5", "#2", "5"});  // ids; duplicates once
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].movie_id, 5);
  EXPECT_EQ(some[1].movie_id, 2);
  EXPECT_EQ(some[1].tmdb_id, 8844);
  EXPECT_THROW(poster_targets(ds, {"42"}), ConfigError);
  auto by_title = poster_targets(ds, {"Jumanji (1995)"});
  ASSERT_EQ(by_title.size(), 1u);
  EXPECT_EQ(by_title[0].movie_id, 2);
  EXPECT_THROW(poster_targets(ds, {"No Such Film (2099)"}), ConfigError);
}
