// Shared pieces of the CLI subcommands: common options, data loading, output.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "movierec/dataset.h"
#include "movierec/recommender.h"

namespace movierec::cli {

struct CommonOptions {
  std::string data = "ml-latest-small";  // folder or dataset name
  bool json = false;                      // one JSON object on stdout
  bool lenient = false;                   // skip bad rows
  int threads = 0;                        // 0: every core
};

// Adds --data, --json, --lenient, --threads to a subcommand.
void add_common_options(CLI::App* cmd, CommonOptions& o);

// Resolves --data (fetching a named dataset on first use), loads it, reports
// skipped rows on stderr in lenient mode, applies --threads.
Dataset load_data(const CommonOptions& o);

// Prints a JSON object on stdout (pretty, newline-terminated).
void print_json(const nlohmann::json& j);

// Command groups, one file each.
void add_data_commands(CLI::App& app);     // stats, fetch-data (cmd_data.cpp)
void add_eval_commands(CLI::App& app);     // evaluate, train, tune (cmd_eval.cpp)
void add_query_commands(CLI::App& app);    // similar, recommend (cmd_query.cpp)
void add_demo_command(CLI::App& app);      // demo (cmd_demo.cpp)
void add_fetch_commands(CLI::App& app);    // fetch-data, fetch-model (cmd_fetch.cpp)
void add_poster_commands(CLI::App& app);   // posters embed, gallery, similarity-report (cmd_posters.cpp)
void add_serve_commands(CLI::App& app);     // serve, ratings export (cmd_serve.cpp)
// `posters fetch` under the `posters` command that add_poster_commands creates (cmd_fetch.cpp).
void add_posters_fetch_command(CLI::App* posters);

}  // namespace movierec::cli

namespace movierec::cli {

// A plain-text table: columns padded to the widest cell; numbers right-aligned.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// Parameters for one model out of --param values: "key=value" applies to every
// model, "model.key=value" only to that model.
ParamMap params_for(const std::string& model, const std::vector<std::string>& raw);

// Splits "a,b,c" into names, trimming blanks.
std::vector<std::string> split_list(const std::string& s);

// Resolves a title query or "#id"/numeric movieId to one movie, choosing the best
// candidate: an exact title, else the only match, else the most-rated movie whose
// title without year equals the query (the others are listed on stderr). Several
// looser matches are a ConfigError listing them.
ItemIndex resolve_movie(const Dataset& ds, const std::string& query);

// model.similar_items(i, k), keeping only movies with at least min_ratings
// ratings in ds (0: all). Factor models give obscure movies noisy vectors, so a
// small floor makes their lists readable.
std::vector<ScoredItem> similar_with_min_ratings(const Dataset& ds, const Recommender& model, ItemIndex i,
                                                 std::size_t k, std::size_t min_ratings);

// The `stats` report (text, or one JSON object).
void print_stats(const Dataset& ds, bool json);

// "Heat (1995)", year, "Action|Crime|Thriller" helpers for output.
std::string genres_text(const Movie& m);

// Creates a model and fits it on all of ds (or loads model_file when not empty).
std::unique_ptr<Recommender> fitted_model(const Dataset& ds, const std::string& model, const ParamMap& params,
                                          const std::string& model_file, bool progress);

}  // namespace movierec::cli
