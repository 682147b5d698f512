// The factor models on MovieLens from ../shared (skipped where it is absent):
// ml-100k 5-fold RMSE against the published Surprise figures (SVD 0.9344,
// SVD++ 0.9187) with a little slack, on random folds and on the predefined
// u1..u5 files; svd against the tutorial's similarity MSE on
// ml-latest-small-2016; top-N models against popularity on ml-latest-small.
#include <gtest/gtest.h>

#include <map>

#include "../support/shared.h"
#include "movierec/dataset.h"
#include "movierec/metrics.h"
#include "movierec/registry.h"
#include "movierec/split.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

double kfold_rmse(const std::string& model) {
  static const Dataset ds = load_dataset(shared_path("data/ml-100k"));
  static const std::vector<Split> folds = make_splits(ds, "kfold:5", 42);
  EvalOptions eo;
  eo.ranking = false;
  CrossValResult r = cross_validate([&] { return create_model(model, {}); }, folds, ds.scale, eo);
  return r.mean.at("rmse");
}

}  // namespace

TEST(MfSharedData, Ml100kKfoldRmseWithDefaults) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-100k");
  // Measured 0.9134 (svd), 0.9046 (svdpp), 0.9129 (als).
  EXPECT_LE(kfold_rmse("svd"), 0.935);
  EXPECT_LE(kfold_rmse("svdpp"), 0.925);
  EXPECT_LE(kfold_rmse("als"), 0.935);
}

TEST(MfSharedData, Ml100kPredefinedSplitsRmse) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-100k");
  const Dataset ds = load_dataset(shared_path("data/ml-100k"));
  const auto folds = make_splits(ds, "files:" + shared_path("data/ml-100k").string() + "/u{1..5}.base,test", 0);
  ASSERT_EQ(folds.size(), 5u);
  EXPECT_EQ(folds[0].test.nnz(), 20000u);  // u1.test: 20,000 ratings
  EvalOptions eo;
  eo.ranking = false;
  auto rmse = [&](const std::string& model) {
    return cross_validate([&] { return create_model(model, {}); }, folds, ds.scale, eo).mean.at("rmse");
  };
  // Measured 0.9157 (svd), 0.9072 (svdpp).
  EXPECT_LE(rmse("svd"), 0.93);
  EXPECT_LE(rmse("svdpp"), 0.92);
}

TEST(MfSharedData, SvdFarBelowTheTutorialsMseOnMlLatestSmall2016) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small-2016");
  const Dataset ds = load_dataset(shared_path("data/ml-latest-small-2016"));
  const auto split = make_splits(ds, "holdout:10", 42);
  EvalOptions eo;
  eo.ranking = false;
  auto metric = [&](const std::string& model, const ParamMap& params, const std::string& m) {
    return evaluate(*create_model(model, params), split[0], ds.scale, eo).at(m);
  };
  // Measured (one thread): svd 0.8502, the biases alone (baseline) 0.8758,
  // the global mean 1.180, the tutorial's user-user cosine 10.1 unclipped
  // (its weighted sums of zero-filled rows predict far below the ratings).
  // svd must earn its factors: 0.026 below the baseline measured, 0.015 asked.
  const double svd = metric("svd", {{"threads", "1"}}, "mse"), baseline = metric("baseline", {}, "mse");
  const double tutorial = metric("article-user-cosine", {}, "mse_unclipped");
  EXPECT_NEAR(baseline, 0.876, 0.005);
  EXPECT_LT(svd, baseline - 0.015);
  EXPECT_LT(svd, 0.86);
  EXPECT_GT(tutorial, 9);
}

TEST(MfSharedData, TopNModelsBeatPopularityOnMlLatestSmall) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small");
  const Dataset ds = load_dataset(shared_path("data/ml-latest-small"));
  const auto split = make_splits(ds, "holdout:10", 42);
  auto metrics = [&](const std::string& name, const ParamMap& params) {
    auto model = create_model(name, params);
    EvalOptions eo;
    return evaluate(*model, split[0], ds.scale, eo);
  };
  const auto popularity = metrics("popularity", {});  // measured ndcg@10 0.0909, recall@10 0.0748
  EXPECT_NEAR(popularity.at("ndcg@10"), 0.0909, 0.002);
  EXPECT_NEAR(popularity.at("recall@10"), 0.0748, 0.002);
  // Measured with one thread (ndcg@10 / recall@10): ials 0.2111 / 0.1834
  // (2.32x / 2.45x popularity), bpr 0.1420 / 0.1295 (1.56x / 1.73x), ease
  // 0.2284 / 0.1941 (2.51x / 2.59x). Asked: about 10% below each ratio.
  struct Expect {
    const char* name;
    double ndcg_ratio, recall_ratio;
  };
  std::map<std::string, double> ndcg;
  for (const Expect& e : {Expect{"ials", 2.1, 2.2}, Expect{"bpr", 1.4, 1.55}, Expect{"ease", 2.25, 2.3}}) {
    SCOPED_TRACE(e.name);
    const auto m = metrics(e.name, {{"threads", "1"}});
    ndcg[e.name] = m.at("ndcg@10");
    EXPECT_GT(m.at("ndcg@10"), popularity.at("ndcg@10") * e.ndcg_ratio);
    EXPECT_GT(m.at("recall@10"), popularity.at("recall@10") * e.recall_ratio);
  }
  // And their order: ease, then ials, well ahead of bpr.
  EXPECT_GT(ndcg["ease"], ndcg["ials"]);
  EXPECT_GT(ndcg["ials"], ndcg["bpr"] * 1.3);
}
