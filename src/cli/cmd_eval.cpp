#include "cli/common.h"

namespace movierec::cli {
void add_eval_commands(CLI::App&) {}
}  // namespace movierec::cli
