// Metrics on hand-computed cases; evaluate and cross_validate with a scripted
// model whose every prediction and ranking is known.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "movierec/errors.h"
#include "movierec/metrics.h"
#include "movierec/registry.h"
#include "util/binary_io.h"

namespace movierec {
namespace {

using Items = std::vector<ItemIndex>;

TEST(ErrorMetrics, ClipsToTheScale) {
  // Predictions 1, 6 -> 5, 3, 0 -> 0.5 for ratings 2, 5, 3, 1:
  // errors -1, 0, 0, -0.5: mse = (1 + 0.25) / 4 = 0.3125, mae = 1.5 / 4 = 0.375.
  std::vector<float> p = {1, 6, 3, 0}, a = {2, 5, 3, 1};
  auto m = error_metrics(p, a, RatingScale{0.5f, 5.f, 0.5f});
  EXPECT_EQ(m.n, 4u);
  EXPECT_DOUBLE_EQ(m.mse, 0.3125);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt(0.3125));
  EXPECT_DOUBLE_EQ(m.mae, 0.375);
  EXPECT_EQ(error_metrics({}, {}, {}).n, 0u);
  std::vector<float> one = {1};
  EXPECT_THROW(error_metrics(one, {}, {}), ConfigError);
}

TEST(RankingMetrics, RelevantInSecondPlaceOfThree) {
  // Ranked {a, b, c} = {1, 2, 3}, relevant {b}: one hit in position 2.
  Items ranked = {1, 2, 3}, relevant = {2};
  EXPECT_DOUBLE_EQ(precision_at_k(ranked, relevant, 3), 1.0 / 3);
  EXPECT_DOUBLE_EQ(recall_at_k(ranked, relevant, 3), 1.0);
  EXPECT_NEAR(ndcg_at_k(ranked, relevant, 3), 0.6309298, 1e-7);        // (1 / log2(3)) / 1
  EXPECT_DOUBLE_EQ(average_precision_at_k(ranked, relevant, 3), 0.5);  // precision@2 / min(3, 1)
  EXPECT_DOUBLE_EQ(hit_at_k(ranked, relevant, 3), 1.0);
  // At k = 1 the hit is cut off.
  EXPECT_DOUBLE_EQ(precision_at_k(ranked, relevant, 1), 0.0);
  EXPECT_DOUBLE_EQ(ndcg_at_k(ranked, relevant, 1), 0.0);
  EXPECT_DOUBLE_EQ(hit_at_k(ranked, relevant, 1), 0.0);
}

TEST(RankingMetrics, SeveralRelevant) {
  // Ranked {5, 1, 7, 3, 9}, relevant {1, 3, 4}, k = 5: hits in positions 2 and 4.
  Items ranked = {5, 1, 7, 3, 9}, relevant = {4, 3, 1};
  EXPECT_DOUBLE_EQ(precision_at_k(ranked, relevant, 5), 0.4);  // 2 / 5
  EXPECT_DOUBLE_EQ(recall_at_k(ranked, relevant, 5), 2.0 / 3);
  // DCG = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
  // IDCG (3 relevant) = 1 + 0.630930 + 0.5 = 2.130930; NDCG = 0.498189
  EXPECT_NEAR(ndcg_at_k(ranked, relevant, 5), 0.498189, 1e-6);
  // AP = (1/2 + 2/4) / min(5, 3) = 1/3
  EXPECT_DOUBLE_EQ(average_precision_at_k(ranked, relevant, 5), 1.0 / 3);
  // k = 2: precision 1/2, recall 1/3, IDCG over min(2, 3) = 2 places: 0.630930 / 1.630930 = 0.386853,
  // AP = (1/2) / 2 = 0.25.
  EXPECT_DOUBLE_EQ(precision_at_k(ranked, relevant, 2), 0.5);
  EXPECT_DOUBLE_EQ(recall_at_k(ranked, relevant, 2), 1.0 / 3);
  EXPECT_NEAR(ndcg_at_k(ranked, relevant, 2), 0.386853, 1e-6);
  EXPECT_DOUBLE_EQ(average_precision_at_k(ranked, relevant, 2), 0.25);
}

TEST(RankingMetrics, ShortListsAndNoRelevant) {
  // A list shorter than k: precision still divides by k (1 / 10); NDCG and AP
  // normalise by min(k, |relevant|) = 1, so a first-place hit is perfect.
  Items ranked = {4}, relevant = {4};
  EXPECT_DOUBLE_EQ(precision_at_k(ranked, relevant, 10), 0.1);
  EXPECT_DOUBLE_EQ(ndcg_at_k(ranked, relevant, 10), 1.0);
  EXPECT_DOUBLE_EQ(average_precision_at_k(ranked, relevant, 10), 1.0);
  EXPECT_DOUBLE_EQ(recall_at_k(ranked, {}, 10), 0.0);
  EXPECT_DOUBLE_EQ(ndcg_at_k(ranked, {}, 10), 0.0);
  EXPECT_DOUBLE_EQ(average_precision_at_k(ranked, {}, 10), 0.0);
  EXPECT_DOUBLE_EQ(precision_at_k(ranked, relevant, 0), 0.0);
}

// Predicts i + 1 for movie i whatever the user; ranks movies by index, highest first.
class Scripted final : public Recommender {
 public:
  explicit Scripted(std::size_t n_items) : n_items_(n_items) {}
  std::string_view name() const override { return "scripted"; }
  void fit(const RatingMatrix& train, const FitOptions& opts) override {
    ++fits;
    fitted_nnz = train.nnz();
    threads = opts.threads;
    n_users_ = train.n_users();
  }
  void score(std::span<const UserIndex> users, std::span<float> out) const override {
    for (std::size_t r = 0; r < users.size(); ++r)
      for (std::size_t i = 0; i < n_items_; ++i) out[r * n_items_ + i] = static_cast<float>(i + 1);
  }
  float predict(UserIndex u, ItemIndex i) const override {
    if (throw_on_user && u == *throw_on_user) throw DataError("scripted failure");
    return static_cast<float>(i + 1);
  }
  bool predicts_ratings() const override { return true; }
  std::size_t n_users() const override { return n_users_; }
  std::size_t n_items() const override { return n_items_; }
  void save_payload(BinaryWriter&) const override {}
  void load_payload(BinaryReader&) override {}

