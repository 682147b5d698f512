// svd and svd-alternating: the SGD kernel against its gradient, recovery,
// reproducibility, the parallel schedule, learning curves, fold-in, files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include "util/eigen.h"

#include "mf_fixtures.h"
#include "models/sgd_mf.h"
#include "movierec/errors.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

const SgdMf& as_sgd(const Recommender& m) { return dynamic_cast<const SgdMf&>(m); }

bool same_factors(const FactorModel& a, const FactorModel& b) {
  auto eq = [](const FactorMatrix& x, const FactorMatrix& y) {
    return x.rows() == y.rows() && x.stride() == y.stride() &&
           std::memcmp(x.data(), y.data(), x.rows() * x.stride() * sizeof(float)) == 0;
  };
  return eq(a.user_factors(), b.user_factors()) && eq(a.item_factors(), b.item_factors()) &&
         std::equal(a.user_bias().begin(), a.user_bias().end(), b.user_bias().begin()) &&
         std::equal(a.item_bias().begin(), a.item_bias().end(), b.item_bias().begin());
}

}  // namespace

TEST(SgdKernel, GradientMatchesFiniteDifferences) {
  const std::vector<float> p = {0.3f, -0.2f, 0.5f}, q = {0.1f, 0.4f, -0.6f};
  const float r = 4.f, mu = 3.5f, bu = 0.2f, bi = -0.1f, rf = 0.05f, rb = 0.02f;
  RatingLoss g = sgd_rating_loss(r, mu, bu, bi, p, q, rf, rb);
  // e = 4 - (3.5 + 0.2 - 0.1 + (0.03 - 0.08 - 0.30)) = 0.75
  // loss = 0.75^2/2 + 0.025 (0.38 + 0.53) + 0.01 (0.04 + 0.01) = 0.28125 + 0.02275 + 0.0005
  EXPECT_NEAR(g.loss, 0.3045, 1e-6);
  const double h = 1e-3;
  auto loss_at = [&](int which, int f, double delta) {
    std::vector<float> pp = p, qq = q;
    float bu2 = bu, bi2 = bi;
    if (which == 0) pp[f] += static_cast<float>(delta);
    if (which == 1) qq[f] += static_cast<float>(delta);
    if (which == 2) bu2 += static_cast<float>(delta);
    if (which == 3) bi2 += static_cast<float>(delta);
    return sgd_rating_loss(r, mu, bu2, bi2, pp, qq, rf, rb).loss;
  };
  auto numeric = [&](int which, int f) { return (loss_at(which, f, h) - loss_at(which, f, -h)) / (2 * h); };
  for (int f = 0; f < 3; ++f) {
    EXPECT_NEAR(g.d_p[f], numeric(0, f), 1e-3) << "d p[" << f << "]";
    EXPECT_NEAR(g.d_q[f], numeric(1, f), 1e-3) << "d q[" << f << "]";
  }
  EXPECT_NEAR(g.d_bu, numeric(2, 0), 1e-3);
  EXPECT_NEAR(g.d_bi, numeric(3, 0), 1e-3);
}

TEST(SgdKernel, StepIsMinusLearningRateTimesGradient) {
  const std::vector<float> p0 = {0.3f, -0.2f, 0.5f}, q0 = {0.1f, 0.4f, -0.6f};
  const float lr = 0.1f, rf = 0.05f, rb = 0.02f;
  RatingLoss g = sgd_rating_loss(4.f, 3.5f, 0.2f, -0.1f, p0, q0, rf, rb);
  auto check = [&](auto sides_tag, bool users, bool items) {
    std::vector<float> p = p0, q = q0;
    float bu = 0.2f, bi = -0.1f;
    float e = sgd_step<decltype(sides_tag)::value>(4.f, 3.5f, bu, bi, p.data(), q.data(), 3, lr, rf, rb);
    EXPECT_NEAR(e, 0.75f, 1e-6);
    for (int f = 0; f < 3; ++f) {
      EXPECT_NEAR(p[f], users ? p0[f] - lr * g.d_p[f] : p0[f], 1e-6);
      EXPECT_NEAR(q[f], items ? q0[f] - lr * g.d_q[f] : q0[f], 1e-6);
    }
    EXPECT_NEAR(bu, users ? 0.2 - lr * g.d_bu : 0.2, 1e-6);
    EXPECT_NEAR(bi, items ? -0.1 - lr * g.d_bi : -0.1, 1e-6);
  };
  check(std::integral_constant<SgdSides, SgdSides::kJoint>{}, true, true);
  check(std::integral_constant<SgdSides, SgdSides::kUsers>{}, true, false);
  check(std::integral_constant<SgdSides, SgdSides::kItems>{}, false, true);
}

