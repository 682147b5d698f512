// The similarity models on the tutorial's data (../shared/data/ml-latest-small-2016).
// Skipped with a reason where ../shared is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "../support/shared.h"
#include "movierec/dataset.h"
#include "movierec/metrics.h"
#include "movierec/registry.h"
#include "movierec/split.h"

namespace movierec {
namespace {

using movierec::testing::shared_path;

const Dataset& small2016() {
  static const Dataset ds = load_dataset(shared_path("data/ml-latest-small-2016"));
  return ds;
}

double tutorial_mse(const std::string& model, const RatingMatrix& ratings) {
  Split s = holdout_split(ratings, 10, 0);
  EvalOptions eo;
  eo.ranking = false;
  auto m = create_model(model);
  // The tutorial's MSE is unclipped: its predictions lie in [0, 5], so a
  // [0, 5] scale leaves them as they are (the dataset's 0.5 floor would not).
  return evaluate(*m, s, RatingScale{0.f, 5.f, 0.5f}, eo).at("mse");
}

TEST(ArticleShared, UserCosineMseNearTheTutorials) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small-2016");
  const Dataset& ds = small2016();
  // The tutorial's protocol keeps movieId <= 9000 (the reference prints
  // 9.74-9.86 over seeds 0-2); we hold out without replacement.
  std::vector<Rating> kept;
  for (const Rating& r : ds.ratings.triplets())
    if (ds.items.raw(r.item) <= 9000) kept.push_back(r);
  RatingMatrix truncated(ds.ratings.n_users(), ds.ratings.n_items(), kept);
  double mse = tutorial_mse("article-user-cosine", truncated);
  EXPECT_GE(mse, 9.4);
  EXPECT_LE(mse, 10.2);
  // Every movie: later movies have fewer raters, so predictions are lower
  // still and the MSE rises by ~0.35 (10.03-10.15 over seeds 0-4).
  double full = tutorial_mse("article-user-cosine", ds.ratings);
  EXPECT_GE(full, 9.6);
  EXPECT_LE(full, 10.5);
  EXPECT_GT(full, mse);
}

TEST(KnnShared, ItemKnnRmseBelow095) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small-2016");
  const Dataset& ds = small2016();
  auto splits = make_splits(ds, "holdout:10", 0);
  EvalOptions eo;
  eo.ranking = false;
  auto model = create_model("item-knn");
  double rmse = evaluate(*model, splits[0], ds.scale, eo).at("rmse");
  EXPECT_LT(rmse, 0.95);
  // And better than the baseline it falls back to.
  auto base = create_model("baseline");
  EXPECT_LT(rmse, evaluate(*base, splits[0], ds.scale, eo).at("rmse"));
}

std::set<std::string> similar_titles(const Recommender& m, const Dataset& ds, ItemIndex i, std::size_t k) {
  std::set<std::string> out;
  for (const auto& s : m.similar_items(i, k)) out.insert(ds.movies[s.item].title);
  return out;
}

TEST(KnnShared, SimilarToHeat) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small-2016");
  const Dataset& ds = small2016();
  const ItemIndex heat = *ds.items.find(6);
  ASSERT_EQ(ds.movies[heat].title, "Heat (1995)");
  // The tutorial's cosine: its own top five (on its train split) were Casino,
  // Leaving Las Vegas, The Rock, Broken Arrow, Twister; most must come back.
  auto cosine = create_model("article-item-cosine");
  cosine->fit(ds.ratings, {});
  auto top = similar_titles(*cosine, ds, heat, 10);
  int found = 0;
  for (const char* t :
       {"Casino (1995)", "Leaving Las Vegas (1995)", "Rock, The (1996)", "Broken Arrow (1996)", "Twister (1996)"})
    found += top.count(t);
  EXPECT_GE(found, 3);
  EXPECT_EQ(top.count("Heat (1995)"), 0u);
  // item-knn's shrunk pearson-baseline similarity: crime and action films.
  auto knn = create_model("item-knn");
  knn->fit(ds.ratings, {});
  auto list = knn->similar_items(heat, 10);
  ASSERT_EQ(list.size(), 10u);
  for (std::size_t t = 1; t < list.size(); ++t) EXPECT_GE(list[t - 1].score, list[t].score);
  auto titles = similar_titles(*knn, ds, heat, 10);
  int crime = 0;
  for (const char* t : {"Godfather, The (1972)", "Godfather: Part II, The (1974)", "Mission: Impossible (1996)",
                        "Rock, The (1996)", "Casino (1995)", "Usual Suspects, The (1995)", "Pulp Fiction (1994)",
                        "Seven (a.k.a. Se7en) (1995)", "Fargo (1996)"})
    crime += titles.count(t);
  EXPECT_GE(crime, 2);
}

}  // namespace
}  // namespace movierec
