// A small libcurl HTTP client: GET to memory, GET to a file atomically (size,
// Content-Length and digests checked), retries with exponential backoff for
// transient failures (5xx, 408, 429 with Retry-After, timeouts, dropped
// connections), and secrets masked in every message.
//
// Thread safety: an HttpClient is used by one thread at a time; it keeps one
// CURL easy handle, so consecutive requests to a host reuse the connection.
// Use one client per thread, or ParallelFetcher (net/parallel_fetch.h) for many
// transfers at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace movierec::net {

struct HttpOptions {
  // Connect phase only. Short: a host that does not answer is retried.
  long connect_timeout_ms = 10'000;
  // Whole request, 0 for none. Keep 0 for big downloads and rely on
  // stall_timeout_s, which does not depend on the file size.
  long timeout_ms = 30'000;
  // Abort a transfer that moves under 1 byte/s for this long (0: off).
  long stall_timeout_s = 60;
  // Extra attempts after the first, for 5xx, 408, 429, timeouts and connection
  // errors. Other 4xx and bad data are not retried.
  int retries = 4;
  // Delay before retry r (1-based): backoff_s * 2^(r-1), capped at
  // backoff_max_s, times a random factor in [0.8, 1.2] so clients spread out.
  double backoff_s = 0.5;
  double backoff_max_s = 30;
  // 429 and 503 Retry-After is honoured up to this many seconds (longer waits
  // are cut to it: better a retry that may fail than an hour of silence).
  double retry_after_max_s = 120;
  // GET to memory refuses bodies larger than this (a guard against a wrong URL
  // streaming a huge file into RAM).
  std::size_t max_body_bytes = std::size_t(256) << 20;
  std::string user_agent = "movierec/0.1 libcurl";
  // Strings never to show: replaced by *** in every message (API keys, tokens).
  std::vector<std::string> secrets;
  // Show a progress bar on stderr for downloads to a file.
  bool progress = false;
};

struct HttpResponse {
  long status = 0;  // HTTP status of the last attempt, 0 when none came
  std::string body;
  std::string content_type;
  int curl_code = 0;  // CURLcode of the last attempt; 0 when a response came
  std::string error;  // transport error of the last attempt, masked; "" when none
  int attempts = 0;
  double retry_after_s = -1;  // Retry-After of the last response, -1 when absent
  bool ok() const { return curl_code == 0 && status >= 200 && status < 300; }
  // "HTTP 404" or "timed out (...)": why it is not ok, for messages.
  std::string describe() const;
};

// What a downloaded file must match. Empty / absent fields are not checked.
struct DownloadCheck {
  std::optional<std::uint64_t> size;
  std::string sha256;  // lower-case hex
  std::string md5;     // lower-case hex
};

struct DownloadResult {
  std::uint64_t bytes = 0;
  std::string sha256, md5;  // of the bytes written
  int attempts = 0;
};

// What to do after one attempt.
enum class Verdict { kDone, kRetry, kFail };
// Classifies a finished attempt: curl_code (CURLcode) and HTTP status.
Verdict classify(int curl_code, long status);
// Seconds to wait before retry number `retry` (1-based); retry_after_s >= 0
// (from the server) wins over the exponential backoff.
double retry_delay(int retry, const HttpOptions& o, double retry_after_s);

// Replaces every secret and the value of api_key / token / access_token query
// parameters by ***.
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

// Cancellation, for Ctrl-C: every transfer in flight aborts soon after, backoff
// sleeps end, and the call throws IoError("interrupted"). Async-signal safe.
void request_cancel() noexcept;
bool cancel_requested() noexcept;
void reset_cancel() noexcept;
// Sleeps up to `seconds`, in slices, returning early on cancel.
void sleep_unless_cancelled(double seconds);

// Host part of a URL ("api.themoviedb.org:443" style key), for per-host limits.
std::string url_host(const std::string& url);
// base + "/" + path, with one slash between them.
std::string join_url(const std::string& base, const std::string& path);

class HttpClient {
 public:
  explicit HttpClient(HttpOptions opts = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET with retries. Never throws for HTTP or network failures: look at
  // ok(), status and error. Throws IoError("interrupted") on cancel.
  HttpResponse get(const std::string& url, const std::vector<std::string>& headers = {});

  // GET into `target` atomically: streams to a temporary beside it, checks the
  // byte count against Content-Length and `check`, then renames. Retries
  // transient failures from scratch. Throws IoError (URL masked) on failure;
  // the target is then untouched and no temporary is left behind.
  DownloadResult download(const std::string& url, const std::filesystem::path& target, const DownloadCheck& check = {},
                          const std::string& label = "");

  const HttpOptions& options() const { return opts_; }

 private:
  HttpOptions opts_;
  void* curl_;  // CURL*
};

}  // namespace movierec::net
