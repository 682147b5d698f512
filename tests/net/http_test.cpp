// HttpClient, ParallelFetcher, digests and retry policy against loopback servers.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "movierec/errors.h"
#include "net/digest.h"
#include "net/http.h"
#include "net/parallel_fetch.h"
#include "util/atomic_file.h"

using namespace movierec;
using namespace movierec::net;
using movierec::testing::MockServer;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Fast retries for tests: 10 ms first backoff.
HttpOptions fast_options() {
  HttpOptions o;
  o.backoff_s = 0.01;
  o.backoff_max_s = 0.05;
  o.retries = 3;
  o.timeout_ms = 2000;
  o.connect_timeout_ms = 2000;
  return o;
}

}  // namespace

TEST(Digest, KnownVectors) {
  // FIPS 180-2 appendix B.1 and RFC 1321 appendix A.5 test vectors.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  // Incremental updates give the same digest as one call.
  Digest d(Digest::Kind::kSha256);
  d.update("a");
  d.update("bc");
  EXPECT_EQ(d.hex(), sha256_hex("abc"));
}

TEST(Digest, FindsMd5InGroupLensAndMd5sumFormats) {
  EXPECT_EQ(find_hex_digest("MD5 (ml-latest-small.zip) = 0123456789ABCDEF0123456789abcdef\n", 16),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(find_hex_digest("6b51fb2759a8657d3bfcbfc42b592ada  ml-25m.zip\n", 16), "6b51fb2759a8657d3bfcbfc42b592ada");
  EXPECT_EQ(find_hex_digest("<html>not found</html>", 16), "");
  // A 64-digit run is not an MD5.
  EXPECT_EQ(find_hex_digest(std::string(64, 'a'), 16), "");
}

TEST(Http, MasksSecretsAndKeyParameters) {
  EXPECT_EQ(mask_secrets("http://h/3/movie/1?api_key=abc123&x=1", {}), "http://h/3/movie/1?api_key=***&x=1");
  EXPECT_EQ(mask_secrets("GET /find?external_source=imdb_id&api_key=zz", {}),
            "GET /find?external_source=imdb_id&api_key=***");
  EXPECT_EQ(mask_secrets("failed: Bearer tok-SECRET here", {"tok-SECRET"}), "failed: Bearer *** here");
  // Only whole parameter names are masked.
  EXPECT_EQ(mask_secrets("http://h/?myapi_key=1", {}), "http://h/?myapi_key=1");
}

TEST(Http, ClassifiesTransientFailures) {
  EXPECT_EQ(classify(CURLE_OK, 200), Verdict::kDone);
  EXPECT_EQ(classify(CURLE_OK, 206), Verdict::kDone);
  EXPECT_EQ(classify(CURLE_OK, 404), Verdict::kFail);
  EXPECT_EQ(classify(CURLE_OK, 401), Verdict::kFail);
  EXPECT_EQ(classify(CURLE_OK, 429), Verdict::kRetry);
  EXPECT_EQ(classify(CURLE_OK, 408), Verdict::kRetry);
  EXPECT_EQ(classify(CURLE_OK, 500), Verdict::kRetry);
  EXPECT_EQ(classify(CURLE_OK, 503), Verdict::kRetry);
  EXPECT_EQ(classify(CURLE_OK, 501), Verdict::kFail);
  EXPECT_EQ(classify(CURLE_OPERATION_TIMEDOUT, 0), Verdict::kRetry);
  EXPECT_EQ(classify(CURLE_COULDNT_CONNECT, 0), Verdict::kRetry);
  EXPECT_EQ(classify(CURLE_PARTIAL_FILE, 200), Verdict::kRetry);
  EXPECT_EQ(classify(CURLE_URL_MALFORMAT, 0), Verdict::kFail);
}

TEST(Http, BackoffDoublesWithJitterAndHonoursRetryAfter) {
  HttpOptions o;
  o.backoff_s = 0.5;
  o.backoff_max_s = 3;
  o.retry_after_max_s = 10;
  for (int k = 0; k < 20; ++k) {
    // retry r waits 0.5 * 2^(r-1) s, times [0.8, 1.2].
    double d1 = retry_delay(1, o, -1), d3 = retry_delay(3, o, -1), d9 = retry_delay(9, o, -1);
    EXPECT_GE(d1, 0.4);
    EXPECT_LE(d1, 0.6);
    EXPECT_GE(d3, 1.6);  // 0.5 * 4 = 2
    EXPECT_LE(d3, 2.4);
    EXPECT_LE(d9, 3 * 1.2);  // capped at backoff_max_s = 3
  }
  EXPECT_DOUBLE_EQ(retry_delay(1, o, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(retry_delay(1, o, 500.0), 10.0);  // cut to retry_after_max_s
}

TEST(Http, UrlHelpers) {
  EXPECT_EQ(url_host("https://api.themoviedb.org/3/movie/1?x"), "api.themoviedb.org");
  EXPECT_EQ(url_host("http://127.0.0.1:8080/a"), "127.0.0.1:8080");
  EXPECT_EQ(join_url("http://h/base/", "/x.zip"), "http://h/base/x.zip");
  EXPECT_EQ(join_url("http://h", "x.zip"), "http://h/x.zip");
}

TEST(HttpClient, GetRetriesServerErrorsButNotNotFound) {
  MockServer s;
  std::atomic<int> flaky_hits{0}, missing_hits{0};
  s.server().Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (flaky_hits++ == 0) {
      res.status = 500;
      return;
    }
    res.set_content("hello", "text/plain");
  });
  s.server().Get("/missing", [&](const httplib::Request&, httplib::Response& res) {
    ++missing_hits;
    res.status = 404;
  });
  s.start();
  HttpClient c(fast_options());
  auto r = c.get(s.url() + "/flaky");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.attempts, 2);  // one 500, then 200
  EXPECT_EQ(flaky_hits.load(), 2);
  auto m = c.get(s.url() + "/missing");
  EXPECT_FALSE(m.ok());
  EXPECT_EQ(m.status, 404);
  EXPECT_EQ(m.attempts, 1);
  EXPECT_EQ(missing_hits.load(), 1);
  EXPECT_EQ(m.describe(), "HTTP 404");
}

