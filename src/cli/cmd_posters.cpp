// Poster commands: `posters embed` (CNN features of a poster folder), `gallery`
// (an HTML page of similar movies per model), `similarity-report` (genre
// agreement, popularity, coverage and overlap of similar-movie lists).
// `posters fetch` lives in cmd_fetch.cpp.
#include <omp.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include <opencv2/core.hpp>

#include "cli/common.h"
#include "cli/lazy.h"
#include "eval/similarity_report.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "report/gallery.h"
#include "util/strings.h"
#include "vision/embed.h"
#include "vision/net_desc.h"
#include "vision/poster_folder.h"

namespace movierec::cli {
namespace {

// ---- posters embed

struct EmbedArgs {
  std::string posters, net, desc, arch, out, data;
  int batch = 16, pca = 0, threads = 0;
  std::size_t limit = 0;
  std::int64_t max_pixels = kDefaultMaxPixels;
  bool float16 = false, json = false, quiet = false;
};

void run_embed(const EmbedArgs& a) {
  if (a.threads > 0) {
    omp_set_num_threads(a.threads);
    cv::setNumThreads(a.threads);
  }
  PosterFolder folder(a.posters);
  std::vector<PosterFile> files;
  std::size_t unkeyed = 0;
  if (!a.data.empty()) {
    Dataset ds = load_dataset(data_folder(a.data));
    files = folder.resolve(ds);
    unkeyed = folder.unmatched(ds).size();
  } else {
    files = folder.by_movie_id();
    unkeyed = folder.size() - files.size();  // tt<imdb>/tmdb<id> names need --data to find their movieId
  }
  NetDescription desc;
  if (!a.desc.empty()) desc = load_description(a.desc);
  cv::dnn::Net net = load_network(a.net, desc.config);
  if (a.desc.empty()) {
    std::string arch = a.arch.empty() ? detect_architecture(net) : a.arch;
    if (arch.empty())
      throw ConfigError("cannot tell which network " + a.net + " is; pass --arch (" +
                        join(builtin_architectures(), ", ") + ") or --desc FILE.json");
    desc = builtin_description(arch);
  }
  FeatureExtractor extractor(std::move(net), desc);
  EmbedOptions o;
  o.batch = a.batch;
  o.pca = a.pca;
  o.float16 = a.float16;
  o.progress = !a.quiet && !a.json;
  o.limit = a.limit;
  o.max_pixels = a.max_pixels;
  EmbedReport r = flag_errors({"batch", "pca"}, [&] { return embed_posters(files, extractor, a.out, o); });
  const double rate = r.seconds > 0 ? r.embedded / r.seconds : 0;
  if (a.json) {
    nlohmann::json j;
    j["network"] = desc.name;
    j["layers"] = desc.layers;
    j["posters_found"] = files.size();
    j["unkeyed_files"] = unkeyed;
    j["embedded"] = r.embedded;
    j["kept"] = r.kept;
    j["total"] = r.total;
    j["dim"] = r.dim;
    j["seconds"] = r.seconds;
    j["infer_seconds"] = r.infer_seconds;
    j["posters_per_second"] = rate;
    j["out"] = a.out;
    j["failures"] = nlohmann::json::array();
    for (const auto& f : r.failures) j["failures"].push_back({{"file", f.file.string()}, {"reason", f.reason}});
    print_json(j);
    return;
  }
  for (const auto& f : r.failures) std::cerr << "skipped " << f.file.string() << ": " << f.reason << "\n";
  std::printf("network %s (%s), %zu posters found", desc.name.c_str(), join(desc.layers, "+").c_str(), files.size());
  if (unkeyed)
    std::printf(", %zu image files not matched to a movie%s", unkeyed,
                a.data.empty() ? " (use --data for tt/tmdb names)" : "");
  std::printf("\nembedded %zu new, kept %zu, skipped %zu undecodable: %zu vectors of %d dims in %s\n", r.embedded,
              r.kept, r.failures.size(), r.total, r.dim, a.out.c_str());
  if (r.embedded)
    std::printf("%.1f s, %.1f posters/s (network %.1f s, %.1f ms/poster)\n", r.seconds, rate, r.infer_seconds,
                1000 * r.infer_seconds / r.embedded);
}

// ---- models for gallery and similarity-report

struct ModelArgs {
  CommonOptions common;
  std::string models = "item-knn,svd,poster";
  std::vector<std::string> params;  // model.key=value
  std::string features;
  std::size_t k = 10;
};

void add_model_options(CLI::App* cmd, ModelArgs& a) {
  add_common_options(cmd, a.common);
  cmd->add_option("--models", a.models, "comma-separated model names (see `movierec train --help`)")
      ->capture_default_str();
  cmd->add_option("--param", a.params, "model parameter as model.key=value (e.g. poster.k=30), repeatable");
  cmd->add_option("--features", a.features,
                  "poster feature file for the poster and mix models (same as --param poster.features=FILE)");
  add_top_option(cmd, "-k", a.k, "similar movies per list");
}

struct FittedModels {
  std::vector<std::string> names;
  std::vector<std::unique_ptr<Recommender>> models;
  std::vector<std::pair<std::string, const Recommender*>> view() const {
    std::vector<std::pair<std::string, const Recommender*>> v;
    for (std::size_t m = 0; m < models.size(); ++m) v.push_back({names[m], models[m].get()});
    return v;
  }
};

FittedModels fit_models(const Dataset& ds, const ModelArgs& a) {
  FittedModels out;
  for (const auto& n : split(a.models, ',')) {
    auto t = std::string(trim(n));
    if (!t.empty()) out.names.push_back(t);
  }
  if (out.names.empty()) throw ConfigError("--models: expected at least one model name");
  std::map<std::string, ParamMap> per_model;
  for (const auto& kv : a.params) {
    auto dot = kv.find('.');
    auto eq = kv.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot > eq)
      throw ConfigError("--param '" + kv + "': expected model.key=value (e.g. poster.k=30)");
    std::string model = kv.substr(0, dot);
    if (std::find(out.names.begin(), out.names.end(), model) == out.names.end())
      throw ConfigError("--param '" + kv + "': model '" + model + "' is not in --models " + a.models);
    auto p = parse_params({kv.substr(dot + 1)});
    per_model[model].insert(p.begin(), p.end());
  }
  if (!a.features.empty()) {
    bool used = false;
    for (const char* m : {"poster", "mix"})  // mix hands it to its poster part
      if (std::find(out.names.begin(), out.names.end(), m) != out.names.end()) {
        per_model[m].emplace("features", a.features);
        used = true;
      }
    if (!used) throw ConfigError("--features is for the poster and mix models, neither is in --models " + a.models);
  }
  FitOptions fo;
  fo.threads = a.common.threads;
  fo.progress = !a.common.json;
  fo.dataset = &ds;
  for (const auto& name : out.names) {
    auto model = create_model(name, per_model[name]);
    if (!a.common.json) std::cerr << "fitting " << name << "...\n";
    model->fit(ds.ratings, fo);
    out.models.push_back(std::move(model));
  }
  return out;
}

// ---- gallery

struct GalleryArgs {
  ModelArgs m;
  std::string posters, out = "gallery.html", title;
  std::vector<std::string> movies;
};

void run_gallery(const GalleryArgs& a) {
  Dataset ds = load_data(a.m.common);
  PosterFolder folder(a.posters);
  std::vector<ItemIndex> queries;
  for (const auto& title : a.movies) {
    auto found = find_movies(ds, title);
    if (found.empty()) throw ConfigError("--movies: no movie matches \"" + title + "\" in " + ds.name);
    queries.push_back(found.front());
  }
  FittedModels fitted = fit_models(ds, a.m);
  GalleryOptions go;
  if (!a.title.empty()) go.title = a.title;
  auto rows = gallery_queries(fitted.view(), queries, a.m.k);
  write_gallery_html(a.out, ds, folder, rows, go);
  if (a.m.common.json) {
    nlohmann::json j;
    j["out"] = a.out;
    j["queries"] = nlohmann::json::array();
    for (const auto& q : rows) {
      nlohmann::json jq;
      jq["movie"] = ds.movies[q.query].title;
      for (const auto& r : q.rows) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& s : r.items) list.push_back({{"title", ds.movies[s.item].title}, {"score", s.score}});
        jq["models"][r.model] = list;
      }
      j["queries"].push_back(jq);
    }
    print_json(j);
  } else {
    std::printf("wrote %s: %zu movies x %zu models\n", a.out.c_str(), rows.size(), fitted.names.size());
  }
}

