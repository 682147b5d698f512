// movierec stats
#include <fmt/format.h>

#include <iostream>
#include <map>

#include "cli/common.h"

namespace movierec::cli {

namespace {

// stats reports neither times nor links: it reads neither (issue 12's start-up budget).
void run_stats(const CommonOptions& o) { print_stats(load_data(o, /*timestamps=*/false, /*links=*/false), o.json); }

}  // namespace

void print_stats(const Dataset& ds, bool json) {
  const auto& r = ds.ratings;
  // Rating scales have a handful of values: count them in a short list (a map
  // lookup per rating was a tenth of `stats`), ordered once at the end.
  std::vector<std::pair<float, std::size_t>> counts;
  std::size_t last = 0;
  for (float v : r.user_values_raw()) {
    if (last < counts.size() && counts[last].first == v) {
      ++counts[last].second;
      continue;
    }
    last = 0;
    while (last < counts.size() && counts[last].first != v) ++last;
    if (last == counts.size()) {
      if (counts.size() == 256) break;  // a continuous scale: the map below
      counts.emplace_back(v, 0);
    }
    ++counts[last].second;
  }
  std::map<float, std::size_t> hist;
  if (counts.size() < 256) {
    hist.insert(counts.begin(), counts.end());
  } else {
    for (float v : r.user_values_raw()) ++hist[v];
  }
  const std::size_t rated = ds.rated_movies();
  const double sparsity = 100.0 * (1.0 - double(r.nnz()) / (double(r.n_users()) * double(rated ? rated : 1)));
  std::size_t tags = 0;
  for (const auto& m : ds.movies) tags += m.tags.size();
  if (json) {
    nlohmann::json h = nlohmann::json::object();
    for (auto [v, n] : hist) h[fmt::format("{:g}", v)] = n;
    print_json({{"dataset", ds.name},
                {"format", ds.format},
                {"dir", ds.dir.string()},
                {"users", r.n_users()},
                {"movies", ds.movies.size()},
                {"rated_movies", rated},
                {"ratings", r.nnz()},
                {"density_percent", 100.0 - sparsity},
                {"sparsity_percent", sparsity},
                {"mean_rating", r.mean()},
                {"distinct_tags", tags},
                {"histogram", h}});
    return;
  }
  std::cout << fmt::format("dataset      {} ({}, {})\n", ds.name, ds.format, ds.dir.string());
  std::cout << fmt::format("users        {}\n", r.n_users());
  std::cout << fmt::format("movies       {} in the movie file, {} rated\n", ds.movies.size(), rated);
  std::cout << fmt::format("ratings      {}\n", r.nnz());
  std::cout << fmt::format("density      {:.3f}% of users x rated movies (sparsity {:.3f}%)\n", 100.0 - sparsity,
                           sparsity);
  std::cout << fmt::format("mean rating  {:.3f}\n", r.mean());
  std::cout << "histogram\n";
  std::size_t peak = 1;
  for (auto [v, n] : hist) peak = std::max(peak, n);
  for (auto [v, n] : hist)
    std::cout << fmt::format("  {:>4g}  {:>9}  {}\n", v, n, std::string(std::size_t(40.0 * n / peak), '#'));
}

void add_data_commands(CLI::App& app) {
  auto opts = std::make_shared<CommonOptions>();
  auto* stats = app.add_subcommand("stats", "users, movies, ratings, sparsity and the rating histogram of a dataset");
  add_common_options(stats, *opts);
  stats->callback([opts] { run_stats(*opts); });
}

}  // namespace movierec::cli
