#include <gtest/gtest.h>

#include <fstream>

#include "../support/shared.h"
#include "movierec/errors.h"
#include "vision/embed.h"
#include "vision/pca.h"
#include "vision_fixtures.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// Solid PNG posters; movie m gets colour (B, G, R) = (m, 2m, 3m) so its tiny-net
// features are known: with scale 1/255 and no mean, out0 = R/255 = 3m/255 and
// out1 = (R + G + B)/255 + 0.5 = 6m/255 + 0.5.
std::vector<PosterFile> make_posters(const std::filesystem::path& dir, std::initializer_list<int> ids) {
  std::vector<PosterFile> out;
  for (int m : ids) {
    auto p = dir / (std::to_string(m) + ".png");
    write_image(p, solid(12, 18, m, 2 * m, 3 * m));
    out.push_back({m, p});
  }
  return out;
}

}  // namespace

TEST(Embed, FeaturesOfEveryPosterMatchHandValues) {
  auto dir = temp_dir("embed");
  auto posters = make_posters(dir, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
  FeatureExtractor fx(tiny_net(), tiny_desc());
  EmbedOptions o;
  o.batch = 3;  // 20 posters: 6 full batches and one of 2
  EmbedReport r = embed_posters(posters, fx, dir / "f.mrf", o);
  EXPECT_EQ(r.embedded, 20u);
  EXPECT_EQ(r.total, 20u);
  EXPECT_EQ(r.dim, 2);
  EXPECT_TRUE(r.failures.empty());
  FeatureSet f = read_features(dir / "f.mrf");
  EXPECT_EQ(f.network, "tiny");
  EXPECT_EQ(f.layer, "pool");
  ASSERT_EQ(f.size(), 20u);
  for (std::size_t i = 0; i < f.size(); ++i) {
    const double m = double(f.movie_ids[i]);
    EXPECT_EQ(f.movie_ids[i], std::int64_t(i + 1));  // sorted by movieId
    EXPECT_NEAR(f.row(i)[0], 3 * m / 255, 1e-5);
    EXPECT_NEAR(f.row(i)[1], 6 * m / 255 + 0.5, 1e-5);
  }
  std::filesystem::remove_all(dir);
}

TEST(Embed, SeveralDecodeThreadsGiveTheSameFile) {
  auto dir = temp_dir("embedthreads");
  auto posters = make_posters(dir, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  FeatureExtractor fx(tiny_net(), tiny_desc());
  EmbedOptions o;
  o.batch = 2;
  o.decode_threads = 3;
  o.queue = 1;
  embed_posters(posters, fx, dir / "a.mrf", o);
  o.decode_threads = 1;
  embed_posters(posters, fx, dir / "b.mrf", o);
  EXPECT_EQ(read_features(dir / "a.mrf").data, read_features(dir / "b.mrf").data);
  std::filesystem::remove_all(dir);
}

TEST(Embed, UndecodableImagesAreReportedAndSkipped) {
  auto dir = temp_dir("embedbad");
  auto posters = make_posters(dir, {1, 2});
  std::ofstream(dir / "3.jpg") << "<html>not an image</html>";
  std::ofstream(dir / "4.png");  // empty
  {
    // A JPEG cut after its first 40 bytes.
    std::vector<uchar> jpg;
    cv::imencode(".jpg", solid(40, 60, 10, 20, 30), jpg);
    std::ofstream(dir / "5.jpg", std::ios::binary).write(reinterpret_cast<const char*>(jpg.data()), 40);
  }
  for (int m : {3, 4, 5}) posters.push_back({m, dir / (std::to_string(m) + (m == 4 ? ".png" : ".jpg"))});
  posters.push_back({6, dir / "6.jpg"});  // missing file
  FeatureExtractor fx(tiny_net(), tiny_desc());
  EmbedReport r = embed_posters(posters, fx, dir / "f.mrf", {});
  EXPECT_EQ(r.embedded, 2u);
  ASSERT_EQ(r.failures.size(), 4u);
  EXPECT_EQ(r.failures[0].file.filename(), "3.jpg");
  EXPECT_EQ(r.failures[0].reason, "not a JPEG, PNG or WebP file");
  EXPECT_EQ(r.failures[1].reason, "file is empty");
  EXPECT_EQ(r.failures[2].file.filename(), "5.jpg");
  EXPECT_NE(r.failures[2].reason.find("JPEG"), std::string::npos) << r.failures[2].reason;
  EXPECT_EQ(r.failures[3].reason, "cannot open the file");
  EXPECT_EQ(read_features(dir / "f.mrf").movie_ids, (std::vector<std::int64_t>{1, 2}));
  std::filesystem::remove_all(dir);
}

TEST(Embed, IncrementalKeepsExistingVectors) {
  auto dir = temp_dir("embedinc");
  auto first = make_posters(dir, {1, 2, 3});
  FeatureExtractor fx(tiny_net(), tiny_desc());
  embed_posters(first, fx, dir / "f.mrf", {});
  // Repaint poster 1: a kept vector is not recomputed, so its old value stays.
  write_image(dir / "1.png", solid(12, 18, 200, 200, 200));
  auto all = make_posters(dir, {4, 5});
  all.insert(all.begin(), first.begin(), first.end());
  EmbedReport r = embed_posters(all, fx, dir / "f.mrf", {});
  EXPECT_EQ(r.embedded, 2u);
  EXPECT_EQ(r.kept, 3u);
  EXPECT_EQ(r.total, 5u);
  FeatureSet f = read_features(dir / "f.mrf");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_NEAR(f.row(0)[0], 3.0 / 255, 1e-5);   // movie 1, from the first run
  EXPECT_NEAR(f.row(4)[0], 15.0 / 255, 1e-5);  // movie 5
  // Nothing new: the file is rewritten with the same vectors.
  r = embed_posters(all, fx, dir / "f.mrf", {});
  EXPECT_EQ(r.embedded, 0u);
  EXPECT_EQ(r.kept, 5u);
  // Another network may not add to this file.
  NetDescription other = tiny_desc();
  other.name = "other";
  FeatureExtractor fo(tiny_net(), other);
  EXPECT_THROW(embed_posters(all, fo, dir / "f.mrf", {}), ConfigError);
  std::filesystem::remove_all(dir);
}

TEST(Embed, PcaBasisIsStoredAndReusedForNewPosters) {
  auto dir = temp_dir("embedpca");
  // The conv layer flattened: 2 channels x 4 x 4 = 32 raw features.
  NetDescription d = tiny_desc(4);
  d.layers = {"conv"};
  FeatureExtractor fx(tiny_net(), d);
  std::vector<PosterFile> posters;
  for (int m = 1; m <= 8; ++m) {
    cv::Mat img(6, 6, CV_8UC3);
    cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
    auto p = dir / (std::to_string(m) + ".png");
    write_image(p, img);
    posters.push_back({m, p});
  }
  EmbedOptions o;
  o.pca = 3;
  std::vector<PosterFile> first(posters.begin(), posters.begin() + 6);
  embed_posters(first, fx, dir / "f.mrf", o);
  FeatureSet f1 = read_features(dir / "f.mrf");
  EXPECT_EQ(f1.dim, 3);
  EXPECT_EQ(f1.raw_dim, 32);
  EmbedReport r = embed_posters(posters, fx, dir / "f.mrf", o);
  EXPECT_EQ(r.embedded, 2u);
  FeatureSet f2 = read_features(dir / "f.mrf");
  EXPECT_EQ(f2.pca_components, f1.pca_components);  // basis unchanged
  // Poster 8 by hand: raw features through the stored basis.
  std::string why;
  cv::Mat raw = fx.forward(make_blob({decode_image(posters[7].file, why)}, d));
  Pca p;
  p.in_dim = 32;
  p.out_dim = 3;
  p.mean = f2.pca_mean;
  p.components = f2.pca_components;
  float y[3];
  p.project(raw.ptr<float>(), 1, y);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(f2.row(7)[j], y[j], 1e-4);
  // --pca with another size, or without PCA on a reduced file, is refused.
  o.pca = 2;
  MOVIEREC_EXPECT_ERROR(embed_posters(posters, fx, dir / "f.mrf", o), ConfigError, "f.mrf", "not pca 2");
  EXPECT_THROW(embed_posters(posters, fx, dir / "g.mrf", EmbedOptions{.pca = 9}), ConfigError);  // 9 > 8 posters
  MOVIEREC_EXPECT_ERROR(embed_posters(posters, fx, dir / "h.mrf", EmbedOptions{.batch = 0}), ConfigError,
                        "batch: expected 1..4096, got 0");
  std::filesystem::remove_all(dir);
}

TEST(Embed, Float16FileIsCloseToFloat32) {
  auto dir = temp_dir("embedf16");
  auto posters = make_posters(dir, {1, 2, 3});
  FeatureExtractor fx(tiny_net(), tiny_desc());
  EmbedOptions o;
  o.float16 = true;
  embed_posters(posters, fx, dir / "h.mrf", o);
  FeatureSet h = read_features(dir / "h.mrf");
  EXPECT_EQ(h.dtype, FeatureDtype::kFloat16);
  EXPECT_NEAR(h.row(2)[1], 18.0 / 255 + 0.5, 1e-3);
  std::filesystem::remove_all(dir);
}
