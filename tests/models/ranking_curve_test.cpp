// Learning curves of the ranking models (ials, bpr): per-epoch validation
// NDCG@10 / recall@10 through FitOptions::on_epoch, checked against
// evaluate()'s own ranking metrics on the same split (issue 3, gap G9).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "eval/validation_ranking.h"
#include "mf_fixtures.h"
#include "movierec/metrics.h"
#include "movierec/split.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

struct Curve {
  std::vector<EpochReport> epochs;
  MetricMap metrics;  // evaluate()'s metrics of the same fit
};

Curve curve_of(const std::string& model, const ParamMap& params, const Split& split) {
  Curve c;
  auto m = create_model(model, params);
  EvalOptions eo;
  eo.threads = 1;
  eo.on_epoch = [&](const EpochReport& e) { c.epochs.push_back(e); };
  c.metrics = evaluate(*m, split, RatingScale{0.5f, 5.f, 0.5f}, eo);
  return c;
}

void expect_unit_interval(const std::vector<EpochReport>& curve) {
  for (const auto& e : curve) {
    SCOPED_TRACE("epoch " + std::to_string(e.epoch));
    EXPECT_GE(e.valid_ndcg, 0.0);
    EXPECT_LE(e.valid_ndcg, 1.0);
    EXPECT_GE(e.valid_recall, 0.0);
    EXPECT_LE(e.valid_recall, 1.0);
    EXPECT_TRUE(std::isnan(e.train_rmse) && std::isnan(e.valid_rmse));  // ranking models predict no ratings
  }
}

}  // namespace

TEST(RankingCurve, BprNdcgRisesToWhatEvaluateReports) {
  // Two taste groups; 3 held-out ratings per user, to be found among the ~28
  // movies not rated in train. Chance (a random top-10): DCG = 3/28 * sum_{p<10}
  // 1/log2(p+2) = 3/28 * 4.54 = 0.486 over IDCG 1 + 0.631 + 0.5 = 2.131: 0.23,
  // recall 10/28 = 0.36. The own group first (13 candidates): recall ~10/13.
  Split split = holdout_split(two_group_matrix(60, 40, 0.5, 0.02, 40), 3, 7);
  const ParamMap prm = {{"factors", "8"}, {"epochs", "30"}, {"threads", "1"}};
  Curve c = curve_of("bpr", prm, split);
  ASSERT_EQ(c.epochs.size(), 30u);
  expect_unit_interval(c.epochs);
  EXPECT_LT(c.epochs.front().valid_ndcg, 0.3);   // 0.23 measured
  EXPECT_GT(c.epochs.back().valid_ndcg, 0.4);    // 0.43
  EXPECT_GT(c.epochs.back().valid_recall, 0.6);  // 0.71, from 0.33
  // The last epoch is the fitted model: the same value as evaluate's table...
  EXPECT_DOUBLE_EQ(c.epochs.back().valid_ndcg, c.metrics.at("ndcg@10"));
  EXPECT_DOUBLE_EQ(c.epochs.back().valid_recall, c.metrics.at("recall@10"));
  // ...and as an evaluate run without a curve (one thread: the same fit).
  auto plain = create_model("bpr", prm);
  EvalOptions eo;
  eo.threads = 1;
  MetricMap m = evaluate(*plain, split, RatingScale{}, eo);
  EXPECT_DOUBLE_EQ(c.epochs.back().valid_ndcg, m.at("ndcg@10"));
  EXPECT_DOUBLE_EQ(c.epochs.back().valid_recall, m.at("recall@10"));
}

TEST(RankingCurve, BprValidationLeavesTheFitUnchanged) {
  // With validation each epoch is its own run of the epoch loop; one thread
  // must still draw the same samples as a fit without it.
  RatingMatrix r = two_group_matrix(40, 30, 0.5, 0.05, 41);
  Split split = holdout_split(r, 2, 3);
  const ParamMap prm = {{"factors", "6"}, {"epochs", "5"}, {"threads", "1"}};
  auto a = create_model("bpr", prm), b = create_model("bpr", prm);
  int epochs = 0;
  FitOptions fo;
  fo.validation = &split.test;
  const ValidationRanking grader(split.train, split.test, 10, 0);
  fo.measure_epoch = [&](const Recommender& m, EpochReport& rep) { grader.measure(m, rep); };
  fo.on_epoch = [&](const EpochReport& e) {
    ++epochs;
    EXPECT_FALSE(std::isnan(e.valid_ndcg));
    EXPECT_FALSE(std::isnan(e.loss));
  };
  a->fit(split.train, fo);
  b->fit(split.train, {});
  EXPECT_EQ(epochs, 5);
  auto sa = all_scores(*a), sb = all_scores(*b);
  EXPECT_EQ(0, std::memcmp(sa.data(), sb.data(), sa.size() * sizeof(float)));
}

TEST(RankingCurve, IalsReportsNdcgAndAFallingLoss) {
  Split split = holdout_split(two_group_matrix(60, 40, 0.5, 0.02, 42), 3, 8);  // as above
  for (const char* solver : {"cholesky", "cg"}) {
    SCOPED_TRACE(solver);
    Curve c = curve_of("ials", {{"factors", "4"}, {"reg", "1"}, {"iterations", "6"}, {"solver", solver}}, split);
    ASSERT_EQ(c.epochs.size(), 6u);
    expect_unit_interval(c.epochs);
    // Each half-step lowers the objective (exactly with Cholesky; CG steps
    // from the previous x lower the row's quadratic too).
    for (std::size_t e = 1; e < c.epochs.size(); ++e) EXPECT_LE(c.epochs[e].loss, c.epochs[e - 1].loss * (1 + 1e-6));
    // Chance 0.23 and 0.36 (as for bpr above); measured 0.25 -> 0.45, recall 0.40 -> 0.70.
    EXPECT_GT(c.epochs.back().valid_ndcg, 0.4);
    EXPECT_GT(c.epochs.back().valid_recall, 0.6);
    EXPECT_DOUBLE_EQ(c.epochs.back().valid_ndcg, c.metrics.at("ndcg@10"));
    EXPECT_DOUBLE_EQ(c.epochs.back().valid_recall, c.metrics.at("recall@10"));
  }
}

