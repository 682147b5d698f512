// The tutorial's models against hand-computed values and the tutorial's dense
// matrix formulas, written here with plain loops.
#include <gtest/gtest.h>

#include <cmath>

#include "cf_fixtures.h"
#include "models/article_cf.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/binary_io.h"

namespace movierec {
namespace {

using testing::dense;
using testing::hand_matrix;
using testing::random_matrix;

std::unique_ptr<Recommender> fitted(const std::string& name, const RatingMatrix& m, const ParamMap& p = {}) {
  auto model = create_model(name, p);
  model->fit(m, {});
  return model;
}

TEST(ArticleCosine, HandComputedUserBased) {
  auto m = hand_matrix();
  auto model = fitted("article-user-cosine", m);
  const auto& a = dynamic_cast<const ArticleCosine&>(*model);
  // Zero-filled rows u0 = (5,3,0,1), u1 = (4,0,0,1), u2 = (1,1,5,4); |u|^2 = 35, 17, 43.
  //   s(1,0) = 21 / sqrt(35 * 17) = 0.860916, s(1,1) = 1, s(1,2) = 8 / sqrt(17 * 43) = 0.295891
  EXPECT_NEAR(a.user_similarity(1, 0), 0.860916, 1e-6);
  EXPECT_NEAR(a.user_similarity(1, 1), 1.0, 1e-12);
  EXPECT_NEAR(a.user_similarity(1, 2), 0.295891, 1e-6);
  // Movie 1: r(0,1) = 3, r(1,1) = 0, r(2,1) = 1; the denominator sums over all three users:
  //   (0.860916 * 3 + 0.295891 * 1) / (0.860916 + 1 + 0.295891) = 2.878640 / 2.156807 = 1.334676
  EXPECT_NEAR(model->predict(1, 1), 1.334676, 1e-5);
}

TEST(ArticleCosine, HandComputedItemBased) {
  auto m = hand_matrix();
  auto model = fitted("article-item-cosine", m);
  const auto& a = dynamic_cast<const ArticleCosine&>(*model);
  // Columns i0 = (5,4,1), i1 = (3,0,1), i2 = (0,0,5), i3 = (1,1,4); |i|^2 = 42, 10, 25, 18.
  //   s(0,1) = 16 / sqrt(420) = 0.780720, s(1,1) = 1, s(2,1) = 5 / sqrt(250) = 0.316228,
  //   s(3,1) = 7 / sqrt(180) = 0.521749
  EXPECT_NEAR(a.item_similarity(0, 1), 0.780720, 1e-6);
  EXPECT_NEAR(a.item_similarity(3, 1), 0.521749, 1e-6);
  // u1 rated i0 = 4, i3 = 1; the denominator sums over all four movies:
  //   (4 * 0.780720 + 1 * 0.521749) / (0.780720 + 1 + 0.316228 + 0.521749) = 3.644629 / 2.618697 = 1.391772
  EXPECT_NEAR(model->predict(1, 1), 1.391772, 1e-5);
}

// The tutorial's formulas on dense matrices:
//   su = R R^T + eps, su /= sqrt(diag) sqrt(diag)^T, pred = su R / rowsum|su|
//   sm = R^T R + eps, ...,                           pred = R sm / colsum|sm|
// With eps = 0 an empty row's similarities (0 / 0) are taken as 0.
std::vector<std::vector<double>> tutorial(const RatingMatrix& m, bool user_based, double eps) {
  auto r = dense(m);
  const std::size_t nu = m.n_users(), ni = m.n_items();
  const std::size_t n = user_based ? nu : ni;
  auto at = [&](std::size_t row, std::size_t k) { return user_based ? r[row][k] : r[k][row]; };
  const std::size_t len = user_based ? ni : nu;
  std::vector<std::vector<double>> s(n, std::vector<double>(n));
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) {
      double d = eps;
      for (std::size_t k = 0; k < len; ++k) d += at(a, k) * at(b, k);
      s[a][b] = d;
    }
  std::vector<double> norm(n);
  for (std::size_t a = 0; a < n; ++a) norm[a] = std::sqrt(s[a][a]);
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) s[a][b] = norm[a] * norm[b] > 0 ? s[a][b] / (norm[a] * norm[b]) : 0.0;
  std::vector<std::vector<double>> pred(nu, std::vector<double>(ni));
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t i = 0; i < ni; ++i) {
      double num = 0, den = 0;
      if (user_based) {
        for (std::size_t v = 0; v < nu; ++v) num += s[u][v] * r[v][i], den += std::abs(s[u][v]);
      } else {
        for (std::size_t j = 0; j < ni; ++j) num += r[u][j] * s[j][i], den += std::abs(s[i][j]);
      }
      pred[u][i] = den > 0 ? num / den : 0.0;  // only without eps: 0 / 0 taken as 0
    }
  return pred;
}

