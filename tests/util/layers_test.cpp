// Layers point down (STYLE.md §1, §6; issue 12): no file of a layer includes
// a header of a layer above it or beside it. Checked on the sources, so a new
// include that crosses a line fails here with the file and line named.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace {

struct Rule {
  std::vector<std::string> forbidden;  // include prefixes ("eval/", "movierec/recommender.h")
  std::vector<std::string> allowed;    // exceptions, whole include paths
};

// By src/ folder. cli and serve sit on top and may include anything.
const std::map<std::string, Rule> kRules = {
    {"util",
     {{"data/", "split/", "models/", "eval/", "net/", "vision/", "tmdb/", "report/", "cli/", "movierec/recommender.h",
       "movierec/registry.h", "movierec/dataset.h", "movierec/metrics.h", "movierec/split.h",
       "movierec/rating_matrix.h"},
      {}}},
    {"data",
     {{"split/", "models/", "eval/", "net/", "vision/", "tmdb/", "report/", "cli/", "movierec/registry.h",
       "movierec/metrics.h"},
      {}}},
    {"split",
     {{"models/", "eval/", "net/", "vision/", "tmdb/", "report/", "cli/", "movierec/registry.h", "movierec/metrics.h"},
      {}}},
    // The poster model reads feature files (a core file that lives in vision/).
    {"models",
     {{"eval/", "net/", "vision/", "tmdb/", "report/", "cli/", "movierec/metrics.h"}, {"vision/feature_file.h"}}},
    {"eval", {{"net/", "vision/", "tmdb/", "report/", "cli/"}, {}}},
    {"vision",
     {{"models/", "eval/", "net/", "tmdb/", "report/", "cli/", "movierec/recommender.h", "movierec/registry.h",
       "movierec/metrics.h"},
      {}}},
    {"net",
     {{"models/", "eval/", "vision/", "tmdb/", "report/", "cli/", "movierec/recommender.h", "movierec/registry.h",
       "movierec/metrics.h"},
      {}}},
    {"tmdb",
     {{"models/", "eval/", "vision/embed.h", "report/", "cli/", "movierec/recommender.h", "movierec/registry.h",
       "movierec/metrics.h"},
      {}}},
    {"report", {{"cli/", "net/", "tmdb/"}, {}}},
};

}  // namespace

TEST(Layers, NoIncludePointsUp) {
  const std::filesystem::path root(MOVIEREC_SOURCE_DIR);
  const std::regex include_re(R"(^\s*#\s*include\s+"([^"]+)\")");
  int checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / "src")) {
    if (!e.is_regular_file()) continue;
    const auto rel = std::filesystem::relative(e.path(), root / "src");
    const std::string folder = rel.begin()->string();
    auto rule = kRules.find(folder);
    if (rule == kRules.end()) continue;
    std::ifstream in(e.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      if (!std::regex_search(line, m, include_re)) continue;
      ++checked;
      const std::string inc = m[1].str();
      bool allowed = false;
      for (const auto& a : rule->second.allowed) allowed = allowed || inc == a;
      if (allowed) continue;
      for (const auto& f : rule->second.forbidden)
        EXPECT_FALSE(inc.starts_with(f)) << "src/" << rel.string() << ":" << n << ": includes \"" << inc << "\": src/"
                                         << folder << " must not reach " << f;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Layers, PublicHeadersIncludeOnlyPublicHeaders) {
  const std::filesystem::path root(MOVIEREC_SOURCE_DIR);
  const std::regex include_re(R"(^\s*#\s*include\s+"([^"]+)\")");
  for (const auto& e : std::filesystem::directory_iterator(root / "include" / "movierec")) {
    std::ifstream in(e.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      if (std::regex_search(line, m, include_re))
        EXPECT_TRUE(m[1].str().starts_with("movierec/"))
            << e.path().filename().string() << ":" << n << ": includes \"" << m[1].str() << "\"";
    }
  }
}
