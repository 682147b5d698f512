#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "../support/shared.h"
#include "models/poster.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/binary_io.h"
#include "vision_fixtures.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

std::vector<std::string> titles(std::size_t n) {
  std::vector<std::string> t;
  for (std::size_t i = 0; i < n; ++i) t.push_back("Movie " + std::to_string(i) + " (2000)");
  return t;
}

// Brute force: cosine of every other poster in double precision, best first.
std::vector<std::pair<double, std::int64_t>> brute_force(const FeatureSet& f, std::size_t q) {
  auto norm = [&](std::size_t r) {
    double s = 0;
    for (int j = 0; j < f.dim; ++j) s += double(f.row(r)[j]) * f.row(r)[j];
    return std::sqrt(s);
  };
  std::vector<std::pair<double, std::int64_t>> out;
  for (std::size_t r = 0; r < f.size(); ++r) {
    if (r == q) continue;
    double dot = 0;
    for (int j = 0; j < f.dim; ++j) dot += double(f.row(q)[j]) * f.row(r)[j];
    out.push_back({dot / (norm(q) * norm(r)), f.movie_ids[r]});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first > b.first; });
  return out;
}

std::unique_ptr<Recommender> fit_poster(const Dataset& ds, const std::filesystem::path& features, ParamMap extra = {}) {
  extra["features"] = features.string();
  auto m = create_model("poster", extra);
  FitOptions fo;
  fo.dataset = &ds;
  m->fit(ds.ratings, fo);
  return m;
}

}  // namespace

TEST(PosterModel, NeighboursMatchBruteForceCosine) {
  auto dir = temp_dir("postermodel");
  Dataset ds = make_dataset(2, titles(120), {}, {{0, 0, 4.f}, {1, 1, 3.f}});
  std::vector<std::size_t> with_poster;
  for (std::size_t i = 0; i < 120; ++i)
    if (i % 7 != 3) with_poster.push_back(i);  // every 7th movie has no poster
  FeatureSet f = random_features(ds, with_poster, 24, 11);
  write_features(dir / "f.mrf", f, FeatureDtype::kFloat32);
  for (const char* index : {"exact", "hnsw"}) {
    SCOPED_TRACE(index);
    auto m = fit_poster(ds, dir / "f.mrf", {{"index", index}, {"neighbours", "8"}});
    for (std::size_t q : {std::size_t(0), std::size_t(5), std::size_t(50)}) {
      auto truth = brute_force(f, q);
      const ItemIndex item = static_cast<ItemIndex>(with_poster[q]);
      for (std::size_t k : {std::size_t(5), std::size_t(20)}) {  // 5: cached lists; 20: searched again
        auto got = m->similar_items(item, k);
        ASSERT_EQ(got.size(), k);
        for (std::size_t t = 0; t < k; ++t) {
          EXPECT_EQ(ds.movies[got[t].item].id, truth[t].second) << "rank " << t;
          EXPECT_NEAR(got[t].score, truth[t].first, 1e-5);
        }
      }
    }
    EXPECT_TRUE(m->similar_items(3, 5).empty());  // no poster, no visual neighbours
  }
  std::filesystem::remove_all(dir);
}

TEST(PosterModel, HnswRecallAgainstExactOnRandomData) {
  // 3000 random 32-D vectors: HNSW (M 16, ef 100) must find >= 90% of the exact 10 nearest.
  auto dir = temp_dir("posterhnsw");
  const std::size_t n = 3000;
  Dataset ds = make_dataset(1, titles(n), {}, {{0, 0, 4.f}});
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  write_features(dir / "f.mrf", random_features(ds, all, 32, 5), FeatureDtype::kFloat32);
  auto base = fit_poster(ds, dir / "f.mrf", {{"index", "hnsw"}, {"neighbours", "1"}});
  const auto& m = dynamic_cast<const PosterModel&>(*base);
  EXPECT_TRUE(m.uses_hnsw());
  auto exact = m.all_neighbours(10, false);
  auto approx = m.all_neighbours(10, true);
  std::size_t hit = 0;
  for (std::size_t r = 0; r < n; ++r) {
    std::set<ItemIndex> truth;
    for (const auto& s : exact[r]) truth.insert(s.item);
    for (const auto& s : approx[r]) hit += truth.count(s.item);
  }
  const double recall = double(hit) / (n * 10);
  std::printf("hnsw recall@10 vs exact on %zu random 32-d vectors: %.4f\n", n, recall);
  EXPECT_GE(recall, 0.9);
  std::filesystem::remove_all(dir);
}

