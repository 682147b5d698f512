// mix: standardisation by hand, the blended similar-movie list against one
// recomputed here from the parts' own lists, scores, predictions, a new movie
// answered by its poster part, and parameter errors. The contract suite covers
// the model file round trip and reproducibility.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "mf_fixtures.h"
#include "models/mix.h"
#include "models/parts.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "vision/feature_file.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

class MixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Movie 29 has no rating in train (a new movie), but a poster.
    RatingMatrix full = low_rank_matrix(40, 30, 3, 0.4, 0.3f, 11);
    std::vector<Rating> kept;
    for (UserIndex u = 0; u < full.n_users(); ++u)
      for (std::size_t t = 0; t < full.user_count(u); ++t)
        if (full.user_items(u)[t] != 29) kept.push_back({u, full.user_items(u)[t], full.user_values(u)[t], 0});
    train_ = RatingMatrix(full.n_users(), full.n_items(), std::move(kept));
    ds_ = dataset_of(train_);
    for (std::size_t i = 0; i < train_.n_items(); ++i) {
      Movie m;
      m.id = static_cast<std::int64_t>(i + 1);
      m.title = "Movie " + std::to_string(i + 1) + " (2000)";
      m.genres = {i % 2 ? "Comedy" : "Drama"};
      ds_.movies.push_back(m);
    }
    dir_ = temp_dir("mix");
    FeatureSet f;
    f.network = "fixture";
    f.layer = "pool";
    f.dim = 6;
    std::mt19937 g(3);
    std::normal_distribution<float> n01(0.f, 1.f);
    for (std::size_t i = 0; i < train_.n_items(); ++i) {
      f.movie_ids.push_back(static_cast<std::int64_t>(i + 1));
      for (int d = 0; d < 6; ++d) f.data.push_back((d == int(i % 3) ? 2.f : 0.f) + n01(g));
    }
    features_ = (dir_ / "posters.mrf").string();
    write_features(features_, f, FeatureDtype::kFloat32);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Recommender> fitted(const std::string& name, ParamMap p) {
    auto m = create_model(name, p);
    FitOptions fo;
    fo.threads = 1;
    fo.dataset = &ds_;
    m->fit(train_, fo);
    return m;
  }

  RatingMatrix train_;
  Dataset ds_;
  std::filesystem::path dir_;
  std::string features_;
};

// The z-scores of a list, written independently of standardise_scores.
std::map<ItemIndex, double> z_of(const std::vector<ScoredItem>& list) {
  double mean = 0, sq = 0;
  for (const auto& s : list) mean += s.score;
  mean /= double(list.size());
  for (const auto& s : list) sq += (s.score - mean) * (s.score - mean);
  const double sd = std::sqrt(sq / double(list.size()));
  std::map<ItemIndex, double> z;
  for (const auto& s : list) z[s.item] = (s.score - mean) / sd;
  return z;
}

}  // namespace

TEST(MixStandardise, ByHand) {
  // {1, 2, 3}: mean 2, population sd sqrt(2/3); NaN takes the lowest z.
  std::vector<float> s = {1.f, 2.f, 3.f, std::nanf("")};
  standardise_scores(s);
  const float z = float(1 / std::sqrt(2.0 / 3.0));
  EXPECT_NEAR(s[0], -z, 1e-5);
  EXPECT_NEAR(s[1], 0.f, 1e-6);
  EXPECT_NEAR(s[2], z, 1e-5);
  EXPECT_NEAR(s[3], -z, 1e-5);
  std::vector<float> flat = {4.f, 4.f, -INFINITY};
  standardise_scores(flat);
  EXPECT_EQ(flat, (std::vector<float>{0.f, 0.f, 0.f}));
}

TEST_F(MixTest, SimilarIsTheWeightedSumOfThePartsZScores) {
  const std::size_t pool = 12;
  auto knn = fitted("item-knn", {});
  auto poster = fitted("poster", {{"features", features_}});
  auto mix = fitted(
      "mix",
      {{"models", "item-knn,poster"}, {"weights", "0.7,0.3"}, {"features", features_}, {"pool", std::to_string(pool)}});
  for (ItemIndex q : {ItemIndex(0), ItemIndex(5), ItemIndex(17)}) {
    auto a = knn->similar_items(q, pool), b = poster->similar_items(q, pool);
    ASSERT_FALSE(a.empty());
    ASSERT_FALSE(b.empty());
    auto za = z_of(a), zb = z_of(b);
    double low_a = 1e9, low_b = 1e9;
    for (auto [i, z] : za) low_a = std::min(low_a, z);
    for (auto [i, z] : zb) low_b = std::min(low_b, z);
    std::map<ItemIndex, double> want;
    for (const auto& l : {za, zb})
      for (auto [i, z] : l) want[i] = 0.7 * (za.count(i) ? za[i] : low_a) + 0.3 * (zb.count(i) ? zb[i] : low_b);
    auto got = mix->similar_items(q, 5);
    ASSERT_EQ(got.size(), 5u);
    std::vector<std::pair<double, ItemIndex>> order;
    for (auto [i, s] : want) order.push_back({-s, i});
    std::sort(order.begin(), order.end());
    for (std::size_t t = 0; t < got.size(); ++t) {
      EXPECT_EQ(got[t].item, order[t].second) << "query " << q << " rank " << t;
      EXPECT_NEAR(got[t].score, -order[t].first, 1e-4);
    }
  }
}

