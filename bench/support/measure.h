// Measuring helpers shared by the bench programs: wall and CPU time, peak
// memory of a step.
#pragma once

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
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

}  // namespace movierec::bench
