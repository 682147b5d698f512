#include "net/http.h"

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "movierec/errors.h"
#include "net/curl_util.h"
#include "net/digest.h"
#include "util/atomic_file.h"
#include "util/progress.h"
#include "util/strings.h"

namespace movierec::net {

namespace {

std::atomic<bool> g_cancel{false};

int cancel_xferinfo(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return cancel_requested() ? 1 : 0; }

size_t discard_header(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

// ---------------------------------------------------------------------------
// Shared helpers

void request_cancel() noexcept { g_cancel.store(true); }
bool cancel_requested() noexcept { return g_cancel.load(); }
void reset_cancel() noexcept { g_cancel.store(false); }

void sleep_unless_cancelled(double seconds) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (!cancel_requested()) {
    auto now = Clock::now();
    if (now >= end) return;
    Clock::duration slice = std::chrono::milliseconds(50);
    std::this_thread::sleep_for(std::min(slice, end - now));
  }
}

Verdict classify(int curl_code, long status) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
      break;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Verdict::kRetry;
    default:
      return Verdict::kFail;
  }
  if (status >= 200 && status < 300) return Verdict::kDone;
  // 501 Not Implemented and 505 HTTP Version Not Supported will not change.
  if (status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505)) return Verdict::kRetry;
  return Verdict::kFail;
}

double retry_delay(int retry, const HttpOptions& o, double retry_after_s) {
  if (retry_after_s > 0) return std::min(retry_after_s, o.retry_after_max_s);
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  double d = o.backoff_s * std::pow(2.0, std::max(0, retry - 1));
  return std::min(d, o.backoff_max_s) * jitter(rng);
}

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (std::size_t p = text.find(s); p != std::string::npos; p = text.find(s, p + 3))
      text.replace(p, s.size(), "***");
  }
  for (const char* key : {"api_key=", "token=", "access_token="}) {
    for (std::size_t p = text.find(key); p != std::string::npos; p = text.find(key, p + 1)) {
      // Only whole parameter names: preceded by ? or & (so "xapi_key=" stays).
      if (p > 0 && text[p - 1] != '?' && text[p - 1] != '&') continue;
      std::size_t v = p + std::strlen(key);
      std::size_t e = text.find_first_of("&# \t\r\n\"'", v);
      if (e == std::string::npos) e = text.size();
      if (text.compare(v, e - v, "***") != 0) text.replace(v, e - v, "***");
    }
  }
  return text;
}

std::string url_host(const std::string& url) {
  auto s = url.find("://");
  std::size_t b = s == std::string::npos ? 0 : s + 3;
  std::size_t e = url.find_first_of("/?#", b);
  std::string host = url.substr(b, e == std::string::npos ? std::string::npos : e - b);
  auto at = host.rfind('@');
  if (at != std::string::npos) host = host.substr(at + 1);
  return host;
}

std::string join_url(const std::string& base, const std::string& path) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  std::size_t i = 0;
  while (i < path.size() && path[i] == '/') ++i;
  return b + "/" + path.substr(i);
}

std::string HttpResponse::describe() const {
  if (curl_code != 0) return error.empty() ? "network error" : error;
  return "HTTP " + std::to_string(status);
}

namespace detail {

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw IoError("libcurl: global initialisation failed");
  });
}

HeaderList::HeaderList(const std::vector<std::string>& headers) {
  for (const auto& h : headers) {
    auto* next = curl_slist_append(list_, h.c_str());
    if (!next) throw IoError("libcurl: out of memory for headers");
    list_ = next;
  }
}
HeaderList::~HeaderList() { curl_slist_free_all(list_); }

void configure(CURL* h, const HttpOptions& o, const std::string& url, curl_slist* headers, char* errbuf) {
  curl_easy_reset(h);  // keeps live connections, DNS cache and TLS sessions
  errbuf[0] = '\0';
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o.timeout_ms);
  if (o.stall_timeout_s > 0) {
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o.stall_timeout_s);
  }
  curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, discard_header);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cancel_xferinfo);
}

std::string transfer_error(CURLcode code, const char* errbuf, const HttpOptions& o) {
  std::string msg = curl_easy_strerror(code);
  if (errbuf && errbuf[0]) {
    std::string detail = errbuf;
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
    msg += " (" + detail + ")";
  }
  return mask_secrets(msg, o.secrets);
}

