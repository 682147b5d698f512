// Integration with ../shared: the real MobileNetV2, its test photos, and a
// subset of the shared posters. Skipped with a reason where ../shared is absent.
#include <gtest/gtest.h>

#include "../support/shared.h"
#include "eval/similarity_report.h"
#include "models/poster.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "vision/embed.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

const char* kModel = "models/mobilenet_v2_1.0_224.onnx";
constexpr std::size_t kSubset = 300;  // posters embedded by the tests (about 10 s on 2 cores)

FeatureExtractor shared_mobilenet() {
  return FeatureExtractor(load_network(shared_path(kModel)), builtin_description("mobilenetv2-shared"));
}

// The first kSubset posters by movieId, embedded once for the whole test binary.
const std::filesystem::path& subset_features() {
  static std::filesystem::path file;
  if (file.empty()) {
    file = temp_dir("shared-posters") / "subset.mrf";
    PosterFolder folder(shared_path("data/posters"));
    auto all = folder.by_movie_id();
    all.resize(std::min(all.size(), kSubset));
    FeatureExtractor fx = shared_mobilenet();
    embed_posters(all, fx, file, {});
  }
  return file;
}

}  // namespace

TEST(SharedModel, TestPhotosGiveTheirImageNetClasses) {
  MOVIEREC_SKIP_WITHOUT_SHARED(kModel);
  FeatureExtractor fx = shared_mobilenet();
  EXPECT_EQ(detect_architecture(load_network(shared_path(kModel))), "mobilenetv2-shared");
  // Expected classes from shared/models/README.md (indices into the 1001 labels, 0 = background).
  const std::vector<std::pair<std::string, int>> photos = {
      {"cat_720p.jpg", 286}, {"grace_hopper.jpg", 653}, {"hot_dog.jpg", 935}, {"parrot.jpg", 89}};
  std::vector<cv::Mat> images;
  for (const auto& [file, cls] : photos) {
    std::string why;
    images.push_back(decode_image(shared_path("models/testimages/" + file), why));
    ASSERT_FALSE(images.back().empty()) << file << ": " << why;
  }
  // One batch of 4 through the description's preprocessing.
  auto outs = fx.forward_raw(make_blob(images, fx.description()), {"prob", "pool_features"});
  ASSERT_EQ(outs[0].size[0], 4);
  ASSERT_EQ(outs[0].size[1], 1001);
  for (std::size_t k = 0; k < photos.size(); ++k) {
    cv::Mat row(1, 1001, CV_32F, outs[0].ptr<float>() + k * 1001);
    cv::Point best;
    double p;
    cv::minMaxLoc(row, nullptr, &p, nullptr, &best);
    EXPECT_EQ(best.x, photos[k].second) << photos[k].first << " (p = " << p << ")";
  }
  // The features are the 1280-d pool; README: cat vs parrot cosine 0.274.
  cv::Mat f = fx.forward(make_blob(images, fx.description()));
  ASSERT_EQ(f.cols, 1280);
  double cos = f.row(0).dot(f.row(3)) / (cv::norm(f.row(0)) * cv::norm(f.row(3)));
  EXPECT_NEAR(cos, 0.274, 0.01);
}

TEST(SharedPosters, EveryPosterOfTheSubsetIsEmbedded) {
  MOVIEREC_SKIP_WITHOUT_SHARED(kModel);
  MOVIEREC_SKIP_WITHOUT_SHARED("data/posters");
  FeatureSet f = read_features(subset_features());
  EXPECT_EQ(f.size(), kSubset);
  EXPECT_EQ(f.dim, 1280);
  EXPECT_EQ(f.network, "mobilenetv2-shared");
  PosterFolder folder(shared_path("data/posters"));
  auto all = folder.by_movie_id();
  for (std::size_t i = 0; i < kSubset; ++i) EXPECT_EQ(f.movie_ids[i], all[i].movie_id);
  // pool_features come after ReLU6 and averaging: every value in [0, 6].
  for (float v : f.data) {
    ASSERT_GE(v, 0.f);
    ASSERT_LE(v, 6.f);
  }
}

TEST(SharedPosters, PosterGenreAgreementBeatsRandomOnMlLatestSmall) {
  MOVIEREC_SKIP_WITHOUT_SHARED(kModel);
  MOVIEREC_SKIP_WITHOUT_SHARED("data/posters");
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small");
  Dataset ds = load_dataset(shared_path("data/ml-latest-small"));
  auto model = create_model("poster", {{"features", subset_features().string()}});
  FitOptions fo;
  fo.dataset = &ds;
  model->fit(ds.ratings, fo);
  SimilarityReportOptions o;
  o.k = 10;
  auto r = similarity_report(ds, {{"poster", model.get()}}, o);
  std::printf(
      "%zu posters: genre agreement@10 poster %.3f, random %.3f (poster_ref.py on all posters: 0.638 / 0.481)\n",
      r.queries, r.models[0].genre_agreement, r.random.genre_agreement);
  EXPECT_GT(r.queries, kSubset * 9 / 10);
  EXPECT_GT(r.models[0].genre_agreement, r.random.genre_agreement + 0.03);
}
