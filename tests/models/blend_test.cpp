// blend (issue 8's hybrid rating model): the ridge blender against hand
// arithmetic, the out-of-fold blend on a case it must recover exactly, no
// test leakage, the model file (booster included) and its hostile variants,
// and parameter errors. The contract suite (contract_test.cpp) adds fit,
// exclusion, reproducibility and round trip on its fixture.
#include "models/blend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "mf_fixtures.h"
#include "movierec/errors.h"
#include "movierec/split.h"
#include "util/atomic_file.h"
#include "util/binary_io.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// r_ui = 3 + a_u + c_i exactly (a_u in [-1, 1], c_i in [-0.8, 0.8]), every pair
// observed with probability density: the biases of `baseline` with reg 0.
RatingMatrix additive_matrix(std::size_t nu, std::size_t ni, double density, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> a(-1.f, 1.f), c(-0.8f, 0.8f), coin(0.f, 1.f);
  std::vector<float> au(nu), ci(ni);
  for (auto& x : au) x = a(g);
  for (auto& x : ci) x = c(g);
  std::vector<Rating> r;
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t i = 0; i < ni; ++i)
      if (coin(g) < density) r.push_back({UserIndex(u), ItemIndex(i), 3.f + au[u] + ci[i]});
  return RatingMatrix(nu, ni, std::move(r));
}

std::unique_ptr<Blend> fitted_blend(const RatingMatrix& r, ParamMap p, const Dataset* ds = nullptr) {
  p.emplace("threads", "1");
  auto m = create_model("blend", p);
  FitOptions fo;
  fo.threads = 1;
  fo.dataset = ds;
  m->fit(r, fo);
  return std::unique_ptr<Blend>(static_cast<Blend*>(m.release()));
}

// A dataset with genres and years for every movie, and a user file.
Dataset dataset_with_side(const RatingMatrix& r) {
  Dataset ds = dataset_of(r);
  for (std::size_t i = 0; i < r.n_items(); ++i) {
    Movie m;
    m.id = static_cast<std::int64_t>(i + 1);
    m.year = 1980 + static_cast<int>(i % 30);
    m.title = "Movie " + std::to_string(i + 1) + " (" + std::to_string(m.year) + ")";
    m.genres = {i % 3 ? "Comedy" : "Drama"};
    ds.movies.push_back(m);
  }
  for (std::size_t u = 0; u < r.n_users(); ++u) {
    UserInfo info;
    info.age = 15 + static_cast<int>(u % 50);
    info.gender = u % 2 ? "F" : "M";
    info.occupation = u % 4 ? "writer" : "student";
    ds.user_info.push_back(info);
  }
  return ds;
}

bool same_ratings(const RatingMatrix& a, const RatingMatrix& b) {
  const auto x = a.triplets(), y = b.triplets();
  if (x.size() != y.size()) return false;
  for (std::size_t k = 0; k < x.size(); ++k)
    if (x[k].user != y[k].user || x[k].item != y[k].item || x[k].value != y[k].value) return false;
  return true;
}

}  // namespace

TEST(Blend, RidgeRecoversAnExactLinearCombination) {
  // Rows (a, b, 1) with y = 0.6 a + 0.3 b + 0.2, lambda 0: the normal equations
  // have the exact solution (0.6, 0.3, 0.2) since the residual is zero.
  const float a[] = {1, 2, 3, 4, 2.5f, 5}, b[] = {2, 1, 4, 3, 3.5f, 1};
  std::vector<float> x, y;
  for (int r = 0; r < 6; ++r) {
    x.insert(x.end(), {a[r], b[r], 1.f});
    y.push_back(0.6f * a[r] + 0.3f * b[r] + 0.2f);
  }
  auto w = ridge_with_intercept(x, y, 3, 0.0);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NEAR(w[0], 0.6, 1e-5);
  EXPECT_NEAR(w[1], 0.3, 1e-5);
  EXPECT_NEAR(w[2], 0.2, 1e-5);
}

TEST(Blend, RidgeShrinksWeightsButNotTheIntercept) {
  // One column a = (1, -1) (mean 0) and the intercept; y = (3, 1).
  // Normal equations: [a.a + lambda, sum a; sum a, n] w = [a.y; sum y]
  // = [2 + 2, 0; 0, 2] w = [2; 4]: w = (0.5, 2). Unpenalised it would be (1, 2).
  std::vector<float> x = {1, 1, -1, 1}, y = {3, 1};
  auto w = ridge_with_intercept(x, y, 2, 2.0);
  EXPECT_NEAR(w[0], 0.5, 1e-9);
  EXPECT_NEAR(w[1], 2.0, 1e-9);
}

