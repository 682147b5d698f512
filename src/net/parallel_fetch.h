// Many GETs at once over one libcurl multi handle: at most `max_parallel`
// transfers in flight, connections reused between them (the multi handle
// keeps one connection cache), retries per HttpOptions, and a per-host pause
// after a 429 so one rate limit does not turn into a burst of 429s.
//
// Single-threaded: run() drives every transfer on the calling thread and calls
// on_done there, so on_done may add() follow-up requests (TMDB: metadata, then
// the image) without locks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/http.h"

namespace movierec::net {

struct FetchRequest {
  std::string url;
  std::vector<std::string> headers;
  std::uint64_t tag = 0;  // caller's id, handed back in the result
};

struct FetchResult {
  std::uint64_t tag = 0;
  std::string url;        // as requested (may hold secrets: mask before showing)
  HttpResponse response;  // final attempt; response.attempts counts them
};

class ParallelFetcher {
 public:
  // REQUIRES: max_parallel >= 1.
  ParallelFetcher(HttpOptions opts, int max_parallel);
  ~ParallelFetcher();
  ParallelFetcher(const ParallelFetcher&) = delete;
  ParallelFetcher& operator=(const ParallelFetcher&) = delete;

  void add(FetchRequest r);
  // Runs until every request (and those added by on_done) has finished,
  // retries included. An exception from on_done stops the run and propagates;
  // transfers still in flight are dropped. Throws IoError("interrupted") on
  // cancel (net::request_cancel).
  void run(const std::function<void(FetchResult&)>& on_done);

  // Most transfers seen in flight at once during the last run (for tests).
  int peak_parallel() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace movierec::net
