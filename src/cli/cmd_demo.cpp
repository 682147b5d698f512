#include "cli/common.h"

namespace movierec::cli {
void add_demo_command(CLI::App&) {}
}  // namespace movierec::cli
