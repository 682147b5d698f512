// Access to ../shared (datasets, posters, models) from tests. Tests that need
// it call MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-100k") and are skipped, with
// the reason printed, where it is absent.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace movierec::testing {

// $MOVIEREC_SHARED, or ../shared beside the source tree.
inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("MOVIEREC_SHARED")) return env;
  return std::filesystem::path(MOVIEREC_SOURCE_DIR).parent_path() / "shared";
}

inline std::filesystem::path shared_path(const std::string& sub) { return shared_dir() / sub; }

// A fresh empty temporary folder for one test, removed by the caller if wanted.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("movierec-test-" + name + "-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            std::to_string(reinterpret_cast<std::uintptr_t>(&name)));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace movierec::testing

// statement must throw ErrorType whose message contains each of the strings
// that follow (bad input is named in the message: STYLE.md §4, §5).
#define MOVIEREC_EXPECT_ERROR(statement, ErrorType, ...)                                        \
  do {                                                                                          \
    try {                                                                                       \
      statement;                                                                                \
      ADD_FAILURE() << #statement " did not throw";                                             \
    } catch (const ErrorType& error_) {                                                         \
      for (const std::string part_ : {__VA_ARGS__})                                             \
        EXPECT_NE(std::string(error_.what()).find(part_), std::string::npos)                    \
            << #statement ": the message does not name \"" << part_ << "\": " << error_.what(); \
    }                                                                                           \
  } while (0)

#define MOVIEREC_SKIP_WITHOUT_SHARED(sub)                                                    \
  do {                                                                                       \
    if (!std::filesystem::exists(::movierec::testing::shared_path(sub)))                     \
      GTEST_SKIP() << "skipped: " << ::movierec::testing::shared_path(sub).string()          \
                   << " is absent (tests on shared data need ../shared beside the project)"; \
  } while (0)
