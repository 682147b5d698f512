// fetch_model against a loopback mirror; the real zoo table's shape.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "movierec/errors.h"
#include "net/digest.h"
#include "net/model_zoo.h"
#include "util/atomic_file.h"

using namespace movierec;
using namespace movierec::net;
using movierec::testing::leftover_temporaries;
using movierec::testing::list_dir;
using movierec::testing::MockServer;

TEST(ModelZoo, TableHasTheThreeModelsWithLfsChecksums) {
  const auto& m = known_models();
  ASSERT_EQ(m.size(), 3u);
  std::regex hex64("[0-9a-f]{64}");
  for (const auto& spec : m) {
    SCOPED_TRACE(spec.name);
    EXPECT_TRUE(std::regex_match(spec.sha256, hex64));
    EXPECT_GT(spec.size, 10'000'000u);
    ASSERT_GE(spec.urls.size(), 2u);
    // The first mirror is the Git LFS object of the pointer the checksum came from.
    EXPECT_EQ(spec.urls[0].rfind("https://media.githubusercontent.com/media/onnx/models/", 0), 0u);
    EXPECT_NE(spec.urls[0].find(spec.file), std::string::npos);
  }
  EXPECT_EQ(find_model("vgg16").file, "vgg16-7.onnx");
  EXPECT_EQ(find_model("resnet50").file, "resnet50-v2-7.onnx");
  EXPECT_EQ(find_model("mobilenetv2").file, "mobilenetv2-7.onnx");
  try {
    find_model("alexnet");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("vgg16, resnet50, mobilenetv2"), std::string::npos) << e.what();
  }
}

namespace {

class FetchModel : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = movierec::testing::temp_dir("fetch-model");
    bytes_ = "ONNX-ish test bytes " + std::string(5000, 'w');
    spec_.name = "tiny";
    spec_.file = "tiny-1.onnx";
    spec_.size = bytes_.size();
    spec_.sha256 = sha256_hex(bytes_);  // sha256_hex is checked on FIPS vectors in http_test
    s_.server().Get("/m/tiny-1.onnx", [&](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.set_content(bytes_, "application/octet-stream");
    });
    s_.server().Get("/wrong/tiny-1.onnx", [&](const httplib::Request&, httplib::Response& res) {
      std::string other = bytes_;
      other[7] = 'X';  // same size, other bytes
      res.set_content(other, "application/octet-stream");
    });
    s_.start();
    spec_.urls = {s_.url() + "/m/tiny-1.onnx"};
  }
  void TearDown() override {
    s_.stop();  // before the members its handlers use go
    std::filesystem::remove_all(cache_);
  }

  FetchModelOptions options() const {
    FetchModelOptions o;
    o.cache = cache_;
    o.progress = false;
    o.http.retries = 1;
    o.http.backoff_s = 0.01;
    return o;
  }

  MockServer s_;
  std::filesystem::path cache_;
  std::string bytes_;
  ModelSpec spec_;
  std::atomic<int> hits_{0};
};

}  // namespace

TEST_F(FetchModel, DownloadsVerifiesAndKeeps) {
  auto r = fetch_model(spec_, options());
  EXPECT_TRUE(r.downloaded);
  EXPECT_EQ(r.file, cache_ / "models" / "tiny-1.onnx");
  EXPECT_EQ(read_file(r.file), bytes_);
  EXPECT_EQ(r.url, s_.url() + "/m/tiny-1.onnx");
  auto again = fetch_model(spec_, options());
  EXPECT_FALSE(again.downloaded);
  EXPECT_EQ(hits_.load(), 1);
  auto o = options();
  o.force = true;
  EXPECT_TRUE(fetch_model(spec_, o).downloaded);
  EXPECT_EQ(hits_.load(), 2);
  EXPECT_TRUE(leftover_temporaries(cache_).empty());
}

TEST_F(FetchModel, FallsBackToTheNextMirror) {
  spec_.urls = {s_.url() + "/absent/tiny-1.onnx", s_.url() + "/wrong/tiny-1.onnx", s_.url() + "/m/tiny-1.onnx"};
  auto r = fetch_model(spec_, options());
  EXPECT_TRUE(r.downloaded);
  EXPECT_EQ(r.url, s_.url() + "/m/tiny-1.onnx");
  ASSERT_EQ(r.tried.size(), 2u);
  EXPECT_NE(r.tried[0].find("HTTP 404"), std::string::npos) << r.tried[0];
  EXPECT_NE(r.tried[1].find("sha256 mismatch"), std::string::npos) << r.tried[1];
}

TEST_F(FetchModel, WrongBytesLeaveNothing) {
  auto o = options();
  o.base_url = s_.url() + "/wrong";  // replaces the mirrors
  try {
    fetch_model(spec_, o);
    FAIL();
  } catch (const IoError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("sha256 mismatch"), std::string::npos) << m;
    EXPECT_NE(m.find(spec_.sha256), std::string::npos) << m;
  }
  EXPECT_TRUE(list_dir(cache_ / "models").empty());
}

TEST_F(FetchModel, BaseUrlFromTheEnvironment) {
  movierec::testing::ScopedEnv env("MOVIEREC_MODEL_URL", s_.url() + "/m");
  spec_.urls = {"http://127.0.0.1:1/never-used"};
  auto r = fetch_model(spec_, options());
  EXPECT_EQ(r.url, s_.url() + "/m/tiny-1.onnx");
}