// ---- similarity-report

struct ReportArgs {
  ModelArgs m;
  std::size_t sample = 0;
  std::uint64_t seed = 0;
};

void run_report(const ReportArgs& a) {
  Dataset ds = load_data(a.m.common);
  FittedModels fitted = fit_models(ds, a.m);
  SimilarityReportOptions so;
  so.k = a.m.k;
  so.sample = a.sample;
  so.seed = a.seed;
  so.progress = !a.m.common.json;
  SimilarityReport r = similarity_report(ds, fitted.view(), so);
  if (a.m.common.json) {
    nlohmann::json j;
    j["k"] = r.k;
    j["queries"] = r.queries;
    j["pool"] = r.pool;
    j["pool_popularity"] = r.pool_popularity;
    j["catalogue_popularity"] = r.catalogue_popularity;
    auto stats = [](const ModelSimilarityStats& s) {
      return nlohmann::json{{"genre_agreement", s.genre_agreement},
                            {"mean_popularity", s.mean_popularity},
                            {"coverage", s.coverage},
                            {"mean_similarity", s.mean_similarity}};
    };
    j["random"] = stats(r.random);
    for (const auto& s : r.models) j["models"][s.model] = stats(s);
    j["overlap"] = nlohmann::json::array();
    for (const auto& o : r.overlaps)
      j["overlap"].push_back({{"a", o.a}, {"b", o.b}, {"jaccard", o.jaccard}, {"shared", o.shared}});
    print_json(j);
    return;
  }
  std::printf("%zu query movies (of %zu that every model can answer), k = %zu\n", r.queries, r.pool, r.k);
  std::printf("%-20s %14s %14s %10s %10s\n", "model", "genre agree@k", "mean #ratings", "coverage", "mean sim");
  auto line = [](const ModelSimilarityStats& s, bool sim) {
    std::printf("%-20s %14.3f %14.1f %10.3f", s.model.c_str(), s.genre_agreement, s.mean_popularity, s.coverage);
    if (sim) std::printf(" %10.3f", s.mean_similarity);
    std::printf("\n");
  };
  for (const auto& s : r.models) line(s, true);
  line(r.random, false);
  std::printf("%-20s %14s %14.1f   (mean #ratings of the query movies; %.1f over all rated movies)\n", "catalogue", "",
              r.pool_popularity, r.catalogue_popularity);
  if (!r.overlaps.empty()) {
    std::printf("\n%-34s %8s %8s\n", ("overlap@" + std::to_string(r.k)).c_str(), "jaccard", "shared");
    for (const auto& o : r.overlaps)
      std::printf("%-34s %8.3f %8.3f\n", (o.a + " vs " + o.b).c_str(), o.jaccard, o.shared);
  }
  std::printf(
      "reference (shared/reference/poster_ref.py, ml-latest-small, k=10): poster 0.638, random 0.481, item-CF cosine "
      "0.683\n");
}

}  // namespace

