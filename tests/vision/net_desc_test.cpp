#include <gtest/gtest.h>

#include <fstream>

#include "../support/shared.h"
#include "movierec/errors.h"
#include "vision/net_desc.h"
#include "vision_fixtures.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

// 2x2 BGR image: (0,0) B10 G20 R30, (0,1) B40 G50 R60, (1,0) black, (1,1) white.
cv::Mat four_pixels() {
  cv::Mat m(2, 2, CV_8UC3);
  m.at<cv::Vec3b>(0, 0) = {10, 20, 30};
  m.at<cv::Vec3b>(0, 1) = {40, 50, 60};
  m.at<cv::Vec3b>(1, 0) = {0, 0, 0};
  m.at<cv::Vec3b>(1, 1) = {255, 255, 255};
  return m;
}

NetDescription four_pixel_desc(bool rgb) {
  NetDescription d;
  d.name = "t";
  d.width = d.height = 2;
  d.scale = 1.0 / 255;
  d.mean = {0.5, 0.25, 0.0};
  d.std = {0.5, 0.25, 2.0};
  d.rgb = rgb;
  d.layers = {"pool"};
  return d;
}

float at(const cv::Mat& blob, int n, int c, int y, int x) {
  const int idx[] = {n, c, y, x};
  return blob.at<float>(idx);
}

}  // namespace

TEST(Preprocess, RgbScaleMeanStdByHand) {
  cv::Mat blob = make_blob({four_pixels()}, four_pixel_desc(true));
  ASSERT_EQ(blob.dims, 4);
  EXPECT_EQ(blob.size[0], 1);
  EXPECT_EQ(blob.size[1], 3);
  // Channel 0 is R: (R/255 - 0.5) / 0.5 -> 30: -0.764706, 60: -0.529412, 0: -1, 255: 1.
  EXPECT_NEAR(at(blob, 0, 0, 0, 0), -0.764706f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 0, 0, 1), -0.529412f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 0, 1, 0), -1.f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 0, 1, 1), 1.f, 1e-5);
  // Channel 1 is G: (G/255 - 0.25) / 0.25 -> 20: -0.686275, 50: -0.215686, 255: 3.
  EXPECT_NEAR(at(blob, 0, 1, 0, 0), -0.686275f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 1, 0, 1), -0.215686f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 1, 1, 1), 3.f, 1e-5);
  // Channel 2 is B: (B/255 - 0) / 2 -> 10: 0.019608, 40: 0.078431, 255: 0.5.
  EXPECT_NEAR(at(blob, 0, 2, 0, 0), 0.019608f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 2, 0, 1), 0.078431f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 2, 1, 1), 0.5f, 1e-5);
}

TEST(Preprocess, BgrKeepsChannelOrder) {
  cv::Mat blob = make_blob({four_pixels()}, four_pixel_desc(false));
  // Channel 0 is B now: (10/255 - 0.5) / 0.5 = -0.921569; channel 2 is R: (30/255 - 0) / 2 = 0.058824.
  EXPECT_NEAR(at(blob, 0, 0, 0, 0), -0.921569f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 1, 0, 0), -0.686275f, 1e-5);
  EXPECT_NEAR(at(blob, 0, 2, 0, 0), 0.058824f, 1e-5);
}

TEST(Preprocess, SharedMobileNetFormula) {
  // x = pixel / 127.5 - 1: 0 -> -1, 255 -> 1, 51 -> -0.6.
  NetDescription d = builtin_description("mobilenetv2-shared");
  d.width = d.height = 2;
  cv::Mat m(2, 2, CV_8UC3, cv::Scalar(0, 51, 255));  // B 0, G 51, R 255
  cv::Mat blob = make_blob({m}, d);
  EXPECT_NEAR(at(blob, 0, 0, 1, 1), 1.f, 1e-6);    // R
  EXPECT_NEAR(at(blob, 0, 1, 1, 1), -0.6f, 1e-6);  // G
  EXPECT_NEAR(at(blob, 0, 2, 1, 1), -1.f, 1e-6);   // B
}