TEST(Blend, LinearBlendOfAnExactBaseIsThatBase) {
  // Every rating is mu + b_u + b_i exactly; baseline with no regularisation
  // predicts each held-out fold's ratings exactly (every user and movie keeps
  // ratings in the other folds at density 0.8), so the ridge blend must be
  // weight 1 on it and intercept 0, and the blend predicts the truth.
  const RatingMatrix r = additive_matrix(30, 20, 0.8, 3);
  auto m = fitted_blend(r, {{"bases", "baseline"},
                            {"base_params", "baseline.reg_user=0;baseline.reg_item=0;baseline.epochs=200"},
                            {"blender", "linear"},
                            {"side", "none"},
                            {"ridge", "0"}});
  ASSERT_EQ(m->linear_weights().size(), 2u);
  EXPECT_NEAR(m->linear_weights()[0], 1.0, 1e-3);
  EXPECT_NEAR(m->linear_weights()[1], 0.0, 5e-3);
  EXPECT_EQ(m->rounds_used(), 0);
  EXPECT_LT(m->valid_rmse(), 1e-3);
  for (const auto& t : r.triplets()) ASSERT_NEAR(m->predict(t.user, t.item), t.value, 2e-3);
}

TEST(Blend, TreesLearnASideFeatureInteractionTheBaseCannot) {
  // r_ui = 3 + a_u + c_i + 1.2 [u is a woman and i a drama]: additive biases
  // (the one base, baseline) cannot hold the interaction. Its best additive
  // fit leaves 1.2 (f_u - 1/2)(g_i - 1/3), f, g the indicators, whose RMS is
  // 1.2 sqrt(1/4 * 2/9) = 0.283, so the ridge blend of baseline errs by at
  // least that much, while trees that split on the gender and genre columns
  // recover it. Held-out pairs (never in train) must be predicted far better.
  std::mt19937 g(4);
  std::uniform_real_distribution<float> a(-0.6f, 0.6f), c(-0.6f, 0.6f), coin(0.f, 1.f);
  const std::size_t nu = 120, ni = 40;
  std::vector<float> au(nu), ci(ni);
  for (auto& x : au) x = a(g);
  for (auto& x : ci) x = c(g);
  auto truth = [&](std::size_t u, std::size_t i) { return 3.f + au[u] + ci[i] + (u % 2 && i % 3 == 0 ? 1.2f : 0.f); };
  std::vector<Rating> train, held;
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t i = 0; i < ni; ++i)
      (coin(g) < 0.5f ? train : held).push_back({UserIndex(u), ItemIndex(i), truth(u, i)});
  const RatingMatrix r(nu, ni, train);
  Dataset ds = dataset_with_side(r);  // user u % 2 == 1 is F; movie i % 3 == 0 is a Drama
  const ParamMap p = {{"bases", "baseline"}, {"min_child_weight", "5"}, {"rounds", "300"}, {"eta", "0.3"}};
  auto m = fitted_blend(r, p, &ds);
  auto linear = p;
  linear["blender"] = "linear";
  auto lin = fitted_blend(r, linear, &ds);
  EXPECT_GT(m->rounds_used(), 0);
  EXPECT_LT(m->valid_rmse(), 0.5 * m->valid_rmse_linear());
  double se_blend = 0, se_linear = 0;
  for (const auto& t : held) {
    se_blend += std::pow(m->predict(t.user, t.item) - t.value, 2);
    se_linear += std::pow(lin->predict(t.user, t.item) - t.value, 2);
  }
  const double rmse_blend = std::sqrt(se_blend / held.size()), rmse_linear = std::sqrt(se_linear / held.size());
  EXPECT_GT(rmse_linear, 0.28);
  EXPECT_LT(rmse_blend, 0.5 * rmse_linear) << "blend " << rmse_blend << ", linear " << rmse_linear;
  // 1 base, 6 statistics, then the side features.
  const auto names = m->feature_names();
  EXPECT_EQ(names[0], "baseline");
  EXPECT_EQ(names[1], "user.log_ratings");
  EXPECT_EQ(names[6], "movie.std");
}

