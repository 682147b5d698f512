// Shared pieces of the CLI subcommands: common options, data loading, output.
#pragma once

#include <CLI/CLI.hpp>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/recommender.h"

namespace movierec::cli {

// Ranges of the options every command shares: more threads than this only
// slows the loops down (2000 made svd 600x slower), and no list is longer than
// the largest dataset's movies (ml-32m: 87,585).
constexpr int kMaxThreads = 1024;
constexpr std::size_t kMaxTop = 100000;

// -k / --top with its range check ([1, kMaxTop]).
CLI::Option* add_top_option(CLI::App* cmd, const std::string& name, std::size_t& k, const std::string& doc);
// --threads with its range check ([0, kMaxThreads]).
CLI::Option* add_threads_option(CLI::App* cmd, int& threads);
// Warns on stderr when threads is above this machine's cores (allowed, but slower).
void warn_threads(int threads);

struct CommonOptions {
  std::string data = "ml-latest-small";  // folder or dataset name
  bool json = false;                     // one JSON object on stdout
  bool lenient = false;                  // skip bad rows
  int threads = 0;                       // 0: every core
};

// Adds --data, --json, --lenient, --threads to a subcommand.
void add_common_options(CLI::App* cmd, CommonOptions& o);

// Resolves --data (fetching a named dataset on first use), loads it, reports
// skipped rows on stderr in lenient mode, applies --threads. timestamps false:
// the ratings' timestamps are not kept (4 bytes a rating less; for commands
// whose split does not read them).
Dataset load_data(const CommonOptions& o, bool timestamps = true, bool links = true);
// Whether a split spec, or writing the split's files, reads the timestamps.
inline bool split_needs_timestamps(const std::string& split, bool writes_files) {
  return writes_files || split.starts_with("temporal") || split.starts_with("cold-users");
}
// The folder of --data: a folder, or a dataset name fetched into the cache on
// first use (progress on stderr when it is a terminal).
std::filesystem::path data_folder(const std::string& folder_or_name);

// In every command that takes a positional argument (a title, a name), each
// repeatable option (--param) takes one value per occurrence, so that
// `similar --param features=f.mrf "Heat (1995)"` keeps the title a title.
void one_value_per_flag(CLI::App* app);

// The library names its parameters in errors ("size: expected ..."); the CLI
// names its flags. Returns f(), rethrowing a ConfigError that starts with one
// of names + ":" as "--name: ...".
template <typename F>
auto flag_errors(std::initializer_list<const char*> names, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    for (const char* n : names)
      if (m.starts_with(std::string(n) + ":")) throw ConfigError("--" + m);
    throw;
  }
}

// Prints a JSON object on stdout (pretty, newline-terminated).
void print_json(const nlohmann::json& j);

// Command groups, one file each.
void add_data_commands(CLI::App& app);    // stats, fetch-data (cmd_data.cpp)
void add_eval_commands(CLI::App& app);    // evaluate, train, tune (cmd_eval.cpp)
void add_query_commands(CLI::App& app);   // similar, recommend (cmd_query.cpp)
void add_demo_command(CLI::App& app);     // demo (cmd_demo.cpp)
void add_fetch_commands(CLI::App& app);   // fetch-data, fetch-model (cmd_fetch.cpp)
void add_poster_commands(CLI::App& app);  // posters embed, gallery, similarity-report (cmd_posters.cpp)
void add_serve_commands(CLI::App& app);   // serve, ratings export (cmd_serve.cpp)
// `posters fetch` under the `posters` command that add_poster_commands creates (cmd_fetch.cpp).
void add_posters_fetch_command(CLI::App* posters);

}  // namespace movierec::cli

namespace movierec::cli {

// A plain-text table: columns padded to the widest cell; numbers right-aligned.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// Splits "a,b,c" into names, trimming blanks.
std::vector<std::string> split_list(const std::string& s);

// resolve_movie (movierec/dataset.h), listing on stderr the other movies of
// the same name it did not choose.
ItemIndex resolve_movie_noting(const Dataset& ds, const std::string& query);

// The `stats` report (text, or one JSON object).
void print_stats(const Dataset& ds, bool json);

// "Heat (1995)", year, "Action|Crime|Thriller" helpers for output.
std::string genres_text(const Movie& m);

// Warns on stderr when a model's parameters, each within its range, add up to
// an absurd amount of work on r: estimated multiply-adds of training above
// kCostlyWork (about 3 hours at 1e9 a second). Factor models only: SGD-type
// (svd, svd-alternating, svdpp, bpr) nnz * factors * epochs; ALS-type (als,
// ials) iterations * (nnz * factors^2 + (users + movies) * factors^3).
constexpr double kCostlyWork = 1e13;
void warn_if_costly(const std::string& model, const ParamMap& params, const RatingMatrix& r);

// --model-file when given (checked against ds), else model fitted on all of ds.
std::unique_ptr<Recommender> model_or_file(const Dataset& ds, const std::string& model, const ParamMap& params,
                                           const std::string& model_file, bool progress);

}  // namespace movierec::cli
