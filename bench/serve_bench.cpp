// Load benchmark of `movierec serve` with wrk (Debian), as issue 9 asks: on
// 127.0.0.1, 64 keep-alive connections, wrk sharing the cores with the server,
// ml-latest-small. Scenarios: similar movies by item-knn over random ids,
// recommendations by svd over random users, a mix with 10% rating writes (every
// acknowledged write counted and checked in the store), start-up to the first
// answered request, and a soak (resident memory after warm-up vs at the end).
//
// usage: build/serve_bench [--seconds 30] [--connections 64] [--soak-seconds 300]
//                          [--features posters.mrf] [--only similar,recommend,mix,startup,soak]
// Needs wrk, ../shared/data/ml-latest-small (and ../shared/data/posters when
// present); run from the source tree (or set MOVIEREC_SHARED).
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "movierec/dataset.h"
#include "support/measure.h"

using namespace movierec;
using namespace movierec::bench;
using nlohmann::json;

namespace {

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::size_t rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

struct Server {
  pid_t pid = -1;
  int port = 0;
  double ready_seconds = 0;  // exec to the first answered /healthz
  FILE* out = nullptr;

  Server(const std::vector<std::string>& args) {
    int fd[2];
    if (pipe(fd) != 0) throw std::runtime_error("pipe");
    const auto t0 = Clock::now();
    pid = fork();
    if (pid == 0) {
      dup2(fd[1], 1);
      close(fd[0]);
      close(fd[1]);
      std::vector<std::string> all = args;
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fd[1]);
    out = fdopen(fd[0], "r");
    char line[4096];
    while (fgets(line, sizeof line, out)) {
      std::smatch m;
      std::string s = line;
      if (std::regex_search(s, m, std::regex(R"(listening on http://[^:]+:(\d+)/)"))) {
        port = std::stoi(m[1]);
        break;
      }
    }
    if (!port) throw std::runtime_error("movierec serve did not start");
    httplib::Client c("127.0.0.1", port);
    while (true) {
      auto r = c.Get("/healthz");
      if (r && r->status == 200) break;
    }
    ready_seconds = seconds_since(t0);
  }
  ~Server() {
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    if (out) fclose(out);
  }
};

struct WrkResult {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  long long requests = 0, errors = 0, non2xx = 0, created = -1;
  std::string load;
};

double to_ms(const std::string& v, const std::string& unit) {
  double x = std::stod(v);
  if (unit == "us") return x / 1000;
  if (unit == "s") return x * 1000;
  if (unit == "m") return x * 60000;
  return x;
}

WrkResult run_wrk(const std::string& url, const std::string& script, int seconds, int connections) {
  const std::string cmd = "wrk -t2 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
                          "s --latency --timeout 5s -s " + script + " " + url + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  WrkResult r;
  r.load = loadavg();
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) r.rps = std::stod(m[1]);
  if (std::regex_search(out, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s|m))"))) r.p50_ms = to_ms(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s|m))"))) r.p99_ms = to_ms(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stoll(m[1]);
  if (std::regex_search(out, m, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))")))
    r.errors = std::stoll(m[1]) + std::stoll(m[2]) + std::stoll(m[3]) + std::stoll(m[4]);
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) r.non2xx = std::stoll(m[1]);
  if (std::regex_search(out, m, std::regex(R"(CREATED (\d+))"))) r.created = std::stoll(m[1]);
  if (r.rps == 0) std::cerr << out;
  return r;
}

void print(const std::string& name, const WrkResult& r, const std::string& target) {
  std::printf("%-34s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %lld  non-2xx %lld  load %s   (target %s)\n",
              name.c_str(), r.rps, r.p50_ms, r.p99_ms, r.errors, r.non2xx, r.load.c_str(), target.c_str());
  std::fflush(stdout);
}

std::string lua_list(const std::vector<std::int64_t>& v) {
  std::string s = "{";
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k) s += ',';
    s += std::to_string(v[k]);
  }
  return s + "}";
}

// Per-thread seeding and the count of 201 responses, summed over wrk's threads.
const char* kLuaCommon = R"(
local threads = {}
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(tid * 7919 + os.time())
  created = 0
  n = 0
end
function response(status, headers, body)
  if status == 201 then created = created + 1 end
end
function done(summary, latency, requests)
  local c = 0
  for _, t in ipairs(threads) do c = c + t:get("created") end
  io.write("CREATED " .. c .. "\n")
