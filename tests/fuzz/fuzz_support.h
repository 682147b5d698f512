// Shared pieces of the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp, built with
// -DMOVIEREC_FUZZ=ON by scripts/sanitize; run with scripts/fuzz TARGET SECONDS).
//
// Each harness feeds bytes to one parser the way the library meets them and
// lets only movierec::Error escape quietly: any other exception, a crash, a
// sanitizer report, a leak or an allocation above -rss_limit_mb is a finding.
// With MOVIEREC_FUZZ_WRITE_SEEDS=DIR set, LLVMFuzzerInitialize writes the
// harness's seed inputs into DIR and exits (scripts/fuzz --seeds TARGET).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace movierec::fuzz {

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", p.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_all(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", p.c_str());
    std::abort();
  }
}

inline std::filesystem::path fixture(const std::string& sub) {
  return std::filesystem::path(MOVIEREC_SOURCE_DIR) / "tests" / "fixtures" / sub;
}

// A scratch folder for this process (in /dev/shm when there is one), removed at exit.
inline std::filesystem::path& scratch_path() {
  static std::filesystem::path p;
  return p;
}
inline void remove_scratch() {
  std::error_code ec;
  std::filesystem::remove_all(scratch_path(), ec);
}
inline const std::filesystem::path& scratch() {
  if (scratch_path().empty()) {
    std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    scratch_path() = base / ("movierec-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(scratch_path());
    std::atexit(remove_scratch);
  }
  return scratch_path();
}

// Where seeds go when MOVIEREC_FUZZ_WRITE_SEEDS is set, else empty.
inline std::filesystem::path seed_dir() {
  const char* d = std::getenv("MOVIEREC_FUZZ_WRITE_SEEDS");
  return d && *d ? std::filesystem::path(d) : std::filesystem::path();
}

// Writes seed number n into the seed folder.
inline void write_seed(const std::filesystem::path& dir, int n, std::string_view bytes) {
  std::filesystem::create_directories(dir);
  char name[32];
  std::snprintf(name, sizeof name, "seed-%03d", n);
  write_all(dir / name, bytes);
}

}  // namespace movierec::fuzz
