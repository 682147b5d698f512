// EASE: both closed forms against a dense inverse computed here.
#include "util/eigen.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "mf_fixtures.h"
#include "models/ease.h"
#include "movierec/errors.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// B = I - P diag(1 / diag(P)), P = (X^T X + lambda I)^-1 (Steck 2019, eq. 8), X binary.
Eigen::MatrixXd dense_ease(const RatingMatrix& r, double lambda) {
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(r.n_users(), r.n_items());
  for (UserIndex u = 0; u < r.n_users(); ++u)
    for (ItemIndex i : r.user_items(u)) x(u, i) = 1;
  Eigen::MatrixXd g = x.transpose() * x + lambda * Eigen::MatrixXd::Identity(r.n_items(), r.n_items());
  Eigen::MatrixXd p = g.inverse();
  Eigen::MatrixXd b = -p * p.diagonal().cwiseInverse().asDiagonal();
  b.diagonal().setZero();
  return b;
}

void check_against_dense(const RatingMatrix& r, const std::string& form, bool want_woodbury) {
  SCOPED_TRACE(form);
  auto m = create_model("ease", {{"lambda", "2"}, {"form", form}});
  m->fit(r, {});
  const auto& ease = dynamic_cast<const Ease&>(*m);
  EXPECT_EQ(ease.woodbury(), want_woodbury);
  Eigen::MatrixXd b = dense_ease(r, 2.0);
  const auto n = r.n_items();
  for (ItemIndex i = 0; i < n; ++i)
    for (ItemIndex j = 0; j < n; ++j)
      // Movies without ratings have B rows and columns of 0 in both.
      EXPECT_NEAR(ease.weight(i, j), b(i, j), 1e-5) << i << "," << j;
  auto scores = all_scores(*m);
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    Eigen::RowVectorXd x = Eigen::RowVectorXd::Zero(n);
    for (ItemIndex i : r.user_items(u)) x(i) = 1;
    Eigen::RowVectorXd want = x * b;
    for (ItemIndex i = 0; i < n; ++i) EXPECT_NEAR(scores[u * n + i], want(i), 1e-5) << "user " << u << " movie " << i;
  }
  // similar_items(0): column 0 of B, best first, movie 0 itself excluded.
  auto sim = m->similar_items(0, 3);
  std::vector<std::pair<double, ItemIndex>> col;
  for (ItemIndex j = 1; j < n; ++j)
    if (r.item_count(j) > 0) col.push_back({-b(j, 0), j});
  std::sort(col.begin(), col.end());
  ASSERT_EQ(sim.size(), 3u);
  for (int t = 0; t < 3; ++t) {
    EXPECT_EQ(sim[t].item, col[t].second);
    EXPECT_NEAR(sim[t].score, -col[t].first, 1e-5);
  }
}

}  // namespace

TEST(Ease, BothFormsMatchADenseInverseWithMoreUsersThanMovies) {
  // 7 users x 5 movies (movie 4 unrated): auto picks the Gram inverse.
  RatingMatrix r(7, 5,
                 {{0, 0, 5},
                  {0, 1, 3},
                  {1, 0, 4},
                  {1, 2, 1},
                  {2, 1, 2},
                  {2, 2, 5},
                  {3, 0, 4},
                  {3, 3, 2},
                  {4, 1, 1},
                  {4, 3, 5},
                  {5, 0, 3},
                  {5, 1, 3},
                  {5, 2, 3},
                  {6, 3, 4}});
  check_against_dense(r, "auto", false);
  check_against_dense(r, "woodbury", true);
}

TEST(Ease, BothFormsMatchADenseInverseWithFewerUsersThanMovies) {
  // 3 users x 6 movies: auto picks Woodbury.
  RatingMatrix r(
      3, 6,
      {{0, 0, 1}, {0, 1, 1}, {0, 4, 1}, {1, 0, 1}, {1, 2, 1}, {1, 3, 1}, {1, 4, 1}, {2, 1, 1}, {2, 3, 1}, {2, 5, 1}});
  check_against_dense(r, "auto", true);
  check_against_dense(r, "dense", false);
}