TEST(HttpClient, GivesUpAfterTheRetryLimit) {
  MockServer s;
  std::atomic<int> hits{0};
  s.server().Get("/down", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 503;
  });
  s.start();
  auto o = fast_options();
  o.retries = 2;
  HttpClient c(o);
  auto r = c.get(s.url() + "/down");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.attempts, 3);  // 1 + retries
  EXPECT_EQ(hits.load(), 3);
}

TEST(HttpClient, HonoursRetryAfterOn429) {
  MockServer s;
  std::mutex mu;
  std::vector<Clock::time_point> seen;
  s.server().Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mu);
    seen.push_back(Clock::now());
    if (seen.size() == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  s.start();
  HttpClient c(fast_options());  // backoff 10 ms: only Retry-After explains a 1 s wait
  auto r = c.get(s.url() + "/limited");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.attempts, 2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GE(std::chrono::duration<double>(seen[1] - seen[0]).count(), 0.9);
}

TEST(HttpClient, RetriesATimeoutThenFailsWhenAlwaysSlow) {
  MockServer s;
  std::atomic<int> once_hits{0}, always_hits{0};
  s.server().Get("/slow-once", [&](const httplib::Request&, httplib::Response& res) {
    if (once_hits++ == 0) s.stall(std::chrono::seconds(30));
    res.set_content("late", "text/plain");
  });
  s.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    ++always_hits;
    s.stall(std::chrono::seconds(30));
    res.set_content("never in time", "text/plain");
  });
  s.start();
  // Stalls of 30 s against a 1 s timeout: no machine is that loaded, and an
  // in-time answer (1 s) is certain on any.
  auto o = fast_options();
  o.timeout_ms = 1000;
  o.retries = 1;
  HttpClient c(o);
  auto r = c.get(s.url() + "/slow-once");
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.attempts, 2);
  auto t0 = Clock::now();
  auto f = c.get(s.url() + "/slow");
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.curl_code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(f.attempts, 2);
  EXPECT_NE(f.describe().find("imeout"), std::string::npos) << f.describe();
  EXPECT_LT(seconds_since(t0), 20.0);  // two 1 s timeouts, not the 30 s stalls
  EXPECT_EQ(always_hits.load(), 2);
}

TEST(HttpClient, ReusesItsConnection) {
  MockServer s;
  std::mutex mu;
  std::set<int> ports;
  s.server().Get("/x", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    ports.insert(req.remote_port);
    res.set_content("x", "text/plain");
  });
  s.start();
  HttpClient c(fast_options());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.get(s.url() + "/x").ok());
  EXPECT_EQ(ports.size(), 1u);  // one TCP connection for five requests
}

