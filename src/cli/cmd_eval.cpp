// movierec evaluate | train | tune
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "cli/common.h"
#include "eval/learning_curve.h"
#include "eval/search_space.h"
#include "features/item_features.h"
#include "movierec/errors.h"
#include "movierec/metrics.h"
#include "movierec/registry.h"
#include "util/progress.h"
#include "util/strings.h"

namespace movierec::cli {

namespace {

// Metrics shown in tables, in this order, when present.
std::vector<std::string> table_metrics(std::size_t k) {
  std::vector<std::string> m = {"rmse", "mse", "mae", "mse_unclipped"};
  for (const char* name : {"precision", "recall", "ndcg", "map", "hit", "coverage"})
    m.push_back(fmt::format("{}@{}", name, k));
  m.push_back("auc");
  m.push_back(fmt::format("new_share@{}", k));
  return m;
}

struct EvalCliOptions {
  CommonOptions common;
  std::string models = "baseline";
  std::vector<std::string> params;
  std::string model_file;
  std::string split = "holdout:10";
  std::uint64_t seed = 42;
  std::size_t k = 10;
  float relevance = 0;
  bool no_ranking = false, ranking = false;
  std::string metrics;                            // --metrics: only these ("" : the default choice, see wants_ranking)
  bool k_given = false, relevance_given = false;  // -k / --relevance-threshold on the command line
  std::string curve, plot;
  std::string save_split;
  bool list = false;
  std::string side;        // --side: side features of the content models, eligibility of cold-items
  std::string candidates;  // --candidates: new | all | unrated ("" : new for cold splits)
  long long reveal = -1;   // --reveal N: cold-users' revealed ratings (-1: not given)
};

// --reveal N is the split's ":reveal=N" (cold-users only).
void apply_reveal(EvalCliOptions& o) {
  if (o.reveal < 0) return;
  if (!o.split.starts_with("cold-users:"))
    throw ConfigError(
        "--reveal: only with --split cold-users:P (the new users' first N ratings are revealed), got "
        "--split " +
        o.split);
  if (o.split.find(":reveal=") != std::string::npos)
    throw ConfigError("--reveal: --split " + o.split + " already says reveal=");
  const bool valid = o.split.ends_with(":valid");
  if (valid) o.split.resize(o.split.size() - 6);
  o.split += ":reveal=" + std::to_string(o.reveal) + (valid ? ":valid" : "");
}

struct SplitCliOptions {
  CommonOptions common;
  std::string split = "kfold:5", out;
  std::uint64_t seed = 42;
};

// Writes the splits as MovieLens CSV and says how to read them back.
void save_splits(const Dataset& ds, const std::vector<Split>& splits, const std::string& dir, bool quiet) {
  const std::string spec = write_split_files(ds, splits, dir);
  if (!quiet)
    std::cerr << fmt::format("wrote {} split(s) as MovieLens CSV into {}; read back with --split {}\n", splits.size(),
                             dir, spec);
}

void run_split(const SplitCliOptions& o) {
  Dataset ds = load_data(o.common);
  auto splits = make_splits(ds, o.split, o.seed);
  const std::string spec = write_split_files(ds, splits, o.out);
  if (o.common.json) {
    print_json({{"split", o.split}, {"seed", o.seed}, {"folds", splits.size()}, {"out", o.out}, {"read_back", spec}});
    return;
  }
  std::cout << fmt::format("{} split(s) of {} ({}, seed {}) written to {}\nread back with: --split {}\n", splits.size(),
                           ds.name, o.split, o.seed, o.out, spec);
}

// Per movie, whether it has every --side feature (every movie without --side):
// who may become a new movie in a cold-items split.
std::vector<char> cold_eligibility(const Dataset& ds, const std::string& split, const std::string& side) {
  if (side.empty() || !split.starts_with("cold-items")) return {};
  return side_available(ds, parse_side(side));
}

// --side SPEC becomes side=SPEC for every model that takes side features
// (unless --param sets it).
void add_side_param(const std::string& model, const std::string& side, ParamMap& params) {
  if (side.empty() || params.count("side")) return;
  for (const auto& m : list_models())
    if (m.name == model)
      for (const auto& p : m.params)
        if (p.name == "side") params["side"] = side;
}

EvalOptions::Candidates parse_candidates(const std::string& c, const std::vector<Split>& splits) {
  if (c.empty()) {
    bool cold = !splits.empty() && splits[0].name.starts_with("cold-items");
    return cold ? EvalOptions::Candidates::kNew : EvalOptions::Candidates::kUnrated;
  }
  if (c == "new") return EvalOptions::Candidates::kNew;
  if (c == "all") return EvalOptions::Candidates::kAll;
  if (c == "unrated") return EvalOptions::Candidates::kUnrated;
  throw ConfigError("--candidates: expected new, all or unrated, got \"" + c + "\"");
}

// The protocol, printed above the results.
std::string protocol_text(const EvalCliOptions& o, const Dataset& ds, const std::vector<Split>& splits,
                          EvalOptions::Candidates c) {
  const Split& s = splits[0];
  std::string out;
  if (s.eligible_items > 0)
    out += fmt::format(
        "protocol: {} (seed {}): {} of {} eligible movies (>= 5 ratings{}) are new; their {} ratings "
        "are the test set, the other {} ratings train\n",
        s.name, o.seed, s.new_items.size(), s.eligible_items,
        o.side.empty() ? std::string() : ", every side feature of " + o.side, s.test.nnz(), s.train.nnz());
  else if (s.eligible_users > 0)
    out += fmt::format(
        "protocol: {} (seed {}): {} of {} eligible users (>= {} ratings) are new; their ratings but "
        "the first {} by time ({} in all) are the test set, the other {} ratings train\n",
        s.name, o.seed, s.new_users.size(), s.eligible_users, 5 + s.revealed, s.revealed, s.test.nnz(), s.train.nnz());
  else if (!s.new_items.empty())
    out += fmt::format("protocol: {}: {} movies of {} have no rating in train (new movies)\n", s.name,
                       s.new_items.size(), ds.name);
  const std::string rel = o.relevance > 0 ? fmt::format("a test rating >= {}", o.relevance) : "any test rating";
  if (c == EvalOptions::Candidates::kNew)
    out += fmt::format(
        "candidates new: for every test user with {} on a new movie, the {} new movies are ranked; "
        "NDCG@{}, recall@{} and AUC are averaged over those users\n",
        rel, s.new_items.size(), o.k, o.k);
  else if (c == EvalOptions::Candidates::kAll)
    out += fmt::format(
        "candidates all: for every test user with {}, every movie unrated in train (new and old) is "
        "ranked; NDCG@{}, recall@{}, AUC and the new movies' share of the top {} are averaged\n",
        rel, o.k, o.k, o.k);
  return out;
}

void print_models() {
  for (const auto& m : list_models()) {
    std::cout << m.name << ": " << m.description << "\n";
    for (const auto& p : m.params) std::cout << fmt::format("    {:<16} = {:<10} {}\n", p.name, p.default_value, p.doc);
  }
}

// The metrics --metrics asks for, checked, in the order given; "" : none.
// Sets *ranking when one is a top-N metric and *k from its "@K" (one cut-off).
std::vector<std::string> parse_metrics(const EvalCliOptions& o, bool* ranking, std::size_t* k) {
  std::vector<std::string> out;
  *ranking = false;
  if (o.metrics.empty()) return out;
  static const char* kError[] = {"rmse", "mse", "mae", "mse_unclipped"};
  static const char* kTop[] = {"precision", "recall", "ndcg", "map", "hit", "coverage", "new_share"};
  const std::string known =
      "rmse, mse, mae, mse_unclipped, auc, precision@K, recall@K, ndcg@K, map@K, hit@K, "
      "coverage@K, new_share@K";
  std::size_t cut = 0;
  for (const auto& name : split_list(o.metrics)) {
    const auto at = name.find('@');
    const std::string base = name.substr(0, at);
    bool ok = false;
    if (at == std::string::npos) {
      ok = base == "auc" || std::find(std::begin(kError), std::end(kError), base) != std::end(kError);
      *ranking |= base == "auc";
    } else if (std::find(std::begin(kTop), std::end(kTop), base) != std::end(kTop)) {
      double v = 0;
      const std::string num = name.substr(at + 1);
      if (!parse_double(num, v) || v < 1 || v > 100000 || v != std::floor(v))
        throw ConfigError("--metrics: " + name + ": expected a cut-off from 1 to 100000 after '@', as ndcg@10");
      const auto this_k = static_cast<std::size_t>(v);
      if (cut != 0 && this_k != cut)
        throw ConfigError(fmt::format("--metrics: one cut-off per run, got @{} and @{}", cut, this_k));
      if (o.k_given && this_k != o.k) throw ConfigError(fmt::format("--metrics: {} does not match -k {}", name, o.k));
      cut = this_k;
      ok = *ranking = true;
    }
    if (!ok) throw ConfigError("--metrics: unknown metric '" + name + "'; known: " + known);
    out.push_back(name);
  }
  if (*ranking && o.no_ranking) throw ConfigError("--metrics asks for top-N metrics, which --no-ranking turns off");
  if (cut != 0) *k = cut;
  return out;
}

// Whether evaluate runs the top-N pass (which ranks every candidate movie for
// each test user): only for the metrics asked for. Without --metrics, rating
// predictors are measured by their error on the test ratings (the tutorial's
// MSE); the top-N metrics are added by --ranking, -k, --relevance-threshold or
// --candidates, for a cold-items split, and when a model of the table only
// ranks (so that the table compares every model on the same metrics).
bool wants_ranking(const EvalCliOptions& o, const std::vector<Split>& splits, bool some_model_only_ranks) {
  if (o.no_ranking) return false;
  if (o.ranking || o.k_given || o.relevance_given || !o.candidates.empty()) return true;
  if (!splits.empty() && splits[0].name.starts_with("cold-items")) return true;
  return some_model_only_ranks;
}

EvalOptions eval_options(const EvalCliOptions& o, const Dataset& ds) {
  EvalOptions eo;
  eo.k = o.k;
  eo.ranking = !o.no_ranking;
  eo.relevance_threshold = o.relevance;
  eo.threads = o.common.threads;
  eo.progress = !o.common.json;
  eo.dataset = &ds;
  return eo;
}

// Provenance that `train --split` records and `evaluate --model-file` checks.
void check_model_split(const Recommender& m, const std::string& split, std::uint64_t seed, const std::string& file) {
  auto it = m.params().find("_split");
  std::string trained = it == m.params().end() ? "none" : it->second;
  auto st = m.params().find("_seed");
  std::string trained_seed = st == m.params().end() ? "" : st->second;
  if (trained != split || (trained != "none" && trained_seed != std::to_string(seed)))
    throw ConfigError(fmt::format(
        "--model-file {}: the model was trained with --split {}{}; evaluating it on --split {} --seed {} would "
        "measure ratings it was trained on. Use the same --split and --seed, or `evaluate --model` to refit",
        file, trained, trained_seed.empty() ? "" : " --seed " + trained_seed, split, seed));
}

void run_evaluate(const EvalCliOptions& o) {
  if (o.list) return print_models();
  std::vector<std::string> names = o.model_file.empty() ? split_list(o.models) : std::vector<std::string>{""};
  if (names.empty()) throw ConfigError("--model: no model named");
  // Names and parameters first: a typo is reported before any data is read.
  bool timestamps = split_needs_timestamps(o.split, !o.save_split.empty());
  if (o.model_file.empty())
    for (const auto& name : names) timestamps |= create_model(name, params_for(name, o.params))->needs_timestamps();
  Dataset ds = load_data(o.common, timestamps);
  bool metric_ranking = false;
  std::size_t metric_k = o.k;
  const std::vector<std::string> asked = parse_metrics(o, &metric_ranking, &metric_k);
  auto splits = make_splits(ds, o.split, o.seed, cold_eligibility(ds, o.split, o.side));
  if (!o.save_split.empty()) save_splits(ds, splits, o.save_split, o.common.json);
  EvalOptions eo = eval_options(o, ds);
  eo.candidates = parse_candidates(o.candidates, splits);
  if ((!o.curve.empty() || !o.plot.empty()) && (names.size() != 1 || !o.model_file.empty()))
    throw ConfigError("--curve/--plot need exactly one --model (and no --model-file)");
  std::unique_ptr<Recommender> from_file;
  if (!o.model_file.empty()) {
    if (splits.size() != 1) throw ConfigError("--model-file evaluates one split; k-fold refits per fold");
    from_file = load_model(o.model_file, ds);
    check_model_split(*from_file, o.split, o.seed, o.model_file);
  }
  if (!asked.empty()) {
    eo.k = metric_k;
    eo.ranking = metric_ranking;
  } else {
    bool only_ranks = from_file && !from_file->predicts_ratings();
    for (const auto& name : names)
      if (!name.empty() && !create_model(name, params_for(name, o.params))->predicts_ratings()) only_ranks = true;
    eo.ranking = wants_ranking(o, splits, only_ranks);
  }

  nlohmann::json results = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  const auto shown = asked.empty() ? table_metrics(eo.k) : asked;
  // --metrics: only those metrics (and the times) are reported.
  auto keep_asked = [&](MetricMap m) {
    if (asked.empty()) return m;
    MetricMap out;
    for (const auto& [name, v] : m)
      if (name.find("seconds") != std::string::npos || std::find(asked.begin(), asked.end(), name) != asked.end())
        out[name] = v;
    return out;
  };
  for (const auto& name : names) {
    CrossValResult cv;
    std::string model_name = name;
    if (from_file) {
      auto& model = from_file;
      model_name = std::string(model->name());
      EvalOptions no_fit = eo;
      no_fit.fit = false;
      cv = summarize_splits({evaluate(*model, splits[0], ds.scale, no_fit)});
    } else {
      ParamMap params = params_for(name, o.params);
      add_side_param(name, o.side, params);
      create_model(name, params);  // validates the parameters before any work
      warn_if_costly(name, params, ds.ratings);
      std::vector<EpochReport> curve;
      EvalOptions this_eo = eo;
      if (!o.curve.empty() || !o.plot.empty()) this_eo.on_epoch = [&](const EpochReport& e) { curve.push_back(e); };
      if (!o.common.json) std::cerr << "evaluating " << name << " on " << o.split << "...\n";
      cv = cross_validate([&] { return create_model(name, params); }, splits, ds.scale, this_eo);
      if (!o.curve.empty() || !o.plot.empty()) {
        // Only the first split's curve: later folds would append their epochs.
        std::size_t per_split = curve.size() / splits.size();
        curve.resize(per_split);
        if (!o.curve.empty()) write_curve_csv(o.curve, curve, o.k);
        if (!o.plot.empty())
          write_curve_svg(o.plot, curve, fmt::format("{} on {}, split {}", name, ds.name, splits[0].name), o.k);
      }
    }
    cv.mean = keep_asked(cv.mean);
    cv.stddev = keep_asked(cv.stddev);
    nlohmann::json j = {{"model", model_name}, {"split", o.split}, {"seed", o.seed}, {"metrics", cv.mean}};
    if (eo.candidates != EvalOptions::Candidates::kUnrated) j["protocol"] = protocol_text(o, ds, splits, eo.candidates);
    if (splits.size() > 1) j["stddev"] = cv.stddev;
    results.push_back(j);
    std::vector<std::string> row = {model_name};
    for (const auto& m : shown) {
      auto it = cv.mean.find(m);
      if (it == cv.mean.end()) {
        row.push_back("-");
      } else if (splits.size() > 1) {
        row.push_back(fmt::format("{:.4f}±{:.4f}", it->second, cv.stddev[m]));
      } else {
        row.push_back(fmt::format("{:.4f}", it->second));
      }
    }
    row.push_back(fmt::format("{:.2f}", cv.mean["fit_seconds_per_fold"]));
    row.push_back(fmt::format("{:.2f}", cv.mean["fit_seconds_total"]));
    rows.push_back(row);
  }
  if (o.common.json) {
    print_json(results.size() == 1 ? results[0] : nlohmann::json{{"split", o.split}, {"results", results}});
    return;
  }
  std::cout << fmt::format("{}: {} users, {} ratings; split {} (seed {}), {} split(s); {}\n", ds.name,
                           ds.ratings.n_users(), ds.ratings.nnz(), o.split, o.seed, splits.size(),
                           !eo.ranking ? "errors of the predicted test ratings (--ranking adds top-N metrics)"
                           : eo.candidates == EvalOptions::Candidates::kUnrated ? "top-N over all unrated movies"
                                                                                : "top-N over candidates:");
  std::cout << protocol_text(o, ds, splits, eo.candidates);
  // Columns no model has (ranking metrics of rating predictors by default...)
  // are dropped, unless --metrics asked for them.
  std::vector<std::string> header = {"model"};
  std::vector<bool> keep(shown.size() + 3, true);
  for (std::size_t c = 0; c < shown.size(); ++c) {
    keep[c + 1] =
        !asked.empty() || std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return r[c + 1] != "-"; });
    if (keep[c + 1]) header.push_back(shown[c] == "mse_unclipped" ? "mse raw" : shown[c]);
  }
  header.push_back(splits.size() > 1 ? "fit s/fold" : "fit s");
  header.push_back(splits.size() > 1 ? "fit s total" : "");
  if (splits.size() == 1)  // one split: per fold and total are the same figure
    for (auto& r : rows) r.pop_back();
  if (splits.size() == 1) header.pop_back();
  for (auto& r : rows) {
    std::vector<std::string> kept;
    for (std::size_t c = 0; c < r.size(); ++c)
      if (keep[c]) kept.push_back(r[c]);
    r = kept;
  }
  print_table(header, rows);
  std::cout << "rmse, mse, mae: predictions clipped to the rating scale; mse raw: unclipped (the tutorial's MSE)\n";
}