TEST(ArticleCosine, MatchesTheTutorialsDenseFormulas) {
  // Includes an empty user and an empty movie: with eps they get the
  // tutorial's ~0 predictions, not NaN.
  auto m = random_matrix(15, 25, 0.3, 2);
  for (bool user_based : {true, false}) {
    const std::string name = user_based ? "article-user-cosine" : "article-item-cosine";
    SCOPED_TRACE(name);
    auto model = fitted(name, m);
    auto want = tutorial(m, user_based, 1e-9);
    std::vector<UserIndex> users(m.n_users());
    for (UserIndex u = 0; u < users.size(); ++u) users[u] = u;
    std::vector<float> scores(users.size() * m.n_items());
    model->score(users, scores);
    for (UserIndex u = 0; u < m.n_users(); ++u)
      for (ItemIndex i = 0; i < m.n_items(); ++i) {
        ASSERT_NEAR(model->predict(u, i), want[u][i], 1e-5 * std::max(1.0, want[u][i])) << u << "," << i;
        ASSERT_EQ(scores[u * m.n_items() + i], model->predict(u, i));
      }
  }
}

TEST(ArticleCosine, EpsilonZeroGivesZeroForEmptyRows) {
  auto m = random_matrix(10, 12, 0.4, 8);  // user 9 and movie 11 are empty
  auto model = fitted("article-user-cosine", m, {{"epsilon", "0"}});
  EXPECT_EQ(model->predict(9, 3), 0.f);  // 0 / 0 without eps: defined as 0
  auto want = tutorial(m, true, 0);
  EXPECT_NEAR(model->predict(2, 3), want[2][3], 1e-5);
  auto item = fitted("article-item-cosine", m, {{"epsilon", "0"}});
  EXPECT_EQ(item->predict(2, 11), 0.f);
}

TEST(ArticleCosine, SimilarItemsByCosine) {
  auto m = hand_matrix();
  auto model = fitted("article-item-cosine", m);
  auto s = model->similar_items(1, 3);
  // s(1,0) = 0.780720 > s(1,3) = 0.521749 > s(1,2) = 0.316228.
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].item, 0u);
  EXPECT_EQ(s[1].item, 3u);
  EXPECT_EQ(s[2].item, 2u);
  EXPECT_NEAR(s[0].score, 0.780720, 1e-6);
  EXPECT_THROW(model->similar_items(4, 3), DataError);
}

TEST(ArticleCosine, SaveLoadGivesIdenticalPredictions) {
  auto m = random_matrix(12, 20, 0.4, 6);
  for (std::string name : {"article-user-cosine", "article-item-cosine"}) {
    auto model = fitted(name, m);
    BinaryWriter w;
    model->save_payload(w);
    auto loaded = create_model(name);
    BinaryReader r(w.bytes(), "test");
    loaded->load_payload(r);
    EXPECT_EQ(r.remaining(), 0u);
    for (UserIndex u = 0; u < m.n_users(); ++u)
      for (ItemIndex i = 0; i < m.n_items(); ++i) ASSERT_EQ(model->predict(u, i), loaded->predict(u, i));
    BinaryReader other(w.bytes(), "test");
    const std::string other_name = name == "article-user-cosine" ? "article-item-cosine" : "article-user-cosine";
    EXPECT_THROW(create_model(other_name)->load_payload(other), DataError);
  }
}

}  // namespace
}  // namespace movierec
