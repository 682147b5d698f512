// movierec stats
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <map>

#include "cli/common.h"

namespace movierec::cli {

namespace {

// stats reports neither times nor links: it reads neither (issue 12's start-up budget).
// The dataset is kept to the end of the process on purpose: freeing its ~30k
// small allocations was a twentieth of the command's time, and the process ends
// right after (a pointer in a static, so leak checkers count it as reachable).
void run_stats(const CommonOptions& o) {
  static const Dataset* kept = nullptr;
  kept = new Dataset(load_data(o, /*timestamps=*/false, /*links=*/false));
  print_stats(*kept, o.json);
}

}  // namespace

void print_stats(const Dataset& ds, bool json) {
  const auto& r = ds.ratings;
  // Rating scales have a handful of values. Half-star scales (MovieLens) are
  // counted by index, anything else in a short list, a continuous scale in a
  // map (a map lookup per rating was a tenth of `stats`).
  std::map<float, std::size_t> hist;
  std::array<std::size_t, 21> half_stars{};  // 0, 0.5, ..., 10
  std::vector<std::pair<float, std::size_t>> counts;
  bool listed = true;
  for (float v : r.user_values_raw()) {
    const float twice = v * 2.0f;
    if (twice >= 0.0f && twice <= 20.0f && twice == float(int(twice))) {
      ++half_stars[std::size_t(twice)];
      continue;
    }
    if (!listed) {
      ++hist[v];
      continue;
    }
    auto it = std::find_if(counts.begin(), counts.end(), [v](const auto& c) { return c.first == v; });
    if (it != counts.end()) {
      ++it->second;
    } else if (counts.size() < 256) {
      counts.emplace_back(v, 1);
    } else {  // a continuous scale
      listed = false;
      ++hist[v];
    }
  }
  for (auto [v, n] : counts) hist[v] += n;
  for (std::size_t k = 0; k < half_stars.size(); ++k)
    if (half_stars[k]) hist[float(k) / 2.0f] += half_stars[k];
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
