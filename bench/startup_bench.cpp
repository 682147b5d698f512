// Start-up cost of the movierec command line, as a user pays it: CPU time
// (user + system) of whole child processes and the shared libraries each loads.
//   movierec --help                       the floor of every command
//   movierec stats --data ml-latest-small  start-up plus loading 100k ratings
//   movierec posters --help               a command that loads movierec_heavy.so
//                                          (OpenCV DNN, curl...): what posters pay
// Libraries: the objects the dynamic loader initialises (LD_DEBUG=libs "calling
// init" lines, dlopen'ed ones included) in a separate run, so the count does
// not slow the timed runs. Target (issue 12): --help and stats <= 20 ms CPU
// with <= 70 libraries. Before the split (one binary linking OpenCV imgcodecs,
// measured with this method on 2026-11-30 at load ~14): --help 103 ms CPU,
// 147 libraries.
//
// usage: startup_bench [--runs N] [--movierec PATH] [shared_dir]
//   PATH: default the movierec beside this program; shared_dir: $MOVIEREC_SHARED or ../shared.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "support/measure.h"

namespace fs = std::filesystem;
using namespace movierec::bench;

namespace {

std::size_t libraries_loaded(const std::vector<std::string>& argv) {
  const fs::path log = fs::temp_directory_path() / ("movierec-startup-" + std::to_string(::getpid()));
  run_child(argv, {"LD_DEBUG=libs", "LD_DEBUG_OUTPUT=" + log.string()});
  std::set<std::string> libs;
  for (const auto& entry : fs::directory_iterator(log.parent_path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(log.filename().string() + ".", 0) != 0) continue;  // ld.so appends .<pid>
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line))
      if (auto at = line.find("calling init: "); at != std::string::npos) libs.insert(line.substr(at + 14));
    fs::remove(entry.path());
  }
  return libs.size();
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 30;
  fs::path movierec = fs::canonical("/proc/self/exe").parent_path() / "movierec";
  fs::path shared = shared_dir();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
      runs = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--movierec") && i + 1 < argc)
      movierec = argv[++i];
    else
      shared = argv[i];
  }
  const fs::path data = shared / "data" / "ml-latest-small";
  struct Case {
    std::string label;
    std::vector<std::string> args;
    bool targeted;
  };
  std::vector<Case> cases = {{"movierec --help", {movierec.string(), "--help"}, true}};
  if (fs::is_directory(data))
    cases.push_back(
        {"movierec stats --data ml-latest-small", {movierec.string(), "stats", "--data", data.string()}, true});
  else
    std::printf("(no %s: stats skipped)\n", data.c_str());
  cases.push_back({"movierec posters --help", {movierec.string(), "posters", "--help"}, false});

  std::printf("startup_bench: %s, %d runs each, load average %.2f at start\n", movierec.c_str(), runs,
              load_average_1min());
  std::printf("%-40s %9s %9s %9s %6s\n", "command", "cpu best", "cpu med", "wall med", "libs");
  bool met = true;
  for (const auto& c : cases) {
    std::vector<double> cpu, wall;
    for (int r = 0; r < runs; ++r) {
      const ChildRun run = run_child(c.args);
      if (run.status != 0) {
        std::printf("%s: exit status %d\n", c.label.c_str(), run.status);
        return 1;
      }
      cpu.push_back(run.cpu_ms);
      wall.push_back(run.wall_ms);
    }
    const std::size_t libs = libraries_loaded(c.args);
    std::sort(cpu.begin(), cpu.end());
    std::printf("%-40s %6.1f ms %6.1f ms %6.1f ms %6zu\n", c.label.c_str(), cpu.front(), median(cpu), median(wall),
                libs);
    if (c.targeted) met = met && median(cpu) <= 20 && libs <= 70;
  }
  std::printf("load average %.2f at end; target (--help and stats: median <= 20 ms CPU, <= 70 libraries): %s\n",
              load_average_1min(), met ? "met" : "not met");
  return 0;
}
