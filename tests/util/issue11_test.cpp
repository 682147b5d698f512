// Issue 11: atomic writes (stale temporaries, folders), escaping of outside
// text, top-k with absurd k, rating matrices whose sizes would wrap.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "../support/shared.h"
#include "movierec/errors.h"
#include "movierec/rating_matrix.h"
#include "util/atomic_file.h"
#include "util/strings.h"
#include "util/topk.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// The pid of a process that has exited (and been reaped): no process has it
// until the kernel wraps around the pid space.
long dead_pid() {
  pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  int status;
  ::waitpid(p, &status, 0);
  return p;
}

}  // namespace

TEST(Issue11AtomicFile, StaleTemporariesOfKilledWritersAreRemoved) {
  auto dir = temp_dir("issue11-stale");
  const long dead = dead_pid();
  const auto stale = dir / ("model.mrm.tmp." + std::to_string(dead) + ".0");
  const auto live = dir / ("model.mrm.tmp." + std::to_string(::getppid()) + ".0");  // a running process
  const auto other = dir / ("other.mrm.tmp." + std::to_string(dead) + ".0");        // another target's
  for (const auto& p : {stale, live, other}) write_file_atomically(p, "partial");
  write_file_atomically(dir / "model.mrm", "new contents");
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(live));
  EXPECT_TRUE(std::filesystem::exists(other));
  EXPECT_EQ(read_file(dir / "model.mrm"), "new contents");
  std::filesystem::remove_all(dir);
}

TEST(Issue11AtomicFile, TempFilePidParsing) {
  EXPECT_EQ(temp_file_pid("svd.mrm.tmp.1234.7", ".tmp."), 1234);
  EXPECT_EQ(temp_file_pid(".fetch-99-3", ".fetch-"), 99);
  EXPECT_EQ(temp_file_pid("svd.mrm.tmp.12x4.7", ".tmp."), -1);
  EXPECT_EQ(temp_file_pid("svd.mrm.tmp.1234", ".tmp."), -1);  // no counter: not ours
  EXPECT_EQ(temp_file_pid("svd.mrm", ".tmp."), -1);
}

TEST(Issue11AtomicFile, AFolderWhereAFileBelongsIsNamedAsSuch) {
  auto dir = temp_dir("issue11-folder");
  try {
    write_file_atomically(dir, "x");
    ADD_FAILURE() << "wrote over a folder";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder, not a file"), std::string::npos) << e.what();
  }
  try {
    read_file(dir);
    ADD_FAILURE() << "read a folder";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.string() + " is a folder, not a file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_file(dir / "absent"), InputError);
  EXPECT_THROW(read_file("/dev/zero"), InputError);  // read until memory ran out
  std::filesystem::remove_all(dir);
}

TEST(Issue11Printable, ControlCharactersAreEscaped) {
  // ESC [2J clears a terminal; CSI as the C1 byte U+009B in UTF-8 (c2 9b) too.
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(printable("x\xc2\x9b"
                      "2Jy"),
            "x\\xc2\\x9b2Jy");
  EXPECT_EQ(printable("tab\there\x7f"), "tab\\x09here\\x7f");
  // UTF-8 text stays (é, 日本), a lone continuation byte or cut sequence does not.
  EXPECT_EQ(printable("Am\xc3\xa9lie \xe6\x97\xa5\xe6\x9c\xac"), "Am\xc3\xa9lie \xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(printable("\x80z\xe6\x97"), "\\x80z\\xe6\\x97");
  EXPECT_EQ(printable(std::string(10, 'a'), 4), "aaaa...");
}

TEST(Issue11TopK, AHugeKReservesNoMoreThanTheItems) {
  std::vector<float> s = {0.5f, 2.f, 1.f};
  auto all = top_k(std::span<const float>(s), 10'000'000);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LE(all.capacity(), 4u);  // was 10,000,001 per call (evaluate -k 10000000 reserved k per user)
  EXPECT_EQ(all[0].item, 1u);
  EXPECT_EQ(top_k(std::span<const float>(s), std::numeric_limits<std::size_t>::max()).size(), 3u);
}

TEST(Issue11RatingMatrix, SizesThatWouldWrapAreRefused) {
  // n + 1 offsets: 2^64 - 1 users wrapped to 0 elements before the fix.
  EXPECT_THROW(RatingMatrix(std::numeric_limits<std::size_t>::max(), 2, {}), DataError);
  EXPECT_THROW(RatingMatrix(2, std::size_t(1) << 32, {}), DataError);
}
