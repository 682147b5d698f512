// movierec command line. Exit codes: 0 ok, 1 runtime failure (machine, network),
// 2 bad usage or bad input (including a missing or unreadable input file, or a
// folder where a file belongs).
#include <omp.h>

#include <cstdio>
#include <iostream>

#include "cli/common.h"
#include "cli/lazy.h"
#include "movierec/errors.h"

namespace movierec::cli {

void add_common_options(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--data", o.data,
                  "dataset folder, or a name fetched on first use (ml-latest-small, ml-100k, ml-1m, ml-25m, ml-32m)")
      ->capture_default_str();
  cmd->add_flag("--json", o.json, "print one JSON object on stdout");
  cmd->add_flag("--lenient", o.lenient, "skip bad input rows (reports how many and the first few)");
  add_threads_option(cmd, o.threads);
}

CLI::Option* add_top_option(CLI::App* cmd, const std::string& name, std::size_t& k, const std::string& doc) {
  return cmd->add_option(name, k, doc + " (1 to " + std::to_string(kMaxTop) + ")")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), kMaxTop));
}

CLI::Option* add_threads_option(CLI::App* cmd, int& threads) {
  return cmd
      ->add_option("--threads", threads, "threads to use (0: every core; at most " + std::to_string(kMaxThreads) + ")")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
}

void warn_threads(int threads) {
  const int cores = omp_get_num_procs();
  if (threads > cores)
    std::cerr << "warning: --threads " << threads << " is more than this machine's " << cores
              << " cores; the extra threads only wait for each other\n";
}

Dataset load_data(const CommonOptions& o, bool timestamps, bool links) {
  warn_threads(o.threads);
  if (o.threads > 0) omp_set_num_threads(o.threads);
  LoadOptions lo;
  lo.lenient = o.lenient;
  lo.timestamps = timestamps;
  lo.load_links = links;
  LoadReport report;
  Dataset ds = load_dataset(data_folder(o.data), lo, &report);
  if (report.skipped > 0) {
    std::cerr << "warning: skipped " << report.skipped << " bad rows (--lenient); first ones:\n";
    for (const auto& e : report.first_errors) std::cerr << "  " << e << "\n";
  }
  return ds;
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << std::endl; }

void one_value_per_flag(CLI::App* app) {
  bool has_positional = false;
  for (const CLI::Option* opt : app->get_options()) has_positional = has_positional || opt->get_positional();
  if (has_positional) {
    for (CLI::Option* opt : app->get_options([](const CLI::Option* o) { return o->get_items_expected_max() > 1; })) {
      if (opt->get_positional()) continue;
      opt->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    }
  }
  for (CLI::App* sub : app->get_subcommands({})) one_value_per_flag(sub);
}

}  // namespace movierec::cli

int main(int argc, char** argv) {
  using namespace movierec;
  CLI::App app{"movierec: a fast movie recommender (collaborative filtering, matrix factorisation, posters)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "movierec 0.1.0");
  cli::add_data_commands(app);
  cli::add_eval_commands(app);
  cli::add_query_commands(app);
  cli::add_demo_command(app);
  try {
    cli::add_heavy_commands(app, argc > 1 ? argv[1] : "");
    cli::one_value_per_flag(&app);
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const DataError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const ConfigError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const NotSupported& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const InputError& e) {  // a file or folder the user named: bad input
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
