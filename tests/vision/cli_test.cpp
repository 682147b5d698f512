// The poster commands end to end through the movierec binary: exit codes,
// output files, JSON shapes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "../support/process.h"
#include "../support/shared.h"
#include "util/atomic_file.h"
#include "vision/feature_file.h"
#include "vision_fixtures.h"

using namespace movierec;
using namespace movierec::testing;

namespace {

struct Result {
  int code;
  std::string out;
};

// stdout and stderr together.
Result run(const std::string& args) {
  auto r = run_command(std::string(MOVIEREC_BINARY) + " " + args);
  return {r.exit_code, r.output};
}

// cli-tiny's movies 1, 2, 6, 10, 32, 50: posters and hand-made features for all but 50.
// Features put 1 and 2 together (children's films) and 6, 10, 32 together.
std::filesystem::path setup(const std::filesystem::path& dir) {
  const std::vector<std::int64_t> ids = {1, 2, 6, 10, 32};
  const std::vector<std::vector<float>> v = {
      {1, 0.1f, 0}, {0.9f, 0.2f, 0}, {0, 1, 0.1f}, {0.1f, 0.9f, 0.2f}, {0, 0.8f, 0.5f}};
  FeatureSet f;
  f.network = "hand";
  f.layer = "none";
  f.dim = 3;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    f.movie_ids.push_back(ids[k]);
    f.data.insert(f.data.end(), v[k].begin(), v[k].end());
    write_image(dir / (std::to_string(ids[k]) + ".jpg"), solid(60, 90, 40 * k, 200 - 30 * k, 90));
  }
  write_features(dir / "f.mrf", f, FeatureDtype::kFloat32);
  return dir / "f.mrf";
}

std::string tiny() { return std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/cli-tiny"; }

}  // namespace

TEST(PosterCli, HelpOfEveryCommand) {
  for (const char* c : {"posters embed", "gallery", "similarity-report"}) {
    auto r = run(std::string(c) + " --help");
    EXPECT_EQ(r.code, 0) << c << ": " << r.out;
    EXPECT_NE(r.out.find("--"), std::string::npos);
  }
}

TEST(PosterCli, GalleryAndReportWithAFeatureFile) {
  auto dir = temp_dir("postercli");
  auto features = setup(dir);
  auto r = run("gallery --data " + tiny() + " --posters " + dir.string() + " --models poster,popularity --features " +
               features.string() + " --movies 'toy story' 'Heat (1995)' -k 2 --out " + (dir / "g.html").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string html = read_file(dir / "g.html");
  EXPECT_NE(html.find(">Jumanji<"), std::string::npos);           // Toy Story's visual neighbour
  EXPECT_NE(html.find("no item similarity"), std::string::npos);  // popularity's row
  EXPECT_NE(html.find("data:image/jpeg;base64,"), std::string::npos);

  r = run("similarity-report --json --data " + tiny() + " --models poster --features " + features.string() + " -k 1");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  // Queries: the 5 movies with features. Neighbours: 1<->2 share Adventure|Children|Fantasy;
  // 6 -> 10 (Action|Thriller), 10 -> 6, 32 -> 10 (Thriller): all agree -> 1.
  EXPECT_EQ(j["queries"], 5);
  EXPECT_DOUBLE_EQ(j["models"]["poster"]["genre_agreement"].get<double>(), 1.0);
  EXPECT_TRUE(j.contains("random"));

  // Bad input: unknown movie, --param for a model not in --models, unknown model.
  EXPECT_EQ(run("gallery --data " + tiny() + " --posters " + dir.string() + " --models poster --features " +
                features.string() + " --movies 'No Such Film'")
                .code,
            2);
  EXPECT_EQ(run("similarity-report --data " + tiny() + " --models poster --param svd.factors=3").code, 2);
  EXPECT_EQ(run("similarity-report --data " + tiny() + " --models nope").code, 2);
  std::filesystem::remove_all(dir);
}

TEST(PosterCli, EmbedWithTheSharedModel) {
  MOVIEREC_SKIP_WITHOUT_SHARED("models/mobilenet_v2_1.0_224.onnx");
  auto dir = temp_dir("postercliembed");
  for (int m : {1, 2, 6})
    write_image(dir / (m == 6 ? std::string("tt0113277.png") : std::to_string(m) + ".jpg"),
                solid(50, 75, 20 * m, 90, 160));
  std::ofstream(dir / "10.jpg") << "broken";
  const std::string base = "posters embed --quiet --posters " + dir.string() + " --net " +
                           shared_path("models/mobilenet_v2_1.0_224.onnx").string() + " --out " +
                           (dir / "f.mrf").string();
  // Without --data only <movieId>.jpg names count; tt0113277 (Heat) needs the links.
  auto r = run(base + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["network"], "mobilenetv2-shared");
  EXPECT_EQ(j["embedded"], 2);
  EXPECT_EQ(j["dim"], 1280);
  ASSERT_EQ(j["failures"].size(), 1u);
  EXPECT_NE(j["failures"][0]["file"].get<std::string>().find("10.jpg"), std::string::npos);
  r = run(base + " --json --float16 --data " + tiny());
  ASSERT_EQ(r.code, 0) << r.out;
  j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["kept"], 2);
  EXPECT_EQ(j["embedded"], 1);  // Heat, through links.csv
  EXPECT_EQ(read_features(dir / "f.mrf").dtype, FeatureDtype::kFloat16);
  // A network that is not there, or an architecture that does not exist.
  // A missing network file is bad input (issue 11: exit codes follow the cause).
  EXPECT_EQ(
      run("posters embed --posters " + dir.string() + " --net " + (dir / "none.onnx").string() + " --out x.mrf").code,
      2);
  EXPECT_EQ(run(base + " --arch alexnet").code, 2);
  std::filesystem::remove_all(dir);
}
