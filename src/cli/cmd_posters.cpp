#include "cli/common.h"

namespace movierec::cli {
void add_poster_commands(CLI::App&) {}
}  // namespace movierec::cli