struct TrainOptions {
  CommonOptions common;
  std::string model = "svd";
  std::vector<std::string> params;
  std::string out;
  std::string split = "none";
  std::uint64_t seed = 42;
  std::string side;
};

void run_train(const TrainOptions& o) {
  ParamMap params = params_for(o.model, o.params);
  add_side_param(o.model, o.side, params);
  auto model = create_model(o.model, params);
  Dataset ds = load_data(o.common, split_needs_timestamps(o.split, false) || model->needs_timestamps());
  warn_if_costly(o.model, params, ds.ratings);
  // Without a split the model trains on the dataset's own matrix: the copy
  // that the split "none" holds doubled the peak memory on big sets.
  std::vector<Split> splits;
  if (o.split != "none") {
    splits = make_splits(ds, o.split, o.seed, cold_eligibility(ds, o.split, o.side));
    if (splits.size() != 1) throw ConfigError("train --split: give a single split (holdout:N, temporal:N or none)");
  }
  const RatingMatrix& train = splits.empty() ? ds.ratings : splits[0].train;
  FitOptions fo;
  fo.dataset = &ds;
  fo.progress = !o.common.json;
  auto start = std::chrono::steady_clock::now();
  model->fit(train, fo);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  params["_split"] = o.split;
  if (o.split != "none") params["_seed"] = std::to_string(o.seed);
  model->set_params(params);
  save_model(o.out, *model, ds);
  if (o.common.json) {
    print_json({{"model", o.model},
                {"out", o.out},
                {"fit_seconds", secs},
                {"split", o.split},
                {"bytes", std::filesystem::file_size(o.out)}});
  } else {
    std::cout << fmt::format("trained {} on {} ({} ratings) in {:.2f}s -> {} ({} bytes)\n", o.model, ds.name,
                             train.nnz(), secs, o.out, std::filesystem::file_size(o.out));
  }
}

