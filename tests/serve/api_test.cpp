// The HTTP API of `movierec serve` against a server started by the test on
// 127.0.0.1 (tests/fixtures/serve-tiny: 14 movies, 30 users).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "../support/shared.h"
#include "server_process.h"

using namespace movierec::testing;
using nlohmann::json;

namespace {

const std::string kData = std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/serve-tiny";

struct Api : ::testing::Test {
  static void SetUpTestSuite() {
    dir = new std::filesystem::path(temp_dir("serve-api"));
    std::filesystem::create_directories(*dir / "posters");
    std::ofstream(*dir / "posters" / "6.jpg") << "\xff\xd8\xff not really a jpeg";
    std::ofstream(*dir / "secret.txt") << "outside the poster folder";
    server = new ServerProcess({"--data", kData, "--models", "item-knn,svd,ease", "--db", (*dir / "r.sqlite").string(),
                                "--posters", (*dir / "posters").string(), "--threads", "16"},
                               {"MOVIEREC_ADMIN_TOKEN=s3cret"});
  }
  static void TearDownTestSuite() {
    delete server;
    std::filesystem::remove_all(*dir);
    delete dir;
  }
  static inline ServerProcess* server = nullptr;
  static inline std::filesystem::path* dir = nullptr;

  httplib::Client c() { return server->client(); }
  json get(const std::string& path, int want = 200) {
    auto r = c().Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, want) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  json post(const std::string& path, const std::string& body, int want, const std::string& type = "application/json") {
    auto r = c().Post(path, body, type);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, want) << path << " " << body.substr(0, 200) << ": " << r->body.substr(0, 300);
    return json::parse(r->body, nullptr, false);
  }
  std::int64_t new_user() { return post("/api/users", "", 201)["id"].get<std::int64_t>(); }
  std::vector<std::int64_t> ids(const json& list) {
    std::vector<std::int64_t> out;
    for (const auto& m : list) out.push_back(m["id"].get<std::int64_t>());
    return out;
  }
};

// Percent-encodes everything but unreserved characters.
std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