TEST(Svd, RecoversRank1Matrix) {
  expect_recovers_rank1("svd", {});
  expect_recovers_rank1("svd-alternating", {});
}

TEST(Svd, OneThreadIsReproducibleBitForBit) {
  RatingMatrix r = low_rank_matrix(60, 50, 3, 0.3, 0.3f, 2);
  for (const char* name : {"svd", "svd-alternating"})
    for (auto [blocks, order] : {std::pair{"1", "full"}, {"4", "chunked"}, {"4", "user"}}) {
      SCOPED_TRACE(std::string(name) + " " + blocks + " " + order);
      ParamMap prm = {{"threads", "1"},   {"epochs", "5"},  {"seed", "7"},
                      {"blocks", blocks}, {"factors", "8"}, {"order", order}};
      auto a = create_model(name, prm), b = create_model(name, prm);
      a->fit(r, {});
      b->fit(r, {});
      EXPECT_TRUE(same_factors(as_sgd(*a), as_sgd(*b)));
      prm["seed"] = "8";
      auto c = create_model(name, prm);
      c->fit(r, {});
      EXPECT_FALSE(same_factors(as_sgd(*a), as_sgd(*c)));
    }
}

TEST(Svd, ParallelScheduleReachesTheSerialTrainingError) {
  // 12k ratings (more than one 4096-rating chunk per block at blocks=1).
  RatingMatrix r = low_rank_matrix(300, 200, 4, 0.2, 0.2f, 3);
  auto serial =
      create_model("svd", {{"epochs", "30"}, {"factors", "8"}, {"threads", "1"}, {"blocks", "1"}, {"order", "full"}});
  serial->fit(r, {});
  const double a = train_rmse(*serial, r);
  EXPECT_LT(a, 0.5);
  for (const char* order : {"chunked", "full", "user"}) {
    SCOPED_TRACE(order);
    auto parallel =
        create_model("svd", {{"epochs", "30"}, {"factors", "8"}, {"threads", "2"}, {"blocks", "6"}, {"order", order}});
    parallel->fit(r, {});
    EXPECT_NEAR(a, train_rmse(*parallel, r), 0.03);
  }
}

TEST(Svd, ReportsLearningCurve) {
  RatingMatrix train = low_rank_matrix(80, 60, 3, 0.4, 0.3f, 4);
  RatingMatrix valid = low_rank_matrix(80, 60, 3, 0.05, 0.3f, 5);
  std::vector<EpochReport> reps;
  FitOptions fo;
  fo.validation = &valid;
  fo.on_epoch = [&](const EpochReport& e) { reps.push_back(e); };
  auto m = create_model("svd", {{"epochs", "6"}, {"threads", "1"}});
  m->fit(train, fo);
  ASSERT_EQ(reps.size(), 6u);
  for (int e = 0; e < 6; ++e) {
    EXPECT_EQ(reps[e].epoch, e + 1);
    EXPECT_TRUE(std::isfinite(reps[e].train_rmse));
    EXPECT_TRUE(std::isfinite(reps[e].valid_rmse));
    EXPECT_GE(reps[e].seconds, 0);
  }
  EXPECT_LT(reps.back().train_rmse, reps.front().train_rmse);
  // The last report is the fitted model (predictions clipped to the data range 1..5).
  EXPECT_NEAR(reps.back().train_rmse, train_rmse(*m, train), 1e-3);

  reps.clear();
  fo.validation = nullptr;
  m->fit(train, fo);
  ASSERT_EQ(reps.size(), 6u);
  EXPECT_TRUE(std::isnan(reps[0].valid_rmse));
}

