// fetch_dataset and resolve_dataset against a loopback GroupLens look-alike.
#include <gtest/gtest.h>

#include <atomic>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "net/archive.h"
#include "net/datasets.h"
#include "net/digest.h"
#include "util/atomic_file.h"

using namespace movierec;
using namespace movierec::net;
using movierec::testing::leftover_temporaries;
using movierec::testing::list_dir;
using movierec::testing::MockServer;
using movierec::testing::ScopedEnv;

namespace {

// A tiny MovieLens CSV set: 2 users, 3 movies, 4 ratings (CRLF like GroupLens).
const char* kRatings =
    "userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,4.0,964981247\r\n2,1,5.0,964982224\r\n"
    "2,2,3.5,964983815\r\n";
const char* kMovies =
    "movieId,title,genres\r\n1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\r\n"
    "2,Jumanji (1995),Adventure|Children|Fantasy\r\n3,Grumpier Old Men (1995),Comedy|Romance\r\n";
const char* kLinks = "movieId,imdbId,tmdbId\r\n1,0114709,862\r\n2,0113497,8844\r\n3,0113228,15602\r\n";

std::string dataset_zip(const std::string& top, const std::string& ratings = kRatings) {
  return movierec::testing::make_zip({{top + "/", ""},
                                      {top + "/ratings.csv", ratings},
                                      {top + "/movies.csv", kMovies},
                                      {top + "/links.csv", kLinks},
                                      {top + "/README.txt", "tiny test set\n"}});
}

FetchDataOptions fast(const std::filesystem::path& cache, const std::string& base) {
  FetchDataOptions o;
  o.cache = cache;
  o.base_url = base;
  o.progress = false;
  o.http.retries = 2;
  o.http.backoff_s = 0.01;
  o.http.timeout_ms = 5000;
  return o;
}

class FetchData : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = movierec::testing::temp_dir("fetch-data");
    good_ = dataset_zip("ml-latest-small");
    // Served as a complete response: the archive itself is cut (a broken upstream file).
    truncated_ = good_.substr(0, good_.size() * 2 / 3);
    auto& svr = s_.server();
    svr.Get("/good/ml-latest-small.zip", [&](const httplib::Request&, httplib::Response& res) {
      ++zip_hits_;
      res.set_content(good_, "application/zip");
    });
    svr.Get("/good/ml-latest-small.zip.md5", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content("MD5 (ml-latest-small.zip) = " + md5_hex(good_) + "\n", "text/plain");
    });
    svr.Get("/nomd5/ml-100k.zip", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(dataset_zip("ml-100k"), "application/zip");
    });
    svr.Get("/badmd5/ml-latest-small.zip",
            [&](const httplib::Request&, httplib::Response& res) { res.set_content(good_, "application/zip"); });
    svr.Get("/badmd5/ml-latest-small.zip.md5", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(md5_hex("not the zip") + "  ml-latest-small.zip\n", "text/plain");
    });
    svr.Get("/truncated/ml-latest-small.zip",
            [&](const httplib::Request&, httplib::Response& res) { res.set_content(truncated_, "application/zip"); });
    // Announces the whole zip, sends a third, drops the connection.
    svr.Get("/dropped/ml-latest-small.zip", [&](const httplib::Request&, httplib::Response& res) {
      ++zip_hits_;
      res.set_content_provider(good_.size(), "application/zip", [&](size_t offset, size_t, httplib::DataSink& sink) {
        const std::size_t cut = good_.size() / 3;
        if (offset >= cut) return false;
        sink.write(good_.data() + offset, cut - offset);
        return true;
      });
    });
    svr.Get("/garbage/ml-latest-small.zip", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(5000, 'z'), "application/zip");
    });
    svr.Get("/evil/ml-latest-small.zip", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          movierec::testing::make_zip({{"ml-latest-small/ratings.csv", kRatings}, {"../escaped.txt", "outside"}}),
          "application/zip");
    });
    svr.Get("/badcsv/ml-latest-small.zip", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(dataset_zip("ml-latest-small", "userId,movieId,rating,timestamp\r\n1,1,five,0\r\n"),
                      "application/zip");
    });
    s_.start();
  }
  void TearDown() override {
    s_.stop();  // before the members its handlers use go
    std::filesystem::remove_all(cache_);
  }

  std::string base(const std::string& variant) const { return s_.url() + "/" + variant; }

  MockServer s_;
  std::filesystem::path cache_;
  std::string good_, truncated_;
  std::atomic<int> zip_hits_{0};
};

}  // namespace

