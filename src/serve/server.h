// `movierec serve`: the HTTP front of a Service (JSON API, posters, the web
// page compiled into the binary, health and Prometheus metrics).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "serve/service.h"

namespace movierec::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;                 // 0: any free port (printed when ready)
  // HTTP worker threads. cpp-httplib serves one connection per thread for as
  // long as it stays open (keep-alive), so this bounds the open connections
  // served at once; connections beyond it wait.
  int threads = 96;
  std::size_t max_body = 64 * 1024;  // bytes; larger request bodies get 413
  bool access_log = true;            // one line per request on stderr
  std::string admin_token;           // empty: POST /api/admin/refit is off
};

class Server {
 public:
  Server(Service& service, ServerOptions opts);
  ~Server();
  // Binds (throws IoError when it cannot), calls on_ready(url), then serves
  // until stop(). In-flight requests finish before it returns.
  void run(const std::function<void(const std::string& url)>& on_ready);
  void stop();
  bool running() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3 description of every route (served at /api/openapi.json).
std::string openapi_json();

}  // namespace movierec::serve
