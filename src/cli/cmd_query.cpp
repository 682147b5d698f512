#include "cli/common.h"

namespace movierec::cli {
void add_query_commands(CLI::App&) {}
}  // namespace movierec::cli