end
)";

}  // namespace

int main(int argc, char** argv) {
  int seconds = 30, connections = 64, soak_seconds = 300;
  std::string features, only = "similar,recommend,mix,startup,soak";
  for (int a = 1; a + 1 < argc; a += 2) {
    std::string k = argv[a];
    if (k == "--seconds")
      seconds = std::stoi(argv[a + 1]);
    else if (k == "--connections")
      connections = std::stoi(argv[a + 1]);
    else if (k == "--soak-seconds")
      soak_seconds = std::stoi(argv[a + 1]);
    else if (k == "--features")
      features = argv[a + 1];
    else if (k == "--only")
      only = argv[a + 1];
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  auto want = [&](const char* s) { return only.find(s) != std::string::npos; };
  const auto shared = shared_dir();
  const auto data = shared / "data" / "ml-latest-small";
  if (!std::filesystem::exists(data)) {
    std::cerr << "serve_bench: " << data << " is absent (run from the source tree beside ../shared)\n";
    return 1;
  }
  if (std::system("wrk --version >/dev/null 2>&1") != 0 && std::system("command -v wrk >/dev/null") != 0) {
    std::cerr << "serve_bench: wrk is not installed (apt-get install wrk)\n";
    return 1;
  }
  const std::string bin = std::filesystem::canonical("/proc/self/exe").parent_path() / "movierec";
  const auto tmp = std::filesystem::temp_directory_path() / ("movierec-serve-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(tmp);

  Dataset ds = load_dataset(data);
  std::vector<std::int64_t> movies, users;
  for (ItemIndex i = 0; i < ds.movies.size(); ++i)
    if (ds.ratings.item_count(i) > 0) movies.push_back(ds.movies[i].id);
  for (auto u : ds.users.raw_ids()) users.push_back(u);

  std::vector<std::string> model_list = {"item-knn", "svd"};
  std::vector<std::string> args = {
      bin, "serve", "--data", data.string(), "--port", "0", "--quiet", "--db", (tmp / "r.sqlite").string()};
  if (std::filesystem::exists(shared / "data" / "posters")) {
    args.push_back("--posters");
    args.push_back((shared / "data" / "posters").string());
  }
  if (!features.empty()) {
    model_list.push_back("poster");
    args.push_back("--features");
    args.push_back(features);
  }
  model_list.push_back("ease");  // "For you": the server adds it when no ranking model is given
  std::string models;
  for (const auto& m : model_list) {
    if (!models.empty()) models += ',';
    models += m;
  }
  args.push_back("--models");
  args.push_back(models);

  std::printf("serve_bench: ml-latest-small (%zu movies, %zu users), models %s, wrk -t2 -c%d %ds, %u cores, load %s\n",
              ds.movies.size(), ds.users.size(), models.c_str(), connections, seconds,
              std::thread::hardware_concurrency(), loadavg().c_str());
  std::fflush(stdout);

  if (want("startup")) {
    // Models fitted at start, then loaded from model files (movierec train).
    std::vector<double> fit, load;
    for (int r = 0; r < 3; ++r) {
      Server s(args);
      fit.push_back(s.ready_seconds);
    }
    std::vector<std::string> load_args(args.begin(), args.end() - 2);  // without --models
    std::string files_ok = "yes";
    for (const auto& m : model_list) {
      const auto f = tmp / (m + ".mrm");
      std::string cmd = bin + " train --data " + data.string() + " --model " + m + " --out " + f.string() +
                        (m == "poster" ? " --param features=" + features : "") + " >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) files_ok = "no";
      load_args.push_back("--model-file");
      load_args.push_back(f.string());
    }
    if (files_ok == "yes")
      for (int r = 0; r < 3; ++r) {
        Server s(load_args);
        load.push_back(s.ready_seconds);
      }
    auto runs = [](const std::vector<double>& v) {
      std::string s;
      for (double x : v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%.2f", s.empty() ? "" : " ", x);
        s += buf;
      }
      return s;
    };
    std::printf("%-34s fitted at start: %s s   from model files: %s s  load %s (target <= 2 s)\n",
                "start-up to first answer (3 runs)", runs(fit).c_str(), runs(load).c_str(), loadavg().c_str());
    std::fflush(stdout);
  }

  Server server(args);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port);
  httplib::Client c("127.0.0.1", server.port);

  auto write_script = [&](const std::string& name, const std::string& body) {
    const auto f = tmp / name;
    std::ofstream(f) << kLuaCommon << body;
    return f.string();
  };
  const std::string ids = "local ids = " + lua_list(movies) + "\n";
  const std::string similar = write_script("similar.lua", ids + R"(
function request()
  return wrk.format("GET", "/api/movies/" .. ids[math.random(#ids)] .. "/similar?model=item-knn&k=10")
end
)");
  const std::string recommend = write_script("recommend.lua", "local users = " + lua_list(users) + "\n" + R"(
function request()
  return wrk.format("GET", "/api/users/" .. users[math.random(#users)] .. "/recommendations?model=svd&k=10")
end
)");

  if (want("similar"))
    print("similar item-knn k=10", run_wrk(url, similar, seconds, connections),
          ">= 20,000 req/s, p99 <= 5 ms, 0 errors");
  if (want("recommend"))
    print("recommendations svd k=10", run_wrk(url, recommend, seconds, connections),
          ">= 5,000 req/s, p99 <= 10 ms, 0 errors");

  if (want("mix")) {
    // API users for the writes: 8 per wrk thread, each (user, movie) written once.
    std::vector<std::int64_t> api_users;
    for (int k = 0; k < 16; ++k)
      api_users.push_back(json::parse(c.Post("/api/users", "", "application/json")->body)["id"]);
    auto stored = [&] { return json::parse(c.Get("/api/status")->body)["storedRatings"].get<long long>(); };
    const long long before = stored();
    const std::string mix = write_script("mix.lua", ids + "local api = " + lua_list(api_users) + "\n" + R"(
function request()
  n = n + 1
  if n % 10 == 0 then
    local w = n / 10
    local user = api[(tid - 1) * 8 + (math.floor(w / #ids) % 8) + 1]
    local body = '{"movieId": ' .. ids[(w % #ids) + 1] .. ', "rating": 4.5}'
    return wrk.format("POST", "/api/users/" .. user .. "/ratings", {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/api/movies/" .. ids[math.random(#ids)] .. "/similar?model=item-knn&k=10")
end
)");
    auto r = run_wrk(url, mix, seconds, connections);
    print("mix: 90% similar, 10% rating writes", r, "0 errors, no lost write");
    const long long after = stored();
    // Each write is a new (user, movie): every acknowledged one must be in the
    // store; a few more may be (sent before wrk stopped, answered after).
    const long long in_store = after - before;
    std::printf(
        "%-34s %lld writes acknowledged (201), %lld new ratings in the store (%lld in flight at the stop): %s\n",
        "  mix writes", r.created, in_store, in_store - r.created,
        in_store >= r.created && in_store - r.created <= connections ? "none lost" : "LOST WRITES");
    std::fflush(stdout);
  }

  if (want("soak")) {
    // A steady load (8 connections) on the similar + recommend mix; resident
    // memory after a warm-up (first 20% of the run) against the end.
    const std::string soak = write_script("soak.lua", ids + "local users = " + lua_list(users) + "\n" + R"(
function request()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/api/users/" .. users[math.random(#users)] .. "/recommendations?model=svd&k=10")
  end
  return wrk.format("GET", "/api/movies/" .. ids[math.random(#ids)] .. "/similar?model=item-knn&k=10")
end
)");
    std::size_t warm = 0, peak = 0;
    std::thread sampler([&] {
      const auto t0 = Clock::now();
      while (seconds_since(t0) < soak_seconds) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        const auto r = rss_kb(server.pid);
        if (!warm && seconds_since(t0) >= soak_seconds * 0.2) warm = r;
        peak = std::max(peak, r);
      }
    });
    auto r = run_wrk(url, soak, soak_seconds, 8);
    sampler.join();
    const auto end = rss_kb(server.pid);
    print("soak " + std::to_string(soak_seconds) + " s, 8 connections", r, "RSS growth < 5% after warm-up");
    std::printf("%-34s RSS after warm-up %.1f MB, at the end %.1f MB (%+.2f%%), peak %.1f MB\n", "  soak memory",
                warm / 1024.0, end / 1024.0, warm ? 100.0 * (double(end) - double(warm)) / double(warm) : 0.0,
                peak / 1024.0);
  }
  std::filesystem::remove_all(tmp);
  return 0;
}