TEST(Svd, AThrowingEpochCallbackStopsTheFit) {
  RatingMatrix r = low_rank_matrix(100, 80, 3, 0.3, 0.3f, 5);
  for (const char* threads : {"1", "2"}) {
    SCOPED_TRACE(threads);
    int calls = 0;
    FitOptions fo;
    fo.on_epoch = [&](const EpochReport& e) {
      ++calls;
      if (e.epoch == 2) throw std::runtime_error("stop at 2");
    };
    auto m = create_model("svd", {{"epochs", "10"}, {"threads", threads}, {"blocks", "4"}});
    EXPECT_THROW(m->fit(r, fo), std::runtime_error);
    EXPECT_EQ(calls, 2);
  }
}

TEST(Svd, DivergenceIsAConfigErrorSuggestingLowerLr) {
  RatingMatrix r = low_rank_matrix(30, 30, 2, 0.5, 0.3f, 6);
  auto m = create_model("svd", {{"lr", "5"}, {"reg_factors", "0"}, {"epochs", "50"}, {"threads", "1"}});
  try {
    m->fit(r, {});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("lower lr"), std::string::npos) << e.what();
  }
}

TEST(Svd, PredictAndScoreAgree) {
  RatingMatrix r = low_rank_matrix(20, 15, 2, 0.5, 0.3f, 7);
  auto m = create_model("svd", {{"epochs", "3"}, {"threads", "1"}});
  m->fit(r, {});
  auto s = all_scores(*m);
  for (UserIndex u = 0; u < 20; ++u)
    for (ItemIndex i = 0; i < 15; ++i) EXPECT_NEAR(s[u * 15 + i], m->predict(u, i), 1e-5);
}

TEST(Svd, SimilarItemsAreCosineNeighbours) {
  RatingMatrix r = low_rank_matrix(50, 40, 3, 0.5, 0.3f, 8);
  auto m = create_model("svd", {{"epochs", "10"}, {"factors", "5"}, {"threads", "1"}});
  m->fit(r, {});
  const auto& q = as_sgd(*m).item_factors();
  auto cosine = [&](ItemIndex a, ItemIndex b) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t f = 0; f < q.k(); ++f) {
      ab += double(q.row(a)[f]) * q.row(b)[f];
      aa += double(q.row(a)[f]) * q.row(a)[f];
      bb += double(q.row(b)[f]) * q.row(b)[f];
    }
    return ab / std::sqrt(aa * bb);
  };
  // Brute force: sort every other movie by cosine.
  std::vector<std::pair<double, ItemIndex>> all;
  for (ItemIndex j = 1; j < 40; ++j) all.push_back({-cosine(0, j), j});
  std::sort(all.begin(), all.end());
  auto top = m->similar_items(0, 5);
  ASSERT_EQ(top.size(), 5u);
  for (int j = 0; j < 5; ++j) {
    EXPECT_EQ(top[j].item, all[j].second);
    EXPECT_NEAR(top[j].score, -all[j].first, 1e-5);
  }
}

