#include <gtest/gtest.h>

#include <map>

#include "eval/similarity_report.h"
// Issue 12: both headers once defined movierec::SimilarityOptions; a file
// including both did not compile.
#include "models/similarity.h"
#include "movierec/errors.h"
#include "vision_fixtures.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// A model whose similar movies are given by hand.
class FixedSimilar final : public Recommender {
 public:
  FixedSimilar(std::size_t n, std::map<ItemIndex, std::vector<ItemIndex>> lists) : n_(n), lists_(std::move(lists)) {}
  std::string_view name() const override { return "fixed"; }
  void fit(const RatingMatrix&, const FitOptions&) override {}
  void score(std::span<const UserIndex>, std::span<float>) const override {}
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override {
    std::vector<ScoredItem> out;
    auto it = lists_.find(i);
    if (it == lists_.end()) return out;
    for (std::size_t t = 0; t < k && t < it->second.size(); ++t) out.push_back({it->second[t], 1.f - 0.1f * t});
    return out;
  }
  std::size_t n_users() const override { return 0; }
  std::size_t n_items() const override { return n_; }

 private:
  std::size_t n_;
  std::map<ItemIndex, std::vector<ItemIndex>> lists_;
};

// 5 movies: 0 Action|Drama, 1 Action, 2 Comedy, 3 Drama, 4 (no genres listed).
// Ratings per movie (popularity): 0: 3, 1: 2, 2: 1, 3: 1, 4: 0.
Dataset five() {
  return make_dataset(3, {"A (1990)", "B (1991)", "C (1992)", "D (1993)", "E (1994)"},
                      {{"Action", "Drama"}, {"Action"}, {"Comedy"}, {"Drama"}, {"(no genres listed)"}},
                      {{0, 0, 4}, {1, 0, 3}, {2, 0, 5}, {0, 1, 2}, {1, 1, 4}, {0, 2, 3}, {2, 3, 1}});
}

}  // namespace

TEST(SimilarityReport, HandComputedAgreementPopularityCoverageOverlap) {
  Dataset ds = five();
  // k = 2. Model a: 0 -> {1, 2}, 1 -> {0, 3}, 2 -> {3, 0}, 3 -> {0, 1}; model b answers 0..2 only.
  FixedSimilar a(5, {{0, {1, 2}}, {1, {0, 3}}, {2, {3, 0}}, {3, {0, 1}}});
  FixedSimilar b(5, {{0, {1, 3}}, {1, {2, 3}}, {2, {0, 1}}});
  SimilarityReportOptions o;
  o.k = 2;
  auto r = similarity_report(ds, {{"a", &a}, {"b", &b}}, o);
  // Queries: movies with a genre that both models answer with 2 neighbours: 0, 1, 2 (3 lacks b, 4 has no genre).
  EXPECT_EQ(r.queries, 3u);
  EXPECT_EQ(r.pool, 3u);
  EXPECT_EQ(r.query_items, (std::vector<ItemIndex>{0, 1, 2}));
  ASSERT_EQ(r.models.size(), 2u);
  // a: q0 {1 yes (Action), 2 no} = 0.5; q1 {0 yes, 3 no} = 0.5; q2 {3 no, 0 no} = 0 -> mean 1/3.
  EXPECT_NEAR(r.models[0].genre_agreement, 1.0 / 3, 1e-9);
  // b: q0 {1 yes, 3 yes} = 1; q1 {2 no, 3 no} = 0; q2 {0 no, 1 no} = 0 -> 1/3.
  EXPECT_NEAR(r.models[1].genre_agreement, 1.0 / 3, 1e-9);
  // a's neighbours 1,2,0,3,3,0 have 2,1,3,1,1,3 ratings: 11/6.
  EXPECT_NEAR(r.models[0].mean_popularity, 11.0 / 6, 1e-9);
  // Coverage: a lists {0,1,2,3} of the 5 movies -> 0.8; b lists {1,3,2,0,1} -> {0,1,2,3} -> 0.8.
  EXPECT_NEAR(r.models[0].coverage, 0.8, 1e-9);
  EXPECT_NEAR(r.models[1].coverage, 0.8, 1e-9);
  // Mean similarity: scores 1 and 0.9 -> 0.95.
  EXPECT_NEAR(r.models[0].mean_similarity, 0.95, 1e-6);
  // Pool popularity (3 + 2 + 1) / 3 = 2; catalogue over rated movies (3+2+1+1)/4 = 1.75.
  EXPECT_NEAR(r.pool_popularity, 2.0, 1e-9);
  EXPECT_NEAR(r.catalogue_popularity, 1.75, 1e-9);
  // Overlap a vs b: q0 {1,2} vs {1,3}: 1 shared, jaccard 1/3; q1 {0,3} vs {2,3}: 1/3; q2 {3,0} vs {0,1}: 1/3.
  ASSERT_EQ(r.overlaps.size(), 1u);
  EXPECT_NEAR(r.overlaps[0].jaccard, 1.0 / 3, 1e-9);
  EXPECT_NEAR(r.overlaps[0].shared, 0.5, 1e-9);
}