TEST(Preprocess, CropKeepsTheCentre) {
  // A 4x2 image whose columns are 0, 100, 200, 250 (grey). crop=true to 2x2:
  // OpenCV scales by max(2/4, 2/2) = 1 and cuts columns 1..2 -> 100, 200.
  cv::Mat m(2, 4, CV_8UC3);
  const int cols[] = {0, 100, 200, 250};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(cols[x], cols[x], cols[x]);
  NetDescription d;
  d.name = "t";
  d.width = d.height = 2;
  d.fit = "crop";
  d.layers = {"pool"};
  cv::Mat blob = make_blob({m}, d);
  EXPECT_FLOAT_EQ(at(blob, 0, 0, 0, 0), 100.f);
  EXPECT_FLOAT_EQ(at(blob, 0, 0, 1, 1), 200.f);
  // resize_shorter 2 on a 6x2 image (factor 1), centre 2x2 = columns 2..3.
  cv::Mat w(2, 6, CV_8UC3);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 6; ++x) w.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 10, x * 10, x * 10);
  d.resize_shorter = 2;
  blob = make_blob({w}, d);
  EXPECT_FLOAT_EQ(at(blob, 0, 0, 0, 0), 20.f);
  EXPECT_FLOAT_EQ(at(blob, 0, 0, 0, 1), 30.f);
  // fit "resize" squashes instead: a 4x2 -> 2x2 keeps the outer columns' average.
  d.fit = "resize";
  d.resize_shorter = 0;
  blob = make_blob({m}, d);
  EXPECT_LT(at(blob, 0, 0, 0, 0), 100.f);
}

TEST(Preprocess, GreyAndAlphaImagesBecomeThreeChannels) {
  NetDescription d = four_pixel_desc(true);
  cv::Mat grey(2, 2, CV_8UC1, cv::Scalar(255));
  cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(255, 255, 255, 7));
  cv::Mat blob = make_blob({grey, bgra}, d);
  EXPECT_EQ(blob.size[0], 2);
  EXPECT_NEAR(at(blob, 0, 1, 0, 0), 3.f, 1e-5);  // (1 - 0.25) / 0.25
  EXPECT_NEAR(at(blob, 1, 2, 1, 1), 0.5f, 1e-5);
}

TEST(TinyNet, KnownOutputsThroughFeatureExtractor) {
  // Through the tiny net: out0 = mean over pixels of channel 0
  //   = (-0.764706 - 0.529412 - 1 + 1) / 4 = -0.323529;
  // out1 = mean of (c0 + c1 + c2) + 0.5
  //   = ((-1.431373) + (-0.666667) + (-2) + 4.5) / 4 + 0.5 = 0.600490.
  FeatureExtractor fx(tiny_net(), four_pixel_desc(true));
  cv::Mat f = fx.forward(make_blob({four_pixels(), four_pixels()}, fx.description()));
  ASSERT_EQ(f.rows, 2);
  ASSERT_EQ(f.cols, 2);
  EXPECT_NEAR(f.at<float>(0, 0), -0.323529f, 1e-5);
  EXPECT_NEAR(f.at<float>(0, 1), 0.600490f, 1e-5);
  EXPECT_NEAR(f.at<float>(1, 1), 0.600490f, 1e-5);
  EXPECT_EQ(fx.dim(), 2);
}

TEST(TinyNet, FlattenPoolAndConcatenateLayers) {
  NetDescription d = four_pixel_desc(true);
  d.layers = {"conv"};  // (1, 2, 2, 2) flattened NCHW: out0 at 4 pixels, then out1
  FeatureExtractor flat(tiny_net(), d);
  cv::Mat f = flat.forward(make_blob({four_pixels()}, d));
  ASSERT_EQ(f.cols, 8);
  EXPECT_NEAR(f.at<float>(0, 0), -0.764706f, 1e-5);
  EXPECT_NEAR(f.at<float>(0, 4), -1.431373f + 0.5f, 1e-5);  // c0 + c1 + c2 + 0.5 at pixel (0,0)
  d.pool = "max";                                           // max over pixels: out0 = 1, out1 = 4.5 + 0.5 = 5
  FeatureExtractor mx(tiny_net(), d);
  f = mx.forward(make_blob({four_pixels()}, d));
  ASSERT_EQ(f.cols, 2);
  EXPECT_NEAR(f.at<float>(0, 0), 1.f, 1e-5);
  EXPECT_NEAR(f.at<float>(0, 1), 5.f, 1e-5);
  d.pool = "avg";
  d.layers = {"pool", "conv"};  // 2 + 2 (avg-pooled conv equals pool)
  FeatureExtractor both(tiny_net(), d);
  f = both.forward(make_blob({four_pixels()}, d));
  ASSERT_EQ(f.cols, 4);
  EXPECT_NEAR(f.at<float>(0, 2), f.at<float>(0, 0), 1e-6);
  EXPECT_NEAR(f.at<float>(0, 3), 0.600490f, 1e-5);
}