TEST(Ease, OneThreadIsReproducibleBitForBit) {
  RatingMatrix r = two_group_matrix(40, 30, 0.4, 0.1, 42);
  for (const char* form : {"dense", "woodbury"}) {
    SCOPED_TRACE(form);
    const ParamMap prm = {{"lambda", "5"}, {"form", form}, {"threads", "1"}};
    EXPECT_TRUE(same_bits(fitted_scores("ease", prm, r), fitted_scores("ease", prm, r)));
  }
}

TEST(Ease, TwoThreadsGiveTheOneThreadResult) {
  // 300 rated movies: two column blocks of 256 in the solves, and the
  // co-occurrence counts split among the threads (integer counts: exact).
  RatingMatrix r = two_group_matrix(120, 300, 0.3, 0.05, 43);
  for (const char* form : {"dense", "woodbury"}) {
    SCOPED_TRACE(form);
    ParamMap prm = {{"lambda", "5"}, {"form", form}, {"threads", "1"}};
    const auto one = fitted_scores("ease", prm, r);
    prm["threads"] = "2";
    EXPECT_TRUE(same_bits(one, fitted_scores("ease", prm, r)));
  }
}

TEST(Ease, FoldInIsTheBinaryRowTimesB) {
  RatingMatrix r = two_group_matrix(20, 12, 0.5, 0.1, 40);
  auto m = create_model("ease", {{"lambda", "5"}});
  m->fit(r, {});
  // A new user who liked exactly user 3's movies (ratings of 4: likes, see
  // models/fold_in.h) scores as user 3.
  std::vector<float> folded(12), trained(12);
  const std::vector<float> likes(r.user_items(3).size(), 4.f);
  m->score_new_user(r.user_items(3), likes, folded);
  m->score(std::vector<UserIndex>{3}, trained);
  for (ItemIndex i = 0; i < 12; ++i) EXPECT_NEAR(folded[i], trained[i], 1e-5);
  EXPECT_THROW(m->predict(0, 0), NotSupported);
}

TEST(Ease, SaveLoadRoundTripBothForms) {
  RatingMatrix r = two_group_matrix(25, 15, 0.5, 0.1, 41);
  expect_round_trip("ease", {{"form", "dense"}}, r);
  expect_round_trip("ease", {{"form", "woodbury"}}, r);
}

namespace {

// session-ease's reference: every run of `window` consecutive ratings of a
// user by time (the runs cut at both ends included) written out as a row,
// movies under min_ratings dropped from the sequences first, G the rows' Gram
// matrix, then B from the dense inverse with lambda * window on the diagonal.
Eigen::MatrixXd dense_session_ease(const RatingMatrix& r, int window, double lambda, std::size_t min_ratings) {
  const std::size_t n = r.n_items();
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    std::vector<std::pair<std::int64_t, ItemIndex>> by_time;
    auto items = r.user_items(u);
    auto times = r.user_times(u);
    for (std::size_t k = 0; k < items.size(); ++k)
      if (r.item_count(items[k]) >= min_ratings) by_time.push_back({times[k], items[k]});
    std::sort(by_time.begin(), by_time.end());
    const int len = static_cast<int>(by_time.size());
    for (int start = 1 - window; start < len; ++start) {
      Eigen::VectorXd row = Eigen::VectorXd::Zero(n);
      for (int p = std::max(0, start); p < std::min(len, start + window); ++p) row(by_time[p].second) = 1;
      g += row * row.transpose();
    }
  }
  g.diagonal().array() += lambda * window;
  Eigen::MatrixXd p = g.inverse();
  Eigen::MatrixXd b = -p * p.diagonal().cwiseInverse().asDiagonal();
  b.diagonal().setZero();
  for (ItemIndex i = 0; i < n; ++i)
    if (r.item_count(i) < min_ratings) b.row(i).setZero(), b.col(i).setZero();
  return b;
}

