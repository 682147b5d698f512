// Accuracy and ranking metrics, and the evaluation loop shared by the CLI,
// tuning and the tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "movierec/dataset.h"
#include "movierec/recommender.h"
#include "movierec/split.h"
#include "movierec/types.h"

namespace movierec {

struct ErrorMetrics {
  double mse = 0, rmse = 0, mae = 0;
  std::size_t n = 0;
};
// Predictions are clipped to the scale before the errors are taken.
ErrorMetrics error_metrics(std::span<const float> predicted, std::span<const float> actual, const RatingScale& clip);

// Ranking metrics of one list. ranked: recommended items, best first (only the
// first k count); relevant: the user's relevant test items (any order).
double precision_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k);
double recall_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k);
// Binary relevance; ideal DCG over min(k, |relevant|) hits.
double ndcg_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k);
// Average precision normalised by min(k, |relevant|).
double average_precision_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k);
double hit_at_k(std::span<const ItemIndex> ranked, std::span<const ItemIndex> relevant, std::size_t k);

struct EvalOptions {
  std::size_t k = 10;             // cut-off of the ranking metrics
  bool ranking = true;            // compute top-N metrics (ranks every unrated item)
  bool fit = true;                // false: measure an already fitted model (from a model file)
  float relevance_threshold = 0;  // test ratings >= this are relevant (0: all)
  int threads = 0;
  bool progress = false;
  const Dataset* dataset = nullptr;                  // passed to fit as side information
  std::function<void(const EpochReport&)> on_epoch;  // learning curves
  // Which movies the ranking metrics rank: kUnrated, every movie the user did
  // not rate in train; kNew, the split's new movies only (the new-movie
  // protocol); kAll, new and old movies together, adding "auc" and
  // "new_share@k" (share of new movies in the top k). kNew also adds "auc".
  enum class Candidates { kUnrated, kNew, kAll };
  Candidates candidates = Candidates::kUnrated;
};

// Metric name -> value: "mse", "rmse", "mae" (rating models only; predictions
// clipped to the scale), "mse_unclipped" (raw predictions, as the tutorial), "precision@10",
// "recall@10", "ndcg@10", "map@10", "hit@10", "coverage@10", "fit_seconds",
// "eval_seconds" (of this one split).
using MetricMap = std::map<std::string, double>;

// Fits a fresh model on split.train and measures it on split.test.
MetricMap evaluate(Recommender& model, const Split& split, const RatingScale& scale, const EvalOptions& opts);

// Over several splits, the times are named for what they are: mean and stddev
// hold "fit_seconds_per_fold" and "eval_seconds_per_fold" (means over the
// folds), and mean also "fit_seconds_total" and "eval_seconds_total" (sums);
// "fit_seconds" and "eval_seconds" stay in per_split only.
struct CrossValResult {
  MetricMap mean, stddev;  // over splits (population stddev; 0 for one split)
  std::vector<MetricMap> per_split;
};
// Mean, stddev and the time totals of per-split metrics, as cross_validate
// reports them.
CrossValResult summarize_splits(std::vector<MetricMap> per_split);
// Evaluates a model made by make_model on each split.
CrossValResult cross_validate(const std::function<std::unique_ptr<Recommender>()>& make_model,
                              const std::vector<Split>& splits, const RatingScale& scale, const EvalOptions& opts);

// True for the metrics where lower is better: "rmse", "mse", "mae",
// "mse_unclipped" and timings ("fit_seconds"...); false for the ranking metrics.
bool lower_is_better(const std::string& metric);

// Parameter candidates from a search space "factors=20,50,100;reg=0.02,0.05"
// (value lists; with random > 0 also ranges "lr=0.001:0.1"). random == 0: the
// full grid, first axis varying slowest; random > 0: that many samples,
// deterministic for a seed. Throws ConfigError naming the bad part of spec.
std::vector<ParamMap> search_candidates(const std::string& spec, std::size_t random = 0, std::uint64_t seed = 42);

struct TuneOptions {
  std::string metric = "rmse";  // what to optimise: a MetricMap key ("rmse", "ndcg@10"...)
  // Options of each evaluation. The ranking metrics are computed only when
  // metric is one of them (they rank every unrated movie per user).
  EvalOptions eval;
  ParamMap fixed;                 // parameters added to every candidate
  std::function<void()> on_fold;  // called after each fold is fitted and measured (progress)
};

struct TuneResult {
  ParamMap params;  // the candidate, with TuneOptions::fixed
  CrossValResult cv;
};

// Cross-validates model `name` with every candidate on the splits and returns
// the results sorted best first by opts.metric (ties keep candidate order).
// Every candidate is validated (create_model) before any fit. Throws
// ConfigError when the metric is not measured for the model, listing those that are.
std::vector<TuneResult> tune(const std::string& name, const std::vector<ParamMap>& candidates,
                             const std::vector<Split>& splits, const RatingScale& scale, const TuneOptions& opts);

}  // namespace movierec
