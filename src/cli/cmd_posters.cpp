#include "cli/common.h"

namespace movierec::cli {
void add_poster_commands(CLI::App& app) {
  auto* posters = app.add_subcommand("posters", "fetch posters from TMDB and embed them with a CNN");
  add_posters_fetch_command(posters);
}
}  // namespace movierec::cli