double retry_after(CURL* h) {
  curl_off_t ra = 0;
  if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra <= 0) return -1;
  return static_cast<double>(ra);
}

}  // namespace detail

// ---------------------------------------------------------------------------
// HttpClient

namespace {

struct MemorySink {
  std::string* body;
  std::size_t max;
  bool too_big = false;
};

size_t write_memory(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<MemorySink*>(user);
  std::size_t len = size * n;
  if (s->body->size() + len > s->max) {
    s->too_big = true;
    return 0;  // aborts with CURLE_WRITE_ERROR
  }
  s->body->append(data, len);
  return len;
}

struct FileSink {
  CURL* h = nullptr;
  std::ofstream* out = nullptr;
  Digest sha{Digest::Kind::kSha256}, md5{Digest::Kind::kMd5};
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> limit;
  bool status_ok = false, status_known = false, over_limit = false, write_failed = false;
  std::string error_body;  // the first bytes of an error page, for the message
  // Progress, created once the size is known.
  bool progress = false;
  std::string label;
  std::unique_ptr<Progress> bar;
  std::uint64_t shown_kib = 0;
};

size_t write_file(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<FileSink*>(user);
  std::size_t len = size * n;
  if (!s->status_known) {
    long status = 0;
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
    s->status_ok = status >= 200 && status < 300;
    s->status_known = true;
  }
  if (!s->status_ok) {  // keep a little of the error page, write nothing
    if (s->error_body.size() < 300) s->error_body.append(data, std::min<std::size_t>(len, 300));
    return len;
  }
  if (s->limit && s->bytes + len > *s->limit) {
    s->over_limit = true;
    return 0;
  }
  s->out->write(data, static_cast<std::streamsize>(len));
  if (!*s->out) {
    s->write_failed = true;
    return 0;
  }
  s->sha.update(data, len);
  s->md5.update(data, len);
  s->bytes += len;
  return len;
}

int file_xferinfo(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  if (cancel_requested()) return 1;
  auto* s = static_cast<FileSink*>(user);
  if (!s->progress || !s->status_ok) return 0;
  if (!s->bar && dltotal > 0)
    s->bar = std::make_unique<Progress>(s->label + " (KiB)", static_cast<std::size_t>(dltotal / 1024), true);
  if (s->bar) {
    auto kib = static_cast<std::uint64_t>(dlnow / 1024);
    if (kib > s->shown_kib) {
      s->bar->add(kib - s->shown_kib);
      s->shown_kib = kib;
    }
  }
  return 0;
}

}  // namespace