bool has(const std::vector<std::int64_t>& v, std::int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

TEST_F(Api, HealthStatusMetrics) {
  EXPECT_EQ(get("/healthz")["status"], "ok");
  auto s = get("/api/status");
  EXPECT_EQ(s["dataset"]["movies"], 14);
  EXPECT_EQ(s["dataset"]["users"], 30);
  EXPECT_EQ(s["models"].size(), 3u);
  EXPECT_EQ(s["defaultModel"], "ease");  // a ranking model, not the rating predictor svd
  EXPECT_EQ(s["modelVersion"], 1);
  // The server counts a request after its response is written (cpp-httplib's
  // logger), so the count may lag the client by a moment: poll for it.
  const std::string counted = "movierec_http_requests_total{route=\"/api/status\",status=\"200\"} 1";
  std::string body;
  for (int i = 0; i < 200 && body.find(counted) == std::string::npos; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto m = c().Get("/metrics");
    ASSERT_TRUE(m);
    body = m->body;
  }
  EXPECT_NE(body.find(counted), std::string::npos) << body;
  EXPECT_NE(body.find("movierec_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(body.find("movierec_model_version 1"), std::string::npos);
  EXPECT_NE(body.find("movierec_ratings_stored "), std::string::npos);
}

TEST_F(Api, SearchAsAPersonExpects) {
  auto first = [&](const std::string& q) {
    auto r = get("/api/movies?q=" + url_encode(q) + "&limit=5");
    return r["movies"].empty() ? std::int64_t(-1) : r["movies"][0]["id"].get<std::int64_t>();
  };
  EXPECT_EQ(first("heat"), 6);
  EXPECT_EQ(first("HEAT"), 6);
  EXPECT_EQ(first("Heat (1995)"), 6);
  EXPECT_EQ(first("heat 1990"), 5000);  // the year picks "Heat Wave, The (1990)"
  EXPECT_EQ(first("leon"), 293);
  EXPECT_EQ(first("Léon"), 293);
  EXPECT_EQ(first("amelie"), 6000);
  EXPECT_EQ(first("the matrix"), 2571);
  EXPECT_EQ(first("matrix"), 2571);
  EXPECT_EQ(first("godfather"), 858);  // exact title before "Godfather: Part II"
  // "toy story": all three, the exact title first.
  auto ts = ids(get("/api/movies?q=toy%20story&limit=10")["movies"]);
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0], 1);
  EXPECT_TRUE(has(ts, 3114) && has(ts, 78499));
  auto hit = get("/api/movies?q=heat&limit=1")["movies"][0];
  EXPECT_EQ(hit["title"], "Heat (1995)");
  EXPECT_EQ(hit["name"], "Heat");
  EXPECT_EQ(hit["year"], 1995);
  EXPECT_EQ(hit["genres"], json({"Action", "Crime", "Thriller"}));
  EXPECT_EQ(hit["poster"], "/posters/6.jpg");
  EXPECT_EQ(hit["imdbId"], 113277);
  EXPECT_EQ(hit["tmdbId"], 949);
  EXPECT_GT(hit["ratings"].get<int>(), 0);
  EXPECT_EQ(get("/api/movies?q=matrix")["movies"][0]["name"], "The Matrix");
  EXPECT_TRUE(get("/api/movies?q=zzzz")["movies"].empty());
  // Without q: the most rated movies.
  EXPECT_EQ(get("/api/movies?limit=4")["movies"].size(), 4u);
  auto bad = get("/api/movies?q=heat&limit=x", 400);
  EXPECT_EQ(bad["parameter"], "limit");
  // SQL-looking text is only text.
  EXPECT_TRUE(get("/api/movies?q=" + url_encode("'); DROP TABLE ratings;--"))["movies"].empty());
}

TEST_F(Api, MovieAndSimilar) {
  auto m = get("/api/movies/858");
  EXPECT_EQ(m["name"], "The Godfather");
  EXPECT_EQ(m["poster"], nullptr);
  EXPECT_EQ(get("/api/movies/999999", 404)["parameter"], "id");
  EXPECT_EQ(get("/api/movies/abc", 400)["parameter"], "id");
  for (const std::string model : {"item-knn", "svd", "ease"}) {
    auto s = get("/api/movies/1/similar?model=" + model + "&k=3");
    EXPECT_EQ(s["model"], model);
    auto list = ids(s["similar"]);
    EXPECT_EQ(list.size(), 3u) << model;
    EXPECT_FALSE(has(list, 1)) << model;
  }
  auto all = get("/api/movies/1/similar?model=all&k=4");
  ASSERT_EQ(all["models"].size(), 3u);
  std::set<std::string> names;
  for (const auto& l : all["models"]) {
    names.insert(l["model"].get<std::string>());
    EXPECT_EQ(l["similar"].size(), 4u);
  }
  EXPECT_EQ(names, (std::set<std::string>{"item-knn", "svd", "ease"}));
  auto bad = get("/api/movies/1/similar?model=nope", 400);
  EXPECT_EQ(bad["parameter"], "model");
  EXPECT_NE(bad["error"].get<std::string>().find("item-knn"), std::string::npos);  // lists the loaded ones
  EXPECT_EQ(get("/api/movies/1/similar?k=1000", 400)["parameter"], "k");
  EXPECT_EQ(get("/api/movies/424242/similar", 404)["parameter"], "id");
}

TEST_F(Api, RatingsStoredListedReplacedDeleted) {
  const auto u = new_user();
  EXPECT_GT(u, 30);  // after every dataset user
  const std::string base = "/api/users/" + std::to_string(u) + "/ratings";
  auto r = post(base, R"({"movieId": 6, "rating": 4.5})", 201);
  EXPECT_EQ(r["stored"], 1);
  auto l = get(base);
  ASSERT_EQ(l["ratings"].size(), 1u);
  EXPECT_EQ(l["ratings"][0]["movieId"], 6);
  EXPECT_EQ(l["ratings"][0]["rating"], 4.5);
  EXPECT_GT(l["ratings"][0]["timestamp"].get<std::int64_t>(), 1600000000);
  post(base, R"({"movieId": 6, "rating": 1})", 201);  // re-rating replaces
  l = get(base);
  ASSERT_EQ(l["ratings"].size(), 1u);
  EXPECT_EQ(l["ratings"][0]["rating"], 1.0);
  // Batch form.
  EXPECT_EQ(post(base, R"({"ratings": [{"movieId": 1, "rating": 5}, {"movieId": 2, "rating": 0.5}]})", 201)["stored"],
            2);
  EXPECT_EQ(get(base)["ratings"].size(), 3u);
  auto d = c().Delete(base + "/6");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 204);
  d = c().Delete(base + "/6");
  EXPECT_EQ(d->status, 404);
  EXPECT_EQ(json::parse(d->body)["parameter"], "movieId");
  EXPECT_EQ(c().Delete(base + "/777777")->status, 404);
  EXPECT_EQ(get(base)["ratings"].size(), 2u);
}

