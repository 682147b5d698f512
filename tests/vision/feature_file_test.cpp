#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "../support/shared.h"
#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "vision/feature_file.h"
#include "vision/pca.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

FeatureSet sample() {
  FeatureSet f;
  f.network = "net";
  f.layer = "pool";
  f.dim = 3;
  f.movie_ids = {1, 7, 42};
  f.data = {0.f, 1.f, -2.5f, 3.25f, 1e-3f, 100.f, -0.1f, 0.2f, 0.3f};
  return f;
}

}  // namespace

TEST(Half, KnownValues) {
  // 1 = 0x3C00, -2 = 0xC000, 65504 (max) = 0x7BFF, 2^-24 (smallest subnormal) = 0x0001, 0.5 = 0x3800.
  EXPECT_EQ(float_to_half(1.f), 0x3C00);
  EXPECT_EQ(float_to_half(-2.f), 0xC000);
  EXPECT_EQ(float_to_half(65504.f), 0x7BFF);
  EXPECT_EQ(float_to_half(std::ldexp(1.f, -24)), 0x0001);
  EXPECT_EQ(float_to_half(0.5f), 0x3800);
  EXPECT_EQ(float_to_half(1e6f), 0x7C00);  // overflow -> inf
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even -> 1.
  EXPECT_EQ(float_to_half(1.f + std::ldexp(1.f, -11)), 0x3C00);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);  // nearest half to 1/3
  for (float x : {0.f, 1.f, -3.75f, 0.1f, 1234.5f, 6e-5f, 3e-7f})
    EXPECT_NEAR(half_to_float(float_to_half(x)), x, std::abs(x) * 1e-3 + 6e-8) << x;
}

TEST(FeatureFile, RoundTripFloat32AndFloat16) {
  auto dir = temp_dir("featfile");
  FeatureSet f = sample();
  write_features(dir / "a.mrf", f, FeatureDtype::kFloat32);
  FeatureSet g = read_features(dir / "a.mrf");
  EXPECT_EQ(g.network, "net");
  EXPECT_EQ(g.layer, "pool");
  EXPECT_EQ(g.dim, 3);
  EXPECT_EQ(g.dtype, FeatureDtype::kFloat32);
  EXPECT_EQ(g.movie_ids, f.movie_ids);
  EXPECT_EQ(g.data, f.data);
  EXPECT_EQ(g.find(42).value(), 2u);
  EXPECT_FALSE(g.find(5).has_value());

  write_features(dir / "h.mrf", f, FeatureDtype::kFloat16);
  FeatureSet h = read_features(dir / "h.mrf");
  EXPECT_EQ(h.dtype, FeatureDtype::kFloat16);
  for (std::size_t k = 0; k < f.data.size(); ++k) EXPECT_NEAR(h.data[k], f.data[k], std::abs(f.data[k]) * 1e-3 + 1e-6);
  // float16 halves the vector block: 9 values * 2 bytes less.
  EXPECT_EQ(std::filesystem::file_size(dir / "a.mrf") - std::filesystem::file_size(dir / "h.mrf"), 9u * 2);
  std::filesystem::remove_all(dir);
}

TEST(FeatureFile, RoundTripWithPcaBasis) {
  auto dir = temp_dir("featpca");
  FeatureSet f = sample();
  f.raw_dim = 4;
  f.pca_mean = {1, 2, 3, 4};
  f.pca_components.assign(3 * 4, 0.5f);
  write_features(dir / "p.mrf", f, FeatureDtype::kFloat32);
  FeatureSet g = read_features(dir / "p.mrf");
  EXPECT_EQ(g.raw_dim, 4);
  EXPECT_EQ(g.pca_mean, f.pca_mean);
  EXPECT_EQ(g.pca_components, f.pca_components);
  std::filesystem::remove_all(dir);
}

TEST(FeatureFile, TruncatedCorruptAndForeignFilesAreDataErrors) {
  auto dir = temp_dir("featbad");
  write_features(dir / "a.mrf", sample(), FeatureDtype::kFloat32);
  const std::string bytes = read_file(dir / "a.mrf");
  auto refuses = [&](const std::string& content, const std::string& needle) {
    write_file_atomically(dir / "b.mrf", content);
    try {
      read_features(dir / "b.mrf");
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("b.mrf"), std::string::npos) << e.what();
    }
  };
  for (std::size_t cut : {bytes.size() - 1, bytes.size() - 13, std::size_t(20), std::size_t(9)})
    refuses(bytes.substr(0, cut), "");
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  refuses(flipped, "checksum");
  refuses("PK\x03\x04 a zip file, not features", "bad magic");
  refuses("", "bad magic");
  EXPECT_THROW(read_features(dir / "absent.mrf"), IoError);
  std::filesystem::remove_all(dir);
}

TEST(FeatureFile, WriteRejectsInconsistentSizes) {
  FeatureSet f = sample();
  f.data.pop_back();
  EXPECT_THROW(write_features(temp_dir("featsz") / "x.mrf", f, FeatureDtype::kFloat32), DataError);
}

TEST(Pca, RandomizedMatchesExactOnLowRankData) {
  // 200 points in 12-D: 3 strong directions (sd 10, 5, 3) plus small noise (sd 0.1).
  std::mt19937_64 rng(7);
  std::normal_distribution<float> g;
  const int n = 200, d = 12;
  std::vector<float> basis(3 * d);
  for (auto& b : basis) b = g(rng);
  std::vector<float> x(n * d);
  const float sd[] = {10, 5, 3};
  for (int i = 0; i < n; ++i) {
    float z[3] = {g(rng) * sd[0], g(rng) * sd[1], g(rng) * sd[2]};
    for (int j = 0; j < d; ++j)
      x[i * d + j] = 1.5f + z[0] * basis[j] + z[1] * basis[d + j] + z[2] * basis[2 * d + j] + 0.1f * g(rng);
  }
  Pca fast = fit_pca(x.data(), n, d, 3);
  Pca exact = fit_pca_exact(x.data(), n, d, 3);
  for (int r = 0; r < 3; ++r) {
    EXPECT_NEAR(fast.variance[r], exact.variance[r], exact.variance[r] * 1e-3);
    double dot = 0;
    for (int j = 0; j < d; ++j) dot += fast.components[r * d + j] * exact.components[r * d + j];
    EXPECT_NEAR(dot, 1.0, 1e-3) << "component " << r;  // same direction and sign
  }
  // Projections of the data: mean 0, variance = the component's variance.
  std::vector<float> y(n * 3);
  fast.project(x.data(), n, y.data());
  double m0 = 0, v0 = 0;
  for (int i = 0; i < n; ++i) m0 += y[i * 3];
  m0 /= n;
  for (int i = 0; i < n; ++i) v0 += (y[i * 3] - m0) * (y[i * 3] - m0);
  EXPECT_NEAR(m0, 0, 1e-3);
  EXPECT_NEAR(v0 / (n - 1), fast.variance[0], fast.variance[0] * 1e-3);
  EXPECT_THROW(fit_pca(x.data(), n, d, 13), ConfigError);
  EXPECT_THROW(fit_pca(x.data(), n, d, 0), ConfigError);
}
