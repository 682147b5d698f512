// The CLI side of issue 8: --side errors, the cold-items protocol printed with the results.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "../support/process.h"
#include "hybrid_fixtures.h"

namespace movierec {
namespace {

using Result = movierec::testing::CliResult;

Result run(const std::string& args) { return movierec::testing::run_cli(args); }

TEST(HybridCli, SideErrorsAreBadInput) {
  const std::string data = testing::fixture("csv-tiny").string();
  auto r = run("evaluate --data " + data + " --model content-knn --split cold-items:20 --side genome");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("side feature 'genome': dataset"), std::string::npos) << r.err;
  r = run("evaluate --data " + data + " --model content-knn --split holdout:1 --side genres,colour");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown feature 'colour'"), std::string::npos) << r.err;
  r = run("evaluate --data " + data + " --model content-knn --split holdout:1 --candidates some");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--candidates: expected new, all or unrated"), std::string::npos) << r.err;
}

TEST(HybridCli, ColdItemsPrintsTheProtocol) {
  auto dir = testing::genre_truth_set("hybrid-cli");
  auto r = run("evaluate --data " + dir.string() +
               " --model content-knn,popularity --split cold-items:20 --seed 1 --side genres,year "
               "--relevance-threshold 4 --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("protocol: cold-items:20 (seed 1): "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("eligible movies (>= 5 ratings, every side feature of genres,year) are new"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("candidates new: for every test user with a test rating >= 4 on a new movie, the "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("auc"), std::string::npos) << r.out;
  r = run("evaluate --data " + dir.string() +
          " --model content-factors --split cold-items:20 --candidates all "
          "--side genres --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"new_share@10\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace movierec
