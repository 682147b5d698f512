// Fuzzes the request bodies of `movierec serve` through a real server on
// loopback (cpp-httplib client, keep-alive): POST /api/users/{id}/ratings and
// POST /api/recommendations, with a JSON content type (byte 0 bit 1 clear) or
// a wrong one. Properties: every answer has a status below 500 and a JSON body
// ({"error": ...} for 4xx); the server never crashes or hangs.
#include <httplib.h>
#include <omp.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "fuzz_support.h"
#include "movierec/dataset.h"
#include "serve/server.h"
#include "serve/service.h"

using namespace movierec;

namespace {

serve::Service* g_service = nullptr;
serve::Server* g_server = nullptr;
httplib::Client* g_client = nullptr;
std::string g_user;

void stop_server() {
  if (g_server) g_server->stop();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (auto dir = fuzz::seed_dir(); !dir.empty()) {
    int n = 0;
    auto seed = [&](char route, std::string body) { fuzz::write_seed(dir, n++, std::string(1, route) + body); };
    seed(0, R"({"movieId": 6, "rating": 4.5})");
    seed(0, R"({"ratings": [{"movieId": 1, "rating": 5}, {"movieId": 50, "rating": 0.5}]})");
    seed(0, R"([{"movieId": 2, "rating": 3}])");
    seed(1, R"({"ratings": [{"movieId": 6, "rating": 5}], "k": 3, "model": "item-knn"})");
    seed(1, R"({"ratings": [{"movieId": 18446744073709551615, "rating": 1e308}], "k": -1})");
    seed(2, R"({"movieId": 6, "rating": 4})");
    std::exit(0);
  }
  omp_set_num_threads(1);
  serve::ServiceOptions so;
  so.models = {{"item-knn", {}, ""}};
  so.db = (fuzz::scratch() / "ratings.sqlite").string();
  so.progress = false;
  g_service = new serve::Service(load_dataset(fuzz::fixture("cli-tiny")), so);
  serve::ServerOptions o;
  o.port = 0;
  o.threads = 4;
  o.access_log = false;
  g_server = new serve::Server(*g_service, o);
  std::atomic<int> port{0};
  std::thread([&port] {
    g_server->run([&port](const std::string& url) { port = std::stoi(url.substr(url.rfind(':') + 1)); });
  }).detach();
  while (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::atexit(stop_server);
  g_client = new httplib::Client("127.0.0.1", port);
  g_client->set_keep_alive(true);
  // Without it the body waits for the ACK of the headers (Nagle), which the server
  // delays: 40 ms an input, 22 inputs a second.
  g_client->set_tcp_nodelay(true);
  auto r = g_client->Post("/api/users", "", "application/json");
  if (!r || r->status != 201) std::abort();
  g_user = std::to_string(nlohmann::json::parse(r->body)["id"].get<long long>());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool to_user = (data[0] & 1) == 0;
  const char* type = data[0] & 2 ? "text/plain" : "application/json";
  auto r = g_client->Post(to_user ? "/api/users/" + g_user + "/ratings" : "/api/recommendations", body, type);
  if (!r) {
    std::fprintf(stderr, "no answer: %s\n", httplib::to_string(r.error()).c_str());
    std::abort();
  }
  if (r->status >= 500 || !nlohmann::json::accept(r->body)) {
    std::fprintf(stderr, "status %d, body %s\n", r->status, r->body.c_str());
    std::abort();
  }
  return 0;
}
