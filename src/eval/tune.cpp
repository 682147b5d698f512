// Parameter search by cross-validation (`movierec tune`, and the library's tune()).
#include <algorithm>

#include "eval/search_space.h"
#include "movierec/errors.h"
#include "movierec/metrics.h"
#include "movierec/registry.h"
#include "util/strings.h"

namespace movierec {

bool lower_is_better(const std::string& metric) {
  return metric == "rmse" || metric == "mse" || metric == "mae" || metric == "mse_unclipped" ||
         metric.ends_with("seconds");
}

std::vector<ParamMap> search_candidates(const std::string& spec, std::size_t random, std::uint64_t seed) {
  return search_candidates(parse_search_space(spec), random, seed);
}

std::vector<TuneResult> tune(const std::string& name, const std::vector<ParamMap>& candidates,
                             const std::vector<Split>& splits, const RatingScale& scale, const TuneOptions& opts) {
  if (candidates.empty()) throw ConfigError("tune: no candidate parameters");
  std::vector<TuneResult> rows;
  for (auto c : candidates) {
    for (const auto& [k, v] : opts.fixed) c.emplace(k, v);
    create_model(name, c);  // validate every combination up front
    rows.push_back({std::move(c), {}});
  }
  EvalOptions eo = opts.eval;
  eo.ranking = !(opts.metric == "rmse" || opts.metric == "mse" || opts.metric == "mae" ||
                 opts.metric == "mse_unclipped" || opts.metric.ends_with("seconds"));
  // A fold counts once it is done: cross_validate asks for the next fold's
  // model when the previous fold has been fitted and scored.
  bool fold_running = false;
  auto fold_done = [&] {
    if (fold_running && opts.on_fold) opts.on_fold();
    fold_running = false;
  };
  for (auto& row : rows) {
    row.cv = cross_validate(
        [&] {
          fold_done();
          fold_running = true;
          return create_model(name, row.params);
        },
        splits, scale, eo);
    fold_done();
    if (!row.cv.mean.count(opts.metric)) {
      std::vector<std::string> have;
      for (const auto& [k, v] : row.cv.mean) have.push_back(k);
      throw ConfigError("metric '" + opts.metric + "' is not measured for model '" + name +
                        "'; available: " + join(have, ", "));
    }
  }
  const bool lower = lower_is_better(opts.metric);
  std::stable_sort(rows.begin(), rows.end(), [&](const TuneResult& a, const TuneResult& b) {
    double x = a.cv.mean.at(opts.metric), y = b.cv.mean.at(opts.metric);
    return lower ? x < y : x > y;
  });
  return rows;
}

}  // namespace movierec
