// Shared pieces of the CLI subcommands: common options, data loading, output.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "movierec/dataset.h"

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
// `posters fetch` under the `posters` command that add_poster_commands creates (cmd_fetch.cpp).
void add_posters_fetch_command(CLI::App* posters);

}  // namespace movierec::cli
