// Issue 9: a low rating is not a like. In the fold-in of the ranking models the
// page uses (ease, ials), a rating below kDislikeBelow pushes the movie's
// look-alikes down instead of up.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "../support/shared.h"
#include "mf_fixtures.h"
#include "models/fold_in.h"
#include "movierec/dataset.h"
#include "movierec/registry.h"
#include "util/topk.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

ItemIndex by_title(const Dataset& ds, const std::string& title) {
  for (ItemIndex i = 0; i < ds.movies.size(); ++i)
    if (ds.movies[i].title == title) return i;
  ADD_FAILURE() << "no movie " << title;
  return 0;
}

std::vector<float> fold(const Recommender& m, std::vector<ItemIndex> items, std::vector<float> values) {
  std::vector<float> out(m.n_items());
  m.score_new_user(items, values, out);
  return out;
}

// Mean score of the movies of group 1 (movies < n/2) other than `skip`.
double group_mean(const std::vector<float>& s, ItemIndex skip) {
  double sum = 0;
  int n = 0;
  for (ItemIndex i = 0; i < s.size() / 2; ++i)
    if (i != skip) sum += s[i], ++n;
  return sum / n;
}

void expect_dislike_pushes_down(const std::string& model, const ParamMap& params) {
  SCOPED_TRACE(model);
  RatingMatrix r = with_value(two_group_matrix(60, 20, 0.5, 0.05, 7), 4.f);
  auto m = create_model(model, params);
  m->fit(r, {});
  const ItemIndex a = 0;  // a group-1 movie; its look-alikes are the other group-1 movies
  const ItemIndex look_alike = m->similar_items(a, 1).at(0).item;
  ASSERT_LT(look_alike, 10u);
  const auto none = fold(*m, {}, {});
  const auto liked = fold(*m, {a}, {5.f});
  const auto disliked = fold(*m, {a}, {1.f});
  EXPECT_GT(liked[look_alike], none[look_alike]);
  EXPECT_LT(disliked[look_alike], none[look_alike]);
  EXPECT_LT(group_mean(disliked, a), group_mean(none, a));
  EXPECT_GT(group_mean(liked, a), group_mean(none, a));
  // Liking a group-2 movie, then also disliking a group-1 movie: group 1 goes down.
  const auto like15 = fold(*m, {15}, {5.f});
  const auto mixed = fold(*m, {a, 15}, {2.f, 5.f});
  EXPECT_LT(group_mean(mixed, a), group_mean(like15, a));
}

}  // namespace

TEST(FoldIn, ThresholdIsThreeStars) {
  EXPECT_EQ(like_sign(0.5f), -1.f);
  EXPECT_EQ(like_sign(2.5f), -1.f);
  EXPECT_EQ(like_sign(3.0f), 1.f);
  EXPECT_EQ(like_sign(5.0f), 1.f);
}

TEST(FoldIn, EaseDislikeIsTheNegatedRow) {
  // x = -e_a: x B = -(row a of B), exactly the negation of the like.
  RatingMatrix r = with_value(two_group_matrix(40, 16, 0.5, 0.1, 3), 4.f);
  for (const std::string form : {"dense", "woodbury"}) {
    SCOPED_TRACE(form);
    auto m = create_model("ease", {{"lambda", "5"}, {"form", form}});
    m->fit(r, {});
    const auto liked = fold(*m, {2}, {4.f});
    const auto disliked = fold(*m, {2}, {2.f});
    for (ItemIndex i = 0; i < 16; ++i)
      if (i != 2) {
        EXPECT_NEAR(disliked[i], -liked[i], 1e-5) << i;
      }
    // Two likes and a dislike: B_1j + B_3j - B_2j.
    const auto l1 = fold(*m, {1}, {5.f}), l3 = fold(*m, {3}, {3.f});
    const auto mix = fold(*m, {1, 2, 3}, {5.f, 1.f, 3.f});
    for (ItemIndex i = 4; i < 16; ++i) EXPECT_NEAR(mix[i], l1[i] + l3[i] - liked[i], 1e-5) << i;
  }
}

TEST(FoldIn, DislikePushesLookAlikesDownEase) { expect_dislike_pushes_down("ease", {{"lambda", "5"}}); }

TEST(FoldIn, DislikePushesLookAlikesDownIals) {
  expect_dislike_pushes_down("ials", {{"factors", "4"}, {"reg", "1"}, {"threads", "1"}, {"iterations", "10"}});
}

// The example: with ease, rating Toy Story 2 of 5 put Toy Story 2 in the top 5.
TEST(FoldIn, ToyStoryRatedTwoKeepsToyStory2OutOfTheTopOnMlLatestSmall) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small");
  Dataset ds = load_dataset(shared_path("data/ml-latest-small"));
  const ItemIndex ts = by_title(ds, "Toy Story (1995)");
  const ItemIndex ts2 = by_title(ds, "Toy Story 2 (1999)");
  const ItemIndex heat = by_title(ds, "Heat (1995)");
  const ItemIndex godfather = by_title(ds, "Godfather, The (1972)");
  for (const std::string model : {"ease", "ials"}) {
    SCOPED_TRACE(model);
    auto m = create_model(model, model == "ials" ? ParamMap{{"threads", "2"}} : ParamMap{});
    m->fit(ds.ratings, {});
    auto rank_of = [&](std::vector<ItemIndex> items, std::vector<float> values) {
      auto s = fold(*m, items, values);
      auto top = top_k(std::span<const float>(s), 100,
                       [&](ItemIndex i) { return std::find(items.begin(), items.end(), i) != items.end(); });
      for (std::size_t k = 0; k < top.size(); ++k)
        if (top[k].item == ts2) return k;
      return top.size();
    };
    EXPECT_LT(rank_of({ts}, {5.f}), 20u);  // a like: Toy Story 2 near the top (the test can fail)
    EXPECT_GE(rank_of({ts}, {2.f}), 100u);
    EXPECT_GE(rank_of({heat, ts, godfather}, {5.f, 2.f, 5.f}), 100u);
  }
}
