// Issue 11: hostile feature files, network descriptions and poster images.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <opencv2/imgcodecs.hpp>

#include "../support/shared.h"
#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "util/binary_io.h"
#include "vision/embed.h"
#include "vision/feature_file.h"
#include "vision/image_codec.h"
#include "vision/net_desc.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

FeatureSet pca_set() {
  FeatureSet f;
  f.network = "n";
  f.layer = "l";
  f.dim = 2;
  f.movie_ids = {1, 2};
  f.data = {1, 2, 3, 4};
  f.raw_dim = 3;
  f.pca_mean = {0.5f, 0.25f, 0.125f};
  f.pca_components = {1, 0, 0, 0, 1, 0};
  return f;
}

// Expects parse_features to refuse bytes with a DataError holding `problem`.
void expect_refused(const std::string& bytes, const std::string& problem) {
  try {
    parse_features(bytes, "feature file x.mrf");
    ADD_FAILURE() << "accepted; expected " << problem;
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x.mrf"), std::string::npos) << e.what();
  }
}

// Bytes of a feature file with the float at `offset` replaced and the CRC recomputed.
std::string with_float(std::string bytes, std::size_t offset, float v) {
  std::memcpy(bytes.data() + offset, &v, 4);
  const std::uint32_t crc = crc32_of(std::string_view(bytes).substr(0, bytes.size() - 4));
  std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  return bytes;
}

}  // namespace

TEST(Issue11FeatureFile, NonFinitePcaMeanOrComponentsAreRefused) {
  auto dir = temp_dir("issue11-pca");
  write_features(dir / "f.mrf", pca_set(), FeatureDtype::kFloat32);
  const std::string bytes = read_file(dir / "f.mrf");
  ASSERT_EQ(parse_features(bytes, "x").pca_mean.size(), 3u);
  // The PCA block sits before the 2 x 2 float32 vectors (16 bytes) and the CRC:
  // mean (3 floats) then components (6 floats).
  const std::size_t components = bytes.size() - 4 - 16 - 6 * 4, mean = components - 3 * 4;
  expect_refused(with_float(bytes, mean + 4, std::numeric_limits<float>::quiet_NaN()),
                 "PCA mean: non-finite value at index 1");
  expect_refused(with_float(bytes, components + 5 * 4, -std::numeric_limits<float>::infinity()),
                 "PCA components: non-finite value at index 5");
  std::filesystem::remove_all(dir);
}

TEST(Issue11FeatureFile, ZeroVectorsRoundTrip) {
  // No vectors: the reader's memcpy had a null destination (UBSan).
  FeatureSet f;
  f.network = "n";
  f.layer = "l";
  f.dim = 4;
  auto dir = temp_dir("issue11-empty");
  write_features(dir / "e.mrf", f, FeatureDtype::kFloat32);
  FeatureSet back = read_features(dir / "e.mrf");
  EXPECT_EQ(back.size(), 0u);
  EXPECT_EQ(back.dim, 4);
  std::filesystem::remove_all(dir);
}

TEST(Issue11FeatureFile, HugeDimensionsAreRefusedBeforeAllocating) {
  auto dir = temp_dir("issue11-dim");
  FeatureSet f = pca_set();
  f.raw_dim = 0;
  f.pca_mean.clear();
  f.pca_components.clear();
  write_features(dir / "f.mrf", f, FeatureDtype::kFloat32);
  std::string bytes = read_file(dir / "f.mrf");
  // Layout: magic 8, version 4, string "n" (8 + 1), string "l" (8 + 1), u32 dim at 30.
  auto patched = [&](std::size_t at, std::uint32_t v) {
    std::string b = bytes;
    std::memcpy(b.data() + at, &v, 4);
    const std::uint32_t crc = crc32_of(std::string_view(b).substr(0, b.size() - 4));
    std::memcpy(b.data() + b.size() - 4, &crc, 4);
    return b;
  };
  expect_refused(patched(30, 0x80000000u), "dim 2147483648");
  expect_refused(patched(30, 0), "dim 0");
  // raw_dim follows dtype (4) and the ids (8 + 2 x 8): at 30 + 4 + 4 + 24 = 62.
  expect_refused(patched(62, 0xffffffffu), "raw_dim 4294967295");
  std::filesystem::remove_all(dir);
}

TEST(Issue11NetDescription, IntegersAreCheckedBeforeNarrowing) {
  auto refused = [](const std::string& json, const std::string& problem) {
    try {
      parse_description(json, "d.json");
      ADD_FAILURE() << "accepted " << json;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    }
  };
  // get<int>() of 1e300 is undefined behaviour; 4294967520 = 2^32 + 224 wrapped to 224.
  refused(R"({"name":"x","input_size":[1e300,1],"layers":"a"})", "field 'input_size': expected an integer, got 1e+300");
  refused(R"({"name":"x","input_size":4294967520,"layers":"a"})", "field 'input_size': 4294967520 is out of range");
  refused(R"({"name":"x","input_size":[224.5,224],"layers":"a"})", "expected an integer");
  refused(R"({"name":"x","input_size":[224,-9223372036854775808],"layers":"a"})", "out of range");
  refused(R"({"name":"x","fit":"crop","resize_shorter":18446744073709551615,"layers":"a"})",
          "field 'resize_shorter': 18446744073709551615 is out of range");
  EXPECT_EQ(parse_description(R"({"name":"x","input_size":[320,240],"layers":"a"})", "d.json").width, 320);
}

TEST(Issue11Images, AHugeDeclaredSizeIsRefusedFromTheHeader) {
  // A PNG header declaring 30000 x 30000 (900 megapixels, 2.7 GB decoded).
  using namespace std::literals;
  const auto png =
      "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x75\x30\0\0\x75\x30\x08\x02\0\0\0\0\0\0\0\0\0\0\0IEND\xae\x42\x60\x82"sv;
  const std::span bytes(reinterpret_cast<const std::uint8_t*>(png.data()), png.size());
  EXPECT_EQ(image_precheck(bytes), "image of 30000x30000 pixels, above the limit of 100000000 (max_pixels)");
  EXPECT_EQ(image_precheck(bytes, std::int64_t(1) << 40), "");
}

TEST(Issue11Images, OversizedAndCutPostersAreSkippedWithAReason) {
  auto dir = temp_dir("issue11-images");
  cv::Mat img(120, 90, CV_8UC3, cv::Scalar(10, 200, 30));
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));  // noise: the JPEG is big enough to cut
  ASSERT_TRUE(cv::imwrite((dir / "big.png").string(), img));
  std::string why;
  // 90 x 120 = 10800 pixels: refused under a cap of 10000, decoded under the default.
  EXPECT_TRUE(decode_image(dir / "big.png", why, 10000).empty());
  EXPECT_NE(why.find("image of 90x120 pixels, above the limit of 10000"), std::string::npos) << why;
  why.clear();
  EXPECT_FALSE(decode_image(dir / "big.png", why).empty()) << why;
  // A JPEG cut in half decodes in OpenCV (grey padding): refused by its missing end marker.
  std::vector<uchar> jpg;
  ASSERT_TRUE(cv::imencode(".jpg", img, jpg));
  write_file_atomically(dir / "cut.jpg", std::string_view(reinterpret_cast<const char*>(jpg.data()), jpg.size() / 2));
  why.clear();
  EXPECT_TRUE(decode_image(dir / "cut.jpg", why).empty());
  EXPECT_EQ(why, "JPEG without its end marker (truncated)");
  std::filesystem::remove_all(dir);
}