TEST(PosterModel, PredictionsByHand) {
  // Features: f0 = (1, 0), f1 = (1, 1)/sqrt2, f2 = (0.6, 0.8); movie 3 has no poster.
  // cos(0,1) = 0.70711, cos(0,2) = 0.6, cos(1,2) = 1.4/sqrt2 = 0.98995.
  // user 0 rated 1 -> 4, 2 -> 2 (mean 3); user 1 rated 0 -> 5, 2 -> 2 (mean 3.5); user 2 nothing.
  auto dir = temp_dir("posterpredict");
  Dataset ds = make_dataset(3, titles(4), {}, {{0, 1, 4.f}, {0, 2, 2.f}, {1, 0, 5.f}, {1, 2, 2.f}});
  FeatureSet f;
  f.network = "hand";
  f.layer = "x";
  f.dim = 2;
  f.movie_ids = {10, 20, 30};
  f.data = {1, 0, 1, 1, 0.6f, 0.8f};
  write_features(dir / "f.mrf", f, FeatureDtype::kFloat32);
  auto m = fit_poster(ds, dir / "f.mrf");
  // u0, movie 0: 3 + (0.70711 * 1 + 0.6 * (-1)) / (0.70711 + 0.6) = 3 + 0.10711 / 1.30711 = 3.081944.
  EXPECT_NEAR(m->predict(0, 0), 3.081944f, 1e-5);
  // u1, movie 1: 3.5 + (0.70711 * 1.5 + 0.98995 * (-1.5)) / (0.70711 + 0.98995)
  //   = 3.5 + 1.5 * (1 - 1.4) / (1 + 1.4) = 3.5 - 0.25 = 3.25.
  EXPECT_NEAR(m->predict(1, 1), 3.25f, 1e-5);
  // No poster: the user's mean; a user without ratings: the global mean (4 + 2 + 5 + 2) / 4 = 3.25.
  EXPECT_FLOAT_EQ(m->predict(0, 3), 3.f);
  EXPECT_FLOAT_EQ(m->predict(2, 0), 3.25f);
  // k = 1: only the most similar rated poster. u1, movie 1: movie 2 (0.98995), centred -1.5 -> 2.
  auto m1 = fit_poster(ds, dir / "f.mrf", {{"k", "1"}});
  EXPECT_NEAR(m1->predict(1, 1), 2.f, 1e-5);
  // min_sim 0.65 drops movie 2 (0.6) for u0's movie 0: 3 + 1 = 4.
  auto m2 = fit_poster(ds, dir / "f.mrf", {{"min_sim", "0.65"}});
  EXPECT_NEAR(m2->predict(0, 0), 4.f, 1e-5);
  // score() agrees with predict() for every user and movie.
  std::vector<UserIndex> users = {0, 1, 2};
  std::vector<float> s(3 * 4);
  m->score(users, s);
  for (UserIndex u = 0; u < 3; ++u)
    for (ItemIndex i = 0; i < 4; ++i) {
      // For a rated movie, predict() leaves the movie itself out, as score() does.
      EXPECT_NEAR(s[u * 4 + i], m->predict(u, i), 1e-5) << u << "," << i;
    }
  // A new user with u1's ratings is scored like u1.
  std::vector<float> fresh(4);
  std::vector<ItemIndex> items = {0, 2};
  std::vector<float> values = {5.f, 2.f};
  m->score_new_user(items, values, fresh);
  EXPECT_NEAR(fresh[1], 3.25f, 1e-5);
  std::filesystem::remove_all(dir);
}

TEST(PosterModel, PayloadRoundTrip) {
  auto dir = temp_dir("posterpayload");
  Dataset ds = make_dataset(2, titles(40), {}, {{0, 0, 4.f}, {0, 5, 2.f}, {1, 7, 3.5f}});
  std::vector<std::size_t> rows(30);
  std::iota(rows.begin(), rows.end(), 0);
  write_features(dir / "f.mrf", random_features(ds, rows, 8, 3), FeatureDtype::kFloat32);
  auto m = fit_poster(ds, dir / "f.mrf", {{"neighbours", "4"}});
  BinaryWriter w;
  m->save_payload(w);
  auto back = create_model("poster", {{"features", (dir / "f.mrf").string()}, {"neighbours", "4"}});
  BinaryReader r(w.bytes(), "payload");
  back->load_payload(r);
  EXPECT_EQ(r.remaining(), 0u);
  for (ItemIndex i : {0u, 9u, 29u, 35u}) {
    auto a = m->similar_items(i, 6), b = back->similar_items(i, 6);  // 6 > 4: searched again
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t t = 0; t < a.size(); ++t) EXPECT_EQ(a[t].item, b[t].item);
    EXPECT_FLOAT_EQ(m->predict(0, i), back->predict(0, i));
  }
  // A corrupted payload is refused.
  std::string bytes = w.bytes();
  BinaryReader cut(std::string_view(bytes).substr(0, bytes.size() / 2), "payload");
  auto other = create_model("poster", {{"features", "x"}});
  EXPECT_THROW(other->load_payload(cut), DataError);
  std::filesystem::remove_all(dir);
}

TEST(PosterModel, NeedsDatasetAndFeatures) {
  Dataset ds = make_dataset(1, titles(3), {}, {{0, 0, 4.f}});
  auto m = create_model("poster", {{"features", "/nonexistent.mrf"}});
  EXPECT_THROW(m->fit(ds.ratings, {}), ConfigError);  // no FitOptions.dataset
  FitOptions fo;
  fo.dataset = &ds;
  EXPECT_THROW(m->fit(ds.ratings, fo), IoError);
  auto none = create_model("poster");
  try {
    none->fit(ds.ratings, fo);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'features' is required"), std::string::npos);
  }
  MOVIEREC_EXPECT_ERROR(create_model("poster", {{"index", "kdtree"}}), ConfigError, "model 'poster'",
                        "parameter 'index'", "\"kdtree\"");
  // A feature file none of whose movies is in the dataset.
  auto dir = temp_dir("posterforeign");
  FeatureSet f;
  f.network = "n";
  f.layer = "l";
  f.dim = 2;
  f.movie_ids = {99999};
  f.data = {1, 2};
  write_features(dir / "f.mrf", f, FeatureDtype::kFloat32);
  auto foreign = create_model("poster", {{"features", (dir / "f.mrf").string()}});
  EXPECT_THROW(foreign->fit(ds.ratings, fo), DataError);
  std::filesystem::remove_all(dir);
}