TEST(RankingCurve, HandComputedValidationNdcg) {
  // 2 users x 4 movies. train: u0 rated 0; u1 rated 3. validation: u0 -> {1
  // (rating 2), 2 (rating 5)}, u1 -> {0 (rating 3)}. A "model" scoring movie i as i for everyone ranks, excluding
  // train: u0: 3, 2, 1; u1: 2, 1, 0.
  // k = 2: u0 top-2 {3, 2}: DCG = 1/log2(3) = 0.6309, IDCG = 1 + 0.6309: 0.3869;
  //        recall 1/2. u1 top-2 {2, 1}: 0, recall 0. Means: NDCG 0.19346, recall 0.25.
  struct ByIndex final : Recommender {
    std::string_view name() const override { return "by-index"; }
    void fit(const RatingMatrix&, const FitOptions&) override {}
    void score(std::span<const UserIndex> users, std::span<float> out) const override {
      for (std::size_t r = 0; r < users.size(); ++r)
        for (ItemIndex i = 0; i < 4; ++i) out[r * 4 + i] = static_cast<float>(i);
    }
    std::size_t n_users() const override { return 2; }
    std::size_t n_items() const override { return 4; }
  } model;
  RatingMatrix train(2, 4, {{0, 0, 4}, {1, 3, 4}});
  RatingMatrix valid(2, 4, {{0, 1, 2}, {0, 2, 5}, {1, 0, 3}});
  EpochReport rep;
  ValidationRanking(train, valid, 2, 0).measure(model, rep);
  const double g = 1 / std::log2(3.0);
  EXPECT_NEAR(rep.valid_ndcg, (g / (1 + g) + 0) / 2, 1e-12);  // 0.19346
  EXPECT_NEAR(rep.valid_recall, 0.25, 1e-12);
  // Relevance 3: u0 keeps {2} only (rank 2: NDCG 0.6309 / 1, recall 1), u1 keeps {0} (0).
  ValidationRanking(train, valid, 2, 3).measure(model, rep);
  EXPECT_NEAR(rep.valid_ndcg, g / 2, 1e-12);
  EXPECT_NEAR(rep.valid_recall, 0.5, 1e-12);
  // Nobody relevant: NaN, not 0.
  ValidationRanking(train, valid, 2, 6).measure(model, rep);
  EXPECT_TRUE(std::isnan(rep.valid_ndcg));
}

TEST(RankingCurve, NothingIsMeasuredWithoutOnEpochOrMeasureEpoch) {
  // The models grade nothing themselves: without measure_epoch the ranking
  // fields stay NaN; without on_epoch measure_epoch is never called.
  Split split0 = holdout_split(two_group_matrix(20, 10, 0.5, 0.1, 43), 1, 1);
  for (const char* name : {"bpr", "ials"}) {
    SCOPED_TRACE(name);
    auto m = create_model(name, {{"threads", "1"}});
    FitOptions fo;
    fo.validation = &split0.test;
    int graded = 0, reported = 0;
    fo.measure_epoch = [&](const Recommender&, EpochReport&) { ++graded; };
    m->fit(split0.train, fo);
    EXPECT_EQ(graded, 0);
    fo.measure_epoch = nullptr;
    fo.on_epoch = [&](const EpochReport& e) {
      ++reported;
      EXPECT_TRUE(std::isnan(e.valid_ndcg));
    };
    m->fit(split0.train, fo);
    EXPECT_GT(reported, 0);
  }
  // With ranking off, evaluate's curve of a ranking model has only the loss.
  Split split = holdout_split(two_group_matrix(20, 10, 0.5, 0.1, 43), 1, 1);
  auto m = create_model("bpr", {{"epochs", "2"}, {"threads", "1"}});
  EvalOptions eo;
  eo.ranking = false;
  std::vector<EpochReport> curve;
  eo.on_epoch = [&](const EpochReport& e) { curve.push_back(e); };
  evaluate(*m, split, RatingScale{}, eo);
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_TRUE(std::isnan(curve[0].valid_ndcg));
  EXPECT_FALSE(std::isnan(curve[0].loss));
}

TEST(RankingCurve, IalsOnMlLatestSmall) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small");
  Dataset ds = load_dataset(shared_path("data/ml-latest-small").string());
  Split split = holdout_split(ds.ratings, 10, 42);
  auto m = create_model("ials", {{"iterations", "3"}});
  EvalOptions eo;
  std::vector<EpochReport> curve;
  eo.on_epoch = [&](const EpochReport& e) { curve.push_back(e); };
  MetricMap metrics = evaluate(*m, split, ds.scale, eo);
  ASSERT_EQ(curve.size(), 3u);
  expect_unit_interval(curve);
  // Popularity gives 0.091 on this split (`evaluate --model popularity`); 3 iterations 0.20.
  EXPECT_GT(curve.back().valid_ndcg, 0.15);
  EXPECT_GT(curve.back().valid_ndcg, curve.front().valid_ndcg);
  EXPECT_DOUBLE_EQ(curve.back().valid_ndcg, metrics.at("ndcg@10"));
}
