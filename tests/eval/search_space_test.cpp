#include "eval/search_space.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "../support/shared.h"
#include "eval/learning_curve.h"
#include "movierec/errors.h"

using namespace movierec;

TEST(SearchSpace, GridIsTheCartesianProductFirstAxisSlowest) {
  auto axes = parse_search_space("factors=20,50; reg=0.02,0.05,0.1");
  auto c = search_candidates(axes, 0, 1);
  ASSERT_EQ(c.size(), 6u);  // 2 x 3
  EXPECT_EQ(c[0].at("factors"), "20");
  EXPECT_EQ(c[0].at("reg"), "0.02");
  EXPECT_EQ(c[2].at("reg"), "0.1");
  EXPECT_EQ(c[3].at("factors"), "50");
  EXPECT_EQ(c[5].at("reg"), "0.1");
}

TEST(SearchSpace, RandomSamplesStayInRangeAndAreSeeded) {
  auto axes = parse_search_space("lr=0.001:0.1;factors=10:12;init=a,b");
  auto c1 = search_candidates(axes, 50, 7);
  auto c2 = search_candidates(axes, 50, 7);
  auto c3 = search_candidates(axes, 50, 8);
  ASSERT_EQ(c1.size(), 50u);
  EXPECT_EQ(c1, c2);
  EXPECT_NE(c1, c3);
  int below_0_01 = 0;
  for (const auto& p : c1) {
    double lr = std::stod(p.at("lr"));
    EXPECT_GE(lr, 0.001 * 0.999);
    EXPECT_LE(lr, 0.1 * 1.001);
    below_0_01 += lr < 0.01;
    int f = std::stoi(p.at("factors"));
    EXPECT_TRUE(f >= 10 && f <= 12);
    EXPECT_TRUE(p.at("init") == "a" || p.at("init") == "b");
  }
  // Log-uniform over [0.001, 0.1]: half the mass is below 0.01 (uniform would put 9%).
  EXPECT_GT(below_0_01, 12);
  EXPECT_LT(below_0_01, 38);
}

TEST(SearchSpace, BadSpecsAreConfigErrors) {
  MOVIEREC_EXPECT_ERROR(parse_search_space(""), ConfigError, "search space: nothing to tune");
  MOVIEREC_EXPECT_ERROR(parse_search_space("factors"), ConfigError, "search space: expected", "\"factors\"");
  MOVIEREC_EXPECT_ERROR(parse_search_space("lr=0.1:0.01"), ConfigError, "range for 'lr'", "lo <= hi", "0.1:0.01");
  MOVIEREC_EXPECT_ERROR(parse_search_space("a=1;a=2"), ConfigError, "'a' is given twice");
  MOVIEREC_EXPECT_ERROR(search_candidates(parse_search_space("lr=0.001:0.1"), 0, 1), ConfigError,
                        "ranges (lo:hi) need random sampling");
  // The library names no CLI flag; `movierec tune` adds "--grid".
  try {
    parse_search_space("factors");
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
}

TEST(LearningCurve, SvgHasBothSeriesAndEscapesTheTitle) {
  std::vector<EpochReport> curve;
  for (int e = 1; e <= 3; ++e) {
    EpochReport r;
    r.epoch = e;
    r.train_rmse = 1.0 - 0.1 * e;
    r.valid_rmse = 1.0 - 0.05 * e;
    curve.push_back(r);
  }
  std::string svg = curve_svg(curve, "svd <test> & co");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("svd &lt;test&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 5, true);
  // Two polylines (train, validation), 3 points each.
  std::size_t lines = 0, pos = 0;
  while ((pos = svg.find("<polyline", pos)) != std::string::npos) ++lines, ++pos;
  EXPECT_EQ(lines, 2u);
  EXPECT_THROW(curve_svg({}, "x"), ConfigError);
}

TEST(LearningCurve, RankingModelsDrawNdcgWithTheLossOnARightAxis) {
  std::vector<EpochReport> curve;
  for (int e = 1; e <= 4; ++e) {
    EpochReport r;
    r.epoch = e;
    r.valid_ndcg = 0.05 * e;
    r.valid_recall = 0.08 * e;
    r.loss = 0.7 - 0.1 * e;
    curve.push_back(r);
  }
  std::string svg = curve_svg(curve, "bpr", 10);
  EXPECT_NE(svg.find(">NDCG@10, recall@10</text>"), std::string::npos);  // the left axis label
  EXPECT_NE(svg.find(">train loss</text>"), std::string::npos);          // the right axis label
  EXPECT_NE(svg.find("validation NDCG@10"), std::string::npos);
  EXPECT_EQ(svg.find("RMSE"), std::string::npos);
  std::size_t lines = 0, pos = 0;
  while ((pos = svg.find("<polyline", pos)) != std::string::npos) ++lines, ++pos;
  EXPECT_EQ(lines, 3u);  // NDCG, recall, loss
  // The highest NDCG (epoch 4, 0.2) is the top of the left scale, at y =
  // top + 5% padding of the 0.15 range: 56 + 0.05 / 1.1 * 294 = 69.4.
  EXPECT_NE(svg.find(",69.4 "), std::string::npos);
  // Without validation metrics (--no-ranking) the loss alone is drawn.
  for (auto& r : curve) r.valid_ndcg = r.valid_recall = std::numeric_limits<double>::quiet_NaN();
  svg = curve_svg(curve, "bpr", 10);
  EXPECT_NE(svg.find(">train loss</text>"), std::string::npos);
  EXPECT_EQ(svg.find("NDCG"), std::string::npos);
  for (auto& r : curve) r.loss = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(curve_svg(curve, "x"), ConfigError);
}

TEST(LearningCurve, CsvCarriesTheRankingColumns) {
  EpochReport r;
  r.epoch = 1;
  r.loss = 0.5;
  r.seconds = 0.25;
  r.valid_ndcg = 0.125;
  r.valid_recall = 0.375;
  auto dir = movierec::testing::temp_dir("curve-csv");
  write_curve_csv(dir / "c.csv", {r}, 5);
  std::ifstream f(dir / "c.csv");
  std::string text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(text,
            "epoch,train_rmse,valid_rmse,loss,seconds,valid_ndcg@5,valid_recall@5\n"
            "1,,,0.500000,0.250000,0.125000,0.375000\n");
  std::filesystem::remove_all(dir);
}

TEST(Issue11SearchSpace, HugeGridsAndRandomSearchesAreRefusedBeforeBuilding) {
  // 6 axes of 10 values: a million combinations, built one by one before this
  // check (10 axes, 1e10, ran the machine out of memory).
  std::string grid;
  for (int a = 0; a < 6; ++a) {
    if (a) grid += ';';
    grid += 'p';
    grid += std::to_string(a);
    grid += "=0,1,2,3,4,5,6,7,8,9";
  }
  try {
    search_candidates(parse_search_space(grid), 0, 1);
    ADD_FAILURE() << "built";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("grid of 1e+06 combinations: at most 100000"), std::string::npos) << e.what();
  }
  EXPECT_THROW(search_candidates(parse_search_space("lr=0.001:0.1"), 1'000'000'000, 1), ConfigError);
  EXPECT_EQ(search_candidates(parse_search_space("a=1,2;b=3,4,5"), 0, 1).size(), 6u);
}
