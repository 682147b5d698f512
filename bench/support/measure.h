// Measuring helpers shared by the bench programs: wall and CPU time, peak
// memory of a step.
#pragma once

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace movierec::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds of this process (user + system, all threads): on a busy machine
// wall time includes waiting for a core, CPU time does not.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// A field of /proc/self/status ("VmRSS", "VmHWM"), in bytes.
inline std::size_t status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(in, line))
    if (line.rfind(k, 0) == 0) return std::strtoull(line.c_str() + k.size(), nullptr, 10) * 1024;
  return 0;
}

// Resets VmHWM (the peak) to the current RSS (Linux >= 4.0).
inline bool reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out);
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Peak memory added by a step: construct before it, read peak_delta() after.
class PeakMemory {
 public:
  // Freed heap memory goes back to the system first, so the step's own
  // allocations show as new resident pages.
  PeakMemory() : rss0_((malloc_trim(0), status_kb("VmRSS"))) { reset_peak(); }
  std::size_t peak_delta() const {
    std::size_t hwm = status_kb("VmHWM");
    return hwm > rss0_ ? hwm - rss0_ : 0;
  }

 private:
  std::size_t rss0_;
};

// $MOVIEREC_SHARED, else ../shared beside the project (run from the
// repository root or from build/).
inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("MOVIEREC_SHARED")) return env;
  return std::filesystem::exists("../shared") ? std::filesystem::path("../shared")
                                              : std::filesystem::path("../../shared");
}

// One run of another program: its CPU time (user + system, all threads), wall
// time and whole-process peak RSS (ru_maxrss of wait4 = the child's VmHWM).
struct ChildRun {
  int status = -1;  // exit code, or -1 when it did not exit normally
  double cpu_ms = 0;
  double wall_ms = 0;
  std::size_t peak_rss = 0;  // bytes
};

// Runs argv[0] with argv (stdout and stderr to /dev/null unless keep_output),
// with `env` ("NAME=value") added to this process's environment.
inline ChildRun run_child(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                          bool keep_output = false) {
  ChildRun r;
  std::fflush(nullptr);  // else the child's copy of unwritten output is written twice
  const auto t0 = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    if (!keep_output) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  rusage u{};
  if (pid < 0 || ::wait4(pid, &status, 0, &u) < 0) return r;
  r.wall_ms = 1000 * seconds_since(t0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.cpu_ms = 1000.0 * static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
             1e-3 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  r.peak_rss = static_cast<std::size_t>(u.ru_maxrss) * 1024;
  return r;
}

// The 1-minute load average, printed with every timing.
inline double load_average_1min() {
  double l[3] = {0, 0, 0};
  return ::getloadavg(l, 3) > 0 ? l[0] : -1;
}

}  // namespace movierec::bench
