// The contract every registered model keeps (STYLE.md §5; issue 12). The suite
// loops over list_models(), so a model added to the registry is checked
// without touching this file; a model that cannot be created without a
// parameter gets it from kRequired below.
//
// On one fixture (a 40-user x 30-movie rank-3 matrix, every model fitted with
// one thread), each model must:
//   - fit, and score every (user, movie) with a finite value; predict finite
//     ratings when it predicts ratings;
//   - never recommend a movie the user rated in the excluded matrix;
//   - round-trip through its model file bit for bit (same scores, and the
//     reloaded model saves the same bytes);
//   - name a bad parameter in its error (an unknown key, and a bad value of
//     one of its numeric parameters);
//   - be reproducible: two fits with one thread score bit for bit the same.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include "mf_fixtures.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "vision/feature_file.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// Parameters without which a model cannot be created or fitted, by model name.
// The value may name "{features}": the fixture's poster feature file.
const std::map<std::string, ParamMap> kRequired = {
    {"poster", {{"features", "{features}"}}},
    {"mix", {{"features", "{features}"}}},  // item-knn + poster
    // The fixture's titles carry no parsed year: genres only. ltr carves 2 ratings per user
    // (the users have about 10) and boosts 10 rounds to stay quick.
    {"content-knn", {{"side", "genres"}}},
    {"content-factors", {{"side", "genres"}}},
    {"hybrid-mf", {{"side", "genres"}}},
    {"ltr", {{"side", "genres"}, {"valid", "2"}, {"rounds", "10"}, {"threads", "1"}}},
    {"blend", {{"side", "genres"}, {"rounds", "10"}, {"min_child_weight", "1"}}},
};

class Contract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // With timestamps (session-ease orders each user's ratings by time).
    std::vector<Rating> timed = low_rank_matrix(40, 30, 3, 0.35, 0.3f, 77).triplets();
    for (auto& r : timed) r.timestamp = 1000 + (r.user * 31 + r.item * 17) % 997;
    train_ = new RatingMatrix(40, 30, std::move(timed));
    ds_ = new Dataset(dataset_of(*train_));
    for (std::size_t i = 0; i < train_->n_items(); ++i) {
      Movie m;
      m.id = static_cast<std::int64_t>(i + 1);
      m.title = "Movie " + std::to_string(i + 1) + " (2000)";
      m.genres = {i % 2 ? "Comedy" : "Drama"};
      ds_->movies.push_back(m);
    }
    dir_ = new std::filesystem::path(temp_dir("contract"));
    // 8-d poster features for every movie, in two clusters like the genres.
    FeatureSet f;
    f.network = "fixture";
    f.layer = "pool";
    f.dim = 8;
    std::mt19937 g(5);
    std::normal_distribution<float> n01(0.f, 1.f);
    for (std::size_t i = 0; i < train_->n_items(); ++i) {
      f.movie_ids.push_back(static_cast<std::int64_t>(i + 1));
      for (int d = 0; d < 8; ++d) f.data.push_back((d == int(i % 2) ? 3.f : 0.f) + n01(g));
    }
    write_features(*dir_ / "posters.mrf", f, FeatureDtype::kFloat32);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete train_;
    delete ds_;
    delete dir_;
  }

  static ParamMap params_of(const std::string& name) {
    ParamMap p;
    if (auto it = kRequired.find(name); it != kRequired.end())
      for (auto [k, v] : it->second) p[k] = v == "{features}" ? (*dir_ / "posters.mrf").string() : v;
    return p;
  }

  static std::unique_ptr<Recommender> fitted(const std::string& name) {
    auto m = create_model(name, params_of(name));
    FitOptions fo;
    fo.threads = 1;
    fo.dataset = ds_;
    m->fit(*train_, fo);
    return m;
  }

  static RatingMatrix* train_;
  static Dataset* ds_;
  static std::filesystem::path* dir_;
};

