// Issue 11: parameter limits, rating lists, exit codes by cause, folders where
// files belong, through the movierec binary.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "../support/process.h"
#include "../support/shared.h"

namespace {

using Result = movierec::testing::CliResult;

Result run(const std::string& args) { return movierec::testing::run_cli(args); }

std::string data() { return " --data " + std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/cli-tiny"; }

void expect_bad(const std::string& args, const std::string& message) {
  SCOPED_TRACE(args);
  auto r = run(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
}

}  // namespace

TEST(Issue11Cli, ThreadsOutsideTheirRangeAreRefused) {
  // 100000 crashed evaluate (exit 139); 2000 made svd 600x slower; -5 was accepted.
  for (const char* t : {"100000", "2000", "-5", "1025"})
    expect_bad("evaluate --model baseline --split holdout:1 --threads " + std::string(t) + data(), "--threads");
  auto ok = run("evaluate --model baseline --split holdout:1 --threads 1024 --json" + data());
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.err.find("more than this machine's"), std::string::npos) << ok.err;
}

TEST(Issue11Cli, TopKOutsideItsRangeIsRefused) {
  for (const char* k : {"0", "-1", "18446744073709551615", "10000000"}) {
    expect_bad("recommend --model popularity --user 1 -k " + std::string(k) + data(), "not in range 1 to 100000");
    expect_bad("evaluate --model popularity --split holdout:1 -k " + std::string(k) + data(),
               "not in range 1 to 100000");
  }
}

TEST(Issue11Cli, SplitsWithoutTestRatingsAreRefused) {
  expect_bad("evaluate --model baseline --split holdout:1000000" + data(), "leaves no test ratings");
  expect_bad("evaluate --model baseline --split temporal:99999999999" + data(), "leaves no test ratings");
  expect_bad("evaluate --model baseline --split kfold:1000000000" + data(), "K must be at most the number of ratings");
}

TEST(Issue11Cli, RatingsListsAreParsedStrictly) {
  const std::string rec = "recommend --model baseline -k 2 --json --ratings ";
  expect_bad(rec + "\"Heat (1995)=nan\"" + data(), "must be in [0.5, 5], got nan");
  expect_bad(rec + "\"Heat (1995)=-nan\"" + data(), "got -nan");
  expect_bad(rec + "\"Heat (1995)=5,heat=4\"" + data(), "\"Heat (1995)\" is given twice");
  expect_bad(rec + "\"Heat (1995)\"" + data(), "has no =rating");
  // A title with a comma: as is, and quoted.
  for (const char* given :
       {"\"Usual Suspects, The (1995)=5,Heat (1995)=4\"", "'\"Usual Suspects, The (1995)\"=5, Heat (1995)=4'"}) {
    SCOPED_TRACE(given);
    auto r = run(rec + given + data());
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["user"]["new_user"].size(), 2u);
    EXPECT_EQ(j["user"]["new_user"][0]["movie_id"], 50);
    EXPECT_EQ(j["user"]["new_user"][0]["rating"], 5.0);
    EXPECT_EQ(j["user"]["new_user"][1]["movie_id"], 6);
  }
}

TEST(Issue11Cli, FoldersWhereFilesBelongAreNamed) {
  auto dir = movierec::testing::temp_dir("issue11-cli-folder");
  expect_bad("recommend --model-file " + dir.string() + " --user 1" + data(), "is a folder, not a file");
  expect_bad("train --model baseline --out " + dir.string() + data(), "is a folder, not a file");
  std::filesystem::remove_all(dir);
}

TEST(Issue11Cli, MissingInputIsBadInputExitTwo) {
  auto dir = movierec::testing::temp_dir("issue11-cli-missing");
  expect_bad("recommend --model-file " + (dir / "absent.mrm").string() + " --user 1" + data(), "absent.mrm");
  expect_bad("stats --data " + (dir / "nope").string(), "no such folder");
  // A data folder without its ratings file.
  std::filesystem::copy_file(std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/cli-tiny/movies.csv",
                             dir / "movies.csv");
  expect_bad("stats --data " + dir.string(), "ratings.csv");
  std::filesystem::remove_all(dir);
}

TEST(Issue11Cli, AbsurdParameterCombinationsAreWarned) {
  // Each within its range, together days of work on ml-latest-small's 100,836
  // ratings (4e13 multiply-adds): warned before fitting. The impossible split
  // then stops the command before any training.
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small");
  const std::string small = " --data " + movierec::testing::shared_path("data/ml-latest-small").string();
  auto dir = movierec::testing::temp_dir("issue11-cli-costly");
  auto r = run("train --model svdpp --param factors=4096 --param epochs=100000 --split holdout:1000000 --out " +
               (dir / "m.mrm").string() + small);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("warning: svdpp with factors=4096 and epochs=100000"), std::string::npos) << r.err;
  auto fine = run("train --model svdpp --split holdout:1000000 --out " + (dir / "m.mrm").string() + small);
  EXPECT_EQ(fine.err.find("warning:"), std::string::npos) << fine.err;
  std::filesystem::remove_all(dir);
}