struct TuneCliOptions {
  CommonOptions common;
  std::string model = "svd";
  std::string grid;
  std::vector<std::string> params;
  std::string split = "kfold:5";
  std::string metric = "rmse";
  std::uint64_t seed = 42;
  std::size_t random = 0;
  std::size_t k = 10;
  std::string side, candidates;
  float relevance = 0;
};

void run_tune(const TuneCliOptions& o) {
  Dataset ds = load_data(o.common);
  std::vector<SearchAxis> axes;
  std::vector<ParamMap> cands;
  try {
    axes = parse_search_space(o.grid);
    cands = search_candidates(axes, o.random, o.seed);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("--grid: ") + e.what() + (o.random == 0 ? " (--random N samples ranges)" : ""));
  }
  auto splits = make_splits(ds, o.split, o.seed, cold_eligibility(ds, o.split, o.side));
  TuneOptions to;
  to.metric = o.metric;
  to.fixed = params_for(o.model, o.params);
  add_side_param(o.model, o.side, to.fixed);
  to.eval.k = o.k;
  to.eval.dataset = &ds;
  to.eval.candidates = parse_candidates(o.candidates, splits);
  to.eval.relevance_threshold = o.relevance;
  Progress progress("tune " + o.model, cands.size() * splits.size(), !o.common.json);
  to.on_fold = [&] { progress.add(); };
  std::vector<TuneResult> rows;
  try {
    rows = tune(o.model, cands, splits, ds.scale, to);
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    throw ConfigError(m.starts_with("metric '") ? "--metric: " + m : m);
  }
  progress.done();
  const bool lower = lower_is_better(o.metric);
  if (o.common.json) {
    nlohmann::json res = nlohmann::json::array();
    for (const auto& r : rows) res.push_back({{"params", r.params}, {"mean", r.cv.mean}, {"stddev", r.cv.stddev}});
    print_json({{"model", o.model}, {"split", o.split}, {"metric", o.metric}, {"best", res[0]}, {"results", res}});
    return;
  }
  std::vector<std::string> header;
  for (const auto& a : axes) header.push_back(a.name);
  header.insert(header.end(), {o.metric + " mean", "std", "fit s/fold"});
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (const auto& a : axes) line.push_back(r.params.at(a.name));
    line.push_back(fmt::format("{:.4f}", r.cv.mean.at(o.metric)));
    line.push_back(fmt::format("{:.4f}", r.cv.stddev.at(o.metric)));
    line.push_back(fmt::format("{:.2f}", r.cv.mean.at("fit_seconds_per_fold")));
    table.push_back(line);
  }
  std::cout << fmt::format("{} on {}, split {} ({} splits), sorted by {} ({} is better)\n", o.model, ds.name, o.split,
                           splits.size(), o.metric, lower ? "lower" : "higher");
  print_table(header, table);
  std::string best;
  for (const auto& [k, v] : rows[0].params) best += " --param " + k + "=" + v;
  std::cout << fmt::format("best: {}{}  ({} = {:.4f} ± {:.4f})\n", o.model, best, o.metric,
                           rows[0].cv.mean.at(o.metric), rows[0].cv.stddev.at(o.metric));
}

}  // namespace