RatingMatrix* Contract::train_ = nullptr;
Dataset* Contract::ds_ = nullptr;
std::filesystem::path* Contract::dir_ = nullptr;

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST_F(Contract, EveryModelFitsAndScoresFiniteValues) {
  for (const auto& info : list_models()) {
    SCOPED_TRACE(info.name);
    auto m = fitted(info.name);
    ASSERT_EQ(m->n_users(), train_->n_users());
    ASSERT_EQ(m->n_items(), train_->n_items());
    auto s = all_scores(*m);
    std::size_t bad = 0;
    for (float x : s) bad += !std::isfinite(x);
    EXPECT_EQ(bad, 0u) << "of " << s.size() << " scores";
    if (m->predicts_ratings()) {
      for (UserIndex u = 0; u < train_->n_users(); u += 7)
        for (ItemIndex i = 0; i < train_->n_items(); i += 3) EXPECT_TRUE(std::isfinite(m->predict(u, i)));
    }
  }
}

TEST_F(Contract, EveryModelExcludesRatedMovies) {
  std::vector<UserIndex> users(train_->n_users());
  for (UserIndex u = 0; u < users.size(); ++u) users[u] = u;
  for (const auto& info : list_models()) {
    SCOPED_TRACE(info.name);
    auto m = fitted(info.name);
    auto recs = m->recommend(users, Query{10, train_});
    ASSERT_EQ(recs.size(), users.size());
    std::size_t listed = 0;
    for (UserIndex u : users) {
      listed += recs[u].size();
      for (const auto& r : recs[u]) EXPECT_FALSE(train_->contains(u, r.item)) << "user " << u << " movie " << r.item;
      // Every unrated movie can be listed: at least min(10, unrated) come back.
      EXPECT_EQ(recs[u].size(), std::min<std::size_t>(10, train_->n_items() - train_->user_count(u)));
    }
    EXPECT_GT(listed, 0u);
  }
}

TEST_F(Contract, EveryModelRoundTripsThroughItsFileBitForBit) {
  for (const auto& info : list_models()) {
    SCOPED_TRACE(info.name);
    auto m = fitted(info.name);
    const auto file = *dir_ / (info.name + ".mrm"), again = *dir_ / (info.name + "-again.mrm");
    save_model(file, *m, *ds_);
    auto loaded = load_model(file, *ds_);
    EXPECT_EQ(loaded->name(), info.name);
    EXPECT_TRUE(same_bits(all_scores(*m), all_scores(*loaded)));
    save_model(again, *loaded, *ds_);
    EXPECT_TRUE(file_bytes(file) == file_bytes(again)) << "the reloaded model writes other bytes";
  }
}

TEST_F(Contract, EveryModelNamesABadParameter) {
  for (const auto& info : list_models()) {
    SCOPED_TRACE(info.name);
    ParamMap p = params_of(info.name);
    p["no_such_parameter"] = "1";
    try {
      create_model(info.name, p);
      ADD_FAILURE() << "an unknown parameter was accepted";
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("'no_such_parameter'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("'" + info.name + "'"), std::string::npos) << msg;
    }
    // A non-number for each numeric parameter (its default parses as a number).
    for (const auto& spec : info.params) {
      double d;
      try {
        std::size_t used = 0;
        d = std::stod(spec.default_value, &used);
        if (used != spec.default_value.size()) continue;
      } catch (const std::exception&) {
        continue;
      }
      (void)d;
      SCOPED_TRACE(spec.name);
      ParamMap bad = params_of(info.name);
      bad[spec.name] = "lots";
      try {
        create_model(info.name, bad);
        ADD_FAILURE() << "\"lots\" was accepted";
      } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("parameter '" + spec.name + "'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("\"lots\""), std::string::npos) << msg;
      }
    }
  }
}

TEST_F(Contract, EveryModelIsReproducibleWithOneThread) {
  for (const auto& info : list_models()) {
    SCOPED_TRACE(info.name);
    auto a = fitted(info.name), b = fitted(info.name);
    EXPECT_TRUE(same_bits(all_scores(*a), all_scores(*b)));
  }
}

TEST_F(Contract, EveryModelIsCovered) {
  // The registry is the list: every model has a description and documented parameters.
  auto models = list_models();
  EXPECT_GE(models.size(), 15u);
  for (const auto& info : models) {
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.description.empty());
    for (const auto& spec : info.params) EXPECT_FALSE(spec.doc.empty()) << spec.name;
  }
}
