// hybrid-mf (issue 8): gradient checks of the WARP and BPR steps against finite
// differences of the triple's objective, the new-movie ordering on a set whose
// truth is one genre, model files, parameter errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "hybrid_fixtures.h"
#include "models/hybrid_mf.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "movierec/split.h"

namespace movierec {
namespace {

TEST(FeatureDifference, UnionWithEqualEntriesLeftOut) {
  const std::vector<FeatureEntry> a = {{0, 1}, {2, 0.5f}, {3, 0.7f}, {4, 1}};
  const std::vector<FeatureEntry> b = {{1, 1}, {2, 1.5f}, {3, 0.7f}, {5, -0.25f}};
  std::vector<FeatureEntry> d;
  feature_difference(a, b, d);
  // 0: 1 - 0; 1: 0 - 1; 2: 0.5 - 1.5; 3: 0.7 - 0.7 = 0 (left out); 4: 1; 5: 0 - (-0.25).
  ASSERT_EQ(d.size(), 5u);
  const std::uint32_t f[] = {0, 1, 2, 4, 5};
  const float v[] = {1, -1, -1, 1, 0.25f};
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(d[k].f, f[k]);
    EXPECT_FLOAT_EQ(d[k].v, v[k]);
  }
}

// Random parameters for 6 movie features and 3 user features of stride 8, the
// difference of two movie rows, and a user row of two features.
struct GradientCase {
  static constexpr std::size_t kStride = 8, kFeatures = 6, kUserFeatures = 3;
  std::vector<float> V, c, U;
  std::vector<FeatureEntry> d, user = {{0, 1}, {2, 0.5f}};
  // flip: U and c negated, which negates x_uij.
  GradientCase(float scale, unsigned seed, bool flip = false) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.f, scale);
    for (std::size_t k = 0; k < kFeatures * kStride; ++k) V.push_back(g(rng));
    for (std::size_t k = 0; k < kFeatures; ++k) c.push_back(g(rng));
    for (std::size_t k = 0; k < kUserFeatures * kStride; ++k) U.push_back(g(rng));
    if (flip) {
      for (auto& x : U) x = -x;
      for (auto& x : c) x = -x;
    }
    feature_difference(std::vector<FeatureEntry>{{0, 1}, {2, 0.5f}, {3, 0.7f}, {4, 1}},
                       std::vector<FeatureEntry>{{1, 1}, {2, 1.5f}, {3, 0.7f}, {5, -0.25f}}, d);
  }
  HybridTriple triple() { return {user, U.data(), d, V.data(), c.data(), kStride}; }
  // Every parameter the triple touches: U_f for f in the user row, V_f, c_f for f in d.
  std::vector<float*> touched() {
    std::vector<float*> out;
    for (const auto& e : user)
      for (std::size_t k = 0; k < kStride; ++k) out.push_back(&U[e.f * kStride + k]);
    for (const auto& e : d) {
      for (std::size_t k = 0; k < kStride; ++k) out.push_back(&V[e.f * kStride + k]);
      out.push_back(&c[e.f]);
    }
    return out;
  }
};

// The step's gradient (one SGD step with lr 1 moves each parameter by -g) against
// central differences of hybrid_triple_objective.
void check_gradient(HybridLoss loss, float w, float scale, unsigned seed, double* x_out, bool flip = false) {
  const float reg = 0.1f;
  GradientCase base(scale, seed, flip);
  GradientCase stepped = base;
  std::vector<float> scratch(3 * GradientCase::kStride);
  const float x = hybrid_triple_step(loss, w, stepped.triple(), nullptr, 1.f, reg, scratch.data());
  *x_out = x;
  auto params = base.touched();
  auto after = stepped.touched();
  ASSERT_EQ(params.size(), 2 * 8u + 5 * 9);
  const float eps = 1e-2f;
  for (std::size_t p = 0; p < params.size(); ++p) {
    const float old = *params[p];
    *params[p] = old + eps;
    const double up = hybrid_triple_objective(loss, w, base.triple(), reg);
    *params[p] = old - eps;
    const double down = hybrid_triple_objective(loss, w, base.triple(), reg);
    *params[p] = old;
    // (old + eps) - (old - eps) in float: the step actually taken.
    const double numeric = (up - down) / (double(old + eps) - double(old - eps));
    const double analytic = double(old) - double(*after[p]);
    EXPECT_NEAR(analytic, numeric, 2e-4 + 2e-3 * std::abs(numeric)) << "parameter " << p;
  }
}

