// svdpp: the O(|N(u)| k) user pass against the paper's per-rating update,
// recovery, reproducibility, fold-in, files.
#include "util/eigen.h"

#include <gtest/gtest.h>

#include <cstring>

#include "mf_fixtures.h"
#include "models/factors.h"
#include "models/svdpp.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

struct State {
  FactorMatrix p{3, 4}, q{6, 4}, y{6, 4};
  std::vector<float> bu{0.1f, -0.2f, 0.3f}, bi{0.2f, 0.f, -0.3f, 0.1f, 0.05f, -0.1f};
  SvdppRefs refs() { return {3.6f, p, q, y, bu, bi}; }
};

void expect_near(const FactorMatrix& a, const FactorMatrix& b, double tol) {
  for (std::size_t r = 0; r < a.rows(); ++r)
    for (std::size_t f = 0; f < a.k(); ++f) EXPECT_NEAR(a.row(r)[f], b.row(r)[f], tol) << "row " << r << " f " << f;
}

}  // namespace

TEST(SvdppPass, LazyUpdateEqualsPerRatingUpdateOfEveryY) {
  State fast, ref;
  for (State* s : {&fast, &ref}) {
    s->p.fill_normal(0.3f, 1);
    s->q.fill_normal(0.3f, 2);
    s->y.fill_normal(0.3f, 3);
  }
  const std::vector<ItemIndex> rated = {0, 2, 3, 5};
  const std::vector<float> values = {4, 2, 5, 3};
  const std::vector<std::uint32_t> order = {2, 0, 3, 1};
  const SvdppRates rates{0.05f, 0.1f, 0.02f, 0.2f};  // large rates: the decay terms matter
  AlignedFloats z(16), d(16);
  svdpp_user_pass(fast.refs(), rates, 1, rated, values, order, z.data(), d.data());
  svdpp_user_pass_reference(ref.refs(), rates, 1, rated, values, order);
  expect_near(fast.p, ref.p, 1e-5);
  expect_near(fast.q, ref.q, 1e-5);
  expect_near(fast.y, ref.y, 1e-5);
  for (int u = 0; u < 3; ++u) EXPECT_NEAR(fast.bu[u], ref.bu[u], 1e-6);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(fast.bi[i], ref.bi[i], 1e-6);
  // The pass did move y of the rated movies only.
  State init;
  init.y.fill_normal(0.3f, 3);
  EXPECT_NE(fast.y.row(2)[0], init.y.row(2)[0]);
  EXPECT_EQ(fast.y.row(1)[0], init.y.row(1)[0]);
}

TEST(Svdpp, FitsLowRankData) {
  RatingMatrix r = low_rank_matrix(80, 60, 3, 0.4, 0.1f, 11);
  auto m = create_model("svdpp", {{"threads", "1"}, {"epochs", "60"}, {"reg_factors", "0.01"}, {"lr", "0.01"}});
  m->fit(r, {});
  // The data's own spread is ~1.2 stars; noise 0.1.
  EXPECT_LT(train_rmse(*m, r), 0.3);
}

TEST(Svdpp, OneThreadIsReproducibleBitForBit) {
  RatingMatrix r = low_rank_matrix(50, 40, 3, 0.3, 0.3f, 12);
  ParamMap prm = {{"threads", "1"}, {"epochs", "4"}};
  auto a = create_model("svdpp", prm), b = create_model("svdpp", prm);
  a->fit(r, {});
  b->fit(r, {});
  auto sa = all_scores(*a), sb = all_scores(*b);
  EXPECT_EQ(0, std::memcmp(sa.data(), sb.data(), sa.size() * sizeof(float)));
}

TEST(Svdpp, FoldInSolvesForPAndBiasAroundTheImplicitTerm) {
  RatingMatrix r = low_rank_matrix(60, 30, 3, 0.5, 0.3f, 13);
  auto m = create_model("svdpp", {{"threads", "1"}, {"epochs", "10"}, {"factors", "3"}});
  m->fit(r, {});
  const auto& s = dynamic_cast<const SvdPlusPlus&>(*m);
  const std::vector<ItemIndex> items = {2, 5, 11};
  const std::vector<float> values = {5, 1, 3};
  // z = (y_2 + y_5 + y_11) / sqrt(3); [p, b_u] = argmin sum (r - mu - b_i - q_i.(p + z) - b_u)^2
  //   + (3 + 20) reg_factors |p|^2 + (3 reg_bias + 5) b_u^2 (defaults 0.1, 0.02; the fold-in prior);
  // the user vector is p + z.
  const int k = 3;
  Eigen::VectorXd z = Eigen::VectorXd::Zero(k);
  for (ItemIndex i : items)
    for (int f = 0; f < k; ++f) z(f) += s.implicit_factors().row(i)[f] / std::sqrt(3.0);
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(k + 1, k + 1);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(k + 1);
  for (std::size_t j = 0; j < items.size(); ++j) {
    Eigen::VectorXd q(k + 1);
    for (int f = 0; f < k; ++f) q(f) = s.item_factors().row(items[j])[f];
    q(k) = 1;
    a += q * q.transpose();
    b += (values[j] - s.global_mean() - s.item_bias()[items[j]] - q.head(k).dot(z)) * q;
  }
  a.diagonal().head(k).array() += (3 + 20) * 0.1;
  a(k, k) += 3 * 0.02 + 5;
  Eigen::VectorXd x = a.fullPivLu().solve(b);
  std::vector<float> out(30);
  m->score_new_user(items, values, out);
  for (ItemIndex i = 0; i < 30; ++i) {
    double want = s.global_mean() + s.item_bias()[i] + x(k);
    for (int f = 0; f < k; ++f) want += (x(f) + z(f)) * s.item_factors().row(i)[f];
    EXPECT_NEAR(out[i], want, 1e-4) << "movie " << i;
  }
}

TEST(Svdpp, SaveLoadRoundTrip) {
  expect_round_trip("svdpp", {{"epochs", "3"}}, low_rank_matrix(30, 20, 2, 0.5, 0.3f, 14));
}