TEST(SimilarityReport, RandomBaselineIsSeededAndFromThePool) {
  // 40 movies alternately "Drama" and "Comedy": random neighbours from the pool
  // share the genre about 19/39 of the time.
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> genres;
  std::map<ItemIndex, std::vector<ItemIndex>> same;
  for (ItemIndex i = 0; i < 40; ++i) {
    titles.push_back("M" + std::to_string(i) + " (2000)");
    genres.push_back({i % 2 ? "Comedy" : "Drama"});
    for (ItemIndex j = (i % 2); j < 40 && same[i].size() < 5; j += 2)
      if (j != i) same[i].push_back(j);
  }
  Dataset ds = make_dataset(1, titles, genres, {});
  FixedSimilar m(40, same);
  SimilarityReportOptions o;
  o.k = 5;
  o.seed = 3;
  auto r1 = similarity_report(ds, {{"same-genre", &m}}, o);
  auto r2 = similarity_report(ds, {{"same-genre", &m}}, o);
  EXPECT_DOUBLE_EQ(r1.models[0].genre_agreement, 1.0);
  EXPECT_DOUBLE_EQ(r1.random.genre_agreement, r2.random.genre_agreement);
  EXPECT_NEAR(r1.random.genre_agreement, 19.0 / 39, 0.12);
  o.sample = 10;
  auto r3 = similarity_report(ds, {{"same-genre", &m}}, o);
  EXPECT_EQ(r3.queries, 10u);
  EXPECT_EQ(r3.pool, 40u);
}

TEST(SimilarityReport, ModelsWithoutSimilarityOrAnswersAreErrors) {
  Dataset ds = five();
  FixedSimilar empty(5, {});
  EXPECT_THROW(similarity_report(ds, {{"empty", &empty}}, {}), ConfigError);
  FixedSimilar wrong(7, {});
  EXPECT_THROW(similarity_report(ds, {{"wrong", &wrong}}, {}), ConfigError);
  EXPECT_THROW(similarity_report(ds, {}, {}), ConfigError);
}

TEST(SimilarityReport, RandomBaselineNeverPicksTheQuery) {
  // Issue 12. Six movies, each the only one of its genre, k = 5: the random
  // neighbours of a query are then exactly the 5 other movies, none of which
  // shares its genre, so the baseline's genre agreement is exactly 0. A
  // baseline that may pick the query itself (which shares its own genre)
  // scores above 0.
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> genres;
  std::map<ItemIndex, std::vector<ItemIndex>> others;
  for (ItemIndex i = 0; i < 6; ++i) {
    titles.push_back("M" + std::to_string(i) + " (2000)");
    genres.push_back({"G" + std::to_string(i)});
    for (ItemIndex j = 0; j < 6; ++j)
      if (j != i) others[i].push_back(j);
  }
  Dataset ds = make_dataset(1, titles, genres, {});
  FixedSimilar m(6, others);
  SimilarityReportOptions o;
  o.k = 5;
  for (std::uint64_t seed : {0, 1, 2, 3}) {
    o.seed = seed;
    auto r = similarity_report(ds, {{"all-others", &m}}, o);
    ASSERT_EQ(r.queries, 6u);
    EXPECT_EQ(r.random.genre_agreement, 0.0) << "seed " << seed;
    EXPECT_EQ(r.random.coverage, 1.0);
  }
}