TEST(HybridMfGradient, WarpStepIsTheObjectivesGradient) {
  double x = 0;
  // scale 0.5: x_uij is well below the margin 1 (checked), so the hinge is active.
  check_gradient(HybridLoss::kWarp, 2.3f, 0.5f, 11, &x);
  EXPECT_LT(x, 0.8);
}

TEST(HybridMfGradient, WarpBeyondTheMarginOnlyRegularises) {
  // Large parameters, flipped, put x_uij beyond 1 for this seed (checked): the loss is flat there.
  double x = 0;
  check_gradient(HybridLoss::kWarp, 2.3f, 2.f, 3, &x, true);
  EXPECT_GT(x, 1.2);
}

TEST(HybridMfGradient, BprStepIsTheObjectivesGradient) {
  double x = 0;
  check_gradient(HybridLoss::kBpr, 1.f, 0.5f, 11, &x);
  check_gradient(HybridLoss::kBpr, 1.f, 2.f, 3, &x);
  check_gradient(HybridLoss::kBpr, 1.f, 2.f, 3, &x, true);
}

TEST(HybridMfGradient, AdagradScalesEachCoordinate) {
  // From accumulators at 1, a coordinate with gradient g moves by lr g / sqrt(1 + g^2).
  GradientCase sgd(0.5f, 5), ada = sgd;
  std::vector<float> scratch(3 * GradientCase::kStride);
  hybrid_triple_step(HybridLoss::kBpr, 1, sgd.triple(), nullptr, 1.f, 0.1f, scratch.data());
  std::vector<float> acc_u(GradientCase::kUserFeatures * GradientCase::kStride, 1.f),
      acc_v(GradientCase::kFeatures * GradientCase::kStride, 1.f), acc_c(GradientCase::kFeatures, 1.f);
  const HybridAccumulators acc{acc_u.data(), acc_v.data(), acc_c.data()};
  GradientCase before = ada;
  hybrid_triple_step(HybridLoss::kBpr, 1, ada.triple(), &acc, 0.3f, 0.1f, scratch.data());
  auto b = before.touched(), s = sgd.touched(), a = ada.touched();
  for (std::size_t p = 0; p < b.size(); ++p) {
    const double g = double(*b[p]) - *s[p];
    // 1e-5 + 1e-3 relative: adagrad's reciprocal square root is an estimate refined once.
    const double want = 0.3 * g / std::sqrt(1 + g * g);
    EXPECT_NEAR(double(*b[p]) - *a[p], want, 1e-5 + 1e-3 * std::abs(want)) << "parameter " << p;
  }
  EXPECT_NEAR(acc_u[0], 1 + std::pow(double(*b[0]) - *s[0], 2), 1e-5);
}

class HybridMfModel : public ::testing::Test {
 protected:
  void SetUp() override {
    ds_ = load_dataset(testing::genre_truth_set("hybrid-mf"));
    split_ = cold_items_split(ds_.ratings, {}, 20, 2);
  }
  std::unique_ptr<Recommender> fitted(ParamMap p = {}) {
    p.emplace("side", "genres");
    auto m = create_model("hybrid-mf", p);
    FitOptions fo;
    fo.dataset = &ds_;
    fo.threads = 1;
    m->fit(split_.train, fo);
    return m;
  }
  Dataset ds_;
  Split split_;
};

