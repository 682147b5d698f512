// user-knn and item-knn against hand-computed predictions and a dense brute
// force written here; predict/score agreement, fold-in, save/load.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "../support/shared.h"
#include "cf_fixtures.h"
#include "models/knn.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/binary_io.h"

namespace movierec {
namespace {

using testing::dense;
using testing::hand_matrix;
using testing::random_matrix;

std::unique_ptr<Recommender> fitted(const std::string& name, const ParamMap& p, const RatingMatrix& m) {
  auto model = create_model(name, p);
  model->fit(m, {});
  return model;
}

// Plain cosine, no shrinkage, no weight_reg: the textbook weighted mean.
const ParamMap kPlain = {{"similarity", "cosine"}, {"centering", "none"}, {"shrinkage", "0"}, {"weight_reg", "0"}};

TEST(ItemKnn, HandComputedPrediction) {
  auto m = hand_matrix();
  auto model = fitted("item-knn", kPlain, m);
  // u1 rated movies 0 (4) and 3 (1). Similarities to movie 1 over common users {0, 2}:
  //   s(1, 0): (3, 1).(5, 1) = 16 / sqrt(10 * 26) = 0.992278
  //   s(1, 3): (3, 1).(1, 4) = 7 / sqrt(10 * 17) = 0.536875
  //   r = (0.992278 * 4 + 0.536875 * 1) / (0.992278 + 0.536875) = 2.946720
  EXPECT_NEAR(model->predict(1, 1), 2.946720, 1e-5);
  // k = 1: only movie 0 counts: r = 4.
  ParamMap k1 = kPlain;
  k1["k"] = "1";
  EXPECT_NEAR(fitted("item-knn", k1, m)->predict(1, 1), 4.0, 1e-6);
  // min_k = 3: two neighbours only, so the baseline b_ui.
  ParamMap mk = kPlain;
  mk["min_k"] = "3";
  auto fallback = fitted("item-knn", mk, m);
  EXPECT_FLOAT_EQ(fallback->predict(1, 1), dynamic_cast<Knn&>(*fallback).biases().predict(1, 1));
}

TEST(UserKnn, HandComputedPrediction) {
  auto m = hand_matrix();
  auto model = fitted("user-knn", kPlain, m);
  // Movie 1 was rated by u0 (3) and u2 (1). Similarities to u1 over common movies {0, 3}:
  //   s(1, 0): (4, 1).(5, 1) = 21 / sqrt(17 * 26) = 0.998868
  //   s(1, 2): (4, 1).(1, 4) = 8 / sqrt(17 * 17) = 0.470588
  //   r = (0.998868 * 3 + 0.470588 * 1) / (0.998868 + 0.470588) = 2.359507
  EXPECT_NEAR(model->predict(1, 1), 2.359507, 1e-5);
  // weight_reg 0.5 with centering none pulls towards b_ui:
  //   r = (2.996604 + 0.470588 + 0.5 b_ui) / (1.469456 + 0.5)
  ParamMap wr = kPlain;
  wr["weight_reg"] = "0.5";
  auto reg = fitted("user-knn", wr, m);
  double bui = dynamic_cast<Knn&>(*reg).biases().predict(1, 1);
  EXPECT_NEAR(reg->predict(1, 1), (2.996604 + 0.470588 + 0.5 * bui) / (1.469456 + 0.5), 1e-5);
}

// ---- dense brute force of the whole model

struct Ref {
  bool item_based;
  Similarity sim;
  std::string centering;
  int k, min_k;
  double shrinkage, weight_reg;
  std::size_t max_neighbors = 1u << 30;
};

std::vector<std::vector<double>> brute_force(const RatingMatrix& m, const Ref& c, const Biases& b) {
  auto d = dense(m);
  const std::size_t nu = m.n_users(), ni = m.n_items();
  double mu = m.mean();
  std::vector<double> umean(nu, mu), imean(ni, mu);
  for (std::size_t u = 0; u < nu; ++u) {
    double s = 0, n = 0;
    for (std::size_t i = 0; i < ni; ++i)
      if (d[u][i] != 0) s += d[u][i], ++n;
    if (n) umean[u] = s / n;
  }
  for (std::size_t i = 0; i < ni; ++i) {
    double s = 0, n = 0;
    for (std::size_t u = 0; u < nu; ++u)
      if (d[u][i] != 0) s += d[u][i], ++n;
    if (n) imean[i] = s / n;
  }
  auto bui = [&](std::size_t u, std::size_t i) { return double(b.mu) + b.user[u] + b.item[i]; };
  // Rows are the neighbour entities; entry(row, col) maps back to (u, i).
  const std::size_t rows = c.item_based ? ni : nu, cols = c.item_based ? nu : ni;
  auto ui = [&](std::size_t r, std::size_t col) { return c.item_based ? std::pair{col, r} : std::pair{r, col}; };
  auto value = [&](std::size_t r, std::size_t col) {  // transformed for the similarity
    auto [u, i] = ui(r, col);
    double x = d[u][i];
    if (c.sim == Similarity::kAdjustedCosine) return x - (c.item_based ? umean[u] : imean[i]);
    if (c.sim == Similarity::kPearsonBaseline) return x - bui(u, i);
    return x;
  };
  std::vector<std::vector<double>> s(rows, std::vector<double>(rows, 0));
  for (std::size_t a = 0; a < rows; ++a)
    for (std::size_t bb = 0; bb < rows; ++bb) {
      if (a == bb) continue;
      std::vector<double> x, y;
      for (std::size_t col = 0; col < cols; ++col) {
        auto [u1, i1] = ui(a, col);
        auto [u2, i2] = ui(bb, col);
        if (d[u1][i1] != 0 && d[u2][i2] != 0) x.push_back(value(a, col)), y.push_back(value(bb, col));
      }
      double n = x.size();
      if (n == 0) continue;
      if (c.sim == Similarity::kPearson) {
        double mx = 0, my = 0;
        for (std::size_t t = 0; t < x.size(); ++t) mx += x[t] / n, my += y[t] / n;
        for (std::size_t t = 0; t < x.size(); ++t) x[t] -= mx, y[t] -= my;
      }
      double xy = 0, xx = 0, yy = 0;
      for (std::size_t t = 0; t < x.size(); ++t) xy += x[t] * y[t], xx += x[t] * x[t], yy += y[t] * y[t];
      if (xx < 1e-9 || yy < 1e-9) continue;
      double v = xy / std::sqrt(xx * yy);
      if (c.shrinkage > 0) v *= (n - 1) / (n - 1 + c.shrinkage);
      s[a][bb] = v;
    }
  // The max_neighbors cap: row a keeps its most similar positive entries.
  std::vector<std::vector<bool>> kept(rows, std::vector<bool>(rows, false));
  for (std::size_t a = 0; a < rows; ++a) {
    std::vector<std::pair<double, std::size_t>> pos;
    for (std::size_t bb = 0; bb < rows; ++bb)
      if (s[a][bb] > 0) pos.push_back({-s[a][bb], bb});
    std::sort(pos.begin(), pos.end());
    for (std::size_t t = 0; t < pos.size() && t < c.max_neighbors; ++t) kept[a][pos[t].second] = true;
  }
  auto base = [&](std::size_t u, std::size_t i) {
    if (c.centering == "none") return 0.0;
    if (c.centering == "mean") return c.item_based ? imean[i] : umean[u];
    return bui(u, i);
  };
  std::vector<std::vector<double>> pred(nu, std::vector<double>(ni));
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t i = 0; i < ni; ++i) {
      // Candidates: rows similar to the target row that rated the target column.
      const std::size_t target = c.item_based ? i : u;
      std::vector<std::pair<double, std::size_t>> cand;
      for (std::size_t r = 0; r < rows; ++r) {
        auto [cu, ci] = c.item_based ? std::pair{u, r} : std::pair{r, i};
        if (kept[target][r] && d[cu][ci] != 0) cand.push_back({-s[target][r], r});
      }
      std::sort(cand.begin(), cand.end());
      if (cand.size() > std::size_t(c.k)) {
        // A near-tie across the k-th place: either choice is a right answer
        // (float vs double rounding decides), so that entry is not checked.
        if (cand[c.k].first - cand[c.k - 1].first < 1e-5) {
          pred[u][i] = std::nan("");
          continue;
        }
        cand.resize(c.k);
      }
      if (cand.empty() || cand.size() < std::size_t(c.min_k)) {
        pred[u][i] = bui(u, i);
        continue;
      }
      double num = 0, den = 0;
      for (auto [negs, r] : cand) {
        auto [cu, ci] = c.item_based ? std::pair{u, r} : std::pair{r, i};
        num += -negs * (d[cu][ci] - base(cu, ci));
        den += -negs;
      }
      double prior = c.centering == "none" ? c.weight_reg * bui(u, i) : 0;
      pred[u][i] = base(u, i) + (num + prior) / (den + c.weight_reg);
    }
  return pred;
}

TEST(Knn, MatchesDenseBruteForceInEveryConfiguration) {
  auto m = random_matrix(18, 24, 0.4, 11);
  for (bool item_based : {true, false})
    for (Similarity sim :
         {Similarity::kCosine, Similarity::kPearson, Similarity::kAdjustedCosine, Similarity::kPearsonBaseline})
      for (std::string centering : {"none", "mean", "baseline"})
        for (auto [k, min_k, shrink, wreg, cap] : std::vector<std::tuple<int, int, double, double, int>>{
                 {40, 1, 100, 0.3, 10000}, {3, 2, 0, 0, 10000}, {5, 1, 10, 1.0, 4}}) {
          const std::string name = item_based ? "item-knn" : "user-knn";
          SCOPED_TRACE(name + " " + similarity_name(sim) + " " + centering + " k=" + std::to_string(k) +
                       " cap=" + std::to_string(cap));
          ParamMap p = {{"similarity", similarity_name(sim)},
                        {"centering", centering},
                        {"k", std::to_string(k)},
                        {"min_k", std::to_string(min_k)},
                        {"shrinkage", std::to_string(shrink)},
                        {"weight_reg", std::to_string(wreg)},
                        {"max_neighbors", std::to_string(cap)}};
          auto model = fitted(name, p, m);
          const Knn& knn = dynamic_cast<const Knn&>(*model);
          Ref ref{item_based, sim, centering, k, min_k, shrink, wreg, static_cast<std::size_t>(cap)};
          auto want = brute_force(m, ref, knn.biases());
          std::vector<UserIndex> users(m.n_users());
          for (UserIndex u = 0; u < users.size(); ++u) users[u] = u;
          std::vector<float> scores(users.size() * m.n_items());
          model->score(users, scores);
          std::size_t ambiguous = 0;
          for (UserIndex u = 0; u < m.n_users(); ++u)
            for (ItemIndex i = 0; i < m.n_items(); ++i) {
              if (std::isnan(want[u][i]))
                ++ambiguous;
              else
                ASSERT_NEAR(model->predict(u, i), want[u][i], 2e-4) << "u" << u << " i" << i;
              // score() takes the other (scatter) path and must agree bit for bit.
              ASSERT_EQ(scores[u * m.n_items() + i], model->predict(u, i)) << "u" << u << " i" << i;
            }
          EXPECT_LT(ambiguous, m.n_users() * m.n_items() / 5);
        }
}

TEST(Knn, SimilarItemsFollowTheLearnedSimilarity) {
  auto m = random_matrix(30, 20, 0.5, 5);
  auto item = fitted("item-knn", {{"similarity", "cosine"}}, m);
  auto user = fitted("user-knn", {{"similarity", "cosine"}}, m);
  const auto& nb = dynamic_cast<const Knn&>(*item).neighbors();
  auto a = item->similar_items(2, 5);
  auto b = user->similar_items(2, 5);  // computed on demand, same measure
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), a.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    EXPECT_NE(a[t].item, 2u);
    if (t) {
      EXPECT_GE(a[t - 1].score, a[t].score);
    }
    EXPECT_EQ(a[t].item, b[t].item);
    EXPECT_FLOAT_EQ(a[t].score, b[t].score);
    bool found = false;
    for (std::size_t p = nb.ptr[2]; p < nb.ptr[3]; ++p)
      found = found || (nb.idx[p] == a[t].item && nb.sim[p] == a[t].score);
    EXPECT_TRUE(found);
  }
  EXPECT_THROW(item->similar_items(20, 5), DataError);
}