TEST_F(Api, BadRatingsAreRefusedWithTheParameter) {
  const std::string base = "/api/users/" + std::to_string(new_user()) + "/ratings";
  EXPECT_EQ(post(base, R"({"movieId": 6, "rating": 7})", 422)["parameter"], "rating");
  EXPECT_EQ(post(base, R"({"movieId": 6, "rating": 0})", 422)["parameter"], "rating");
  EXPECT_EQ(post(base, R"({"movieId": 6, "rating": 4.3})", 422)["parameter"], "rating");  // half stars only
  EXPECT_EQ(post(base, R"({"movieId": 6, "rating": "NaN"})", 422)["parameter"], "rating");
  EXPECT_EQ(post(base, R"({"movieId": 6, "rating": NaN})", 400)["parameter"], "body");  // not JSON
  EXPECT_EQ(post(base, R"({"movieId": 424242, "rating": 4})", 422)["parameter"], "movieId");
  EXPECT_EQ(post(base, R"({"movieId": "6", "rating": 4})", 422)["parameter"], "movieId");
  EXPECT_EQ(post(base, R"({"movieId": 6, "rating": 4)", 400)["parameter"], "body");
  // A number beyond double's range is malformed JSON, not a server error (nlohmann throws
  // out_of_range 406, not parse_error: it answered 500; found by serve_fuzz).
  EXPECT_EQ(post(base, R"({"movieId": 6, "rating": 2e308})", 400)["parameter"], "body");
  EXPECT_EQ(post("/api/recommendations", R"({"ratings": [{"movieId": 6, "rating": -1e400}]})", 400)["parameter"],
            "body");
  EXPECT_EQ(post(base, R"({"ratings": [{"movieId": 6, "rating": 4}, {"movieId": 1, "rating": 9}]})", 422)["error"]
                .get<std::string>()
                .find("ratings[1]"),
            0u);
  EXPECT_EQ(post(base, "movieId=6&rating=4", 415, "application/x-www-form-urlencoded")["parameter"], "Content-Type");
  // A 1 MB body: refused before it is read (--max-body, 64 KB by default).
  auto big = post(base, std::string(1 << 20, ' '), 413);
  EXPECT_EQ(big["parameter"], "body");
  // Nothing of the above was stored.
  EXPECT_TRUE(get(base)["ratings"].empty());
  // User ids are numbers; SQL-looking ids are refused, and the table is intact.
  EXPECT_EQ(post("/api/users/abc/ratings", R"({"movieId": 6, "rating": 4})", 400)["parameter"], "id");
  EXPECT_EQ(post("/api/users/" + url_encode("1;DROP TABLE ratings") + "/ratings", R"({"movieId": 6, "rating": 4})",
                 400)["parameter"],
            "id");
  EXPECT_EQ(post("/api/users/999999/ratings", R"({"movieId": 6, "rating": 4})", 404)["parameter"], "id");
  EXPECT_EQ(get("/api/users/abc/ratings", 400)["parameter"], "id");
  post(base, R"({"movieId": 6, "rating": 4})", 201);
  EXPECT_EQ(get(base)["ratings"].size(), 1u);
}

