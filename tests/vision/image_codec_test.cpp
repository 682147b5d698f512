// The JPEG/PNG/WebP codec against OpenCV's imgcodecs as an independent
// reference: files written by OpenCV must decode to the very pixels OpenCV
// decodes (both sit on libjpeg-turbo, libpng and libwebp with the same
// settings), header sizes must match, and our JPEGs must decode in OpenCV.
#include "vision/image_codec.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>

namespace movierec {
namespace {

// A w x h image with smooth gradients and noise: something a codec must work on.
cv::Mat pattern(int w, int h, int type = CV_8UC3, unsigned seed = 1) {
  cv::Mat m(h, w, type);
  std::mt19937 rng(seed);
  cv::randu(m, 0, type == CV_16UC3 || type == CV_16UC1 ? 65535 : 255);
  cv::Mat grad(h, w, type);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double v = (x * 3 + y * 5) % 256;
      if (type == CV_8UC3) grad.at<cv::Vec3b>(y, x) = cv::Vec3b(v, 255 - v, (v * 7) / 8);
      if (type == CV_8UC1) grad.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(v);
      if (type == CV_8UC4) grad.at<cv::Vec4b>(y, x) = cv::Vec4b(v, 255 - v, v / 2, 255 - v / 3);
      if (type == CV_16UC3) grad.at<cv::Vec3w>(y, x) = cv::Vec3w(v * 257, 65535 - v * 200, v * 100 + 3);
    }
  cv::addWeighted(m, 0.2, grad, 0.8, 0, m);
  return m;
}

std::vector<std::uint8_t> encode_cv(const std::string& ext, const cv::Mat& m, std::vector<int> params = {}) {
  std::vector<std::uint8_t> out;
  if (!cv::imencode(ext, m, out, params)) throw std::runtime_error("OpenCV cannot encode " + ext);
  return out;
}

// Decodes with both and asserts identical BGR pixels.
void expect_same_as_opencv(const std::vector<std::uint8_t>& bytes, const char* what) {
  SCOPED_TRACE(what);
  std::string why;
  const Image ours = decode_image_bytes(bytes, why);
  ASSERT_FALSE(ours.empty()) << why;
  const cv::Mat ref = cv::imdecode(bytes, cv::IMREAD_COLOR);
  ASSERT_FALSE(ref.empty());
  ASSERT_EQ(ours.width, ref.cols);
  ASSERT_EQ(ours.height, ref.rows);
  ASSERT_TRUE(ref.isContinuous());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < ours.bgr.size(); ++i) differ += ours.bgr[i] != ref.data[i];
  EXPECT_EQ(differ, 0u);
  const auto size = image_size(bytes);
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->width, ref.cols);
  EXPECT_EQ(size->height, ref.rows);
}

