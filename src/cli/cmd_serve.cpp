// movierec serve | ratings export
#include <fmt/format.h>
#include <omp.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/common.h"
#include "cli/lazy.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "serve/server.h"
#include "serve/store.h"
#include "util/atomic_file.h"

namespace movierec::cli {

namespace {

int g_stop_pipe[2] = {-1, -1};

void on_stop_signal(int sig) {
  const unsigned char b = static_cast<unsigned char>(sig);
  [[maybe_unused]] auto n = ::write(g_stop_pipe[1], &b, 1);
}

struct ServeOptions {
  std::string data = "ml-latest-small";
  bool lenient = false;
  std::string models = "item-knn,svd,ease";
  std::vector<std::string> model_files;
  std::vector<std::string> params;
  std::string posters, features;
  std::string db = "movierec-ratings.sqlite";
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 96;
  int fit_threads = 0;
  std::size_t max_body = 64 * 1024;
  bool quiet = false;
  std::string default_model;
};

void run_serve(const ServeOptions& o) {
  // SIGINT/SIGTERM write a byte to a pipe (the only thing a handler may do
  // safely, on whatever thread the kernel picks); a thread reads it and stops
  // the server. (sigwait would need the signals blocked in every thread, and
  // libraries start threads of their own before main.)
  if (::pipe(g_stop_pipe) != 0) throw IoError("serve: cannot create a pipe");
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  const auto t0 = std::chrono::steady_clock::now();
  CommonOptions common;
  common.data = o.data;
  common.lenient = o.lenient;
  common.threads = o.fit_threads;
  Dataset ds = load_data(common);
  std::cerr << fmt::format("loaded {}: {} users, {} movies, {} ratings\n", ds.name, ds.users.size(), ds.movies.size(),
                           ds.ratings.nnz());

  serve::ServiceOptions so;
  so.posters = o.posters;
  so.db = o.db;
  so.default_model = o.default_model;
  for (const auto& f : o.model_files) so.models.push_back({"", {}, f});
  std::vector<std::string> names = split_list(o.models);
  if (!o.features.empty() && std::find(names.begin(), names.end(), "poster") == names.end()) names.push_back("poster");
  if (!o.model_files.empty() && o.models == ServeOptions{}.models) names.clear();  // only the files
  // "For you" needs a ranking model: rating predictors rank obscure movies
  // first (issue 9). Without ease or ials among the models, ease is added.
  if (o.default_model.empty() && o.model_files.empty() &&
      std::find(names.begin(), names.end(), "ease") == names.end() &&
      std::find(names.begin(), names.end(), "ials") == names.end()) {
    std::cerr << "note: adding ease for \"For you\" and recommendations (a ranking model; --default-model "
                 "overrides)\n";
    names.push_back("ease");
  }
  for (const auto& n : names) {
    ParamMap p = params_for(n, o.params);
    if (n == "poster" && !o.features.empty() && !p.count("features")) p["features"] = o.features;
    so.models.push_back({n, p, ""});
  }
  serve::Service service(std::move(ds), so);

  serve::ServerOptions http;
  http.host = o.host;
  http.port = o.port;
  http.threads = o.threads;
  http.max_body = o.max_body;
  http.access_log = !o.quiet;
  if (const char* t = std::getenv("MOVIEREC_ADMIN_TOKEN")) http.admin_token = t;
  serve::Server server(service, http);

  std::thread stopper([&server] {
    unsigned char sig = 0;
    while (::read(g_stop_pipe[0], &sig, 1) < 0 && errno == EINTR) {
    }
    if (sig == 0) return;
    std::cerr << "movierec serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", finishing requests in flight\n";
    while (!server.running()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server.stop();
  });
  stopper.detach();
  server.run([&](const std::string& url) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string names_loaded;
    for (const auto& [n, m] : service.models()->models) names_loaded += (names_loaded.empty() ? "" : ", ") + n;
    std::cout << fmt::format(
                     "movierec serve: listening on {} (models {}; recommendations by {}; ratings in {}; "
                     "ready in {:.2f} s)",
                     url, names_loaded, service.default_model(), service.store().file().string(), s)
              << std::endl;
  });
  std::cerr << "movierec serve: stopped; " << service.stored_count() << " ratings in " << o.db << "\n";
}

struct ExportOptions {
  std::string db, out;
};

void run_export(const ExportOptions& o) {
  if (!std::filesystem::exists(o.db)) throw ConfigError("--db " + o.db + ": no such file");
  serve::RatingStore store(o.db);
  auto rows = store.all_ratings();
  std::filesystem::create_directories(o.out);
  const auto file = std::filesystem::path(o.out) / "ratings.csv";
  write_file_atomically(file, [&](std::ostream& out) {
    out << "userId,movieId,rating,timestamp\n";
    for (const auto& r : rows) out << fmt::format("{},{},{:.1f},{}\n", r.user_id, r.movie_id, r.rating, r.timestamp);
  });
  std::cerr << "wrote " << rows.size() << " ratings to " << file.string() << "\n";
}

}  // namespace

void add_serve_commands(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", heavy_description("serve"));
  cmd->add_option("--data", o->data, "dataset folder, or a name fetched on first use")->capture_default_str();
  cmd->add_flag("--lenient", o->lenient, "skip bad input rows");
  cmd->add_option("--models", o->models,
                  "models to fit at start, comma-separated; every one gets a row of similar movies on the page "
                  "(ease is added when neither ease nor ials is listed)")
      ->capture_default_str();
  cmd->add_option("--model-file", o->model_files,
                  "serve a model saved by `movierec train` instead of fitting (repeatable; with no --models, only "
                  "these)");
  cmd->add_option("--param", o->params, "model parameter key=value or model.key=value (repeatable)");
  cmd->add_option("--posters", o->posters, "poster folder (<movieId>.jpg, tt<imdbId>.jpg...), served at /posters/");
  cmd->add_option("--features", o->features, "poster features (.mrf from `posters embed`): adds the poster model");
  cmd->add_option("--db", o->db, "SQLite file for the ratings given through the API (created when absent)")
      ->capture_default_str();
  cmd->add_option("--host", o->host, "address to bind (0.0.0.0 exposes the server to the network)")
      ->capture_default_str();
  cmd->add_option("--port", o->port, "TCP port (0: any free port, printed when ready)")->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "HTTP worker threads = connections served at once (each keep-alive connection holds one)")
      ->capture_default_str();
  cmd->add_option("--fit-threads", o->fit_threads, "threads for fitting models at start (0: every core)")
      ->capture_default_str();
  cmd->add_option("--max-body", o->max_body, "largest request body in bytes (larger: 413)")->capture_default_str();
  cmd->add_option("--default-model", o->default_model,
                  "model of \"For you\" and of recommendations without model= (default: ease, else ials, else the "
                  "first that folds in a new user)");
  cmd->add_flag("--quiet", o->quiet, "no access log (one line per request on stderr otherwise)");
  cmd->footer(
      "Ratings are stored before the reply (SQLite WAL) and folded into the user's recommendations at once.\n"
      "POST /api/admin/refit refits every model on the data plus stored ratings; it needs MOVIEREC_ADMIN_TOKEN\n"
      "set in the environment (requests send Authorization: Bearer TOKEN); without it the route is off.\n"
      "Routes: GET /api/openapi.json. SIGINT/SIGTERM: stop accepting, finish requests, close the database.");
  cmd->callback([o] { run_serve(*o); });

  auto eo = std::make_shared<ExportOptions>();
  auto* ratings = app.add_subcommand("ratings", heavy_description("ratings"));
  ratings->require_subcommand(1);
  auto* exp = ratings->add_subcommand("export", "write the stored ratings as a MovieLens ratings.csv");
  exp->add_option("--db", eo->db, "the server's SQLite file")->required();
  exp->add_option("--out", eo->out, "output folder (ratings.csv is written atomically)")->required();
  exp->callback([eo] { run_export(*eo); });
}

}  // namespace movierec::cli
