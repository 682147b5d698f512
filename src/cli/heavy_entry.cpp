// Entry points of movierec_heavy.so (see lazy.h): the poster, download and
// serve commands, and dataset names resolved to folders (fetched on first use).
#include <unistd.h>

#include <iostream>

#include "cli/common.h"
#include "cli/lazy.h"
#include "movierec/errors.h"
#include "net/datasets.h"

extern "C" {

__attribute__((visibility("default"))) void movierec_heavy_add_commands(CLI::App* app) {
  movierec::cli::add_fetch_commands(*app);
  movierec::cli::add_poster_commands(*app);
  movierec::cli::add_serve_commands(*app);
}

__attribute__((visibility("default"))) void movierec_heavy_resolve_data(const std::string* folder_or_name,
                                                                        std::filesystem::path* out) {
  using namespace movierec;
  net::FetchDataOptions fo;
  fo.progress = ::isatty(STDERR_FILENO) == 1;
  try {
    *out = net::resolve_dataset(*folder_or_name, fo, [](const std::string& line) { std::cerr << line << "\n"; });
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("--data: ") + e.what());
  }
}
}
