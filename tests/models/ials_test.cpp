// Implicit ALS: the user step against a dense implementation of Hu et al.'s
// update, CG against Cholesky, ranking on two taste groups, fold-in, files.
#include "util/eigen.h"

#include <gtest/gtest.h>

#include "mf_fixtures.h"
#include "models/ials.h"
#include "movierec/errors.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// Hu, Koren, Volinsky eq. (4), dense: x_u = (Y^T C_u Y + reg I)^-1 Y^T C_u p(u) with
// C_u = diag(1 + alpha r_ui) over every movie (r = 0 when unrated), p(u)_i = [r_ui > 0].
Eigen::MatrixXd dense_user_step(const RatingMatrix& r, const FactorMatrix& y, double alpha, double reg) {
  const int n = static_cast<int>(r.n_items()), k = static_cast<int>(y.k());
  Eigen::MatrixXd ym(n, k);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < k; ++f) ym(i, f) = y.row(i)[f];
  Eigen::MatrixXd x(r.n_users(), k);
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    Eigen::VectorXd c = Eigen::VectorXd::Ones(n), p = Eigen::VectorXd::Zero(n);
    for (ItemIndex i = 0; i < r.n_items(); ++i)
      if (r.contains(u, i)) {
        c(i) = 1 + alpha * r.get(u, i);
        p(i) = 1;
      }
    Eigen::MatrixXd a = ym.transpose() * c.asDiagonal() * ym + reg * Eigen::MatrixXd::Identity(k, k);
    x.row(u) = a.inverse() * (ym.transpose() * c.asDiagonal() * p);
  }
  return x;
}

}  // namespace

TEST(ImplicitAls, UserStepMatchesDenseHuKorenVolinsky) {
  // 4 users x 5 movies, ratings as confidence weights.
  RatingMatrix r(4, 5, {{0, 0, 5}, {0, 3, 1}, {1, 1, 3}, {1, 2, 4}, {1, 4, 2}, {2, 0, 2}, {2, 4, 5}, {3, 2, 1}});
  for (const char* solver : {"cholesky", "cg"}) {
    SCOPED_TRACE(solver);
    // 3 CG steps on 3 unknowns: exact up to rounding.
    auto m = create_model("ials", {{"factors", "3"},
                                   {"iterations", "1"},
                                   {"alpha", "2"},
                                   {"reg", "0.5"},
                                   {"solver", solver},
                                   {"cg_steps", "3"},
                                   {"init_std", "0.5"},
                                   {"threads", "1"}});
    m->fit(r, {});
    auto& ials = dynamic_cast<ImplicitAls&>(*m);
    Eigen::MatrixXd want = dense_user_step(r, ials.item_factors(), 2.0, 0.5);
    ials.solve_side(r, true, 1);
    for (UserIndex u = 0; u < 4; ++u)
      for (int f = 0; f < 3; ++f) EXPECT_NEAR(ials.user_factors().row(u)[f], want(u, f), 1e-3) << u << "," << f;
  }
}

TEST(ImplicitAls, RanksTheUsersOwnGroupFirst) {
  RatingMatrix r = two_group_matrix(60, 40, 0.5, 0.02, 20);
  auto m = create_model("ials", {{"factors", "4"}, {"reg", "1"}, {"threads", "1"}});
  m->fit(r, {});
  EXPECT_GT(own_group_share(*m, r), 0.95);
}

TEST(ImplicitAls, CgAndCholeskyFitsAgree) {
  RatingMatrix r = two_group_matrix(80, 50, 0.4, 0.05, 21);
  ParamMap prm = {{"factors", "6"}, {"reg", "1"}, {"threads", "1"}, {"iterations", "10"}};
  auto cg = create_model("ials", prm);
  prm["solver"] = "cholesky";
  auto chol = create_model("ials", prm);
  cg->fit(r, {});
  chol->fit(r, {});
  auto a = all_scores(*cg), b = all_scores(*chol);
  double diff = 0, norm = 0;
  for (std::size_t j = 0; j < a.size(); ++j) {
    diff += (a[j] - b[j]) * (a[j] - b[j]);
    norm += b[j] * b[j];
  }
  EXPECT_LT(std::sqrt(diff / norm), 0.05);
}

TEST(ImplicitAls, OneThreadIsReproducibleBitForBit) {
  RatingMatrix r = two_group_matrix(60, 40, 0.4, 0.05, 25);
  for (const char* solver : {"cg", "cholesky"}) {
    SCOPED_TRACE(solver);
    ParamMap prm = {{"factors", "6"}, {"iterations", "4"}, {"threads", "1"}, {"solver", solver}, {"seed", "3"}};
    const auto a = fitted_scores("ials", prm, r);
    EXPECT_TRUE(same_bits(a, fitted_scores("ials", prm, r)));
    // The seed reaches the initial factors: another seed, other scores.
    prm["seed"] = "4";
    EXPECT_FALSE(same_bits(a, fitted_scores("ials", prm, r)));
  }
}