TEST_F(MixTest, ANewMovieGetsItsPosterNeighbours) {
  auto knn = fitted("item-knn", {});
  auto poster = fitted("poster", {{"features", features_}});
  auto mix = fitted("mix", {{"features", features_}});
  EXPECT_TRUE(knn->similar_items(29, 5).empty());  // no ratings, no co-rating neighbours
  auto want = poster->similar_items(29, 5);
  auto got = mix->similar_items(29, 5);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t t = 0; t < got.size(); ++t) EXPECT_EQ(got[t].item, want[t].item);
}

TEST_F(MixTest, ScoresAndPredictionsBlendTheParts) {
  auto svd = fitted("svd", {{"seed", "1"}});
  auto knn = fitted("item-knn", {});
  auto mix = fitted("mix", {{"models", "svd,item-knn"}, {"weights", "2,1"}, {"model_params", "svd.seed=1"}});
  ASSERT_TRUE(mix->predicts_ratings());
  const std::size_t n = train_.n_items();
  std::vector<UserIndex> users = {0, 7};
  std::vector<float> a(users.size() * n), b(a.size()), got(a.size());
  svd->score(users, a);
  knn->score(users, b);
  mix->score(users, got);
  for (std::size_t r = 0; r < users.size(); ++r) {
    std::span<float> ra(a.data() + r * n, n), rb(b.data() + r * n, n);
    standardise_scores(ra);
    standardise_scores(rb);
  }
  for (std::size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], 2 * a[k] + b[k], 1e-4) << k;
  EXPECT_NEAR(mix->predict(3, 4), (2 * svd->predict(3, 4) + knn->predict(3, 4)) / 3, 1e-5);
  auto ranking_only = fitted("mix", {{"models", "svd,popularity"}});
  EXPECT_FALSE(ranking_only->predicts_ratings());
  EXPECT_THROW(ranking_only->predict(0, 0), NotSupported);
}

TEST(MixParams, BadOnesAreNamed) {
  auto expect_bad = [](ParamMap p, const std::string& words) {
    try {
      create_model("mix", p);
      ADD_FAILURE() << "accepted " << words;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_bad({{"models", "svd,popularity"}, {"weights", "1"}}, "1 weights for 2 models");
  expect_bad({{"models", "svd,popularity"}, {"weights", "1,-2"}}, "weights");
  expect_bad({{"models", "svd,popularity"}, {"weights", "0,0"}}, "at least one weight");
  expect_bad({{"models", "svd,mix"}}, "cannot contain itself");
  expect_bad({{"models", "svd,svd"}}, "named twice");
  expect_bad({{"models", "svd,no-such"}}, "no-such");
  expect_bad({{"models", "svd"}, {"model_params", "factors=3"}}, "model_params");
  expect_bad({{"models", "svd"}, {"model_params", "svd.no_such=3"}}, "no_such");
  expect_bad({{"models", "svd"}, {"model_params", "ease.lambda=3"}}, "names no model of svd");
  expect_bad({{"models", "svd,mix#b"}}, "cannot contain itself");
  expect_bad({{"models", "svd,svd#b.x"}}, "not a model name");
  expect_bad({{"models", "svd,no-such#b"}}, "no-such");
}

// A tag after # makes one model a part twice, each with its own parameters.
TEST(MixParams, ATaggedPartIsItsModelWithItsOwnParameters) {
  const std::vector<std::string> names = part_names("mix", "models", "svd, svd#small");
  ASSERT_EQ(names, (std::vector<std::string>{"svd", "svd#small"}));
  const std::string spec = "svd.factors=8;svd#small.factors=2";
  EXPECT_EQ(part_params("mix", "model_params", "svd#small", spec, names).at("factors"), "2");
  auto small = make_part("mix", "model_params", "svd#small", spec, names);
  auto big = make_part("mix", "model_params", "svd", spec, names);
  EXPECT_EQ(small->name(), "svd");
  EXPECT_EQ(small->params().at("factors"), "2");
  EXPECT_EQ(big->params().at("factors"), "8");
}

TEST(MixParams, PartParamsPicksEntriesOfOnePart) {
  auto p = part_params("mix", "model_params", "poster", "svd.factors=3; poster.features=a.b.mrf ;poster.k=4");
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.at("features"), "a.b.mrf");
  EXPECT_EQ(p.at("k"), "4");
  EXPECT_TRUE(part_params("mix", "model_params", "ease", "svd.factors=3").empty());
}
