// Small synthetic matrices and helpers shared by the factor-model tests.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "../support/shared.h"
#include "movierec/dataset.h"
#include "movierec/registry.h"
#include "util/binary_io.h"

namespace movierec::testing {

// r_ui = a_u * b_i with a_u in [1, 2], b_i in [1, 2.5] (so r in [1, 5]): a
// rank-1 matrix, every pair observed with probability density.
inline RatingMatrix rank1_matrix(std::size_t nu, std::size_t ni, double density, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> a(1.f, 2.f), b(1.f, 2.5f), coin(0.f, 1.f);
  std::vector<float> au(nu), bi(ni);
  for (auto& x : au) x = a(g);
  for (auto& x : bi) x = b(g);
  std::vector<Rating> r;
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t i = 0; i < ni; ++i)
      if (coin(g) < density) r.push_back({UserIndex(u), ItemIndex(i), au[u] * bi[i]});
  return RatingMatrix(nu, ni, std::move(r));
}

// Ratings from a rank-k model plus noise, clipped to [1, 5].
inline RatingMatrix low_rank_matrix(std::size_t nu, std::size_t ni, int k, double density, float noise, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> n01(0.f, 1.f);
  std::uniform_real_distribution<float> coin(0.f, 1.f);
  std::vector<float> p(nu * k), q(ni * k);
  for (auto& x : p) x = n01(g) * 0.7f;
  for (auto& x : q) x = n01(g) * 0.7f;
  std::vector<Rating> r;
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t i = 0; i < ni; ++i) {
      if (coin(g) >= density) continue;
      float v = 3.f + noise * n01(g);
      for (int f = 0; f < k; ++f) v += p[u * k + f] * q[i * k + f];
      r.push_back({UserIndex(u), ItemIndex(i), std::clamp(v, 1.f, 5.f)});
    }
  return RatingMatrix(nu, ni, std::move(r));
}

// Two taste groups: users < nu/2 rate (value 1) movies < ni/2 with probability
// p_in and the others with p_out; the other half the reverse.
inline RatingMatrix two_group_matrix(std::size_t nu, std::size_t ni, double p_in, double p_out, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> coin(0, 1);
  std::vector<Rating> r;
  for (std::size_t u = 0; u < nu; ++u)
    for (std::size_t i = 0; i < ni; ++i)
      if (coin(g) < (((u < nu / 2) == (i < ni / 2)) ? p_in : p_out)) r.push_back({UserIndex(u), ItemIndex(i), 1.f});
  return RatingMatrix(nu, ni, std::move(r));
}

// The same ratings, every one set to v.
inline RatingMatrix with_value(const RatingMatrix& m, float v) {
  std::vector<Rating> r = m.triplets();
  for (Rating& x : r) x.value = v;
  return RatingMatrix(m.n_users(), m.n_items(), std::move(r));
}

// Share of every user's top-k (unrated movies only) that lies in the user's own
// group of a two_group_matrix: users < n_users/2 with movies < n_items/2.
inline double own_group_share(const Recommender& m, const RatingMatrix& r, std::size_t k = 5) {
  Query q;
  q.k = k;
  q.exclude = &r;
  std::vector<UserIndex> users(r.n_users());
  for (UserIndex u = 0; u < users.size(); ++u) users[u] = u;
  auto recs = m.recommend(users, q);
  std::size_t in_group = 0, total = 0;
  for (UserIndex u = 0; u < users.size(); ++u)
    for (const auto& s : recs[u]) {
      in_group += (u < r.n_users() / 2) == (s.item < r.n_items() / 2);
      ++total;
    }
  return double(in_group) / total;
}

inline double train_rmse(const Recommender& m, const RatingMatrix& r) {
  double s = 0;
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    auto items = r.user_items(u);
    auto values = r.user_values(u);
    for (std::size_t j = 0; j < items.size(); ++j) {
      double e = m.predict(u, items[j]) - values[j];
      s += e * e;
    }
  }
  return std::sqrt(s / r.nnz());
}

