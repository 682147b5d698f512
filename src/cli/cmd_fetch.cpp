// movierec fetch-data | fetch-model | posters fetch
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "cli/common.h"
#include "cli/lazy.h"
#include "movierec/errors.h"
#include "net/datasets.h"
#include "net/model_zoo.h"
#include "tmdb/posters.h"

namespace movierec::cli {

namespace {

// Ctrl-C / SIGTERM: ask transfers to stop so temporaries are removed and the
// cache is left as it was; a second Ctrl-C kills at once (SA_RESETHAND).
void on_signal(int) { net::request_cancel(); }

void install_cancel_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

struct HttpFlags {
  int retries = 4;
  double timeout_s = 30;
  double backoff_s = 0.5;
};

void add_http_options(CLI::App* cmd, HttpFlags& f, bool with_timeout) {
  cmd->add_option("--retries", f.retries, "extra attempts for 5xx, 429, timeouts and dropped connections")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  if (with_timeout)
    cmd->add_option("--timeout", f.timeout_s, "seconds allowed for one request")
        ->capture_default_str()
        ->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("--backoff", f.backoff_s, "seconds before the first retry; doubles each retry")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
}

void apply(const HttpFlags& f, net::HttpOptions& h, bool with_timeout) {
  h.retries = f.retries;
  h.backoff_s = f.backoff_s;
  if (with_timeout) h.timeout_ms = static_cast<long>(f.timeout_s * 1000);
}

struct FetchDataArgs {
  std::string name, cache, base_url;
  bool force = false, no_verify = false, json = false;
  HttpFlags http;
};

void run_fetch_data(const FetchDataArgs& a) {
  install_cancel_handler();
  net::FetchDataOptions o;
  if (!a.cache.empty()) o.cache = a.cache;
  o.base_url = a.base_url;
  o.force = a.force;
  o.verify_load = !a.no_verify;
  o.progress = stderr_is_terminal();
  apply(a.http, o.http, false);
  auto r = net::fetch_dataset(a.name, o);
  if (a.json) {
    print_json({{"dataset", a.name},
                {"dir", r.dir.string()},
                {"downloaded", r.downloaded},
                {"zip_bytes", r.zip_bytes},
                {"zip_sha256", r.zip_sha256},
                {"files", r.files},
                {"checksum", r.checksum_note},
                {"load", r.load_note}});
    return;
  }
  if (!r.downloaded) {
    std::cout << fmt::format("{} is already in {} (--force to download it again)\n", a.name, r.dir.string());
    return;
  }
  std::cout << fmt::format("fetched {} into {}: {} files from a {:.1f} MB zip\n", a.name, r.dir.string(), r.files,
                           r.zip_bytes / 1e6);
  std::cout << "  checksum: " << r.checksum_note << "\n";
  std::cout << "  zip sha256: " << r.zip_sha256 << "\n";
  std::cout << "  load: " << r.load_note << "\n";
}

struct FetchModelArgs {
  std::string name, cache, base_url;
  bool force = false, json = false, list = false;
  HttpFlags http;
};

void run_fetch_model(const FetchModelArgs& a) {
  if (a.list || a.name.empty()) {
    for (const auto& m : net::known_models())
      std::cout << fmt::format("{:<12} {:<20} {:>10} bytes  {}\n", m.name, m.file, m.size, m.description);
    if (!a.list) throw ConfigError("fetch-model: give a model name (listed above)");
    return;
  }
  install_cancel_handler();
  net::FetchModelOptions o;
  if (!a.cache.empty()) o.cache = a.cache;
  o.base_url = a.base_url;
  o.force = a.force;
  o.progress = stderr_is_terminal();
  apply(a.http, o.http, false);
  const auto& spec = net::find_model(a.name);
  auto r = net::fetch_model(spec, o);
  if (a.json) {
    print_json({{"model", spec.name},
                {"file", r.file.string()},
                {"downloaded", r.downloaded},
                {"url", r.url},
                {"bytes", spec.size},
                {"sha256", spec.sha256},
                {"failed_mirrors", r.tried}});
    return;
  }
  if (r.downloaded)
    std::cout << fmt::format("fetched {} into {} ({} bytes, sha256 {} verified)\n", spec.name, r.file.string(),
                             spec.size, spec.sha256);
  else
    std::cout << fmt::format("{} is already in {} (--force to download it again)\n", spec.name, r.file.string());
}

struct PostersFetchArgs {
  CommonOptions common;
  std::string out, size = "w185", api_url, image_url;
  std::vector<std::string> movies;
  int jobs = 8;
  HttpFlags http;
};

nlohmann::json issues_json(const std::vector<tmdb::PosterIssue>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& i : v) a.push_back({{"movie_id", i.movie_id}, {"title", i.title}, {"reason", i.reason}});
  return a;
}

void run_posters_fetch(const PostersFetchArgs& a) {
  install_cancel_handler();
  tmdb::TmdbOptions o;
  o.api_url = a.api_url;
  o.image_url = a.image_url;
  o.size = a.size;
  o.jobs = a.jobs;
  o.progress = stderr_is_terminal();
  apply(a.http, o.http, true);
  if (std::getenv("TMDB_API_KEY") == nullptr && std::getenv("TMDB_TOKEN") == nullptr)
    throw ConfigError("posters fetch: set TMDB_API_KEY (v3 API key) or TMDB_TOKEN (v4 read access token)");
  Dataset ds = load_data(a.common);
  auto s = flag_errors({"movies", "size", "jobs"},
                       [&] { return tmdb::fetch_posters(tmdb::poster_targets(ds, a.movies), a.out, o); });
  if (a.common.json) {
    print_json({{"out", a.out},
                {"total", s.total},
                {"fetched", s.fetched},
                {"skipped", s.skipped},
                {"missing", s.missing.size()},
                {"failed", s.failed.size()},
                {"seconds", s.seconds},
                {"missing_movies", issues_json(s.missing)},
                {"failures", issues_json(s.failed)}});
  } else {
    std::cout << fmt::format(
        "posters: {} fetched, {} skipped (already there), {} missing, {} failed of {} in {:.1f} s -> {}\n", s.fetched,
        s.skipped, s.missing.size(), s.failed.size(), s.total, s.seconds, a.out);
    auto list = [](const char* head, const std::vector<tmdb::PosterIssue>& v) {
      if (v.empty()) return;
      std::cout << head << "\n";
      const std::size_t shown = std::min<std::size_t>(v.size(), 20);
      for (std::size_t i = 0; i < shown; ++i)
        std::cout << fmt::format("  {} {}: {}\n", v[i].movie_id, v[i].title, v[i].reason);
      if (v.size() > shown) std::cout << fmt::format("  ... and {} more (--json lists all)\n", v.size() - shown);
    };
    list("failed:", s.failed);
    list("missing:", s.missing);
  }
  if (!s.failed.empty())
    throw IoError(
        fmt::format("{} posters failed (reasons above); run the same command again to retry them", s.failed.size()));
}

}  // namespace

