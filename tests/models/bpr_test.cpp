// BPR: ranking on two taste groups, the loss curve, reproducibility, files.
#include <gtest/gtest.h>

#include <cstring>

#include "mf_fixtures.h"
#include "movierec/errors.h"

using namespace movierec;
using namespace movierec::testing;

TEST(Bpr, RanksTheUsersOwnGroupFirst) {
  RatingMatrix r = two_group_matrix(60, 40, 0.5, 0.02, 30);
  auto m = create_model("bpr", {{"factors", "8"}, {"epochs", "60"}, {"threads", "1"}});
  m->fit(r, {});
  EXPECT_GT(own_group_share(*m, r), 0.9);
}

TEST(Bpr, LossFallsAndOneThreadIsReproducible) {
  RatingMatrix r = two_group_matrix(50, 30, 0.4, 0.05, 31);
  std::vector<double> loss;
  FitOptions fo;
  fo.on_epoch = [&](const EpochReport& e) { loss.push_back(e.loss); };
  ParamMap prm = {{"epochs", "50"}, {"threads", "1"}};
  auto a = create_model("bpr", prm), b = create_model("bpr", prm);
  a->fit(r, fo);
  b->fit(r, {});
  ASSERT_EQ(loss.size(), 50u);
  // ln 2 = 0.693 at the start (scores ~0); it must fall well below.
  EXPECT_NEAR(loss.front(), 0.693, 0.01);
  EXPECT_LT(loss.back(), 0.5);
  auto sa = all_scores(*a), sb = all_scores(*b);
  EXPECT_EQ(0, std::memcmp(sa.data(), sb.data(), sa.size() * sizeof(float)));
}

TEST(Bpr, TwoThreadsStillLearn) {
  RatingMatrix r = two_group_matrix(60, 40, 0.5, 0.02, 32);
  std::vector<double> loss;
  FitOptions fo;
  fo.on_epoch = [&](const EpochReport& e) { loss.push_back(e.loss); };
  auto m = create_model("bpr", {{"epochs", "30"}, {"threads", "2"}});
  m->fit(r, fo);
  EXPECT_LT(loss.back(), 0.5);
}

TEST(Bpr, PredictIsNotSupportedAndFilesRoundTrip) {
  RatingMatrix r = two_group_matrix(30, 20, 0.5, 0.1, 33);
  auto m = create_model("bpr", {{"epochs", "2"}});
  m->fit(r, {});
  EXPECT_THROW(m->predict(0, 0), NotSupported);
  expect_round_trip("bpr", {{"epochs", "3"}, {"factors", "6"}}, r);
}