TEST(Archive, ExtractsAndChecksEntries) {
  auto dir = movierec::testing::temp_dir("archive");
  write_file_atomically(dir / "a.zip", dataset_zip("set"));
  std::filesystem::create_directories(dir / "out");
  auto st = extract_zip(dir / "a.zip", dir / "out");
  EXPECT_EQ(st.files, 4u);
  EXPECT_EQ(read_file(dir / "out" / "set" / "ratings.csv"), kRatings);
  EXPECT_EQ(read_file(dir / "out" / "set" / "links.csv"), kLinks);
  std::filesystem::remove_all(dir);
}

TEST(Archive, RejectsAZipCutAnywhere) {
  auto dir = movierec::testing::temp_dir("archive-cut");
  const std::string zip = dataset_zip("set");
  // Every cut, including one that only loses the last byte of the central
  // directory, must fail: a cut zip is never half-extracted into the cache.
  for (std::size_t keep : {std::size_t(0), std::size_t(10), zip.size() / 4, zip.size() / 2, zip.size() - 100,
                           zip.size() - 22, zip.size() - 1}) {
    SCOPED_TRACE(keep);
    write_file_atomically(dir / "cut.zip", zip.substr(0, keep));
    std::filesystem::remove_all(dir / "out");
    std::filesystem::create_directories(dir / "out");
    EXPECT_THROW(extract_zip(dir / "cut.zip", dir / "out"), DataError);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(FetchData, DownloadsChecksMd5AndInstalls) {
  auto r = fetch_dataset("ml-latest-small", fast(cache_, base("good")));
  EXPECT_TRUE(r.downloaded);
  EXPECT_EQ(r.dir, cache_ / "ml-latest-small");
  EXPECT_EQ(r.zip_bytes, good_.size());
  EXPECT_EQ(r.zip_sha256, sha256_hex(good_));
  EXPECT_EQ(r.files, 4u);
  EXPECT_NE(r.checksum_note.find("matches the server's ml-latest-small.zip.md5"), std::string::npos) << r.checksum_note;
  EXPECT_EQ(read_file(r.dir / "ratings.csv"), kRatings);
  EXPECT_EQ(read_file(r.dir / "movies.csv"), kMovies);
  EXPECT_EQ(list_dir(cache_), std::set<std::string>{"ml-latest-small"});
  EXPECT_TRUE(leftover_temporaries(cache_).empty());
  // 4 ratings by users 1 and 2 of movies 1..3 (kRatings, kMovies).
  EXPECT_EQ(r.load_note, "loads: 4 ratings, 2 users, 3 movies");

  // Second call: in the cache already, no download.
  int hits = zip_hits_.load();
  auto again = fetch_dataset("ml-latest-small", fast(cache_, base("good")));
  EXPECT_FALSE(again.downloaded);
  EXPECT_EQ(zip_hits_.load(), hits);
}

TEST_F(FetchData, ForceReplacesTheCachedFolder) {
  std::filesystem::create_directories(cache_ / "ml-latest-small");
  write_file_atomically(cache_ / "ml-latest-small" / "stale.txt", "old");
  auto o = fast(cache_, base("good"));
  o.force = true;
  auto r = fetch_dataset("ml-latest-small", o);
  EXPECT_TRUE(r.downloaded);
  EXPECT_FALSE(std::filesystem::exists(cache_ / "ml-latest-small" / "stale.txt"));
  EXPECT_EQ(read_file(cache_ / "ml-latest-small" / "ratings.csv"), kRatings);
  EXPECT_EQ(list_dir(cache_), std::set<std::string>{"ml-latest-small"});
}

TEST_F(FetchData, NoMd5OnTheServerIsANoteNotAnError) {
  auto r = fetch_dataset("ml-100k", fast(cache_, base("nomd5")));
  EXPECT_TRUE(r.downloaded);
  EXPECT_NE(r.checksum_note.find("no ml-100k.zip.md5 from the server (HTTP 404)"), std::string::npos)
      << r.checksum_note;
  EXPECT_TRUE(std::filesystem::is_regular_file(cache_ / "ml-100k" / "ratings.csv"));
}

class FetchDataFailure : public FetchData, public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

// Each broken server leaves the cache exactly as it was: an unrelated folder
// stays, no dataset, no temporaries.
TEST_P(FetchDataFailure, LeavesTheCacheAsItWas) {
  auto [variant, expected] = GetParam();
  std::filesystem::create_directories(cache_ / "other");
  auto before = list_dir(cache_);
  try {
    fetch_dataset("ml-latest-small", fast(cache_, base(variant)));
    FAIL() << variant << ": fetch must fail";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << variant << ": " << e.what();
  }
  EXPECT_EQ(list_dir(cache_), before) << variant;
  EXPECT_TRUE(leftover_temporaries(cache_).empty()) << variant;
  EXPECT_FALSE(std::filesystem::exists(cache_.parent_path() / "escaped.txt"));
}

INSTANTIATE_TEST_SUITE_P(BrokenServers, FetchDataFailure,
                         ::testing::Values(std::make_pair("badmd5", "md5 mismatch"),
                                           std::make_pair("truncated", "is broken, nothing was installed"),
                                           std::make_pair("dropped", "failed after 3 attempts"),
                                           std::make_pair("garbage", "is broken, nothing was installed"),
                                           std::make_pair("evil", "outside the target folder"),
                                           std::make_pair("missing", "HTTP 404")));

TEST_F(FetchData, DroppedConnectionIsRetriedUpToTheLimit) {
  EXPECT_THROW(fetch_dataset("ml-latest-small", fast(cache_, base("dropped"))), IoError);
  EXPECT_EQ(zip_hits_.load(), 3);  // 1 + retries (2)
}

TEST_F(FetchData, DatasetThatDoesNotLoadIsNotInstalled) {
  try {
    fetch_dataset("ml-latest-small", fast(cache_, base("badcsv")));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("does not load"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(list_dir(cache_).empty());
}

TEST_F(FetchData, UnknownNameListsTheKnownOnes) {
  try {
    fetch_dataset("ml-9000", fast(cache_, base("good")));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("ml-latest-small, ml-100k, ml-1m, ml-25m, ml-32m"), std::string::npos);
  }
}

TEST_F(FetchData, RemovesTemporariesOfDeadProcesses) {
  // pid 999999999 is above Linux's pid_max (at most 2^22), so never alive.
  std::filesystem::create_directories(cache_ / ".fetch-999999999-0" / "x");
  write_file_atomically(cache_ / "ml-100k.zip.tmp.999999999.3", "partial");
  std::filesystem::create_directories(cache_ / ("ml-1m.zip.tmp." + std::to_string(::getpid()) + ".1"));
  EXPECT_EQ(remove_stale_temporaries(cache_), 2u);
  // Our own process's temporaries are in use: kept.
  EXPECT_EQ(list_dir(cache_), std::set<std::string>{"ml-1m.zip.tmp." + std::to_string(::getpid()) + ".1"});
}

TEST_F(FetchData, ResolveData) {
  // A folder is used as is, whatever its name.
  std::filesystem::create_directories(cache_ / "my-folder");
  EXPECT_EQ(resolve_dataset((cache_ / "my-folder").string()), cache_ / "my-folder");

  ScopedEnv data("MOVIEREC_DATA", (cache_ / "cache").string());
  ScopedEnv url("MOVIEREC_DATA_URL", base("good"));
  EXPECT_EQ(data_cache_dir(), cache_ / "cache");
  EXPECT_EQ(default_dataset_base_url(), base("good"));
  // A known name absent from the cache is fetched from $MOVIEREC_DATA_URL,
  // saying so through the note callback (the library prints nothing)...
  FetchDataOptions quiet;
  quiet.progress = false;
  std::vector<std::string> notes;
  EXPECT_EQ(resolve_dataset("ml-latest-small", quiet, [&](const std::string& n) { notes.push_back(n); }),
            cache_ / "cache" / "ml-latest-small");
  EXPECT_EQ(zip_hits_.load(), 1);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0], "fetching ml-latest-small into " + (cache_ / "cache").string() + " (first use)");
  EXPECT_TRUE(std::filesystem::is_regular_file(cache_ / "cache" / "ml-latest-small" / "ratings.csv"));
  // ... and found there the next time.
  EXPECT_EQ(resolve_dataset("ml-latest-small"), cache_ / "cache" / "ml-latest-small");
  EXPECT_EQ(zip_hits_.load(), 1);

  try {
    resolve_dataset("no-such-set");
    FAIL();
  } catch (const ConfigError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("dataset 'no-such-set': no such folder"), std::string::npos) << m;
    EXPECT_EQ(m.find("--data"), std::string::npos) << m;  // the library names no CLI flag
    EXPECT_NE(m.find("ml-latest-small, ml-100k, ml-1m, ml-25m, ml-32m"), std::string::npos) << m;
  }
  write_file_atomically(cache_ / "a-file.csv", "x");
  try {
    resolve_dataset((cache_ / "a-file.csv").string());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("a-file.csv' is a file"), std::string::npos) << e.what();
  }
}

TEST(DataCacheDir, DefaultsToXdgThenHome) {
  ScopedEnv data("MOVIEREC_DATA", std::nullopt);
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/somewhere/cache");
    EXPECT_EQ(data_cache_dir(), std::filesystem::path("/somewhere/cache/movierec"));
  }
  ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(data_cache_dir(), std::filesystem::path("/home/someone/.cache/movierec"));
  ScopedEnv url("MOVIEREC_DATA_URL", std::nullopt);
  EXPECT_EQ(default_dataset_base_url(), "https://files.grouplens.org/datasets/movielens");
}
