// content-factors' MLP map: its gradient against central finite differences,
// and a map no linear model can fit (XOR), which ridge misses and the MLP fits.
#include <gtest/gtest.h>

#include <random>

#include "models/content_factors.h"
#include "models/mlp_map.h"

using namespace movierec;

namespace {

Eigen::MatrixXf random_matrix(Eigen::Index r, Eigen::Index c, std::mt19937& g) {
  std::normal_distribution<float> n01(0.f, 1.f);
  Eigen::MatrixXf m(r, c);
  for (Eigen::Index j = 0; j < c; ++j)
    for (Eigen::Index i = 0; i < r; ++i) m(i, j) = n01(g);
  return m;
}

}  // namespace

TEST(MlpMap, GradientMatchesFiniteDifferences) {
  std::mt19937 g(9);
  const Eigen::MatrixXf X = random_matrix(7, 3, g), T = random_matrix(7, 2, g);
  MlpMap::Weights w{random_matrix(3, 4, g), random_matrix(4, 1, g).col(0), random_matrix(4, 2, g),
                    random_matrix(2, 1, g).col(0)};
  const double l2 = 0.05;
  MlpMap::Weights grad;
  MlpMap::loss(w, X, T, l2, &grad);
  // Every parameter of every block, nudged by +-h in double-checked float.
  const float h = 1e-3f;
  int checked = 0;
  auto check = [&](auto& param, const auto& analytic, const char* name) {
    for (Eigen::Index k = 0; k < param.size(); ++k) {
      const float keep = param.data()[k];
      param.data()[k] = keep + h;
      const double up = MlpMap::loss(w, X, T, l2, nullptr);
      param.data()[k] = keep - h;
      const double down = MlpMap::loss(w, X, T, l2, nullptr);
      param.data()[k] = keep;
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(analytic.data()[k], numeric, 2e-3 + 1e-2 * std::abs(numeric)) << name << "[" << k << "]";
      ++checked;
    }
  };
  check(w.w1, grad.w1, "w1");
  check(w.b1, grad.b1, "b1");
  check(w.w2, grad.w2, "w2");
  check(w.b2, grad.b2, "b2");
  EXPECT_EQ(checked, 3 * 4 + 4 + 4 * 2 + 2);
}

TEST(MlpMap, FitsXorWhichRidgeCannot) {
  // Rows (a, b, 1) with target a xor b, each corner 5 times.
  Eigen::MatrixXf X(20, 3), T(20, 1);
  std::vector<Eigen::Index> rows;
  for (int r = 0; r < 20; ++r) {
    const int a = (r / 2) % 2, b = r % 2;
    X.row(r) << float(a), float(b), 1.f;
    T(r, 0) = float(a ^ b);
    rows.push_back(r);
  }
  // The best linear fit predicts 0.5 everywhere: mean squared error 0.25.
  const Eigen::MatrixXf linear = X * ridge_map(X, T, rows, 1e-6);
  EXPECT_NEAR((linear - T).squaredNorm() / 20, 0.25, 1e-3);
  MlpMap mlp;
  MlpOptions o;
  o.hidden = 16;
  o.epochs = 1500;
  o.lr = 0.02;
  o.l2 = 0;
  mlp.fit(X, T, rows, o);
  const Eigen::MatrixXf p = mlp.predict(X);
  EXPECT_LT((p - T).squaredNorm() / 20, 0.01);
  for (int r = 0; r < 4; ++r) EXPECT_NEAR(p(r, 0), T(r, 0), 0.2) << "corner " << r;
}
