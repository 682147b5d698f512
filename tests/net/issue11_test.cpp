// Issue 11: zip bombs and junk in downloaded archives.
#include <gtest/gtest.h>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "movierec/errors.h"
#include "net/archive.h"
#include "net/datasets.h"
#include "util/atomic_file.h"

using namespace movierec;
using namespace movierec::net;

namespace {

void expect_capped(const std::filesystem::path& zip, const std::filesystem::path& out, const ExtractLimits& limits,
                   const std::string& problem) {
  std::filesystem::remove_all(out);
  std::filesystem::create_directories(out);
  try {
    extract_zip(zip, out, limits);
    ADD_FAILURE() << "extracted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Issue11Zip, DeclaredSizesAboveTheCapAreRefusedBeforeWriting) {
  auto dir = movierec::testing::temp_dir("issue11-zip");
  // 4 MiB of zeros deflate to about 4 KB: a ratio of about 1000.
  write_file_atomically(dir / "bomb.zip", movierec::testing::make_zip({{"set/ratings.csv", "userId\n"},
                                                                       {"set/zeros.csv", std::string(4 << 20, '\0')}}));
  ASSERT_LT(std::filesystem::file_size(dir / "bomb.zip"), 64u << 10);
  ExtractLimits cap;
  cap.max_bytes = 1 << 20;
  expect_capped(dir / "bomb.zip", dir / "out", cap, "entry 'set/zeros.csv' would unpack the archive to 4194311 bytes");
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "set" / "zeros.csv"));  // refused before writing
  ExtractLimits ratio;
  ratio.max_ratio = 20;
  expect_capped(dir / "bomb.zip", dir / "out", ratio, "above the cap of");
  // Unlimited, it unpacks (the caps are what stop it).
  std::filesystem::remove_all(dir / "out");
  std::filesystem::create_directories(dir / "out");
  EXPECT_EQ(extract_zip(dir / "bomb.zip", dir / "out").bytes, (4u << 20) + 7);
  std::filesystem::remove_all(dir);
}

TEST(Issue11Zip, OnlyDatasetFilesAreWritten) {
  auto dir = movierec::testing::temp_dir("issue11-zip-keep");
  write_file_atomically(dir / "a.zip", movierec::testing::make_zip({{"set/ratings.csv", "r"},
                                                                    {"set/junk.bin", std::string(100000, '\0')},
                                                                    {"set/README.txt", "x"}}));
  std::filesystem::create_directories(dir / "out");
  ExtractLimits keep;
  keep.keep = dataset_file;
  auto st = extract_zip(dir / "a.zip", dir / "out", keep);
  EXPECT_EQ(st.files, 2u);
  EXPECT_EQ(st.skipped, 1u);
  EXPECT_EQ(st.bytes, 2u);
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "set" / "junk.bin"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "set" / "README.txt"));
  std::filesystem::remove_all(dir);
}

TEST(Issue11Zip, DatasetFileNames) {
  for (const char* ok : {"ml-latest-small/ratings.csv", "x/movies.csv", "links.csv", "tags.csv", "ml-1m/ratings.dat",
                         "ml-1m/users.dat", "ml-100k/u.data", "ml-100k/u.item", "ml-100k/u1.base", "ml-100k/u5.test",
                         "ml-100k/ua.base", "ml-100k/README", "ml-latest-small/README.txt"})
    EXPECT_TRUE(dataset_file(ok)) << ok;
  for (const char* no : {"zeros.bin", "ml-25m/genome-scores.csv", "u6.base", "u1.bas", "ratings.csv.exe", "x/.hidden"})
    EXPECT_FALSE(dataset_file(no)) << no;
}