TEST_F(Api, RecommendationsExcludeRatedAndFollowNewRatings) {
  // A dataset user, by the rating predictor: nothing they rated comes back.
  auto r = get("/api/users/2/recommendations?model=svd&k=20");
  EXPECT_EQ(r["model"], "svd");
  std::ifstream in(kData + "/ratings.csv");
  std::string line;
  std::set<std::int64_t> rated;
  while (std::getline(in, line))
    if (line.rfind("2,", 0) == 0) rated.insert(std::stoll(line.substr(2, line.find(',', 2) - 2)));
  ASSERT_FALSE(rated.empty());
  EXPECT_EQ(r["recommendations"].size(), 14 - rated.size());
  for (auto id : ids(r["recommendations"])) EXPECT_FALSE(rated.count(id)) << id;
  EXPECT_EQ(get("/api/users/4242/recommendations", 404)["parameter"], "id");
  EXPECT_EQ(get("/api/users/2/recommendations?model=x", 400)["parameter"], "model");

  // A new user: the default (ease) follows each rating at the next request.
  const auto u = new_user();
  const std::string rec = "/api/users/" + std::to_string(u) + "/recommendations?k=3";
  auto before = ids(get(rec)["recommendations"]);
  EXPECT_EQ(before.size(), 3u);  // no ratings yet: the most rated movies
  post("/api/users/" + std::to_string(u) + "/ratings",
       R"({"ratings": [{"movieId": 1, "rating": 5}, {"movieId": 3114, "rating": 5}]})", 201);
  auto kids = get(rec);
  EXPECT_EQ(kids["model"], "ease");
  auto k = ids(kids["recommendations"]);
  EXPECT_FALSE(has(k, 1) || has(k, 3114));
  EXPECT_TRUE(has(k, 78499) || has(k, 4306) || has(k, 2)) << kids.dump();  // another family movie
  // Disliking the family movies instead: none of them in the top 3.
  post("/api/users/" + std::to_string(u) + "/ratings",
       R"({"ratings": [{"movieId": 1, "rating": 1}, {"movieId": 3114, "rating": 1}, {"movieId": 858, "rating": 5}]})",
       201);
  auto grown = ids(get(rec)["recommendations"]);
  for (auto id : {78499, 4306, 2}) EXPECT_FALSE(has(grown, id)) << id;

  // Anonymous: nothing stored.
  auto anon =
      post("/api/recommendations", R"({"ratings": [{"movieId": 1, "rating": 5}], "k": 13, "model": "item-knn"})", 200);
  EXPECT_EQ(anon["model"], "item-knn");
  EXPECT_EQ(anon["recommendations"].size(), 13u);
  EXPECT_FALSE(has(ids(anon["recommendations"]), 1));
  EXPECT_EQ(post("/api/recommendations", R"({"ratings": [{"movieId": 1, "rating": 11}]})", 422)["parameter"], "rating");
  EXPECT_EQ(post("/api/recommendations", R"({"k": 3})", 422)["parameter"], "ratings");
  EXPECT_EQ(post("/api/recommendations", R"([1,2)", 400)["parameter"], "body");
}