TEST(Blend, ChangingOnlyTestRatingsChangesNoPrediction) {
  // The carve-out comes from train only: a split whose test ratings are all
  // rewritten (same positions, other values) gives the same training matrix,
  // and the blend fitted on it predicts bit for bit the same.
  const RatingMatrix r = low_rank_matrix(50, 30, 2, 0.5, 0.3f, 21);
  const Split s = holdout_split(r, 3, 7);
  std::vector<Rating> changed = s.train.triplets();
  for (const auto& t : s.test.triplets()) changed.push_back({t.user, t.item, 6.f - t.value});  // 1 <-> 5
  const RatingMatrix r2(r.n_users(), r.n_items(), changed);
  const Split s2 = holdout_split(r2, 3, 7);
  ASSERT_EQ(s.train.nnz(), s2.train.nnz());
  ASSERT_TRUE(same_ratings(s.train, s2.train));
  ASSERT_FALSE(same_ratings(s.test, s2.test));
  const ParamMap p = {{"bases", "svdpp,item-knn,baseline"}, {"side", "none"}, {"rounds", "20"}};
  auto a = fitted_blend(s.train, p), b = fitted_blend(s2.train, p);
  EXPECT_TRUE(same_bits(all_scores(*a), all_scores(*b)));
  for (const auto& t : s.test.triplets()) EXPECT_EQ(a->predict(t.user, t.item), b->predict(t.user, t.item));
}

TEST(Blend, ModelFileRoundTripKeepsTheBoosterAndSideFeatures) {
  const RatingMatrix r = low_rank_matrix(60, 40, 2, 0.5, 0.4f, 9);
  Dataset ds = dataset_with_side(r);
  auto m = fitted_blend(r, {{"bases", "svdpp,item-knn"}, {"min_child_weight", "1"}, {"rounds", "30"}}, &ds);
  ASSERT_GT(m->rounds_used(), 0) << "the trees were dropped: the round trip would not cover the booster";
  auto dir = temp_dir("blend-roundtrip");
  save_model(dir / "m.mrm", *m, ds);
  auto loaded = load_model(dir / "m.mrm", ds);
  EXPECT_TRUE(same_bits(all_scores(*m), all_scores(*loaded)));
  EXPECT_EQ(m->predict(3, 4), loaded->predict(3, 4));
  // Fold-in through every base (svdpp and item-knn both fold in).
  std::vector<ItemIndex> items = {1, 5, 7};
  std::vector<float> values = {5, 1, 4}, s1(r.n_items()), s2(r.n_items());
  m->score_new_user(items, values, s1);
  loaded->score_new_user(items, values, s2);
  EXPECT_TRUE(same_bits(s1, s2));
  for (float v : s1) EXPECT_TRUE(std::isfinite(v));
  std::filesystem::remove_all(dir);
}

