// content-knn and content-factors (issue 8): the ridge map against a dense
// solve, new movies in similar lists, model files.
// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 kernels (-march=native).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>

#include "hybrid_fixtures.h"
#include "models/content_factors.h"
#include "models/content_knn.h"
#include "movierec/dataset.h"
#include "movierec/registry.h"
#include "movierec/split.h"

namespace movierec {
namespace {

TEST(RidgeMap, EqualsDenseSolve) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  Eigen::MatrixXf X(40, 6), T(40, 3);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = g(rng);
  for (Eigen::Index i = 0; i < T.size(); ++i) T.data()[i] = g(rng);
  std::vector<Eigen::Index> rows;
  for (Eigen::Index r = 0; r < 40; r += 2) rows.push_back(r);  // every other row
  const double lambda = 0.7;
  Eigen::MatrixXf W = ridge_map(X, T, rows, lambda);
  // Dense reference: the rows stacked, W = (Xs^T Xs + lambda I)^-1 Xs^T Ts by a full-pivot LU.
  Eigen::MatrixXd Xs(rows.size(), 6), Ts(rows.size(), 3);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    Xs.row(k) = X.row(rows[k]).cast<double>();
    Ts.row(k) = T.row(rows[k]).cast<double>();
  }
  Eigen::MatrixXd A = Xs.transpose() * Xs + lambda * Eigen::MatrixXd::Identity(6, 6);
  Eigen::MatrixXd ref = A.fullPivLu().solve(Xs.transpose() * Ts);
  EXPECT_LT((W.cast<double>() - ref).cwiseAbs().maxCoeff(), 1e-5);
}

class ContentModels : public ::testing::Test {
 protected:
  void SetUp() override {
    ds_ = load_dataset(testing::genre_truth_set("content-models"));
    split_ = cold_items_split(ds_.ratings, {}, 20, 2);
  }
  std::unique_ptr<Recommender> fitted(const std::string& name, ParamMap p = {}) {
    auto m = create_model(name, p);
    FitOptions fo;
    fo.dataset = &ds_;
    fo.threads = 1;
    m->fit(split_.train, fo);
    return m;
  }
  Dataset ds_;
  Split split_;
};

TEST_F(ContentModels, NewMovieHasContentNeighbours) {
  // content-factors through its ridge map and through its MLP map.
  const std::vector<std::pair<std::string, ParamMap>> models = {
      {"content-knn", {}}, {"content-factors", {}}, {"content-factors", {{"map", "mlp"}, {"mlp_epochs", "200"}}}};
  for (const auto& [name, params] : models) {
    SCOPED_TRACE(name + (params.empty() ? "" : " map=mlp"));
    auto m = fitted(name, params);
    const ItemIndex fresh = split_.new_items[0];
    auto sim = m->similar_items(fresh, 10);
    ASSERT_EQ(sim.size(), 10u);
    // Same genre first: the genre decides both the features and (content-factors) the factors.
    std::size_t same = 0;
    for (const auto& s : sim) same += ds_.movies[s.item].genres == ds_.movies[fresh].genres;
    EXPECT_GE(same, 9u);
  }
  EXPECT_THROW(create_model("content-factors", {{"map", "tree"}}), ConfigError);
}

TEST_F(ContentModels, PredictedPopularityFollowsContent) {
  auto m = fitted("content-factors");
  const auto& cf = dynamic_cast<const ContentFactors&>(*m);
  // Action movies are rated 5x as often: their predicted log-popularity is higher.
  double action = 0, drama = 0, na = 0, nd = 0;
  for (ItemIndex i : split_.new_items) {
    const bool a = ds_.movies[i].genres[0] == "Action";
    (a ? action : drama) += cf.popularity()[i];
    (a ? na : nd) += 1;
  }
  ASSERT_GT(na, 0);
  ASSERT_GT(nd, 0);
  EXPECT_GT(action / na, drama / nd + 1.0);
}

TEST_F(ContentModels, ModelFileRoundTrip) {
  for (const char* name : {"content-knn", "content-factors"}) {
    SCOPED_TRACE(name);
    auto m = fitted(name);
    auto file = testing::temp_dir(std::string("content-file-") + name) / "m.mrm";
    save_model(file, *m, ds_);
    auto back = load_model(file, ds_);
    std::vector<UserIndex> users = {0, 5, 17};
    std::vector<float> a(users.size() * m->n_items()), b(a.size());
    m->score(users, a);
    back->score(users, b);
    EXPECT_EQ(a, b);
  }
}

TEST_F(ContentModels, BaseWithoutFactorsRefused) {
  auto m = create_model("content-factors", {{"base", "ease"}, {"base_params", "lambda=100"}});
  FitOptions fo;
  fo.dataset = &ds_;
  try {
    m->fit(split_.train, fo);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model 'ease' has no latent factors"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace movierec