TEST_F(Api, Posters) {
  auto r = c().Get("/posters/6.jpg");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(r->body.substr(0, 3), "\xff\xd8\xff");
  const auto etag = r->get_header_value("ETag");
  EXPECT_FALSE(etag.empty());
  EXPECT_NE(r->get_header_value("Cache-Control").find("max-age"), std::string::npos);
  auto again = c().Get("/posters/6.jpg", {{"If-None-Match", etag}});
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(c().Get("/posters/1.jpg")->status, 404);  // a movie without a poster
  EXPECT_EQ(c().Get("/posters/999999.jpg")->status, 404);
  for (const std::string p : {"/posters/..%2Fsecret.txt", "/posters/secret.txt", "/posters/6.jpg.txt",
                              "/posters/%2E%2E%2F%2E%2E%2Fsecret.txt", "/posters/../secret.txt"}) {
    auto x = c().Get(p);
    ASSERT_TRUE(x);
    EXPECT_TRUE(x->status == 404 || x->status == 400) << p << " " << x->status;
    EXPECT_EQ(x->body.find("outside"), std::string::npos) << p;
  }
}

TEST_F(Api, WrongMethodIs405UnknownPathIs404) {
  auto r = c().Put("/api/movies/6", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET");
  EXPECT_EQ(c().Delete("/api/movies")->status, 405);
  auto nf = c().Get("/api/nothing");
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(json::parse(nf->body)["parameter"], "path");
}

TEST_F(Api, TheWebPageIsServed) {
  auto r = c().Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(r->body.find("<script type=\"module\" src=\"/app.js\">"), std::string::npos);
  for (const std::string f : {"/app.js", "/api.js", "/stars.js", "/app.css", "/favicon.svg"}) {
    auto a = c().Get(f);
    EXPECT_EQ(a->status, 200) << f;
    EXPECT_GT(a->body.size(), 100u) << f;
    EXPECT_EQ(c().Get(f, {{"If-None-Match", a->get_header_value("ETag")}})->status, 304) << f;
  }
  // No CDN: nothing is loaded from another host.
  for (const std::string f : {"/", "/app.js", "/api.js", "/stars.js", "/app.css"})
    EXPECT_EQ(c().Get(f)->body.find("//cdn"), std::string::npos) << f;
}

TEST_F(Api, OpenApiDescribesExactlyTheRoutesServed) {
  auto doc = get("/api/openapi.json");
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  // Every route this test file exercises, as method + OpenAPI path.
  const std::set<std::string> tested = {
      "get /",
      "get /healthz",
      "get /metrics",
      "get /api/status",
      "get /api/openapi.json",
      "get /api/movies",
      "get /api/movies/{id}",
      "get /api/movies/{id}/similar",
      "post /api/users",
      "get /api/users/{id}/ratings",
      "post /api/users/{id}/ratings",
      "delete /api/users/{id}/ratings/{movieId}",
      "get /api/users/{id}/recommendations",
      "post /api/recommendations",
      "post /api/admin/refit",
      "get /posters/{file}",
  };
  std::set<std::string> described;
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) {
      described.insert(method + " " + path);
      EXPECT_TRUE(op.contains("summary")) << path;
      // Served: the path with sample ids is routed (no "no route" 404, no 405).
      std::string p = path;
      for (const auto& [from, to] :
           std::vector<std::pair<std::string, std::string>>{{"{id}", "1"}, {"{movieId}", "1"}, {"{file}", "6.jpg"}})
        if (auto at = p.find(from); at != std::string::npos) p.replace(at, from.size(), to);
      httplib::Result r = method == "get"    ? c().Get(p)
                          : method == "post" ? c().Post(p, "{}", "application/json")
                                             : c().Delete(p);
      ASSERT_TRUE(r) << method << " " << p;
      EXPECT_NE(r->status, 405) << method << " " << p;
      if (r->status == 404) {
        EXPECT_EQ(r->body.find("no route"), std::string::npos) << method << " " << p;
      }
    }
  EXPECT_EQ(described, tested);
}