  int fits = 0, threads = -1;
  std::size_t fitted_nnz = 0;
  std::optional<UserIndex> throw_on_user;

 private:
  std::size_t n_items_, n_users_ = 0;
};

// 2 users x 4 movies. Train: u0 rated m0, u1 rated m1.
// Test: u0: m1 = 4, m2 = 2; u1: m3 = 5.
Split tiny_split() {
  return {"tiny", RatingMatrix(2, 4, {{0, 0, 3.f}, {1, 1, 4.f}}),
          RatingMatrix(2, 4, {{0, 1, 4.f}, {0, 2, 2.f}, {1, 3, 5.f}})};
}

TEST(Evaluate, RatingAndRankingMetricsByHand) {
  Scripted model(4);
  EvalOptions eo;
  eo.k = 2;
  eo.threads = 2;
  auto m = evaluate(model, tiny_split(), RatingScale{}, eo);
  EXPECT_EQ(model.fits, 1);
  EXPECT_EQ(model.fitted_nnz, 2u);  // fitted on train only
  EXPECT_EQ(model.threads, 2);
  // Predictions 2, 3, 4 for ratings 4, 2, 5: errors -2, 1, -1: mse = 6/3 = 2, mae = 4/3.
  EXPECT_DOUBLE_EQ(m.at("mse"), 2.0);
  EXPECT_DOUBLE_EQ(m.at("rmse"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(m.at("mae"), 4.0 / 3);
  // Ranking by index, train movies excluded:
  //   u0 (m0 excluded): top-2 {m3, m2}, relevant {m1, m2}: hit in place 2:
  //     precision 1/2, recall 1/2, NDCG 0.630930 / 1.630930 = 0.386853, AP (1/2) / 2 = 0.25, hit 1
  //   u1 (m1 excluded): top-2 {m3, m2}, relevant {m3}: precision 1/2, recall 1, NDCG 1, AP 1, hit 1
  EXPECT_DOUBLE_EQ(m.at("precision@2"), 0.5);
  EXPECT_DOUBLE_EQ(m.at("recall@2"), 0.75);
  EXPECT_NEAR(m.at("ndcg@2"), (0.386853 + 1) / 2, 1e-6);
  EXPECT_DOUBLE_EQ(m.at("map@2"), 0.625);
  EXPECT_DOUBLE_EQ(m.at("hit@2"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("coverage@2"), 0.5);  // {m2, m3} of 4 movies
  EXPECT_GE(m.at("fit_seconds"), 0.0);
  EXPECT_GE(m.at("eval_seconds"), 0.0);
}

TEST(Evaluate, RelevanceThresholdAndOptions) {
  Scripted model(4);
  EvalOptions eo;
  eo.k = 2;
  eo.relevance_threshold = 3;  // u0's m2 = 2 is no longer relevant
  auto m = evaluate(model, tiny_split(), RatingScale{}, eo);
  // u0: relevant {m1}, top-2 {m3, m2}: all 0; u1 as before: precision (0 + 1/2) / 2 = 0.25.
  EXPECT_DOUBLE_EQ(m.at("precision@2"), 0.25);
  EXPECT_DOUBLE_EQ(m.at("recall@2"), 0.5);
  EXPECT_DOUBLE_EQ(m.at("hit@2"), 0.5);
  eo.ranking = false;
  eo.fit = false;  // an already fitted model is measured as is
  m = evaluate(model, tiny_split(), RatingScale{}, eo);
  EXPECT_EQ(model.fits, 1);
  EXPECT_EQ(m.count("ndcg@2"), 0u);
  EXPECT_DOUBLE_EQ(m.at("mse"), 2.0);
}

TEST(Evaluate, ExceptionsInThePredictionLoopPropagate) {
  Scripted model(4);
  model.throw_on_user = 1;
  EvalOptions eo;
  eo.ranking = false;
  EXPECT_THROW(evaluate(model, tiny_split(), RatingScale{}, eo), DataError);
}

TEST(Evaluate, MismatchedSplitIsAConfigError) {
  Scripted model(4);
  Split bad{"bad", RatingMatrix(2, 4, {}), RatingMatrix(3, 4, {})};
  EXPECT_THROW(evaluate(model, bad, RatingScale{}, {}), ConfigError);
}

TEST(CrossValidate, MeanAndPopulationStddev) {
  // global-mean on two splits of one user:
  //   A: train {2, 4} (mean 3), test {5}: error 2: mse 4, rmse 2, mae 2
  //   B: train {1, 3} (mean 2), test {2, 4}: errors 0, 2: mse 2, rmse sqrt(2), mae 1
  std::vector<Split> splits;
  splits.push_back({"A", RatingMatrix(1, 4, {{0, 0, 2.f}, {0, 1, 4.f}}), RatingMatrix(1, 4, {{0, 2, 5.f}})});
  splits.push_back(
      {"B", RatingMatrix(1, 4, {{0, 0, 1.f}, {0, 1, 3.f}}), RatingMatrix(1, 4, {{0, 2, 2.f}, {0, 3, 4.f}})});
  EvalOptions eo;
  eo.ranking = false;
  auto cv = cross_validate([] { return create_model("global-mean"); }, splits, RatingScale{}, eo);
  ASSERT_EQ(cv.per_split.size(), 2u);
  EXPECT_DOUBLE_EQ(cv.mean.at("mse"), 3.0);    // (4 + 2) / 2
  EXPECT_DOUBLE_EQ(cv.stddev.at("mse"), 1.0);  // sqrt(((4-3)^2 + (2-3)^2) / 2)
  EXPECT_DOUBLE_EQ(cv.mean.at("mae"), 1.5);
  EXPECT_DOUBLE_EQ(cv.stddev.at("mae"), 0.5);
  EXPECT_NEAR(cv.mean.at("rmse"), (2 + std::sqrt(2.0)) / 2, 1e-12);    // 1.707107
  EXPECT_NEAR(cv.stddev.at("rmse"), (2 - std::sqrt(2.0)) / 2, 1e-12);  // 0.292893
  // One split: stddev 0.
  auto one = cross_validate([] { return create_model("global-mean"); }, {splits[0]}, RatingScale{}, eo);
  EXPECT_DOUBLE_EQ(one.stddev.at("mse"), 0.0);
  EXPECT_THROW(cross_validate([] { return create_model("global-mean"); }, {}, RatingScale{}, eo), ConfigError);
}

}  // namespace
}  // namespace movierec