// Fits model `name` on a full 40 x 30 rank1_matrix with factors=2 and no
// regularisation (params: more settings, e.g. reg_implicit=0). The ratings span
// 1..5 (std ~0.9); a rank-1 fit is near exact.
inline void expect_recovers_rank1(const std::string& name, ParamMap params) {
  SCOPED_TRACE(name);
  RatingMatrix r = rank1_matrix(40, 30, 1.0, 1);
  params.insert({{"factors", "2"},
                 {"reg_factors", "0"},
                 {"reg_bias", "0"},
                 {"epochs", "400"},
                 {"lr", "0.02"},
                 {"init_std", "0.1"},
                 {"threads", "1"}});
  auto m = create_model(name, params);
  m->fit(r, {});
  EXPECT_LT(train_rmse(*m, r), 0.02);
}

// Every score of every user (n_users x n_items).
inline std::vector<float> all_scores(const Recommender& m) {
  std::vector<UserIndex> users(m.n_users());
  for (UserIndex u = 0; u < users.size(); ++u) users[u] = u;
  std::vector<float> out(users.size() * m.n_items());
  m.score(users, out);
  return out;
}

// Fits a fresh model and returns every score (the thread count and seed come
// from params).
inline std::vector<float> fitted_scores(const std::string& name, const ParamMap& params, const RatingMatrix& r) {
  auto m = create_model(name, params);
  m->fit(r, {});
  return all_scores(*m);
}

// Bit-for-bit equal score vectors (NaN patterns included).
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A dataset around a matrix (ids 1..n), for model files.
inline Dataset dataset_of(const RatingMatrix& r) {
  Dataset ds;
  ds.name = "synthetic";
  for (std::size_t u = 0; u < r.n_users(); ++u) ds.users.add(static_cast<std::int64_t>(u + 1));
  for (std::size_t i = 0; i < r.n_items(); ++i) ds.items.add(static_cast<std::int64_t>(i + 1));
  ds.ratings = r;
  return ds;
}

// Fits a model, saves it to a model file, loads it back; the loaded model must
// score every user exactly as the fitted one (bit for bit).
inline void expect_round_trip(const std::string& name, const ParamMap& params, const RatingMatrix& r) {
  SCOPED_TRACE(name);
  auto model = create_model(name, params);
  FitOptions fo;
  fo.threads = 1;
  model->fit(r, fo);
  Dataset ds = dataset_of(r);
  auto dir = temp_dir("mf-roundtrip-" + name);
  auto file = dir / "model.mrm";
  save_model(file, *model, ds);
  auto loaded = load_model(file, ds);
  EXPECT_EQ(loaded->name(), name);
  EXPECT_TRUE(same_bits(all_scores(*model), all_scores(*loaded)));
  if (model->predicts_ratings()) {
    EXPECT_EQ(model->predict(1, 2), loaded->predict(1, 2));
  }
  auto s1 = model->similar_items(0, 5), s2 = loaded->similar_items(0, 5);
  ASSERT_EQ(s1.size(), s2.size());
  for (std::size_t j = 0; j < s1.size(); ++j) {
    EXPECT_EQ(s1[j].item, s2[j].item);
    EXPECT_EQ(s1[j].score, s2[j].score);
  }
  std::filesystem::remove_all(dir);
}

// Offset of the payload's first byte (after its u64 length): the header read
// as model_file.cpp lays it out.
inline std::size_t payload_offset(const std::string& bytes) {
  BinaryReader r(bytes, "test");
  r.get<std::array<char, 8>>();
  r.get<std::uint32_t>();
  r.get_string();
  const auto n = r.get<std::uint64_t>();
  for (std::uint64_t k = 0; k < 2 * n; ++k) r.get_string();
  r.get<std::uint64_t>();
  r.get_vector<std::int64_t>();
  r.get_vector<std::int64_t>();
  r.get<std::uint64_t>();
  return r.position();
}

}  // namespace movierec::testing