// Per test user with a relevant (>= 4) rating of a new movie: AUC over the new
// movies (relevant against the rest, ties one half), and the share of
// (Action, Drama) new-movie pairs ordered Action first.
void expect_genre_ordering(const Recommender& m, const Dataset& ds, const Split& s) {
  const std::size_t n = m.n_items();
  std::vector<float> scores(n);
  double auc_sum = 0, ordered = 0, pairs = 0;
  std::size_t users = 0;
  for (UserIndex u = 0; u < s.test.n_users(); ++u) {
    std::vector<char> relevant(n, 0);
    bool any = false;
    auto items = s.test.user_items(u);
    auto vals = s.test.user_values(u);
    for (std::size_t p = 0; p < items.size(); ++p)
      if (vals[p] >= 4) relevant[items[p]] = any = true;
    if (!any) continue;
    UserIndex one[1] = {u};
    m.score(one, scores);
    double good = 0, total = 0;
    for (ItemIndex a : s.new_items)
      for (ItemIndex b : s.new_items) {
        if (relevant[a] && !relevant[b]) {
          good += scores[a] > scores[b] ? 1 : scores[a] == scores[b] ? 0.5 : 0;
          total += 1;
        }
        if (ds.movies[a].genres[0] == "Action" && ds.movies[b].genres[0] == "Drama") {
          ordered += scores[a] > scores[b];
          pairs += 1;
        }
      }
    ASSERT_GT(total, 0);
    auc_sum += good / total;
    ++users;
  }
  ASSERT_GT(users, 50u);
  // Relevant new movies are Action; half the non-relevant ones are Action
  // movies the user did not rate (the content cannot tell those apart), half
  // Drama: a model that puts every Action movie first reaches about
  // 0.5 * 1 + 0.5 * 0.5 = 0.75, random scores 0.5.
  EXPECT_GT(auc_sum / users, 0.7);
  EXPECT_GT(ordered / pairs, 0.95);
}

TEST_F(HybridMfModel, NewMoviesOrderedByTheGenreThatDecides) {
  for (const char* loss : {"warp", "bpr"})
    for (const char* identity : {"false", "true"}) {
      SCOPED_TRACE(std::string(loss) + " identity=" + identity);
      auto m = fitted({{"loss", loss}, {"identity", identity}, {"factors", "8"}});
      expect_genre_ordering(*m, ds_, split_);
    }
}

TEST_F(HybridMfModel, NewMoviesAreTheirContent) {
  // With genres only and identity features, two new movies of the same genre
  // have the same representation (no rating, no identity), a known one its own.
  auto m = fitted({{"identity", "true"}, {"factors", "8"}});
  const auto& f = dynamic_cast<const FactorModel&>(*m);
  std::vector<ItemIndex> action, known;
  for (ItemIndex i : split_.new_items)
    if (ds_.movies[i].genres[0] == "Action") action.push_back(i);
  for (ItemIndex i = 0; i < ds_.movies.size() && known.size() < 2; ++i)
    if (split_.train.item_count(i) > 0 && ds_.movies[i].genres[0] == "Action") known.push_back(i);
  ASSERT_GE(action.size(), 2u);
  ASSERT_EQ(known.size(), 2u);
  auto row = [&](ItemIndex i) { return std::vector<float>(f.item_factors().row(i), f.item_factors().row(i) + 8); };
  EXPECT_EQ(row(action[0]), row(action[1]));
  EXPECT_EQ(f.item_bias()[action[0]], f.item_bias()[action[1]]);
  EXPECT_NE(row(known[0]), row(known[1]));
  EXPECT_NE(row(known[0]), row(action[0]));
  // similar: a new movie's neighbours share its genre (cosine of the summed representations).
  auto sim = m->similar_items(action[0], 10);
  ASSERT_EQ(sim.size(), 10u);
  std::size_t same = 0;
  for (const auto& s : sim) same += ds_.movies[s.item].genres[0] == "Action";
  EXPECT_GE(same, 9u);
}

TEST_F(HybridMfModel, ModelFileRoundTripAndReproducible) {
  auto m = fitted({{"factors", "8"}, {"epochs", "5"}});
  auto again = fitted({{"factors", "8"}, {"epochs", "5"}});
  auto dir = testing::temp_dir("hybrid-mf-file");
  save_model(dir / "m.mrm", *m, ds_);
  auto back = load_model(dir / "m.mrm", ds_);
  save_model(dir / "back.mrm", *back, ds_);
  std::vector<UserIndex> users = {0, 5, 17};
  std::vector<float> a(users.size() * m->n_items()), b(a.size()), c(a.size());
  m->score(users, a);
  back->score(users, b);
  again->score(users, c);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);  // one thread: the same scores bit for bit
  auto bytes = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(dir / "m.mrm"), bytes(dir / "back.mrm"));
}

TEST_F(HybridMfModel, TwoThreadsFitFiniteScores) {
  auto m = create_model("hybrid-mf", {{"side", "genres"}, {"threads", "2"}, {"factors", "8"}});
  FitOptions fo;
  fo.dataset = &ds_;
  m->fit(split_.train, fo);
  std::vector<UserIndex> users = {0, 1};
  std::vector<float> s(2 * m->n_items());
  m->score(users, s);
  for (float x : s) ASSERT_TRUE(std::isfinite(x));
}