TEST(HttpClient, ConnectionRefusedIsRetriedThenReported) {
  // Bind a server, note its port, stop it: nothing listens there now.
  int port;
  {
    MockServer s;
    s.start();
    port = s.port();
  }
  auto o = fast_options();
  o.retries = 2;
  HttpClient c(o);
  auto r = c.get("http://127.0.0.1:" + std::to_string(port) + "/x");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.curl_code, CURLE_COULDNT_CONNECT);
  EXPECT_EQ(r.attempts, 3);
}

TEST(HttpClient, BodyLimitStopsHugeResponses) {
  MockServer s;
  s.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(10000, 'b'), "application/octet-stream");
  });
  s.start();
  auto o = fast_options();
  o.max_body_bytes = 1000;
  HttpClient c(o);
  auto r = c.get(s.url() + "/big");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.attempts, 1);  // not a transient failure
  EXPECT_NE(r.error.find("larger than 1000"), std::string::npos) << r.error;
}

class Download : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = movierec::testing::temp_dir("download");
    payload_ = std::string(200000, '\0');
    for (std::size_t i = 0; i < payload_.size(); ++i) payload_[i] = static_cast<char>((i * 7919) % 251);
    s_.server().Get("/file.bin", [&](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.set_content(payload_, "application/octet-stream");
    });
    // Announces the full length, sends half, then drops the connection.
    s_.server().Get("/cut.bin", [&](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.set_content_provider(payload_.size(), "application/octet-stream",
                               [&](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset >= payload_.size() / 2) return false;
                                 sink.write(payload_.data() + offset, payload_.size() / 2 - offset);
                                 return true;
                               });
    });
    s_.start();
  }
  void TearDown() override {
    s_.stop();  // before the members its handlers use go
    std::filesystem::remove_all(dir_);
  }

  MockServer s_;
  std::filesystem::path dir_;
  std::string payload_;
  std::atomic<int> hits_{0};
};

TEST_F(Download, WritesAndChecksTheFile) {
  HttpClient c(fast_options());
  DownloadCheck check;
  check.size = payload_.size();
  check.sha256 = sha256_hex(payload_);
  auto r = c.download(s_.url() + "/file.bin", dir_ / "out" / "file.bin", check);
  EXPECT_EQ(r.bytes, payload_.size());
  EXPECT_EQ(r.sha256, check.sha256);
  EXPECT_EQ(r.md5, md5_hex(payload_));
  EXPECT_EQ(read_file(dir_ / "out" / "file.bin"), payload_);
  EXPECT_TRUE(movierec::testing::leftover_temporaries(dir_).empty());
}

TEST_F(Download, TruncatedTransferIsRetriedAndLeavesNothing) {
  auto o = fast_options();
  o.retries = 2;
  HttpClient c(o);
  try {
    c.download(s_.url() + "/cut.bin", dir_ / "cut.bin");
    FAIL() << "a truncated transfer must fail";
  } catch (const IoError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("after 3 attempts"), std::string::npos) << m;
  }
  EXPECT_EQ(hits_.load(), 3);
  EXPECT_TRUE(movierec::testing::list_dir(dir_).empty());
}

TEST_F(Download, ChecksumOrSizeMismatchLeavesNothing) {
  HttpClient c(fast_options());
  DownloadCheck bad_sha;
  bad_sha.sha256 = sha256_hex("something else");
  EXPECT_THROW(c.download(s_.url() + "/file.bin", dir_ / "a.bin", bad_sha), IoError);
  DownloadCheck bad_size;
  bad_size.size = payload_.size() + 1;
  EXPECT_THROW(c.download(s_.url() + "/file.bin", dir_ / "b.bin", bad_size), IoError);
  DownloadCheck small;
  small.size = 10;  // stops reading after 10 bytes
  EXPECT_THROW(c.download(s_.url() + "/file.bin", dir_ / "c.bin", small), IoError);
  EXPECT_TRUE(movierec::testing::list_dir(dir_).empty());
}

TEST_F(Download, HttpErrorNamesTheStatusAndKeepsTheOldFile) {
  write_file_atomically(dir_ / "keep.bin", "old");
  HttpClient c(fast_options());
  try {
    c.download(s_.url() + "/nope.bin?api_key=SECRET", dir_ / "keep.bin");
    FAIL();
  } catch (const IoError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("HTTP 404"), std::string::npos) << m;
    EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
  }
  EXPECT_EQ(read_file(dir_ / "keep.bin"), "old");
  EXPECT_EQ(movierec::testing::list_dir(dir_), std::set<std::string>{"keep.bin"});
}