TEST(Knn, FoldInMatchesATrainedUser) {
  auto m = random_matrix(25, 30, 0.4, 9);
  for (std::string centering : {"none", "mean", "baseline"}) {
    auto model = fitted("item-knn", {{"centering", centering}}, m);
    // A new user with u3's ratings gets u3's scores: the fold-in bias
    // sum(r - mu - b_i) / (reg_user + n) is the last ALS sweep's b_u.
    std::vector<ItemIndex> items(m.user_items(3).begin(), m.user_items(3).end());
    std::vector<float> values(m.user_values(3).begin(), m.user_values(3).end());
    std::reverse(items.begin(), items.end());  // any order
    std::reverse(values.begin(), values.end());
    std::vector<float> folded(m.n_items()), trained(m.n_items());
    model->score_new_user(items, values, folded);
    UserIndex u = 3;
    model->score(std::span<const UserIndex>(&u, 1), trained);
    for (std::size_t i = 0; i < trained.size(); ++i) EXPECT_NEAR(folded[i], trained[i], 1e-5) << centering << " " << i;
  }
  auto model = fitted("item-knn", {}, m);
  std::vector<float> out(m.n_items());
  std::vector<ItemIndex> dup = {1, 1};
  std::vector<float> vals = {3, 4};
  EXPECT_THROW(model->score_new_user(dup, vals, out), DataError);
  EXPECT_THROW(fitted("user-knn", {}, m)->score_new_user({}, {}, out), NotSupported);
}