TEST(Svd, FoldInIsTheRegularisedLeastSquaresSolution) {
  RatingMatrix r = low_rank_matrix(60, 30, 3, 0.5, 0.3f, 9);
  auto m = create_model("svd", {{"epochs", "20"}, {"factors", "4"}, {"threads", "1"}});
  m->fit(r, {});
  const auto& s = as_sgd(*m);
  const std::vector<ItemIndex> items = {1, 4, 7, 9, 20};
  const std::vector<float> values = {5, 3, 4, 1, 2};
  // Direct solve, in double: unknowns [p (4), b_u]; rows a_j = [q_j, 1], t_j = r_j - mu - b_j;
  // (sum a a^T + diag((n + 20) reg_factors x4, n reg_bias + 5)) x = sum t a (the fold-in prior).
  const int k = 4;
  const double n = items.size();
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(k + 1, k + 1);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(k + 1);
  for (std::size_t j = 0; j < items.size(); ++j) {
    Eigen::VectorXd row(k + 1);
    for (int f = 0; f < k; ++f) row(f) = s.item_factors().row(items[j])[f];
    row(k) = 1;
    a += row * row.transpose();
    b += (values[j] - s.global_mean() - s.item_bias()[items[j]]) * row;
  }
  for (int f = 0; f < k; ++f) a(f, f) += (n + 20) * s.options().reg_factors;
  a(k, k) += n * s.options().reg_bias + 5;
  Eigen::VectorXd x = a.fullPivLu().solve(b);
  std::vector<float> out(30);
  m->score_new_user(items, values, out);
  for (ItemIndex i = 0; i < 30; ++i) {
    double want = s.global_mean() + s.item_bias()[i] + x(k);
    for (int f = 0; f < k; ++f) want += x(f) * s.item_factors().row(i)[f];
    EXPECT_NEAR(out[i], want, 1e-4) << "movie " << i;
  }
}

TEST(Svd, SaveLoadRoundTrip) {
  RatingMatrix r = low_rank_matrix(30, 20, 2, 0.5, 0.3f, 10);
  expect_round_trip("svd", {{"epochs", "3"}, {"factors", "5"}}, r);
  expect_round_trip("svd-alternating", {{"epochs", "4"}}, r);
}

TEST(Svd, BadParametersAreConfigErrors) {
  MOVIEREC_EXPECT_ERROR(create_model("svd", {{"factors", "0"}}), ConfigError, "model 'svd'", "parameter 'factors'",
                        "an integer in [1, 4096]", "\"0\"");
  MOVIEREC_EXPECT_ERROR(create_model("svd", {{"lr", "-1"}}), ConfigError, "parameter 'lr'", "\"-1\"");
  MOVIEREC_EXPECT_ERROR(create_model("svd", {{"reg", "-0.1"}}), ConfigError, "parameter 'reg'", "\"-0.1\"");
  MOVIEREC_EXPECT_ERROR(create_model("svd", {{"reg", "x"}}), ConfigError, "parameter 'reg'", "\"x\"");
  MOVIEREC_EXPECT_ERROR(create_model("svd", {{"kernel", "fast"}}), ConfigError, "parameter 'kernel'",
                        "one of fixed, generic", "\"fast\"");
}

// reg sets both weights (the tune grid uses it); a specific one overrides it.
TEST(Svd, RegSetsBothWeightsUnlessOneIsGiven) {
  auto weights = [](ParamMap p) {
    auto m = create_model("svd", std::move(p));
    return std::pair{as_sgd(*m).options().reg_factors, as_sgd(*m).options().reg_bias};
  };
  EXPECT_EQ(weights({}), (std::pair{0.1f, 0.02f}));
  EXPECT_EQ(weights({{"reg", "0.05"}}), (std::pair{0.05f, 0.05f}));
  EXPECT_EQ(weights({{"reg", "0.05"}, {"reg_bias", "0.01"}}), (std::pair{0.05f, 0.01f}));
  EXPECT_EQ(weights({{"reg", "0.05"}, {"reg_factors", "0.2"}}), (std::pair{0.2f, 0.05f}));
}