// 14 users rating movies at shuffled times (the time order is not the movie
// order); movie 9 has 2 ratings, below min_ratings = 3.
RatingMatrix timed_matrix() {
  std::mt19937 g(3);
  std::uniform_real_distribution<double> coin(0, 1);
  std::vector<Rating> r;
  for (UserIndex u = 0; u < 14; ++u) {
    std::vector<std::int64_t> t(9);
    std::iota(t.begin(), t.end(), 1000 + 100 * u);
    std::shuffle(t.begin(), t.end(), g);
    for (ItemIndex i = 0; i < 9; ++i)
      if (coin(g) < 0.6) r.push_back({u, i, 4.f, t[i]});
    if (u < 2) r.push_back({u, 9, 4.f, 5000 + u});
  }
  return RatingMatrix(14, 10, std::move(r));
}

}  // namespace

TEST(SessionEase, MatchesADenseInverseOfItsWindowsWrittenOut) {
  const RatingMatrix r = timed_matrix();
  ASSERT_TRUE(r.has_times());
  ASSERT_EQ(r.item_count(9), 2u);
  for (int window : {2, 3, 20}) {
    SCOPED_TRACE("window " + std::to_string(window));
    auto m =
        create_model("session-ease", {{"window", std::to_string(window)}, {"lambda", "0.5"}, {"min_ratings", "3"}});
    EXPECT_TRUE(m->needs_timestamps());
    m->fit(r, {});
    const auto& ease = dynamic_cast<const Ease&>(*m);
    const Eigen::MatrixXd b = dense_session_ease(r, window, 0.5, 3);
    for (ItemIndex i = 0; i < r.n_items(); ++i)
      for (ItemIndex j = 0; j < r.n_items(); ++j) EXPECT_NEAR(ease.weight(i, j), b(i, j), 1e-5) << i << "," << j;
    auto scores = all_scores(*m);
    for (UserIndex u = 0; u < r.n_users(); ++u) {
      Eigen::RowVectorXd x = Eigen::RowVectorXd::Zero(r.n_items());
      for (ItemIndex i : r.user_items(u)) x(i) = 1;
      const Eigen::RowVectorXd want = x * b;
      for (ItemIndex i = 0; i < r.n_items(); ++i)
        EXPECT_NEAR(scores[u * r.n_items() + i], want(i), 1e-5) << "user " << u << " movie " << i;
    }
  }
}

TEST(SessionEase, TheTimeOrderChangesTheModel) {
  // The same ratings with the time order reversed for every user: ease (whole
  // profiles) does not change, session-ease with a short window does.
  const RatingMatrix r = timed_matrix();
  std::vector<Rating> rev;
  for (const auto& t : r.triplets()) rev.push_back({t.user, t.item, t.value, 100000 - t.timestamp});
  const RatingMatrix reversed(r.n_users(), r.n_items(), std::move(rev));
  auto a = create_model("session-ease", {{"window", "2"}, {"min_ratings", "1"}});
  auto b = create_model("session-ease", {{"window", "2"}, {"min_ratings", "1"}});
  a->fit(r, {});
  b->fit(reversed, {});
  // Reversing keeps every adjacent pair adjacent: the windows and so B are the same.
  EXPECT_EQ(all_scores(*a), all_scores(*b));
  // Swapping the times of two ratings of user 0 that are not adjacent breaks pairs.
  std::vector<Rating> swapped = r.triplets();
  std::vector<std::size_t> mine;
  for (std::size_t k = 0; k < swapped.size(); ++k)
    if (swapped[k].user == 0 && swapped[k].item < 9) mine.push_back(k);
  std::sort(mine.begin(), mine.end(), [&](auto x, auto y) { return swapped[x].timestamp < swapped[y].timestamp; });
  ASSERT_GE(mine.size(), 4u);
  std::swap(swapped[mine.front()].timestamp, swapped[mine.back()].timestamp);
  auto c = create_model("session-ease", {{"window", "2"}, {"min_ratings", "1"}});
  c->fit(RatingMatrix(r.n_users(), r.n_items(), std::move(swapped)), {});
  EXPECT_NE(all_scores(*a), all_scores(*c));
}

TEST(SessionEase, WithoutTimestampsItSaysSo) {
  auto m = create_model("session-ease");
  RatingMatrix timeless(2, 2, {{0, 0, 4.f}, {0, 1, 3.f}, {1, 1, 5.f}});
  ASSERT_FALSE(timeless.has_times());
  try {
    m->fit(timeless, {});
    FAIL() << "fitted without timestamps";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("timestamps"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(create_model("ease")->needs_timestamps());
}