TEST(Knn, SaveLoadGivesIdenticalPredictions) {
  auto m = random_matrix(20, 25, 0.4, 4);
  for (std::string name : {"item-knn", "user-knn"}) {
    ParamMap p = {{"k", "7"}, {"max_neighbors", "6"}};
    auto model = fitted(name, p, m);
    BinaryWriter w;
    model->save_payload(w);
    auto loaded = create_model(name, p);
    BinaryReader r(w.bytes(), "test");
    loaded->load_payload(r);
    EXPECT_EQ(r.remaining(), 0u);
    for (UserIndex u = 0; u < m.n_users(); ++u)
      for (ItemIndex i = 0; i < m.n_items(); ++i) ASSERT_EQ(model->predict(u, i), loaded->predict(u, i));
    // Truncated payloads are refused.
    std::string cut = w.bytes().substr(0, w.bytes().size() / 2);
    BinaryReader rc(cut, "cut");
    EXPECT_THROW(create_model(name, p)->load_payload(rc), DataError);
  }
  // The other kind's payload is refused.
  BinaryWriter w;
  fitted("item-knn", {}, m)->save_payload(w);
  BinaryReader r(w.bytes(), "test");
  EXPECT_THROW(create_model("user-knn")->load_payload(r), DataError);
}

TEST(Knn, UnknownUserOrMovieFallsBackToTheBaseline) {
  auto m = hand_matrix();
  auto model = fitted("item-knn", {}, m);
  const Biases& b = dynamic_cast<const Knn&>(*model).biases();
  EXPECT_FLOAT_EQ(model->predict(7, 1), b.mu + b.item[1]);
  EXPECT_FLOAT_EQ(model->predict(1, 9), b.mu + b.user[1]);
}

