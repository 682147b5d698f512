#include "cli/common.h"

namespace movierec::cli {
void add_data_commands(CLI::App&) {}
}  // namespace movierec::cli
