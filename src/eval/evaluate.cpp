// The evaluation loop: fit on a split's train part, measure on its test part.
#include <omp.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "eval/candidates.h"
#include "eval/validation_ranking.h"
#include "movierec/errors.h"
#include "movierec/metrics.h"
#include "util/parallel.h"
#include "util/progress.h"

namespace movierec {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Sets OpenMP's default thread count for the scope (recommend() and the
// models' own parallel loops use the default).
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : set_(threads > 0), old_(omp_get_max_threads()) {
    if (set_) omp_set_num_threads(threads);
  }
  ~ThreadScope() {
    if (set_) omp_set_num_threads(old_);
  }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  bool set_;
  int old_;
};

}  // namespace

MetricMap evaluate(Recommender& model, const Split& split, const RatingScale& scale, const EvalOptions& opts) {
  const RatingMatrix& train = split.train;
  const RatingMatrix& test = split.test;
  if (train.n_users() != test.n_users() || train.n_items() != test.n_items())
    throw ConfigError("split '" + split.name + "': train is " + std::to_string(train.n_users()) + " x " +
                      std::to_string(train.n_items()) + " but test is " + std::to_string(test.n_users()) + " x " +
                      std::to_string(test.n_items()));
  ThreadScope threads(opts.threads);
  std::optional<ValidationRanking> ranking;
  if (opts.ranking && opts.k > 0) ranking.emplace(train, test, opts.k, opts.relevance_threshold);
  FitOptions fo;
  fo.threads = opts.threads;
  fo.progress = opts.progress;
  fo.dataset = opts.dataset;
  if (opts.on_epoch) {
    // Learning curves only: the test set is reported on, never trained on.
    fo.on_epoch = opts.on_epoch;
    fo.validation = &test;
    // Ranking models' per-epoch NDCG@k / recall@k, on the users and relevance
    // of the ranking metrics below (none with ranking off).
    if (ranking) fo.measure_epoch = [&](const Recommender& fitted, EpochReport& rep) { ranking->measure(fitted, rep); };
  }
  MetricMap m;
  auto t0 = std::chrono::steady_clock::now();
  if (opts.fit) model.fit(train, fo);  // else: already fitted (a model file), measured as is
  m["fit_seconds"] = opts.fit ? seconds_since(t0) : 0.0;
  if (model.n_items() != train.n_items())
    throw ConfigError("model '" + std::string(model.name()) + "' has " + std::to_string(model.n_items()) +
                      " movies after fit, the split has " + std::to_string(train.n_items()));

  t0 = std::chrono::steady_clock::now();
  if (model.predicts_ratings() && test.nnz() > 0) {
    const std::vector<Rating> t = test.triplets();
    std::vector<float> predicted(t.size()), actual(t.size());
    Progress progress("predicting " + split.name, t.size(), opts.progress);
    ExceptionKeeper errors;
#pragma omp parallel for schedule(dynamic, 256)
    for (std::size_t k = 0; k < t.size(); ++k) {
      errors.run([&] {
        predicted[k] = model.predict(t[k].user, t[k].item);
        actual[k] = t[k].value;
      });
      progress.add();
    }
    errors.rethrow();
    progress.done();
    ErrorMetrics e = error_metrics(predicted, actual, scale);
    m["mse"] = e.mse;
    m["rmse"] = e.rmse;
    m["mae"] = e.mae;
    // The tutorial reports raw predictions; its similarity models predict far
    // below the scale, where clipping changes the MSE (9.2 clipped vs ~10 raw).
    const float inf = std::numeric_limits<float>::infinity();
    m["mse_unclipped"] = error_metrics(predicted, actual, RatingScale{-inf, inf, scale.step}).mse;
  }

  if (opts.ranking && opts.candidates != EvalOptions::Candidates::kUnrated) {
    for (const auto& [name, v] : candidate_metrics(model, split, opts)) m[name] = v;
  } else if (ranking) {
    // Every movie not rated in train is ranked (recommend batches and parallelises).
    const RankingMetrics r = ranking->measure(model);
    if (r.users > 0) {
      const std::string at = "@" + std::to_string(opts.k);
      m["precision" + at] = r.precision;
      m["recall" + at] = r.recall;
      m["ndcg" + at] = r.ndcg;
      m["map" + at] = r.map;
      m["hit" + at] = r.hit;
      m["coverage" + at] = r.coverage;
    }
  }
  m["eval_seconds"] = seconds_since(t0);
  return m;
}

CrossValResult cross_validate(const std::function<std::unique_ptr<Recommender>()>& make_model,
                              const std::vector<Split>& splits, const RatingScale& scale, const EvalOptions& opts) {
  if (splits.empty()) throw ConfigError("cross_validate: no splits");
  std::vector<MetricMap> per_split;
  for (const auto& split : splits) {
    auto model = make_model();
    per_split.push_back(evaluate(*model, split, scale, opts));
  }
  return summarize_splits(std::move(per_split));
}

CrossValResult summarize_splits(std::vector<MetricMap> per_split) {
  CrossValResult out;
  out.per_split = std::move(per_split);
  // Mean and population stddev of each metric over the splits that report it.
  std::set<std::string> names;
  for (const auto& m : out.per_split)
    for (const auto& [name, v] : m) names.insert(name);
  for (const auto& name : names) {
    double sum = 0, n = 0;
    for (const auto& m : out.per_split)
      if (auto it = m.find(name); it != m.end()) {
        sum += it->second;
        ++n;
      }
    const double mean = sum / n;
    double var = 0;
    for (const auto& m : out.per_split)
      if (auto it = m.find(name); it != m.end()) var += (it->second - mean) * (it->second - mean);
    // A mean of times is per fold; say so, and give the total beside it.
    const bool time = name == "fit_seconds" || name == "eval_seconds";
    const std::string key = time ? name + "_per_fold" : name;
    out.mean[key] = mean;
    out.stddev[key] = std::sqrt(var / n);
    if (time) out.mean[name.substr(0, name.size() - 8) + "_seconds_total"] = sum;
  }
  return out;
}

}  // namespace movierec
