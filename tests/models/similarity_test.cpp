// The sparse similarity kernel against hand-computed values and a dense
// brute force written here.
#include <gtest/gtest.h>

#include <cmath>

#include "cf_fixtures.h"
#include "models/similarity.h"
#include "movierec/errors.h"

namespace movierec {
namespace {

using testing::dense;
using testing::hand_matrix;
using testing::random_matrix;

SparseRows user_rows(const RatingMatrix& m) { return {m.user_ptr(), m.user_items_raw(), m.user_values_raw()}; }
SparseRows item_rows(const RatingMatrix& m) { return {m.item_ptr(), m.item_users_raw(), m.item_values_raw()}; }

// Similarity of row a, looked up in the lists (0 when absent).
double lookup(const NeighborLists& nb, std::size_t a, std::size_t b) {
  for (std::size_t p = nb.ptr[a]; p < nb.ptr[a + 1]; ++p)
    if (nb.idx[p] == b) return nb.sim[p];
  return 0;
}

SimilarityOptions opts(Similarity kind, double shrinkage = 0, int min_support = 1) {
  SimilarityOptions o;
  o.kind = kind;
  o.shrinkage = shrinkage;
  o.min_support = min_support;
  return o;
}

TEST(Similarity, CosineOverCommonSupportByHand) {
  auto m = hand_matrix();
  auto nb = compute_neighbors(user_rows(m), item_rows(m), opts(Similarity::kCosine));
  // u0, u2 share movies 0, 1, 3: x = (5, 3, 1), y = (1, 1, 4):
  // 12 / sqrt(35 * 18) = 12 / 25.0998 = 0.478091.
  EXPECT_NEAR(lookup(nb, 0, 2), 0.478091, 1e-6);
  EXPECT_NEAR(lookup(nb, 2, 0), 0.478091, 1e-6);
  // u0, u1 share movies 0, 3: (5, 1), (4, 1): 21 / sqrt(26 * 17) = 0.998868.
  EXPECT_NEAR(lookup(nb, 0, 1), 0.998868, 1e-6);
  EXPECT_EQ(lookup(nb, 0, 0), 0.0);  // the row itself is never a neighbour
  // Movies 0 and 3 share all three users: (5, 4, 1), (1, 1, 4): 13 / sqrt(42 * 18) = 0.472805.
  auto nbi = compute_neighbors(item_rows(m), user_rows(m), opts(Similarity::kCosine));
  EXPECT_NEAR(lookup(nbi, 0, 3), 0.472805, 1e-6);
  // Movie 2 is rated by u2 only: with each other movie n = 1, cosine 1.
  EXPECT_NEAR(lookup(nbi, 2, 0), 1.0, 1e-6);
}

TEST(Similarity, ShrinkageAndMinSupport) {
  auto m = hand_matrix();
  // Shrinkage 100, n = 3: 0.478091 * 2 / 102 = 0.0093743.
  auto nb = compute_neighbors(user_rows(m), item_rows(m), opts(Similarity::kCosine, 100));
  EXPECT_NEAR(lookup(nb, 0, 2), 0.0093743, 1e-7);
  // min_support 3 drops u0-u1 (n = 2) and keeps u0-u2 (n = 3).
  nb = compute_neighbors(user_rows(m), item_rows(m), opts(Similarity::kCosine, 0, 3));
  EXPECT_EQ(lookup(nb, 0, 1), 0.0);
  EXPECT_NEAR(lookup(nb, 0, 2), 0.478091, 1e-6);
}

TEST(Similarity, PearsonIsNegativeAndDropped) {
  auto m = hand_matrix();
  // u0, u2 on movies 0, 1, 3: (5, 3, 1) - 3 = (2, 0, -2); (1, 1, 4) - 2 = (-1, -1, 2):
  // -6 / sqrt(8 * 6) = -0.866025; only positive similarities are kept.
  auto x = m.user_items(0), y = m.user_items(2);
  EXPECT_NEAR(pair_similarity(x, m.user_values(0), y, m.user_values(2), opts(Similarity::kPearson)), -0.866025, 1e-6);
  auto nb = compute_neighbors(user_rows(m), item_rows(m), opts(Similarity::kPearson));
  EXPECT_EQ(lookup(nb, 0, 2), 0.0);
  // u0, u1 on movies 0, 3: (5, 1), (4, 1) centred (2, -2), (1.5, -1.5): correlation 1.
  EXPECT_NEAR(lookup(nb, 0, 1), 1.0, 1e-9);
}

// Brute force: dense rows, common support by scanning every column.
double dense_similarity(const std::vector<double>& x, const std::vector<double>& y, Similarity kind, double shrinkage,
                        int min_support) {
  std::vector<double> a, b;
  for (std::size_t c = 0; c < x.size(); ++c)
    if (x[c] != 0 && y[c] != 0) {
      a.push_back(x[c]);
      b.push_back(y[c]);
    }
  const double n = a.size();
  if (n == 0 || n < min_support) return 0;
  if (kind == Similarity::kPearson) {
    double ma = 0, mb = 0;
    for (std::size_t k = 0; k < a.size(); ++k) ma += a[k] / n, mb += b[k] / n;
    for (std::size_t k = 0; k < a.size(); ++k) a[k] -= ma, b[k] -= mb;
  }
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t k = 0; k < a.size(); ++k) ab += a[k] * b[k], aa += a[k] * a[k], bb += b[k] * b[k];
  if (aa < 1e-9 || bb < 1e-9) return 0;
  return ab / std::sqrt(aa * bb) * (shrinkage > 0 ? (n - 1) / (n - 1 + shrinkage) : 1.0);
}

TEST(Similarity, MatchesDenseBruteForceOnRandomMatrices) {
  for (unsigned seed : {1u, 2u}) {
    auto m = random_matrix(25, 35, 0.35, seed);
    auto d = dense(m);
    std::vector<std::vector<double>> dt(m.n_items(), std::vector<double>(m.n_users()));
    for (std::size_t u = 0; u < m.n_users(); ++u)
      for (std::size_t i = 0; i < m.n_items(); ++i) dt[i][u] = d[u][i];
    for (Similarity kind : {Similarity::kCosine, Similarity::kPearson}) {
      for (double shrink : {0.0, 10.0}) {
        for (int min_support : {1, 4}) {
          SCOPED_TRACE(similarity_name(kind) + " shrink " + std::to_string(shrink) + " min_support " +
                       std::to_string(min_support));
          auto o = opts(kind, shrink, min_support);
          auto nbu = compute_neighbors(user_rows(m), item_rows(m), o);
          auto nbi = compute_neighbors(item_rows(m), user_rows(m), o);
          for (std::size_t a = 0; a < m.n_users(); ++a)
            for (std::size_t b = 0; b < m.n_users(); ++b) {
              double want = a == b ? 0 : std::max(0.0, dense_similarity(d[a], d[b], kind, shrink, min_support));
              ASSERT_NEAR(lookup(nbu, a, b), want, 2e-6) << a << "," << b;
            }
          for (std::size_t a = 0; a < m.n_items(); ++a)
            for (std::size_t b = 0; b < m.n_items(); ++b) {
              double want = a == b ? 0 : std::max(0.0, dense_similarity(dt[a], dt[b], kind, shrink, min_support));
              ASSERT_NEAR(lookup(nbi, a, b), want, 2e-6) << a << "," << b;
            }
          // The single-row kernel agrees with the full one.
          auto row = similarity_row(item_rows(m), user_rows(m), 3, o);
          ASSERT_EQ(row.size(), nbi.ptr[4] - nbi.ptr[3]);
          for (const auto& [b, s] : row) EXPECT_FLOAT_EQ(s, lookup(nbi, 3, b));
        }
      }
    }
  }
}

TEST(Similarity, SymmetricSortedAndThreadIndependent) {
  auto m = random_matrix(40, 60, 0.3, 7);
  auto o = opts(Similarity::kCosine, 5);
  o.threads = 1;
  auto one = compute_neighbors(item_rows(m), user_rows(m), o);
  o.threads = 2;
  auto two = compute_neighbors(item_rows(m), user_rows(m), o);
  EXPECT_EQ(one.ptr, two.ptr);
  EXPECT_EQ(one.idx, two.idx);
  EXPECT_EQ(one.sim, two.sim);
  EXPECT_FALSE(one.truncated);
  for (std::size_t a = 0; a < one.n_rows(); ++a)
    for (std::size_t p = one.ptr[a]; p < one.ptr[a + 1]; ++p) {
      if (p > one.ptr[a]) {
        EXPECT_LT(one.idx[p - 1], one.idx[p]);
      }
      EXPECT_EQ(lookup(one, one.idx[p], a), one.sim[p]);  // bit-identical both ways
    }
}

TEST(Similarity, MaxNeighborsKeepsTheMostSimilar) {
  auto m = random_matrix(30, 20, 0.5, 3);
  auto o = opts(Similarity::kCosine, 0);
  auto full = compute_neighbors(item_rows(m), user_rows(m), o);
  o.max_neighbors = 3;
  auto capped = compute_neighbors(item_rows(m), user_rows(m), o);
  EXPECT_TRUE(capped.truncated);
  for (std::size_t a = 0; a < full.n_rows(); ++a) {
    std::vector<std::pair<float, std::uint32_t>> all;
    for (std::size_t p = full.ptr[a]; p < full.ptr[a + 1]; ++p) all.push_back({-full.sim[p], full.idx[p]});
    std::sort(all.begin(), all.end());  // most similar first, ties by index
    ASSERT_EQ(capped.ptr[a + 1] - capped.ptr[a], std::min<std::size_t>(3, all.size()));
    for (std::size_t k = 0; k < std::min<std::size_t>(3, all.size()); ++k)
      EXPECT_EQ(lookup(capped, a, all[k].second), -all[k].first);
  }
  // The transpose holds (a, sim) in row b for every kept (a -> b).
  auto t = capped.transposed(capped.n_rows());
  for (std::size_t a = 0; a < capped.n_rows(); ++a)
    for (std::size_t p = capped.ptr[a]; p < capped.ptr[a + 1]; ++p)
      EXPECT_EQ(lookup(t, capped.idx[p], a), capped.sim[p]);
}

TEST(Similarity, ParseNames) {
  EXPECT_EQ(parse_similarity("pearson-baseline"), Similarity::kPearsonBaseline);
  EXPECT_EQ(similarity_name(parse_similarity("adjusted-cosine")), "adjusted-cosine");
  try {
    parse_similarity("jaccard");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'jaccard'"), std::string::npos);
  }
}

}  // namespace
}  // namespace movierec