// Users whose taste is their gender: men rate Action 5 and Drama 2, women the
// reverse; new users (cold-users split, no training rating) have only their
// gender, which must order the genres for them.
TEST(HybridMfUsers, NewUsersRankByTheirFeatures) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u01(0, 1);
  std::string m = "movieId,title,genres\n", r = "userId,movieId,rating,timestamp\n";
  for (int i = 1; i <= 60; ++i) m += fmt::format("{},Movie {} (2000),{}\n", i, i, i % 2 ? "Action" : "Drama");
  for (int u = 1; u <= 100; ++u)
    for (int i = 1; i <= 60; ++i) {
      const bool likes = (u % 2) == (i % 2);  // odd users (men) like odd movies (Action)
      if (u01(rng) < (likes ? 0.4 : 0.1)) r += fmt::format("{},{},{},{}\n", u, i, likes ? 5.0 : 2.0, u * 100 + i);
    }
  Dataset ds = load_dataset(testing::csv_set("hybrid-mf-users", m, r));
  ds.user_info.resize(ds.users.size());
  for (UserIndex u = 0; u < ds.users.size(); ++u) ds.user_info[u].gender = ds.users.raw(u) % 2 ? "M" : "F";
  Split s = cold_users_split(ds.ratings, 20, 5);
  ASSERT_GE(s.new_users.size(), 10u);
  for (UserIndex u : s.new_users) ASSERT_EQ(s.train.user_count(u), 0u);
  auto fit = [&](ParamMap p) {
    p.emplace("side", "genres");
    p.emplace("factors", "8");
    auto model = create_model("hybrid-mf", p);
    FitOptions fo;
    fo.dataset = &ds;
    fo.threads = 1;
    model->fit(s.train, fo);
    return model;
  };
  auto with = fit({{"user_side", "gender"}});
  std::vector<float> scores(with->n_items());
  for (UserIndex u : s.new_users) {
    UserIndex one[1] = {u};
    with->score(one, scores);
    const bool man = ds.users.raw(u) % 2;
    double liked = 0, other = 0;
    for (ItemIndex i = 0; i < scores.size(); ++i)
      ((ds.movies[i].genres[0] == "Action") == man ? liked : other) += scores[i];
    EXPECT_GT(liked, other) << "user " << ds.users.raw(u);
  }
  // Without user features a new user is the zero vector: every new user gets the same scores.
  auto without = fit({});
  std::vector<float> a(without->n_items()), b(a.size());
  UserIndex first[1] = {s.new_users[0]}, second[1] = {s.new_users[1]};
  without->score(first, a);
  without->score(second, b);
  EXPECT_EQ(a, b);
}

TEST(HybridMfUsers, UserSideNeedsAUserFile) {
  Dataset ds = load_dataset(testing::genre_truth_set("hybrid-mf-no-users", 20, 10));
  auto m = create_model("hybrid-mf", {{"side", "genres"}, {"user_side", "gender"}});
  FitOptions fo;
  fo.dataset = &ds;
  try {
    m->fit(ds.ratings, fo);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no user file"), std::string::npos) << e.what();
  }
  try {
    create_model("hybrid-mf", {{"user_side", "height"}});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'height'"), std::string::npos) << e.what();
  }
}

TEST(HybridMfParams, BadParametersNameTheParameter) {
  const std::pair<ParamMap, std::string> cases[] = {
      {{{"loss", "hinge"}}, "'loss'"},           {{{"lr", "-1"}}, "'lr'"},
      {{{"factors", "0"}}, "'factors'"},         {{{"schedule", "adam"}}, "'schedule'"},
      {{{"max_sampled", "0"}}, "'max_sampled'"}, {{{"alpha", "1"}}, "alpha"},
  };
  for (const auto& [params, name] : cases) {
    try {
      create_model("hybrid-mf", params);
      ADD_FAILURE() << "no error for " << name;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(HybridMfParams, NeedsTheDataset) {
  auto m = create_model("hybrid-mf");
  RatingMatrix r;
  try {
    m->fit(r, FitOptions{});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("hybrid-mf"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace movierec
