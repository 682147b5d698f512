// Splits written as MovieLens CSV (evaluate --save-split, movierec split) read
// back through files: give the same matrices, timestamps included, and the
// same evaluation (issue 12: comparing with another library on identical data).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "../support/shared.h"
#include "movierec/dataset.h"
#include "movierec/metrics.h"
#include "movierec/registry.h"
#include "movierec/split.h"

namespace movierec {
namespace {

namespace fs = std::filesystem;

// 40 users x 60 movies, ~40% rated with half stars; raw ids far from indices.
fs::path write_dataset(const fs::path& dir) {
  std::ofstream movies(dir / "movies.csv"), ratings(dir / "ratings.csv");
  movies << "movieId,title,genres\n";
  for (int i = 0; i < 60; ++i) movies << 1000 + 7 * i << ",Movie " << i << " (2001),Drama\n";
  ratings << "userId,movieId,rating,timestamp\n";
  std::mt19937 rng(5);
  for (int u = 0; u < 40; ++u)
    for (int i = 0; i < 60; ++i)
      if (rng() % 5 < 2)
        ratings << 500 + 3 * u << "," << 1000 + 7 * i << "," << 0.5 * (1 + rng() % 10) << ","
                << 1400000000 + rng() % 100000000 << "\n";
  return dir;
}

std::vector<Rating> triplets(const RatingMatrix& m) { return m.triplets(); }

void expect_same(const std::vector<Rating>& a, const std::vector<Rating>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].user, b[k].user);
    EXPECT_EQ(a[k].item, b[k].item);
    EXPECT_EQ(a[k].value, b[k].value);
    EXPECT_EQ(a[k].timestamp, b[k].timestamp);
  }
}

TEST(SplitFiles, WrittenFoldsReadBackAsTheSameMatrices) {
  const fs::path dir = testing::temp_dir("split-files");
  fs::create_directories(dir / "data");
  const Dataset ds = load_dataset(write_dataset(dir / "data"));
  for (const std::string spec : {"kfold:3", "holdout:4"}) {
    SCOPED_TRACE(spec);
    const auto splits = make_splits(ds, spec, 11);
    const fs::path out = dir / (spec.substr(0, spec.find(':')));
    const std::string back = write_split_files(ds, splits, out.string());
    EXPECT_EQ(back, "files:" + (out / ("fold{1.." + std::to_string(splits.size()) + "}.train")).string() + ",test");
    std::ifstream first(out / "fold1.train");
    std::string header;
    std::getline(first, header);
    EXPECT_EQ(header, "userId,movieId,rating,timestamp");
    const auto read = make_splits(ds, back, 0);
    ASSERT_EQ(read.size(), splits.size());
    for (std::size_t k = 0; k < splits.size(); ++k) {
      EXPECT_EQ(read[k].name, "fold" + std::to_string(k + 1));
      expect_same(triplets(read[k].train), triplets(splits[k].train));
      expect_same(triplets(read[k].test), triplets(splits[k].test));
    }
  }
  fs::remove_all(dir);
}

TEST(SplitFiles, EvaluationOnTheWrittenSplitIsIdentical) {
  const fs::path dir = testing::temp_dir("split-files-eval");
  fs::create_directories(dir / "data");
  const Dataset ds = load_dataset(write_dataset(dir / "data"));
  const auto splits = make_splits(ds, "kfold:3", 3);
  const auto read = make_splits(ds, write_split_files(ds, splits, (dir / "folds").string()), 0);
  EvalOptions eo;
  eo.k = 5;
  eo.threads = 1;
  eo.dataset = &ds;
  for (const char* name : {"baseline", "svd", "item-knn"}) {
    SCOPED_TRACE(name);
    ParamMap params;
    if (std::string(name) == "svd") params = {{"epochs", "5"}, {"factors", "8"}};
    const auto a = cross_validate([&] { return create_model(name, params); }, splits, ds.scale, eo);
    const auto b = cross_validate([&] { return create_model(name, params); }, read, ds.scale, eo);
    for (const auto& [metric, value] : a.mean) {
      if (metric.find("seconds") != std::string::npos) continue;
      ASSERT_TRUE(b.mean.count(metric)) << metric;
      EXPECT_EQ(value, b.mean.at(metric)) << metric;
    }
    EXPECT_GT(a.mean.at("rmse"), 0.1);  // the models did predict something
  }
  fs::remove_all(dir);
}

TEST(CrossValidate, TimesArePerFoldAndTotal) {
  std::vector<MetricMap> folds = {{{"rmse", 1.0}, {"fit_seconds", 2.0}, {"eval_seconds", 0.5}},
                                  {{"rmse", 3.0}, {"fit_seconds", 4.0}, {"eval_seconds", 1.5}}};
  const auto cv = summarize_splits(folds);
  EXPECT_EQ(cv.mean.at("rmse"), 2.0);
  EXPECT_EQ(cv.stddev.at("rmse"), 1.0);
  EXPECT_EQ(cv.mean.at("fit_seconds_per_fold"), 3.0);
  EXPECT_EQ(cv.stddev.at("fit_seconds_per_fold"), 1.0);
  EXPECT_EQ(cv.mean.at("fit_seconds_total"), 6.0);
  EXPECT_EQ(cv.mean.at("eval_seconds_per_fold"), 1.0);
  EXPECT_EQ(cv.mean.at("eval_seconds_total"), 2.0);
  EXPECT_FALSE(cv.mean.count("fit_seconds"));  // the ambiguous name is gone
  EXPECT_EQ(cv.per_split[0].at("fit_seconds"), 2.0);
}

}  // namespace
}  // namespace movierec
