// Issue 11: hostile requests, written on a raw socket (httplib's client always sends
// a length and encodes paths).
// - No body length: cpp-httplib 0.11 reads such a POST or PUT body until the peer
//   closes (its 5 s read timeout) and then answered 400; the server answers 411
//   Length Required at once, with the service's JSON error.
// - Bytes that are not UTF-8 in a path, header or body: echoed into a JSON error,
//   they made nlohmann throw; from the error handler that ended the server (GET /%FF,
//   found by serve_fuzz).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <vector>

#include "../support/shared.h"
#include "server_process.h"

using namespace movierec::testing;
using nlohmann::json;

namespace {

struct Answer {
  int status = 0;
  std::string body;
  double seconds = 0;
};

// Writes `request` on a new connection and reads until the server closes it
// (the requests say Connection: close); gives up after 20 s.
Answer raw_request(int port, const std::string& request) {
  Answer a;
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (got.rfind("HTTP/1.1 ", 0) == 0) a.status = std::atoi(got.c_str() + 9);
  const auto end = got.find("\r\n\r\n");
  if (end != std::string::npos) a.body = got.substr(end + 4);
  return a;
}

struct Requests : ::testing::Test {
  static void SetUpTestSuite() {
    dir = new std::filesystem::path(temp_dir("serve-requests"));
    server = new ServerProcess({"--data", std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/serve-tiny", "--models",
                                "item-knn", "--db", (*dir / "r.sqlite").string()});
  }
  static void TearDownTestSuite() {
    delete server;
    std::filesystem::remove_all(*dir);
    delete dir;
  }
  static inline ServerProcess* server = nullptr;
  static inline std::filesystem::path* dir = nullptr;
};

}  // namespace

TEST_F(Requests, PostOrPutWithoutContentLengthIs411AtOnce) {
  for (const std::string method : {"POST", "PUT"}) {
    for (const std::string path : {"/api/users", "/api/users/1/ratings", "/api/nothing"}) {
      // The JSON after the headers is no body without a length (RFC 9112 6.3): it is not read.
      const Answer a =
          raw_request(server->port(), method + " " + path +
                                          " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                          "Content-Type: application/json\r\n\r\n{\"movieId\": 6, \"rating\": 4}");
      SCOPED_TRACE(method + " " + path);
      EXPECT_EQ(a.status, 411) << a.body;
      // httplib's read timeout is 5 s; generous bound for a loaded machine.
      EXPECT_LT(a.seconds, 3.0);
      const json j = json::parse(a.body, nullptr, false);
      ASSERT_TRUE(j.is_object()) << a.body;
      EXPECT_EQ(j["parameter"], "Content-Length");
      EXPECT_NE(j["error"].get<std::string>().find("Content-Length"), std::string::npos) << a.body;
    }
  }
}

TEST_F(Requests, ChunkedAndEmptyBodiesStillWork) {
  // Transfer-Encoding: chunked gives the length too: a user is created.
  Answer a = raw_request(server->port(),
                         "POST /api/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_LT(a.seconds, 3.0);
  const std::string user = std::to_string(json::parse(a.body)["id"].get<std::int64_t>());
  a = raw_request(server->port(),
                  "POST /api/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(a.status, 201) << a.body;
  const std::string rating = R"({"movieId": 6, "rating": 4})";
  a = raw_request(server->port(), "POST /api/users/" + user +
                                      "/ratings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                      "Content-Type: application/json\r\nContent-Length: " +
                                      std::to_string(rating.size()) + "\r\n\r\n" + rating);
  EXPECT_EQ(a.status, 201) << a.body;
  // A DELETE or GET has no body: no length needed (curl -X DELETE sends none), answered at once.
  a = raw_request(server->port(),
                  "DELETE /api/users/" + user + "/ratings/6 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.status, 204) << a.body;
  EXPECT_LT(a.seconds, 3.0);
  a = raw_request(server->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.status, 200) << a.body;
}

TEST_F(Requests, BytesThatAreNotUtf8AreAnsweredAndTheServerLives) {
  const std::string bad = "\xff\xfe";
  struct Case {
    std::string request;
    int status;
    const char* parameter;
  };
  const std::string close = " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  const std::string body = "{\"movieId\": 6, \"rating\": " + bad + "}";
  for (const Case& c : std::vector<Case>{
           {"GET /%FF" + close + "\r\n", 404, "path"},
           {"GET /" + bad + close + "\r\n", 404, "path"},
           {"PUT /api/movies/%FF" + close + "Content-Length: 0\r\n\r\n", 405, "method"},
           {"POST /api/recommendations" + close + "Content-Type: text/" + bad + "\r\nContent-Length: 2\r\n\r\n{}", 415,
            "Content-Type"},
           {"POST /api/recommendations" + close +
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
            400, "body"}}) {
    SCOPED_TRACE(c.request);
    const Answer a = raw_request(server->port(), c.request);
    EXPECT_EQ(a.status, c.status) << a.body;
    const json j = json::parse(a.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << a.body;
    EXPECT_EQ(j["parameter"], c.parameter);
    // The server is still up.
    EXPECT_EQ(raw_request(server->port(), "GET /healthz" + close + "\r\n").status, 200);
  }
}
