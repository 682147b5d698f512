// Internal: libcurl set-up shared by HttpClient and ParallelFetcher.
#pragma once

#include <curl/curl.h>

#include <string>
#include <vector>

#include "net/http.h"

namespace movierec::net::detail {

// curl_global_init once per process (thread safe).
void ensure_curl_initialised();

// Owns a curl_slist of request headers.
class HeaderList {
 public:
  explicit HeaderList(const std::vector<std::string>& headers);
  ~HeaderList();
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// Resets `h` (keeping its live connections) and sets the options every
// request shares: URL, redirects (http/https only), timeouts, user agent,
// headers, the cancel check, and the error buffer (CURL_ERROR_SIZE bytes).
void configure(CURL* h, const HttpOptions& o, const std::string& url, curl_slist* headers, char* errbuf);

// Message for a failed transfer: curl's text plus the error buffer, masked.
std::string transfer_error(CURLcode code, const char* errbuf, const HttpOptions& o);

// Retry-After of the response on h in seconds, -1 when absent.
double retry_after(CURL* h);

}  // namespace movierec::net::detail