TEST(Blend, HostilePayloadsAreRefusedNamingTheField) {
  const RatingMatrix r = low_rank_matrix(12, 9, 2, 0.6, 0.3f, 61);
  Dataset ds = dataset_of(r);
  auto m = fitted_blend(r, {{"bases", "baseline,svd"}, {"side", "none"}, {"blender", "linear"}});
  auto dir = temp_dir("blend-hostile");
  save_model(dir / "m.mrm", *m, ds);
  const std::string bytes = read_file(dir / "m.mrm");
  std::filesystem::remove_all(dir);
  const std::size_t at = payload_offset(bytes);
  // Payload: u64 n_users, u64 n_items, f32 mu, then vector<f32> user.log_ratings...
  auto patched = [&](std::size_t off, auto value) {
    std::string b = bytes;
    std::memcpy(b.data() + at + off, &value, sizeof value);
    const std::uint32_t crc = crc32_of(std::string_view(b).substr(0, b.size() - 4));
    std::memcpy(b.data() + b.size() - 4, &crc, 4);
    return b;
  };
  auto refused = [&](const std::string& b, const std::string& problem) {
    SCOPED_TRACE(problem);
    try {
      load_model_bytes(b, "model file hostile.mrm", ds);
      ADD_FAILURE() << "loaded";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("hostile.mrm"), std::string::npos) << e.what();
    }
  };
  EXPECT_EQ(load_model_bytes(bytes, "intact.mrm", ds)->predict(1, 2), m->predict(1, 2));
  refused(patched(0, std::uint64_t(1) << 40), "n_users = 1099511627776, the dataset has 12 users");
  refused(patched(8, std::uint64_t(10)), "n_items = 10, the dataset has 9 movies");
  refused(patched(16, std::numeric_limits<float>::quiet_NaN()), "blend global mean");
  refused(patched(20, std::uint64_t(1) << 50), "array of 1125899906842624 elements");
  refused(patched(20, std::uint64_t(11)), "blend statistics user.log_ratings: 11 values");
  refused(patched(28, std::numeric_limits<float>::infinity()), "blend statistics user.log_ratings: non-finite");
  refused(bytes.substr(0, bytes.size() - 40), "");  // truncated: the checksum or the payload fails
  // The first base's payload (baseline: f32 mu first), past the blender's own
  // fields, read here in the order save_payload writes them.
  BinaryReader walk(std::string_view(bytes).substr(at), "walk");
  walk.get<std::uint64_t>();
  walk.get<std::uint64_t>();
  walk.get<float>();
  for (int k = 0; k < 6; ++k) walk.get_vector<float>();
  walk.get<std::uint64_t>();
  walk.get_vector<float>();
  walk.get<std::uint64_t>();
  walk.get_vector<float>();
  walk.get_vector<float>();
  walk.get_vector<double>();
  walk.get<std::int32_t>();
  walk.get_vector<char>();
  const std::size_t base_at = walk.position() + 8;  // after the base string's u64 length
  refused(patched(base_at, std::numeric_limits<float>::quiet_NaN()), "blend base 'baseline'");
  refused(patched(base_at, std::numeric_limits<float>::quiet_NaN()), "global mean: non-finite value");
}

TEST(Blend, MaxRowsSamplesTheOutOfFoldRows) {
  // 50 x 30 at density 0.5: about 750 ratings, every one an out-of-fold row;
  // max_rows=300 keeps each with probability 300 / nnz (seeded), so about 300
  // (binomial standard deviation 13).
  const RatingMatrix r = low_rank_matrix(50, 30, 2, 0.5, 0.3f, 21);
  const ParamMap p = {{"bases", "baseline,svd"}, {"side", "none"}, {"rounds", "10"}};
  EXPECT_EQ(fitted_blend(r, p)->blender_rows(), r.nnz());
  auto capped = p;
  capped["max_rows"] = "300";
  auto m = fitted_blend(r, capped);
  EXPECT_GT(m->blender_rows(), 240u);
  EXPECT_LT(m->blender_rows(), 360u);
  for (float v : all_scores(*m)) ASSERT_TRUE(std::isfinite(v));
}

TEST(Blend, BadParametersAreNamed) {
  auto fails = [](const ParamMap& p, const std::string& part) {
    SCOPED_TRACE(part);
    try {
      create_model("blend", p);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  fails({{"bases", "svd,ials"}}, "'ials' ranks only");
  fails({{"bases", "svd,blend"}}, "blend cannot contain itself");
  fails({{"bases", "svd,svd"}}, "'svd' is named twice");
  fails({{"bases", ""}}, "parameter 'bases'");
  fails({{"bases", "svd,nope"}}, "unknown model 'nope'");
  fails({{"base_params", "factors=5"}}, "parameter 'base_params'");
  fails({{"base_params", "als.factors=5"}}, "names no model of svdpp,svd,item-knn,user-knn,baseline");
  fails({{"base_params", "svd.no_such=5"}}, "'no_such'");
  fails({{"blender", "forest"}}, "parameter 'blender'");
  fails({{"folds", "1"}}, "parameter 'folds'");
  fails({{"user_side", "shoe_size"}}, "user side feature 'shoe_size'");
}

TEST(Blend, UserSideWithoutAUserFileIsAClearError) {
  const RatingMatrix r = low_rank_matrix(12, 9, 2, 0.6, 0.3f, 61);
  Dataset ds = dataset_of(r);
  auto m = create_model("blend", {{"side", "none"}, {"user_side", "age"}, {"bases", "baseline"}});
  FitOptions fo;
  fo.dataset = &ds;
  try {
    m->fit(r, fo);
    ADD_FAILURE() << "fitted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("has no user file"), std::string::npos) << e.what();
  }
}