TEST(ImplicitAls, TwoThreadsGiveTheOneThreadResult) {
  // 200 users and 150 movies in row chunks of 64: both threads solve rows. Each
  // row is solved from the other side alone, by the same arithmetic on any thread.
  RatingMatrix r = two_group_matrix(200, 150, 0.3, 0.05, 26);
  for (const char* solver : {"cg", "cholesky"}) {
    SCOPED_TRACE(solver);
    ParamMap prm = {{"factors", "8"}, {"iterations", "5"}, {"threads", "1"}, {"solver", solver}};
    const auto one = fitted_scores("ials", prm, r);
    prm["threads"] = "2";
    EXPECT_TRUE(same_bits(one, fitted_scores("ials", prm, r)));
  }
}

TEST(ImplicitAls, FoldInEqualsTheExactUserStep) {
  // Ratings of 4 (likes, models/fold_in.h): preference 1 in the fit and the fold-in.
  RatingMatrix r = with_value(two_group_matrix(50, 30, 0.4, 0.05, 22), 4.f);
  auto m = create_model("ials", {{"factors", "5"}, {"reg", "1"}, {"threads", "1"}, {"solver", "cholesky"}});
  m->fit(r, {});
  auto& ials = dynamic_cast<ImplicitAls&>(*m);
  ials.solve_side(r, true, 1);  // users exactly solved from the final movies
  const UserIndex u = 7;
  std::vector<float> folded(30), trained(30);
  m->score_new_user(r.user_items(u), r.user_values(u), folded);
  m->score(std::vector<UserIndex>{u}, trained);
  for (ItemIndex i = 0; i < 30; ++i) EXPECT_NEAR(folded[i], trained[i], 1e-4);
}

TEST(ImplicitAls, PredictIsNotSupported) {
  RatingMatrix r = two_group_matrix(10, 10, 0.5, 0.1, 23);
  auto m = create_model("ials", {{"iterations", "1"}});
  m->fit(r, {});
  EXPECT_FALSE(m->predicts_ratings());
  EXPECT_THROW(m->predict(0, 0), NotSupported);
}

TEST(ImplicitAls, SaveLoadRoundTrip) {
  RatingMatrix r = two_group_matrix(30, 20, 0.5, 0.1, 24);
  expect_round_trip("ials", {{"iterations", "2"}, {"factors", "8"}}, r);
  // The loaded model rebuilt its fold-in Gram matrix.
  auto m = create_model("ials", {{"iterations", "2"}, {"factors", "8"}});
  m->fit(r, {});
  Dataset ds = dataset_of(r);
  auto dir = temp_dir("ials-foldin");
  save_model(dir / "m.mrm", *m, ds);
  auto loaded = load_model(dir / "m.mrm", ds);
  std::vector<float> a(20), b(20);
  const std::vector<ItemIndex> items = {1, 3};
  const std::vector<float> values = {1, 1};
  m->score_new_user(items, values, a);
  loaded->score_new_user(items, values, b);
  EXPECT_EQ(a, b);
  std::filesystem::remove_all(dir);
}

TEST(ImplicitAls, LossMatchesTheObjectiveOverEveryPair) {
  // Brute force over all 4 x 5 pairs: c = 1 + alpha r and p = 1 where rated,
  // c = 1 and p = 0 elsewhere, plus reg times every factor's squared norm,
  // divided by sum c = 20 + alpha * (sum of ratings).
  RatingMatrix r(4, 5, {{0, 0, 5}, {0, 3, 1}, {1, 1, 3}, {1, 2, 4}, {1, 4, 2}, {2, 0, 2}, {2, 4, 5}, {3, 2, 1}});
  auto m = create_model("ials", {{"factors", "3"}, {"iterations", "2"}, {"alpha", "2"}, {"reg", "0.5"}});
  m->fit(r, {});
  auto& ials = dynamic_cast<ImplicitAls&>(*m);
  const auto& x = ials.user_factors();
  const auto& y = ials.item_factors();
  double sum = 0, weight = 0;
  for (UserIndex u = 0; u < 4; ++u)
    for (ItemIndex i = 0; i < 5; ++i) {
      double s = 0;
      for (int f = 0; f < 3; ++f) s += double(x.row(u)[f]) * y.row(i)[f];
      const bool rated = r.contains(u, i);
      const double c = rated ? 1 + 2.0 * r.get(u, i) : 1, p = rated ? 1 : 0;
      sum += c * (p - s) * (p - s);
      weight += c;
    }
  for (UserIndex u = 0; u < 4; ++u)
    for (int f = 0; f < 3; ++f) sum += 0.5 * x.row(u)[f] * x.row(u)[f];
  for (ItemIndex i = 0; i < 5; ++i)
    for (int f = 0; f < 3; ++f) sum += 0.5 * y.row(i)[f] * y.row(i)[f];
  EXPECT_DOUBLE_EQ(weight, 20 + 2.0 * 23);  // ratings sum to 23
  EXPECT_NEAR(ials.loss(r, 1), sum / weight, 1e-6 * sum / weight);
}
