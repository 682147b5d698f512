// Runs commands from tests: a shell command line with its output captured, or
// the movierec binary with stdout and stderr apart. A process killed by a
// signal reports 128 + the signal number, as a shell does.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace movierec::testing {

namespace detail {
inline int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
// Reads a pipe opened by popen to its end; returns the exit code.
inline int drain(FILE* p, std::string& out) {
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return exit_code(::pclose(p));
}
}  // namespace detail

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing stdout and stderr together.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p) r.exit_code = detail::drain(p, r.output);
  return r;
}

struct CliResult {
  int code = -1;
  std::string out, err;
};

#ifdef MOVIEREC_BINARY
// Runs `movierec ARGS` (ARGS shell-quoted by the caller), stdout and stderr apart.
inline CliResult run_cli(const std::string& args) {
  static int n = 0;
  const auto err_file = std::filesystem::temp_directory_path() /
                        ("movierec-test-err-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  CliResult r;
  FILE* p = ::popen((std::string(MOVIEREC_BINARY) + " " + args + " 2>" + err_file.string()).c_str(), "r");
  if (p) r.code = detail::drain(p, r.out);
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::filesystem::remove(err_file);
  return r;
}
#endif

}  // namespace movierec::testing