void add_fetch_commands(CLI::App& app) {
  auto d = std::make_shared<FetchDataArgs>();
  std::string names;
  for (const auto& k : net::known_datasets()) names += "\n  " + k.name + ": " + k.description;
  auto* fd = app.add_subcommand("fetch-data", heavy_description("fetch-data") + names);
  fd->add_option("name", d->name, "dataset name")->required();
  fd->add_option("--cache", d->cache, "cache folder (default $MOVIEREC_DATA or ~/.cache/movierec)");
  fd->add_option(
      "--base-url", d->base_url,
      "where <name>.zip lives (default $MOVIEREC_DATA_URL or https://files.grouplens.org/datasets/movielens)");
  fd->add_flag("--force", d->force, "download again even when the dataset is in the cache");
  fd->add_flag("--no-verify", d->no_verify, "do not load the dataset before installing it");
  fd->add_flag("--json", d->json, "print one JSON object on stdout");
  add_http_options(fd, d->http, false);
  fd->callback([d] { run_fetch_data(*d); });

  auto m = std::make_shared<FetchModelArgs>();
  auto* fm = app.add_subcommand("fetch-model", heavy_description("fetch-model"));
  fm->add_option("name", m->name, "model name (--list shows them)");
  fm->add_flag("--list", m->list, "list the models, their files, sizes and sources");
  fm->add_option("--cache", m->cache, "cache folder (default $MOVIEREC_DATA or ~/.cache/movierec)");
  fm->add_option("--base-url", m->base_url,
                 "fetch <base-url>/<file> instead of the zoo mirrors (default $MOVIEREC_MODEL_URL)");
  fm->add_flag("--force", m->force, "download again even when the model is in the cache");
  fm->add_flag("--json", m->json, "print one JSON object on stdout");
  add_http_options(fm, m->http, false);
  fm->callback([m] { run_fetch_model(*m); });
}

void add_posters_fetch_command(CLI::App* posters) {
  auto a = std::make_shared<PostersFetchArgs>();
  auto* cmd = posters->add_subcommand(
      "fetch",
      "download movie posters from TMDB into --out as <movieId>.jpg (needs TMDB_API_KEY or TMDB_TOKEN); "
      "resumable: posters already there are skipped");
  add_common_options(cmd, a->common);
  cmd->add_option("--out", a->out, "poster folder")->required();
  cmd->add_option("--size", a->size, "TMDB image size (w92, w154, w185, w342, w500, w780, original)")
      ->capture_default_str();
  cmd->add_option("--jobs", a->jobs, "transfers in flight at once")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--movies", a->movies, "only these movies: movieIds or titles (repeatable)");
  cmd->add_option("--api-url", a->api_url, "TMDB API base (default $TMDB_API_URL or https://api.themoviedb.org)");
  cmd->add_option("--image-url", a->image_url,
                  "TMDB image base (default $TMDB_IMAGE_URL or https://image.tmdb.org/t/p)");
  add_http_options(cmd, a->http, true);
  cmd->callback([a] { run_posters_fetch(*a); });
}

}  // namespace movierec::cli