TEST(TinyNet, MissingLayerIsAConfigErrorListingOutputs) {
  NetDescription d = four_pixel_desc(true);
  d.layers = {"fc7"};
  try {
    FeatureExtractor fx(tiny_net(), d);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("no layer 'fc7'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pool"), std::string::npos) << e.what();
  }
}

TEST(Description, JsonRoundTripAndDefaults) {
  NetDescription d = parse_description(R"({"name": "vgg-keras", "input_size": [224, 224], "scale": 1,
      "mean": [103.939, 116.779, 123.68], "channels": "BGR", "fit": "crop", "layers": ["block5_pool"],
      "pool": "none"})",
                                       "x.json");
  EXPECT_EQ(d.name, "vgg-keras");
  EXPECT_FALSE(d.rgb);
  EXPECT_DOUBLE_EQ(d.mean[2], 123.68);
  EXPECT_DOUBLE_EQ(d.std[0], 1.0);
  EXPECT_EQ(d.layers, std::vector<std::string>{"block5_pool"});
  NetDescription back = parse_description(description_to_json(d), "again");
  EXPECT_EQ(back.fit, "crop");
  EXPECT_DOUBLE_EQ(back.mean[0], 103.939);
  EXPECT_EQ(parse_description(R"({"name": "n", "layer": "x", "input_size": 32})", "y").width, 32);
}

TEST(Description, BadFieldsAreConfigErrorsNamingTheField) {
  auto message = [](const std::string& json) {
    try {
      parse_description(json, "net.json");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"name": "n", "layers": ["x"], "colour": "RGB"})").find("unknown field 'colour'"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "n", "layers": ["x"], "scale": 0})").find("field 'scale'"), std::string::npos);
  EXPECT_NE(message(R"({"name": "n", "layers": ["x"], "std": [1, 0, 1]})").find("field 'std'"), std::string::npos);
  EXPECT_NE(message(R"({"name": "n", "layers": ["x"], "channels": "RGBA"})").find("field 'channels'"),
            std::string::npos);
  EXPECT_NE(message(R"({"name": "n"})").find("field 'layers'"), std::string::npos);
  EXPECT_NE(message(R"({"name": "n", "layers": ["x"], "mean": "zero"})").find("net.json"), std::string::npos);
  EXPECT_NE(message("{nope").find("not valid JSON"), std::string::npos);
}

TEST(Description, BuiltinsAreValidAndUnknownIsListed) {
  for (const auto& a : builtin_architectures()) {
    SCOPED_TRACE(a);
    NetDescription d = builtin_description(a);
    EXPECT_NO_THROW(validate(d, a));
  }
  EXPECT_EQ(builtin_description("vgg16").layers.front(), "vgg0_pool4_fwd");
  EXPECT_EQ(builtin_description("mobilenetv2-shared").layers.front(), "pool_features");
  try {
    builtin_description("alexnet");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("resnet50"), std::string::npos);
  }
}

TEST(Network, MissingAndBrokenFiles) {
  auto dir = temp_dir("netfile");
  EXPECT_THROW(load_network(dir / "absent.onnx"), IoError);
  std::ofstream(dir / "bad.onnx") << "not a protobuf";
  EXPECT_THROW(load_network(dir / "bad.onnx"), DataError);
  std::filesystem::remove_all(dir);
}