TEST_F(Api, ConcurrentWritersLoseNothing) {
  constexpr int kThreads = 8, kEach = 14;
  std::vector<std::int64_t> users;
  for (int t = 0; t < kThreads / 2; ++t) users.push_back(new_user());
  const std::int64_t movies[14] = {1, 6, 293, 858, 2571, 3114, 78499, 2, 10, 1221, 4306, 1089, 5000, 6000};
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto cl = server->client();
      // Two threads per user: the same (user, movie) pairs written concurrently.
      for (int k = 0; k < kEach; ++k) {
        json b = {{"movieId", movies[k]}, {"rating", 0.5 * (1 + (t + k) % 10)}};
        auto r = cl.Post("/api/users/" + std::to_string(users[t / 2]) + "/ratings", b.dump(), "application/json");
        if (r && r->status == 201) ++created;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), kThreads * kEach);
  for (auto u : users) EXPECT_EQ(get("/api/users/" + std::to_string(u) + "/ratings")["ratings"].size(), 14u);
}

TEST_F(Api, RefitNeedsTheTokenAndSwapsTheModels) {
  EXPECT_EQ(post("/api/admin/refit", "", 401)["parameter"], "Authorization");
  httplib::Headers wrong = {{"Authorization", "Bearer nope"}};
  EXPECT_EQ(c().Post("/api/admin/refit", wrong, "", "application/json")->status, 401);
  const auto u = new_user();
  post("/api/users/" + std::to_string(u) + "/ratings", R"({"movieId": 6, "rating": 5})", 201);
  httplib::Headers ok = {{"Authorization", "Bearer s3cret"}};
  auto r = c().Post("/api/admin/refit", ok, "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  json s;
  for (int t = 0; t < 300; ++t) {
    s = get("/api/status");
    if (s["modelVersion"] == 2 && !s["refit"]["running"].get<bool>()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(s["modelVersion"], 2) << s.dump();
  EXPECT_GT(s["dataset"]["users"].get<int>(), 30);  // API users are in the refitted data
  EXPECT_EQ(get("/api/users/" + std::to_string(u) + "/recommendations?model=svd")["modelVersion"], 2);
  EXPECT_FALSE(
      has(ids(get("/api/users/" + std::to_string(u) + "/recommendations?model=svd&k=20")["recommendations"]), 6));
  auto m = c().Get("/metrics");
  EXPECT_NE(m->body.find("movierec_model_version 2"), std::string::npos);
}

TEST(ApiServer, RefitIsOffWithoutTokenAndSigtermStopsCleanly) {
  auto dir = temp_dir("serve-notoken");
  {
    ServerProcess s({"--data", kData, "--models", "item-knn", "--db", (dir / "r.sqlite").string()});
    auto c = s.client();
    auto r = c.Post("/api/admin/refit", {{"Authorization", "Bearer x"}}, "", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    // Only item-knn asked for: ease is added for "For you" (a ranking model).
    const auto st = json::parse(c.Get("/api/status")->body);
    EXPECT_EQ(st["defaultModel"], "ease");
    EXPECT_EQ(st["models"].size(), 2u);
    const int status = s.stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(ApiServer, A409WhileARefitRuns) {
  // svd with 100,000 epochs of 128 factors on 238 ratings: a refit of seconds, so the
  // second request finds the first still running.
  auto dir = temp_dir("serve-409");
  {
    ServerProcess s({"--data", kData, "--models", "svd", "--default-model", "svd", "--param", "svd.epochs=100000",
                     "--param", "svd.factors=128", "--db", (dir / "r.sqlite").string()},
                    {"MOVIEREC_ADMIN_TOKEN=t"});
    auto c = s.client();
    httplib::Headers ok = {{"Authorization", "Bearer t"}};
    auto first = c.Post("/api/admin/refit", ok, "", "application/json");
    auto second = c.Post("/api/admin/refit", ok, "", "application/json");
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->status, 202);
    EXPECT_EQ(second->status, 409) << second->body;
    // Readers are served during the refit, by the old models.
    auto r = c.Get("/api/users/1/recommendations?k=2");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["modelVersion"], 1);
    EXPECT_TRUE(json::parse(c.Get("/api/status")->body)["refit"]["running"].get<bool>());
  }
  std::filesystem::remove_all(dir);
}