HttpClient::HttpClient(HttpOptions opts) : opts_(std::move(opts)) {
  detail::ensure_curl_initialised();
  curl_ = curl_easy_init();
  if (!curl_) throw IoError("libcurl: cannot create a handle");
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::get(const std::string& url, const std::vector<std::string>& headers) {
  CURL* h = static_cast<CURL*>(curl_);
  detail::HeaderList hl(headers);
  char errbuf[CURL_ERROR_SIZE];
  HttpResponse r;
  for (int attempt = 1;; ++attempt) {
    if (cancel_requested()) throw IoError("interrupted");
    r = HttpResponse{};
    r.attempts = attempt;
    MemorySink sink{&r.body, opts_.max_body_bytes};
    detail::configure(h, opts_, url, hl.get(), errbuf);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip for JSON; curl checks the length
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_memory);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    CURLcode code = curl_easy_perform(h);
    if (code == CURLE_ABORTED_BY_CALLBACK && cancel_requested()) throw IoError("interrupted");
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    r.retry_after_s = detail::retry_after(h);
    if (const char* ct = nullptr; curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
      r.content_type = ct;
    r.curl_code = code;
    if (code != CURLE_OK) {
      r.error = sink.too_big ? "response larger than " + std::to_string(opts_.max_body_bytes) + " bytes"
                             : detail::transfer_error(code, errbuf, opts_);
      r.body.clear();
    }
    Verdict v = classify(code, r.status);
    if (v != Verdict::kRetry || attempt > opts_.retries) return r;
    sleep_unless_cancelled(retry_delay(attempt, opts_, r.retry_after_s));
  }
}

DownloadResult HttpClient::download(const std::string& url, const std::filesystem::path& target,
                                    const DownloadCheck& check, const std::string& label) {
  CURL* h = static_cast<CURL*>(curl_);
  const std::string shown = mask_secrets(url, opts_.secrets);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  char errbuf[CURL_ERROR_SIZE];
  std::string last_problem;
  for (int attempt = 1;; ++attempt) {
    if (cancel_requested()) throw IoError("interrupted");
    const auto tmp = temp_path_for(target);
    auto remove_tmp = [&] {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
    };
    Verdict verdict = Verdict::kFail;
    double wait_hint = -1;
    try {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw IoError("cannot write " + tmp.string() + ": " + std::strerror(errno));
      FileSink sink;
      sink.h = h;
      sink.out = &out;
      sink.limit = check.size;
      sink.progress = opts_.progress;
      sink.label = label.empty() ? target.filename().string() : label;
      detail::configure(h, opts_, url, nullptr, errbuf);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_file);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, file_xferinfo);
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
      CURLcode code = curl_easy_perform(h);
      if (sink.bar) sink.bar->done();
      out.close();
      if (code == CURLE_ABORTED_BY_CALLBACK && cancel_requested()) throw IoError("interrupted");
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      curl_off_t content_length = -1;
      curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &content_length);
      wait_hint = detail::retry_after(h);
      if (sink.write_failed || (!out && code == CURLE_OK))
        throw IoError("write failed for " + tmp.string() + " (disk full?)");
      if (sink.over_limit)
        throw IoError("download of " + shown + " is larger than the expected " + std::to_string(*check.size) +
                      " bytes; the file changed upstream or the URL is wrong");
      verdict = classify(code, status);
      if (code != CURLE_OK) {
        last_problem = detail::transfer_error(code, errbuf, opts_);
      } else if (verdict != Verdict::kDone) {
        // The server's words, with control characters escaped: no terminal escape
        // sequence from a server reaches the user's screen.
        std::string page = sink.error_body.substr(0, 200);
        for (auto& c : page)
          if (c == '\n' || c == '\r') c = ' ';
        page = printable(mask_secrets(page, opts_.secrets));
        last_problem = "HTTP " + std::to_string(status) + (page.empty() ? "" : ": " + page);
      } else if (content_length >= 0 && static_cast<std::uint64_t>(content_length) != sink.bytes) {
        // curl normally reports this itself (CURLE_PARTIAL_FILE); checked again
        // because a short file is the one failure a later step might miss.
        verdict = Verdict::kRetry;
        last_problem =
            "got " + std::to_string(sink.bytes) + " bytes, Content-Length said " + std::to_string(content_length);
      } else {
        if (check.size && sink.bytes != *check.size)
          throw IoError("download of " + shown + " has " + std::to_string(sink.bytes) + " bytes, expected " +
                        std::to_string(*check.size) + " (truncated, or the file changed upstream)");
        DownloadResult res;
        res.bytes = sink.bytes;
        res.sha256 = sink.sha.hex();
        res.md5 = sink.md5.hex();
        res.attempts = attempt;
        if (!check.sha256.empty() && res.sha256 != check.sha256)
          throw IoError("sha256 mismatch for " + shown + ": expected " + check.sha256 + ", got " + res.sha256 +
                        " (corrupt download, or the file changed upstream)");
        if (!check.md5.empty() && res.md5 != check.md5)
          throw IoError("md5 mismatch for " + shown + ": expected " + check.md5 + ", got " + res.md5 +
                        " (corrupt download, or the file changed upstream)");
        std::error_code ec;
        std::filesystem::rename(tmp, target, ec);
        if (ec) throw IoError("cannot rename " + tmp.string() + " to " + target.string() + ": " + ec.message());
        return res;
      }
    } catch (...) {
      remove_tmp();
      throw;
    }
    remove_tmp();
    if (verdict != Verdict::kRetry || attempt > opts_.retries)
      throw IoError("download of " + shown + " failed after " + std::to_string(attempt) +
                    (attempt == 1 ? " attempt: " : " attempts: ") + last_problem);
    sleep_unless_cancelled(retry_delay(attempt, opts_, wait_hint));
  }
}

}  // namespace movierec::net
