#include "cli/common.h"

namespace movierec::cli {
void add_fetch_commands(CLI::App&) {}
void add_posters_fetch_command(CLI::App*) {}
}  // namespace movierec::cli
