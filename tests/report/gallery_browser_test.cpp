// Opens a gallery page in headless Chromium: every embedded image must decode
// (the page's script counts them into <body data-images-loaded>), and a
// screenshot is saved for a person to look at.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <sstream>

#include "../support/shared.h"
#include "../vision/vision_fixtures.h"
#include "report/gallery.h"
#include "util/atomic_file.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

const char* kChromium = "/usr/bin/chromium";

std::string chromium_flags(const std::filesystem::path& profile) {
  return std::string(kChromium) +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --disable-dev-shm-usage --user-data-dir=" +
         profile.string();
}

int run(const std::string& cmd, std::string* out) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    if (out) out->append(buf, n);
  return ::pclose(p);
}

// A poster-like picture: a gradient, a band and a circle in the movie's colour.
cv::Mat fake_poster(int seed) {
  cv::Mat m(278, 185, CV_8UC3);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x)
      m.at<cv::Vec3b>(y, x) = cv::Vec3b((seed * 53 + y) % 256, (seed * 97 + x) % 256, (seed * 31 + y / 2) % 256);
  cv::rectangle(m, {0, 200}, {185, 240}, cv::Scalar(20, 20, 20), cv::FILLED);
  cv::circle(m, {92, 100}, 45, cv::Scalar(255 - seed * 40 % 256, 200, seed * 70 % 256), cv::FILLED);
  return m;
}

}  // namespace

TEST(GalleryBrowser, ChromiumLoadsEveryImage) {
  if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << "skipped: " << kChromium << " is absent";
  auto dir = temp_dir("gallerybrowser");
  std::vector<std::string> titles = {"Heat (1995)",    "Toy Story (1995)", "Se7en (1995)",           "Casino (1995)",
                                     "Twister (1996)", "Fargo (1996)",     "Tom & Jerry <3> (1992)", "Jumanji (1995)"};
  Dataset ds = make_dataset(1, titles, {}, {});
  for (int i = 0; i < 8; ++i)
    if (i != 5) write_image(dir / (std::to_string(10 * (i + 1)) + ".jpg"), fake_poster(i));  // Fargo has none
  PosterFolder posters(dir);
  std::vector<GalleryQuery> q = {
      {0,
       {{"item-knn", {{3, 0.91f}, {2, 0.88f}, {5, 0.80f}, {6, 0.7f}}, ""},
        {"poster", {{4, 0.95f}, {7, 0.93f}, {1, 0.9f}, {2, 0.89f}}, ""}}},
      {1, {{"item-knn", {{7, 0.9f}, {6, 0.85f}, {4, 0.8f}, {0, 0.75f}}, ""}, {"poster", {}, "no poster"}}}};
  GalleryOptions go;
  go.title = "movierec gallery (browser test)";
  write_gallery_html(dir / "gallery.html", ds, posters, q, go);
  const std::string page = read_file(dir / "gallery.html");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page, m, std::regex("data-images=\"(\\d+)\"")));
  const int expected = std::stoi(m[1]);
  EXPECT_EQ(expected, 13);  // 2 queries + 12 neighbours shown, one of them Fargo's title card

  std::string dom;
  const std::string url = "file://" + (dir / "gallery.html").string();
  int rc =
      run(chromium_flags(dir / "profile1") + " --virtual-time-budget=5000 --dump-dom '" + url + "' 2>/dev/null", &dom);
  ASSERT_EQ(rc, 0) << "chromium --dump-dom failed";
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("data-images-loaded=\"(\\d+)\""))) << dom.substr(0, 400);
  EXPECT_EQ(std::stoi(m[1]), expected);
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("data-images-broken=\"(\\d+)\"")));
  EXPECT_EQ(std::stoi(m[1]), 0);

  // Screenshot for eyes: build/gallery_browser_test.png (or the temp folder).
  auto shot = std::filesystem::path(MOVIEREC_BINARY).parent_path() / "gallery_browser_test.png";
  rc = run(chromium_flags(dir / "profile2") +
               " --hide-scrollbars --window-size=1200,900 --screenshot=" + shot.string() + " '" + url + "' 2>/dev/null",
           nullptr);
  EXPECT_EQ(rc, 0);
  ASSERT_TRUE(std::filesystem::exists(shot));
  EXPECT_GT(std::filesystem::file_size(shot), 20000u);  // a rendered page, not a blank one
  cv::Mat png = cv::imread(shot.string());
  ASSERT_FALSE(png.empty());
  EXPECT_EQ(png.cols, 1200);
  std::printf("screenshot: %s\n", shot.string().c_str());
  std::filesystem::remove_all(dir);
}
