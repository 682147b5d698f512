// Explicit ALS: the row solve against a direct solve, the fitted model against
// its normal equations, fold-in, thread independence, files.
#include "util/eigen.h"

#include <gtest/gtest.h>

#include "mf_fixtures.h"
#include "models/als.h"
#include "models/factor_model.h"
#include "models/ridge.h"
#include "models/rmse_over.h"
#include "util/rng.h"

using namespace movierec;
using namespace movierec::testing;

TEST(RidgeSolver, SolvesThe3x3NormalEquationsExactly) {
  // Three movies with k = 2 factors and a bias column: a 3 x 3 system.
  FactorMatrix q(4, 2);
  const float qv[4][2] = {{0.5f, -1.f}, {1.5f, 0.25f}, {-0.75f, 2.f}, {9.f, 9.f}};
  for (int i = 0; i < 4; ++i) std::copy(qv[i], qv[i] + 2, q.row(i));
  const std::vector<ItemIndex> items = {0, 1, 2};
  const std::vector<float> t = {1.f, -0.5f, 2.f};
  const float rf = 0.3f, rb = 0.1f;
  // Direct: A = sum a a^T + diag(0.3, 0.3, 0.1), a_j = [q_j, 1]; x = A^-1 sum t_j a_j.
  Eigen::Matrix3d a = Eigen::Matrix3d::Zero();
  Eigen::Vector3d b = Eigen::Vector3d::Zero();
  for (int j = 0; j < 3; ++j) {
    Eigen::Vector3d row(qv[j][0], qv[j][1], 1.0);
    a += row * row.transpose();
    b += t[j] * row;
  }
  a.diagonal() += Eigen::Vector3d(rf, rf, rb);
  Eigen::Vector3d want = a.inverse() * b;
  RidgeSolver solver;
  std::vector<float> x(3, 0.f);
  solver.solve(q, items, t, rf, rb, true, 0, x);
  for (int f = 0; f < 3; ++f) EXPECT_NEAR(x[f], want(f), 1e-5);
  // Three CG steps solve a 3 x 3 SPD system (exactly, in exact arithmetic), from any start.
  std::vector<float> y = {5.f, -5.f, 1.f};
  solver.solve(q, items, t, rf, rb, true, 3, y);
  for (int f = 0; f < 3; ++f) EXPECT_NEAR(y[f], want(f), 1e-3);
  // Without the bias column: 2 x 2.
  Eigen::Matrix2d a2 = a.topLeftCorner(2, 2);
  Eigen::Vector2d want2 = a2.inverse() * b.head(2);
  std::vector<float> x2(2, 0.f);
  solver.solve(q, items, t, rf, rb, false, 0, x2);
  for (int f = 0; f < 2; ++f) EXPECT_NEAR(x2[f], want2(f), 1e-5);
}

TEST(Als, FittedMoviesSatisfyTheirNormalEquations) {
  // 3 x 3 ratings, k = 2: the last half-step solved each movie exactly given the users.
  RatingMatrix r(3, 3, {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 2, 1}, {2, 1, 2}, {2, 2, 5}, {0, 2, 4}});
  auto m = create_model("als", {{"factors", "2"}, {"iterations", "3"}, {"reg", "0.2"}, {"threads", "1"}});
  m->fit(r, {});
  const auto& s = dynamic_cast<const FactorModel&>(*m);
  for (ItemIndex i = 0; i < 3; ++i) {
    auto users = r.item_users(i);
    auto values = r.item_values(i);
    const double lambda = 0.2 * users.size();  // weighted lambda: reg * n_i
    Eigen::Matrix3d a = Eigen::Matrix3d::Identity() * lambda;
    Eigen::Vector3d b = Eigen::Vector3d::Zero();
    for (std::size_t j = 0; j < users.size(); ++j) {
      Eigen::Vector3d row(s.user_factors().row(users[j])[0], s.user_factors().row(users[j])[1], 1.0);
      a += row * row.transpose();
      b += (values[j] - s.global_mean() - s.user_bias()[users[j]]) * row;
    }
    Eigen::Vector3d x = a.inverse() * b;
    EXPECT_NEAR(s.item_factors().row(i)[0], x(0), 1e-4);
    EXPECT_NEAR(s.item_factors().row(i)[1], x(1), 1e-4);
    EXPECT_NEAR(s.item_bias()[i], x(2), 1e-4);
  }
}

TEST(Als, RecoversRank1Matrix) {
  RatingMatrix r = rank1_matrix(40, 30, 1.0, 15);
  auto m = create_model("als", {{"factors", "2"}, {"reg", "0.0001"}, {"iterations", "20"}, {"threads", "1"}});
  m->fit(r, {});
  EXPECT_LT(train_rmse(*m, r), 0.01);
}

TEST(Als, FoldInEqualsTheAlsSolutionForThatUser) {
  RatingMatrix r = low_rank_matrix(80, 50, 3, 0.4, 0.3f, 16);
  auto m = create_model("als", {{"factors", "6"}, {"iterations", "8"}, {"threads", "1"}});
  m->fit(r, {});
  auto& als = dynamic_cast<Als&>(*m);
  const UserIndex u = 5;
  auto items = r.user_items(u);
  auto values = r.user_values(u);
  std::vector<float> folded(50), trained(50);
  // At convergence the user's vector nearly solves its row given the final movies.
  m->score_new_user(items, values, folded);
  m->score(std::vector<UserIndex>{u}, trained);
  for (ItemIndex i = 0; i < 50; ++i) EXPECT_NEAR(folded[i], trained[i], 0.05);
  // After one more user half-step it solves it exactly: fold-in is that step.
  als.solve_side(r, true, 1);
  m->score(std::vector<UserIndex>{u}, trained);
  for (ItemIndex i = 0; i < 50; ++i) EXPECT_NEAR(folded[i], trained[i], 1e-4);
}

TEST(Als, ResultDoesNotDependOnThreadCount) {
  RatingMatrix r = low_rank_matrix(70, 40, 3, 0.4, 0.3f, 17);
  EXPECT_TRUE(same_bits(fitted_scores("als", {{"threads", "1"}, {"iterations", "3"}}, r),
                        fitted_scores("als", {{"threads", "2"}, {"iterations", "3"}}, r)));
}

TEST(Als, ConjugateGradientSolverReachesCholeskyError) {
  RatingMatrix r = low_rank_matrix(100, 60, 3, 0.3, 0.3f, 18);
  auto chol = create_model("als", {{"factors", "8"}, {"iterations", "10"}, {"threads", "1"}});
  auto cg = create_model("als", {{"factors", "8"}, {"iterations", "10"}, {"solver", "cg"}, {"threads", "1"}});
  chol->fit(r, {});
  cg->fit(r, {});
  EXPECT_NEAR(train_rmse(*chol, r), train_rmse(*cg, r), 0.02);
}

TEST(Als, SaveLoadRoundTrip) {
  RatingMatrix r = low_rank_matrix(30, 20, 2, 0.5, 0.3f, 19);
  expect_round_trip("als", {{"iterations", "2"}}, r);
  expect_round_trip("als", {{"iterations", "2"}, {"biases", "false"}}, r);
}