TEST(ImageCodec, DecodesWhatOpenCvDecodesPixelForPixel) {
  expect_same_as_opencv(encode_cv(".jpg", pattern(37, 23), {cv::IMWRITE_JPEG_QUALITY, 90}), "colour JPEG");
  expect_same_as_opencv(encode_cv(".jpg", pattern(64, 48), {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), "progressive JPEG");
  expect_same_as_opencv(encode_cv(".jpg", pattern(31, 17, CV_8UC1)), "grey JPEG");
  expect_same_as_opencv(encode_cv(".png", pattern(33, 21)), "colour PNG");
  expect_same_as_opencv(encode_cv(".png", pattern(19, 11, CV_8UC1)), "grey PNG");
  expect_same_as_opencv(encode_cv(".png", pattern(21, 13, CV_8UC4)), "PNG with alpha");
  expect_same_as_opencv(encode_cv(".png", pattern(17, 9, CV_16UC3)), "16-bit PNG");
  expect_same_as_opencv(encode_cv(".webp", pattern(29, 15), {cv::IMWRITE_WEBP_QUALITY, 101}), "lossless WebP");
  expect_same_as_opencv(encode_cv(".webp", pattern(40, 30), {cv::IMWRITE_WEBP_QUALITY, 80}), "lossy WebP");
}

TEST(ImageCodec, LosslessFormatsGiveBackTheExactPixels) {
  const cv::Mat m = pattern(27, 14);
  for (const char* ext : {".png", ".webp"}) {
    std::string why;
    const Image img = decode_image_bytes(encode_cv(ext, m, {cv::IMWRITE_WEBP_QUALITY, 101}), why);
    ASSERT_EQ(img.width, 27);
    ASSERT_EQ(img.height, 14);
    EXPECT_EQ(0, std::memcmp(img.bgr.data(), m.data, img.bgr.size())) << ext;
  }
}

TEST(ImageCodec, EncodedJpegDecodesInOpenCvCloseToTheOriginal) {
  const cv::Mat m = pattern(50, 30);
  Image img{50, 30, std::vector<std::uint8_t>(m.data, m.data + m.total() * 3)};
  const auto jpg = encode_jpeg(img, 95);
  ASSERT_FALSE(jpg.empty());
  EXPECT_EQ(image_format(jpg), ImageFormat::kJpeg);
  const cv::Mat back = cv::imdecode(jpg, cv::IMREAD_COLOR);
  ASSERT_EQ(back.cols, 50);
  ASSERT_EQ(back.rows, 30);
  // OpenCV's encoder at the same quality (the same libjpeg defaults) is the
  // yardstick: a channel mixup or row shift would score far below it.
  const cv::Mat ref = cv::imdecode(encode_cv(".jpg", m, {cv::IMWRITE_JPEG_QUALITY, 95}), cv::IMREAD_COLOR);
  EXPECT_NEAR(cv::PSNR(back, m), cv::PSNR(ref, m), 0.5);
  EXPECT_GT(cv::PSNR(back, ref), 40.0);
  EXPECT_LT(encode_jpeg(img, 20).size(), jpg.size());  // quality is passed through
  EXPECT_TRUE(encode_jpeg(Image{}, 90).empty());
}

TEST(ImageCodec, ReadsSizeFromTheHeaderAlone) {
  auto jpg = encode_cv(".jpg", pattern(300, 7));
  auto png = encode_cv(".png", pattern(5, 400));
  // The pixels are cut away: only the header is left.
  EXPECT_EQ(image_size(std::span(jpg).first(200))->width, 300);
  EXPECT_EQ(image_size(std::span(png).first(24))->height, 400);
  const std::vector<std::uint8_t> junk = {'<', 'h', 't', 'm', 'l', '>'};
  EXPECT_FALSE(image_size(junk).has_value());
  EXPECT_FALSE(image_size(std::span(png).first(20)).has_value());
}

TEST(ImageCodec, BadBytesGiveAReasonNotAnException) {
  std::string why;
  EXPECT_TRUE(decode_image_bytes(std::vector<std::uint8_t>{}, why).empty());
  EXPECT_EQ(why, "file is empty");
  const std::vector<std::uint8_t> html = {'<', 'h', 't', 'm', 'l', '>'};
  EXPECT_TRUE(decode_image_bytes(html, why).empty());
  EXPECT_EQ(why, "not a JPEG, PNG or WebP file");
  auto png = encode_cv(".png", pattern(40, 40));
  png.resize(png.size() / 2);
  EXPECT_TRUE(decode_image_bytes(png, why).empty());
  EXPECT_NE(why.find("PNG decoder"), std::string::npos) << why;
  auto jpg = encode_cv(".jpg", pattern(40, 40));
  jpg.resize(40);  // the header is cut: no frame to decode
  EXPECT_TRUE(decode_image_bytes(jpg, why).empty());
  EXPECT_NE(why.find("JPEG decoder"), std::string::npos) << why;
  auto webp = encode_cv(".webp", pattern(40, 40));
  webp.resize(webp.size() / 2);
  EXPECT_TRUE(decode_image_bytes(webp, why).empty());
  EXPECT_NE(why.find("WebP decoder"), std::string::npos) << why;
}

}  // namespace
}  // namespace movierec