void add_eval_commands(CLI::App& app) {
  auto eo = std::make_shared<EvalCliOptions>();
  auto* ev = app.add_subcommand(
      "evaluate",
      "fit models on a split and print the metrics asked for. By default rating predictors (svd, item-knn, the "
      "article models...) get the errors of their test predictions: RMSE, MSE, MAE (clipped to the scale) and the "
      "tutorial's raw MSE; the top-N metrics, which rank every unrated movie for each test user, are added by "
      "--ranking, -k, --relevance-threshold or --candidates, for cold-items splits, and when a model of the list "
      "only ranks (popularity, ials, bpr, ease, content-knn, ltr...). --metrics chooses exactly");
  add_common_options(ev, eo->common);
  ev->add_option("--model", eo->models, "model name, or several comma-separated for one table")->capture_default_str();
  ev->add_option("--param", eo->params, "key=value for every model, or model.key=value for one (repeatable)");
  ev->add_option("--model-file", eo->model_file, "evaluate a model saved by `train --split` (same --split/--seed)");
  ev->add_option("--split", eo->split,
                 "holdout:N[:valid] | kfold:K | temporal:N | cold-items:P[:valid] | cold-users:P[:valid] | "
                 "files:DIR/u{1..5}.base,test | files:TRAIN,TEST")
      ->capture_default_str();
  ev->add_option("--seed", eo->seed, "random seed of the split")->capture_default_str();
  auto* k_opt = add_top_option(ev, "-k", eo->k, "cut-off of the top-N metrics (implies --ranking)");
  auto* rel_opt = ev->add_option("--relevance-threshold", eo->relevance,
                                 "test ratings >= this are relevant for top-N (0: all; implies --ranking)")
                      ->capture_default_str();
  auto* rank_opt = ev->add_flag("--ranking", eo->ranking,
                                "also compute the top-N metrics (precision, recall, NDCG, MAP, hit, coverage at k), "
                                "which rank every unrated movie for each test user");
  ev->add_flag("--no-ranking", eo->no_ranking, "never compute the top-N metrics")->excludes(rank_opt);
  ev->add_option("--metrics", eo->metrics,
                 "compute and report only these, comma-separated: rmse, mse, mae, mse_unclipped (the tutorial's raw "
                 "MSE), precision@K, recall@K, ndcg@K, map@K, hit@K, coverage@K, auc, new_share@K");
  ev->add_option("--curve", eo->curve,
                 "write per-epoch metrics to this CSV (iterative models; the test part is the validation set): "
                 "train and validation RMSE for svd, svdpp, als; validation NDCG@k and recall@k (not with "
                 "--no-ranking) and the train loss for ials, bpr");
  ev->add_option("--plot", eo->plot,
                 "draw the learning curve to this SVG: RMSE for rating models, NDCG@k and recall@k (train loss on "
                 "a right axis) for ranking models");
  ev->add_option("--save-split", eo->save_split,
                 "also write each split's train and test as MovieLens CSV into this folder (foldK.train, "
                 "foldK.test), to run another library on the same data; read back with --split files:...");
  ev->add_flag("--list-models", eo->list, "list the models and their parameters");
  ev->add_option("--side", eo->side,
                 "side features genres,year,tags,genome,posters=FILE[:weight]: the content models' side=, and what a "
                 "cold-items movie must have");
  ev->add_option("--candidates", eo->candidates,
                 "ranked movies: new (the split's new movies; default for cold-items), all (new and old, with the "
                 "new movies' share of the top k), unrated (every movie unrated in train; default otherwise)");
  ev->add_option("--reveal", eo->reveal,
                 "with --split cold-users:P: each new user's first N ratings by time stay in train (default 0)")
      ->check(CLI::Range(0LL, 1000000LL));
  ev->callback([eo, k_opt, rel_opt] {
    eo->k_given = k_opt->count() > 0;
    eo->relevance_given = rel_opt->count() > 0;
    apply_reveal(*eo);
    run_evaluate(*eo);
  });

  auto so = std::make_shared<SplitCliOptions>();
  auto* sp =
      app.add_subcommand("split", "write a split's folds as MovieLens CSV (foldK.train, foldK.test) into a folder");
  add_common_options(sp, so->common);
  sp->add_option("--split", so->split,
                 "holdout:N | kfold:K | temporal:N | cold-items:P | cold-users:P[:reveal=N] | files:...")
      ->capture_default_str();
  sp->add_option("--seed", so->seed, "random seed of the split")->capture_default_str();
  sp->add_option("--out", so->out, "folder to write (created if missing)")->required();
  sp->callback([so] { run_split(*so); });

  auto to = std::make_shared<TrainOptions>();
  auto* tr = app.add_subcommand("train", "fit a model and save it to a model file (.mrm)");
  add_common_options(tr, to->common);
  tr->add_option("--model", to->model, "model name")->capture_default_str();
  tr->add_option("--param", to->params, "model parameter key=value (repeatable)");
  tr->add_option("--out", to->out, "model file to write (atomically)")->required();
  tr->add_option("--split", to->split, "train on this split's train part (none: all ratings)")->capture_default_str();
  tr->add_option("--seed", to->seed, "random seed of the split")->capture_default_str();
  tr->add_option("--side", to->side, "side features (as for evaluate)");
  tr->callback([to] { run_train(*to); });

  auto tu = std::make_shared<TuneCliOptions>();
  auto* tn = app.add_subcommand("tune", "grid or random search of a model's parameters by cross-validation");
  add_common_options(tn, tu->common);
  tn->add_option("--model", tu->model, "model name")->capture_default_str();
  tn->add_option("--grid", tu->grid, "\"factors=20,50,100;reg=0.02,0.05\"; with --random also ranges \"lr=0.001:0.1\"")
      ->required();
  tn->add_option("--param", tu->params, "fixed parameter key=value (repeatable)");
  tn->add_option("--split", tu->split, "split spec as for evaluate")->capture_default_str();
  tn->add_option("--metric", tu->metric, "metric to optimise: rmse, mae, ndcg@10, recall@10...")->capture_default_str();
  tn->add_option("--random", tu->random, "random search: sample N combinations instead of the full grid");
  tn->add_option("--seed", tu->seed, "seed of the split and of random search")->capture_default_str();
  add_top_option(tn, "-k", tu->k, "cut-off of top-N metrics");
  tn->add_option("--side", tu->side, "side features (as for evaluate)");
  tn->add_option("--candidates", tu->candidates, "ranked movies (as for evaluate)");
  tn->add_option("--relevance-threshold", tu->relevance, "test ratings >= this are relevant for top-N (0: all)")
      ->capture_default_str();
  tn->callback([tu] { run_tune(*tu); });
}

}  // namespace movierec::cli