TEST(ParallelFetcher, BoundsTransfersInFlightAndReusesConnections) {
  MockServer s;
  std::atomic<int> in_flight{0}, peak{0};
  std::mutex mu;
  std::set<int> ports;
  s.server().Get(R"(/item/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    int now = ++in_flight;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    {
      std::lock_guard lock(mu);
      ports.insert(req.remote_port);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    res.set_content("item " + req.matches[1].str(), "text/plain");
    --in_flight;
  });
  s.start();
  ParallelFetcher f(fast_options(), 3);
  for (int i = 0; i < 24; ++i) f.add({s.url() + "/item/" + std::to_string(i), {}, std::uint64_t(i)});
  std::set<std::uint64_t> done;
  f.run([&](FetchResult& r) {
    ASSERT_TRUE(r.response.ok());
    EXPECT_EQ(r.response.body, "item " + std::to_string(r.tag));
    done.insert(r.tag);
  });
  EXPECT_EQ(done.size(), 24u);
  EXPECT_LE(peak.load(), 3);
  EXPECT_GE(peak.load(), 2);  // 24 x 30 ms requests do overlap
  EXPECT_LE(f.peak_parallel(), 3);
  EXPECT_LE(ports.size(), 3u);  // 24 requests over at most 3 connections
}

TEST(ParallelFetcher, RetriesAndFollowUpRequests) {
  MockServer s;
  std::atomic<int> flaky{0}, limited{0};
  std::mutex mu;
  std::vector<Clock::time_point> limited_at;
  s.server().Get("/first",
                 [](const httplib::Request&, httplib::Response& res) { res.set_content("/second", "text/plain"); });
  s.server().Get("/second",
                 [](const httplib::Request&, httplib::Response& res) { res.set_content("end", "text/plain"); });
  s.server().Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (flaky++ < 2) {
      res.status = 502;
      return;
    }
    res.set_content("fine", "text/plain");
  });
  s.server().Get("/limited", [&](const httplib::Request&, httplib::Response& res) {
    {
      std::lock_guard lock(mu);
      limited_at.push_back(Clock::now());
    }
    if (limited++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content("let in", "text/plain");
  });
  s.server().Get("/gone", [](const httplib::Request&, httplib::Response& res) { res.status = 410; });
  s.start();
  ParallelFetcher f(fast_options(), 4);
  f.add({s.url() + "/first", {}, 1});
  f.add({s.url() + "/flaky", {}, 2});
  f.add({s.url() + "/limited", {}, 3});
  f.add({s.url() + "/gone", {}, 4});
  std::map<std::uint64_t, HttpResponse> got;
  f.run([&](FetchResult& r) {
    if (r.tag == 1) f.add({s.url() + r.response.body, {}, 5});  // follow-up from inside on_done
    got[r.tag] = r.response;
  });
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[5].body, "end");
  EXPECT_EQ(got[2].body, "fine");
  EXPECT_EQ(got[2].attempts, 3);  // 502, 502, 200
  EXPECT_EQ(got[3].body, "let in");
  EXPECT_EQ(got[3].attempts, 2);
  ASSERT_EQ(limited_at.size(), 2u);
  EXPECT_GE(std::chrono::duration<double>(limited_at[1] - limited_at[0]).count(), 0.9);  // Retry-After: 1
  EXPECT_EQ(got[4].status, 410);
  EXPECT_EQ(got[4].attempts, 1);
}

TEST(ParallelFetcher, TimeoutsRetriedUpToTheLimit) {
  MockServer s;
  std::atomic<int> hits{0};
  s.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    s.stall(std::chrono::seconds(30));
    res.set_content("late", "text/plain");
  });
  s.start();
  auto o = fast_options();
  o.timeout_ms = 500;
  o.retries = 2;
  ParallelFetcher f(o, 2);
  f.add({s.url() + "/slow", {}, 0});
  HttpResponse got;
  f.run([&](FetchResult& r) { got = r.response; });
  EXPECT_EQ(got.curl_code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(got.attempts, 3);
  EXPECT_EQ(hits.load(), 3);
}

TEST(ParallelFetcher, CancelStopsTheRun) {
  MockServer s;
  s.server().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    res.set_content("x", "text/plain");
  });
  s.start();
  ParallelFetcher f(fast_options(), 2);
  for (int i = 0; i < 10; ++i) f.add({s.url() + "/slow", {}, std::uint64_t(i)});
  int done = 0;
  EXPECT_THROW(f.run([&](FetchResult&) {
    if (++done == 1) request_cancel();
  }),
               IoError);
  reset_cancel();
  EXPECT_LT(done, 10);
}