TEST(Knn, KthLargestMatchesSorting) {
  // Small lists go to nth_element, long ones (>= 64) through the histogram.
  std::mt19937 rng(3);
  std::vector<float> scratch;
  for (std::size_t n : {5u, 63u, 64u, 700u, 3000u}) {
    std::vector<knn_detail::Candidate> c(n);
    std::uniform_int_distribution<int> pick(0, 3);
    std::uniform_real_distribution<float> sim(1e-6f, 1.0f);
    for (std::size_t t = 0; t < n; ++t) c[t] = {pick(rng) == 0 ? 0.25f : sim(rng), 0.f, std::uint32_t(t)};  // many ties
    std::vector<float> sorted;
    for (const auto& x : c) sorted.push_back(x.sim);
    std::sort(sorted.begin(), sorted.end(), std::greater<float>());
    for (std::size_t k : {std::size_t{1}, std::size_t{3}, n / 2, n})
      EXPECT_EQ(knn_detail::kth_largest(c, k, scratch), sorted[k - 1]) << n << " " << k;
  }
}

TEST(Knn, BadParametersAreConfigErrors) {
  MOVIEREC_EXPECT_ERROR(create_model("item-knn", {{"similarity", "jaccard"}}), ConfigError, "model 'item-knn'",
                        "parameter 'similarity'", "\"jaccard\"");
  MOVIEREC_EXPECT_ERROR(create_model("user-knn", {{"centering", "median"}}), ConfigError, "model 'user-knn'",
                        "parameter 'centering'", "\"median\"");
  MOVIEREC_EXPECT_ERROR(create_model("item-knn", {{"k", "0"}}), ConfigError, "parameter 'k'", "\"0\"");
  MOVIEREC_EXPECT_ERROR(create_model("item-knn", {{"shrinkage", "-1"}}), ConfigError, "parameter 'shrinkage'",
                        "\"-1\"");
}

}  // namespace
}  // namespace movierec
