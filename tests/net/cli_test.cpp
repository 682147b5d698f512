// `movierec fetch-data` and `fetch-model` end to end: exit codes, output, cache.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "net/digest.h"

using movierec::testing::leftover_temporaries;
using movierec::testing::list_dir;
using movierec::testing::MockServer;
using movierec::testing::run_command;

namespace {

const char* kRatings = "userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n2,1,5.0,964982224\r\n";
const char* kMovies = "movieId,title,genres\r\n1,Toy Story (1995),Adventure|Animation\r\n";
const char* kLinks = "movieId,imdbId,tmdbId\r\n1,0114709,862\r\n";

class FetchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = movierec::testing::temp_dir("fetch-cli");
    zip_ = movierec::testing::make_zip(
        {{"ml-1m/ratings.csv", kRatings}, {"ml-1m/movies.csv", kMovies}, {"ml-1m/links.csv", kLinks}});
    s_.server().Get("/ok/ml-1m.zip",
                    [&](const httplib::Request&, httplib::Response& res) { res.set_content(zip_, "application/zip"); });
    s_.server().Get("/ok/ml-1m.zip.md5", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(movierec::net::md5_hex(zip_) + "  ml-1m.zip\n", "text/plain");
    });
    s_.server().Get("/cut/ml-1m.zip", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(zip_.substr(0, zip_.size() / 2), "application/zip");
    });
    // 6 MB at 20 KB per 50 ms: takes 15 s, long enough to be interrupted on a loaded machine.
    s_.server().Get("/slow/ml-1m.zip", [](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(6'000'000, "application/zip", [](size_t offset, size_t, httplib::DataSink& sink) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::string chunk(std::min<std::size_t>(20'000, 6'000'000 - offset), 'z');
        return sink.write(chunk.data(), chunk.size());
      });
    });
    s_.server().Get("/models/mobilenetv2-7.onnx", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("not the model", "application/octet-stream");
    });
    s_.start();
  }
  void TearDown() override {
    s_.stop();
    std::filesystem::remove_all(cache_);
  }

  std::string bin() const { return std::string(MOVIEREC_BINARY); }
  std::string flags(const std::string& variant) const {
    return " --cache \"" + cache_.string() + "\" --base-url " + s_.url() + "/" + variant +
           " --retries 1 --backoff 0.01";
  }

  MockServer s_;
  std::filesystem::path cache_;
  std::string zip_;
};

}  // namespace

TEST_F(FetchCli, FetchDataInstallsAndReports) {
  auto r = run_command(bin() + " fetch-data ml-1m" + flags("ok"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fetched ml-1m into"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("matches the server's ml-1m.zip.md5"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::is_regular_file(cache_ / "ml-1m" / "ratings.csv"));
  auto j = run_command(bin() + " fetch-data ml-1m --json" + flags("ok"));
  EXPECT_EQ(j.exit_code, 0) << j.output;
  auto parsed = nlohmann::json::parse(j.output);
  EXPECT_EQ(parsed["downloaded"], false);  // already there
  EXPECT_EQ(parsed["dir"], (cache_ / "ml-1m").string());
  auto f = run_command(bin() + " fetch-data ml-1m --force --json" + flags("ok"));
  EXPECT_EQ(f.exit_code, 0) << f.output;
  EXPECT_EQ(nlohmann::json::parse(f.output)["zip_sha256"], movierec::net::sha256_hex(zip_));
}

TEST_F(FetchCli, FetchDataFailuresHaveExitCodes) {
  auto unknown = run_command(bin() + " fetch-data ml-7m" + flags("ok"));
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("known datasets: ml-latest-small"), std::string::npos) << unknown.output;
  auto cut = run_command(bin() + " fetch-data ml-1m" + flags("cut"));
  EXPECT_EQ(cut.exit_code, 1) << cut.output;
  EXPECT_NE(cut.output.find("is broken, nothing was installed"), std::string::npos) << cut.output;
  EXPECT_TRUE(list_dir(cache_).empty());
  auto usage = run_command(bin() + " fetch-data");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

TEST_F(FetchCli, InterruptedFetchLeavesTheCacheAsItWas) {
  std::filesystem::create_directories(cache_ / "ml-100k");  // an earlier dataset stays
  // Ctrl-C (SIGINT) once the download is under way: when the partial zip
  // (<stage>/ml-1m.zip.tmp.*) appears, not after a fixed time, as the binary
  // may take seconds to start on a loaded machine; the download takes 15 s.
  auto r = run_command("sh -c '" + bin() + " fetch-data ml-1m" + flags("slow") +
                       " & pid=$!; for i in $(seq 600); do ls \"" + cache_.string() +
                       "\"/.fetch-*/ml-1m.zip.tmp.* >/dev/null 2>&1 && break; sleep 0.05; done; kill -INT $pid; "
                       "wait $pid'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("interrupted"), std::string::npos) << r.output;
  EXPECT_EQ(list_dir(cache_), std::set<std::string>{"ml-100k"});
  EXPECT_TRUE(leftover_temporaries(cache_).empty());
}

TEST_F(FetchCli, FetchModelChecksTheBytes) {
  auto list = run_command(bin() + " fetch-model --list");
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.output.find("mobilenetv2-7.onnx"), std::string::npos) << list.output;
  auto bad = run_command(bin() + " fetch-model mobilenetv2" + flags("models"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  // 13 bytes served where the LFS pointer says 14,246,826.
  EXPECT_NE(bad.output.find("has 13 bytes, expected 14246826"), std::string::npos) << bad.output;
  EXPECT_TRUE(list_dir(cache_ / "models").empty());
  EXPECT_TRUE(leftover_temporaries(cache_).empty());
  auto unknown = run_command(bin() + " fetch-model alexnet" + flags("models"));
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
}