// Issue 12 (lean memory): the 8-byte grid (user and movie as 16-bit offsets
// from their block's first row and column) trains what the 12-byte grid of
// positions trains: same ratings, same order, same arithmetic, for every
// visiting order and both variants. The compiler may contract a multiply-add
// differently in the two instantiations (measured: bit-equal at 8 and 64
// factors, 4e-10 apart in RMSE at 32 on ml-latest-small), so scores are
// compared up to float rounding; an offset from the wrong base moves them by
// whole factor rows.
TEST(SgdGrid, CompactEntriesTrainTheSameModelAsWideOnes) {
  const RatingMatrix r = low_rank_matrix(90, 70, 3, 0.4, 0.2f, 17);
  for (const char* model : {"svd", "svd-alternating"})
    for (const char* order : {"chunked", "full", "user"})
      for (const char* factors : {"8", "32"}) {
        SCOPED_TRACE(std::string(model) + " order=" + order + " factors=" + factors);
        // 5 x 5 blocks: 18 users and 14 movies per grid row / column, offsets 0..17.
        ParamMap p = {{"factors", factors}, {"epochs", "3"}, {"threads", "1"},   {"blocks", "5"},
                      {"order", order},     {"chunk", "16"}, {"init_std", "0.1"}};
        auto compact = fitted_scores(model, p, r);
        p["grid"] = "wide";
        auto wide = fitted_scores(model, p, r);
        ASSERT_EQ(compact.size(), wide.size());
        float worst = 0;
        for (std::size_t x = 0; x < wide.size(); ++x) worst = std::max(worst, std::abs(compact[x] - wide[x]));
        EXPECT_LT(worst, 1e-5f);
      }
  MOVIEREC_EXPECT_ERROR(create_model("svd", {{"grid", "narrow"}}), ConfigError, "parameter 'grid'", "one of auto, wide",
                        "\"narrow\"");
}

// Issue 12: each compiled fixed-width SGD loop (padded widths 16..128 floats)
// must train the model the generic run-time-width loop trains. The two sum
// dot products in different orders, so they agree up to float rounding
// (measured: largest score difference 4.8e-7 after 4 epochs); a loop that
// skips factors (100 factors run by the 96-float loop leaves 4 of them
// untrained) moved scores by 0.06 (svd) and 0.04 (svd-alternating).
TEST(SgdKernel, EveryFixedWidthLoopMatchesTheGenericOne) {
  const RatingMatrix r = low_rank_matrix(60, 50, 3, 0.4, 0.2f, 31);
  // factors -> padded width: 8 -> 16, 20 -> 32, 40 -> 48, 64, 70 -> 80, 90 -> 96, 100 -> 112, 128, and 130 -> 144
  // (no fixed loop: generic either way).
  for (int factors : {8, 20, 40, 64, 70, 90, 100, 128, 130}) {
    SCOPED_TRACE("factors=" + std::to_string(factors));
    ParamMap p = {{"factors", std::to_string(factors)}, {"epochs", "4"}, {"threads", "1"}, {"init_std", "0.1"}};
    auto fixed = fitted_scores("svd", p, r);
    p["kernel"] = "generic";
    auto generic = fitted_scores("svd", p, r);
    ASSERT_EQ(fixed.size(), generic.size());
    float worst = 0;
    for (std::size_t x = 0; x < fixed.size(); ++x) worst = std::max(worst, std::abs(fixed[x] - generic[x]));
    EXPECT_LT(worst, 1e-4f);
    std::printf("factors %d: largest |fixed - generic| score %.2g (svd)", factors, worst);
    // The same for the alternating variant (user and movie half-steps).
    p.erase("kernel");
    auto alt_fixed = fitted_scores("svd-alternating", p, r);
    p["kernel"] = "generic";
    auto alt_generic = fitted_scores("svd-alternating", p, r);
    worst = 0;
    for (std::size_t x = 0; x < alt_fixed.size(); ++x) worst = std::max(worst, std::abs(alt_fixed[x] - alt_generic[x]));
    EXPECT_LT(worst, 1e-4f);
    std::printf(", %.2g (svd-alternating)\n", worst);
  }
}