void add_poster_commands(CLI::App& app) {
  auto* posters = app.add_subcommand("posters", heavy_description("posters"));
  posters->require_subcommand(1);
  add_posters_fetch_command(posters);

  auto embed = std::make_shared<EmbedArgs>();
  auto* e =
      posters->add_subcommand("embed", "CNN features of every poster in a folder, into a feature file (incremental)");
  e->add_option("--posters", embed->posters,
                "poster folder: <movieId>.jpg, tt<imdbId>.jpg or tmdb<tmdbId>.jpg (jpg/png/webp)")
      ->required();
  e->add_option("--net", embed->net, "network file: .onnx, or what OpenCV's readNet reads (with \"config\" in --desc)")
      ->required();
  auto* desc = e->add_option("--desc", embed->desc,
                             "network description JSON (input size, scale, mean, std, channels, layers...)");
  e->add_option("--arch", embed->arch,
                "built-in description: " + join(builtin_architectures(), ", ") +
                    " (default: recognised from the network's layer names)")
      ->excludes(desc);
  e->add_option("--batch", embed->batch, "images per forward pass")->capture_default_str();
  e->add_option("--pca", embed->pca, "reduce the features to N dimensions with PCA (0: keep)")->capture_default_str();
  e->add_flag("--float16", embed->float16, "store vectors as float16 (half the size)");
  e->add_option("--out", embed->out, "feature file to write (kept vectors are not recomputed)")->required();
  e->add_option("--data", embed->data, "dataset, to resolve tt<imdbId>/tmdb<tmdbId> file names to movieIds");
  e->add_option("--limit", embed->limit, "embed at most N new posters (0: all)");
  e->add_option("--max-pixels", embed->max_pixels,
                "skip images whose header declares more pixels than this, without decoding them")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(1), std::int64_t(1) << 40));
  add_threads_option(e, embed->threads);
  e->add_flag("--json", embed->json, "print one JSON object on stdout");
  e->add_flag("--quiet", embed->quiet, "no progress bar");
  e->callback([embed] { run_embed(*embed); });

  auto gal = std::make_shared<GalleryArgs>();
  auto* g = app.add_subcommand("gallery", heavy_description("gallery"));
  add_model_options(g, gal->m);
  g->add_option("--posters", gal->posters, "poster folder")->required();
  g->add_option("--movies", gal->movies, "query movie titles (\"Heat (1995)\" \"toy story\")")
      ->required()
      ->expected(1, -1);
  g->add_option("--out", gal->out, "HTML file to write")->capture_default_str();
  g->add_option("--title", gal->title, "page title");
  gal->m.k = 5;
  g->get_option("-k")->default_str("5");
  g->callback([gal] { run_gallery(*gal); });

  auto rep = std::make_shared<ReportArgs>();
  auto* r = app.add_subcommand("similarity-report", heavy_description("similarity-report"));
  add_model_options(r, rep->m);
  r->add_option("--sample", rep->sample, "use N random query movies (0: all that every model can answer)");
  r->add_option("--seed", rep->seed, "seed of the sample and of the random baseline")->capture_default_str();
  r->callback([rep] { run_report(*rep); });
}

}  // namespace movierec::cli
