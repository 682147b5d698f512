// Issue 9: every acknowledged rating survives kill -9 of the server. Ratings
// are posted one by one; the server is killed with SIGKILL at a random moment;
// a new server on the same database must list every acknowledged rating.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "../support/shared.h"
#include "server_process.h"

using namespace movierec::testing;
using nlohmann::json;

namespace {
const std::string kData = std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/serve-tiny";
const std::int64_t kMovies[14] = {1, 6, 293, 858, 2571, 3114, 78499, 2, 10, 1221, 4306, 1089, 5000, 6000};
}  // namespace

TEST(Durability, AcknowledgedRatingsSurviveSigkill) {
  auto dir = temp_dir("serve-durability");
  const auto db = (dir / "r.sqlite").string();
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed() + 91);
  std::map<std::pair<std::int64_t, std::int64_t>, double> acked;  // every run's acknowledged ratings
  for (int run = 0; run < 4; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    ServerProcess s({"--data", kData, "--models", "item-knn", "--db", db});
    auto c = s.client();
    c.set_read_timeout(5, 0);
    std::vector<std::int64_t> users;
    const int delay_ms = std::uniform_int_distribution<int>(100, 700)(rng);
    std::thread killer([&s, delay_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      ::kill(s.pid(), SIGKILL);
    });
    // One rating per request, each (user, movie) once, until the kill: a new
    // user every 14 ratings.
    int this_run = 0;
    for (std::size_t n = 0;; ++n) {
      if (n % 14 == 0) {
        auto u = c.Post("/api/users", "", "application/json");
        if (!u) break;
        users.push_back(json::parse(u->body)["id"]);
      }
      const auto user = users.back();
      const auto movie = kMovies[n % 14];
      const double rating = 0.5 * (1 + (n + run) % 10);
      json b = {{"movieId", movie}, {"rating", rating}};
      auto r = c.Post("/api/users/" + std::to_string(user) + "/ratings", b.dump(), "application/json");
      if (!r) break;  // killed
      ASSERT_EQ(r->status, 201) << r->body;
      acked[{user, movie}] = rating;
      ++this_run;
    }
    killer.join();
    s.stop(SIGKILL);  // reaps it
    EXPECT_GT(this_run, 0) << "the kill came before the first acknowledgement";
    std::cerr << "run " << run << ": killed after " << delay_ms << " ms, " << this_run << " ratings acknowledged\n";

    // A new server on the same file lists every acknowledged rating.
    ServerProcess again({"--data", kData, "--models", "item-knn", "--db", db});
    auto c2 = again.client();
    std::map<std::int64_t, std::map<std::int64_t, double>> stored;
    std::set<std::int64_t> seen_users;
    for (const auto& [key, v] : acked) seen_users.insert(key.first);
    for (auto u : seen_users) {
      auto r = c2.Get("/api/users/" + std::to_string(u) + "/ratings");
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << "user " << u << " lost: " << r->body;
      const json body = json::parse(r->body);
      for (const auto& x : body["ratings"]) stored[u][x["movieId"].get<std::int64_t>()] = x["rating"].get<double>();
    }
    std::size_t missing = 0;
    for (const auto& [key, v] : acked) {
      auto it = stored[key.first].find(key.second);
      if (it == stored[key.first].end() || it->second != v) {
        if (missing == 0)
          ADD_FAILURE() << "user " << key.first << " movie " << key.second << " rating " << v << ": stored "
                        << (it == stored[key.first].end() ? std::string("nothing") : std::to_string(it->second));
        ++missing;
      }
    }
    EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged ratings";
    again.stop();
  }
  // The export sees them all (and the one in flight at the kill, if it was committed).
  const auto out = dir / "export";
  const std::string cmd =
      std::string(MOVIEREC_BINARY) + " ratings export --db " + db + " --out " + out.string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(out / "ratings.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "userId,movieId,rating,timestamp");
  std::size_t rows = 0;
  std::size_t found = 0;
  while (std::getline(in, line)) {
    ++rows;
    std::int64_t u = 0, m = 0;
    double r = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%ld,%ld,%lf", &u, &m, &r), 3) << line;
    auto it = acked.find({u, m});
    if (it != acked.end() && it->second == r) ++found;
  }
  EXPECT_EQ(found, acked.size());
  EXPECT_LE(rows, acked.size() + 4);  // at most the one in flight per run
  std::filesystem::remove_all(dir);
}
