// The README is a contract: every `movierec ...` / `build/movierec ...` line of
// its ```sh blocks runs, exactly as written, and exits 0 (issue 12).
//
// How a line is run: in one scratch folder (so the files one command writes,
// svd.mrm, posters/, posters.mrf, are there for the next, in README order),
// with `build/movierec` and `movierec` replaced by the binary under test and
// these placeholders replaced (as whole words):
//   DIR      a generated 60-movie, 120-user MovieLens CSV folder (Heat (1995)
//            is movieId 6, Toy Story (1995) movieId 1)
//   POSTERS  the scratch folder's posters/ (which `posters/` also names)
//   ../shared/  the shared data folder ($MOVIEREC_SHARED or ../shared)
// and this environment: MOVIEREC_DATA is a cache holding ml-latest-small (the
// generated folder), so dataset names never reach the network; TMDB_API_KEY,
// TMDB_API_URL and TMDB_IMAGE_URL point at the loopback TMDB look-alike of
// tests/tmdb/tmdb_mock.h (posters/ starts with a poster for every movie but
// 1 and 2, which `posters fetch` downloads from it).
//
// A line that names a ../shared path absent here is not run (reason printed).
// A line that cannot run here at all goes into kNotRun below, with the reason:
// add an entry {"text the line contains", "why it is not run, and which test
// covers it instead"}. The list is printed on every run.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "../support/mock_server.h"
#include "../support/shared.h"
#include "../tmdb/tmdb_mock.h"
#include "util/atomic_file.h"

using namespace movierec::testing;

namespace {

// README lines that are not run: {substring of the line, reason}.
const std::vector<std::pair<std::string, std::string>> kNotRun = {
    {"fetch-model mobilenetv2",
     "downloads 14 MB from the ONNX model zoo and checks the real file's sha256; tests/net/model_zoo_test.cpp and "
     "tests/net/cli_test.cpp run fetch-model against a loopback mirror"},
    {"movierec serve", "runs until stopped; tests/serve/ starts it on a free port and drives its API"},
    {"ratings export --db ratings.sqlite",
     "reads the database a `serve` run writes, and serve is not run here; tests/serve/durability_test.cpp runs "
     "ratings export on a database the server wrote"},
};

struct ReadmeLine {
  int line = 0;         // 1-based line of README.md where the command starts
  std::string command;  // as written, continuation lines joined, comment removed
};

// Cuts a trailing "# comment" that is outside quotes.
std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Every movierec command line of the fenced code blocks of a Markdown file.
std::vector<ReadmeLine> readme_commands(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<ReadmeLine> out;
  std::string line;
  bool fenced = false;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (trim(line).starts_with("```")) {
      fenced = !fenced;
      continue;
    }
    const std::string t = trim(line);
    if (!fenced || !(t.starts_with("movierec ") || t.starts_with("build/movierec "))) continue;
    ReadmeLine r{n, ""};
    std::string part = t;
    while (!part.empty() && part.back() == '\\' && std::getline(in, line)) {
      ++n;
      r.command += part.substr(0, part.size() - 1);
      part = trim(line);
    }
    r.command += part;
    r.command = trim(strip_comment(r.command));
    out.push_back(r);
  }
  return out;
}

// A MovieLens CSV folder big enough for every README command (k = 10 similar
// movies, 5 folds): 60 movies in two genre groups, 120 users who each rate 25
// of them, preferring their group's.
void write_dataset(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::string movies = "movieId,title,genres\n", links = "movieId,imdbId,tmdbId\n",
              ratings = "userId,movieId,rating,timestamp\n";
  for (int m = 1; m <= 60; ++m) {
    std::string title = m == 1 ? "Toy Story (1995)" : m == 6 ? "Heat (1995)" : "Film " + std::to_string(m) + " (2001)";
    std::string genres = m % 2 ? "Adventure|Animation|Comedy" : "Action|Crime|Thriller";
    movies += std::to_string(m) + "," + title + "," + genres + "\n";
    // Movie 1 has a poster on the TMDB look-alike (tmdb 101); movie 2 is found
    // there through its IMDb id (tmdb 102 is a 404, tt0114709 -> /p2.jpg).
    if (m == 1)
      links += "1,0000001,101\n";
    else if (m == 2)
      links += "2,0114709,102\n";
    else
      links += std::to_string(m) + ",00000" + std::to_string(10 + m) + ",\n";
  }
  std::mt19937 rng(12);
  for (int u = 1; u <= 120; ++u) {
    std::vector<int> order(60);
    for (int m = 0; m < 60; ++m) order[m] = m + 1;
    std::shuffle(order.begin(), order.end(), rng);
    std::sort(order.begin(), order.begin() + 25);
    for (int j = 0; j < 25; ++j) {
      const int m = order[j];
      const bool liked = (m % 2) == (u % 2);
      const int halves = std::clamp(int(liked ? 8 : 5) + int(rng() % 3) - 1, 1, 10);  // 0.5 steps
      ratings += std::to_string(u) + "," + std::to_string(m) + "," + std::to_string(halves / 2) +
                 (halves % 2 ? ".5" : ".0") + "," + std::to_string(1000000 + u * 100 + j) + "\n";
    }
  }
  movierec::write_file_atomically(dir / "movies.csv", movies);
  movierec::write_file_atomically(dir / "links.csv", links);
  movierec::write_file_atomically(dir / "ratings.csv", ratings);
}

// posters/<movieId>.jpg for movies 3..60: 64 x 96 images whose colours follow
// the genre group, so poster neighbours mean something.
void write_posters(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (int m = 3; m <= 60; ++m) {
    cv::Mat img(96, 64, CV_8UC3, cv::Scalar(m % 2 ? 200 : 30, 4 * m, m % 2 ? 40 : 180));
    cv::rectangle(img, cv::Point(8, 8 + m % 40), cv::Point(56, 40 + m % 40), cv::Scalar(255 - 4 * m, 90, 120), -1);
    cv::imwrite((dir / (std::to_string(m) + ".jpg")).string(), img);
  }
}

std::string replace_word(std::string s, const std::string& word, const std::string& by) {
  return std::regex_replace(s, std::regex("\\b" + word + "\\b"), by);
}

}  // namespace

TEST(Readme, EveryCommandRuns) {
  const auto readme = std::filesystem::path(MOVIEREC_SOURCE_DIR) / "README.md";
  const auto lines = readme_commands(readme);
  ASSERT_GE(lines.size(), 20u) << "README.md's ```sh blocks should hold the commands";

  const auto work = temp_dir("readme");
  const auto data = work / "data", cache = work / "cache";
  write_dataset(data);
  std::filesystem::create_directories(cache);
  std::filesystem::create_directory_symlink(data, cache / "ml-latest-small");
  write_posters(work / "posters");

  TmdbMock tmdb;
  ScopedEnv env_data("MOVIEREC_DATA", cache.string());
  ScopedEnv env_url("MOVIEREC_DATA_URL", "http://127.0.0.1:9");  // never the real GroupLens
  ScopedEnv env_model_url("MOVIEREC_MODEL_URL", "http://127.0.0.1:9");
  ScopedEnv env_key("TMDB_API_KEY", kKey);
  ScopedEnv env_token("TMDB_TOKEN", std::nullopt);
  ScopedEnv env_api("TMDB_API_URL", tmdb.api());
  ScopedEnv env_images("TMDB_IMAGE_URL", tmdb.images());

  const std::string shared = shared_dir().string() + "/";
  int ran = 0;
  // Files a line that was not run would have written (--out X): later lines that
  // read them are not run either (without ../shared, posters.mrf never exists).
  std::vector<std::pair<std::string, int>> not_written;
  for (const auto& l : lines) {
    SCOPED_TRACE("README.md:" + std::to_string(l.line) + ": " + l.command);
    bool skipped = false;
    for (const auto& [file, line] : not_written) {
      const std::regex names("(^|[ =,])" + std::regex_replace(file, std::regex(R"([.])"), R"(\.)") + "($|[ ,\"])");
      if (!skipped && std::regex_search(l.command, names)) {
        std::printf("not run: README.md:%d: %s\n  reason: needs %s, written by README.md:%d, which was not run\n",
                    l.line, l.command.c_str(), file.c_str(), line);
        skipped = true;
      }
    }
    for (const auto& [text, reason] : kNotRun)
      if (l.command.find(text) != std::string::npos) {
        std::printf("not run: README.md:%d: %s\n  reason: %s\n", l.line, l.command.c_str(), reason.c_str());
        skipped = true;
      }
    std::smatch m;
    if (!skipped && std::regex_search(l.command, m, std::regex(R"(\.\./shared/([^ "',]+))"))) {
      // The path up to the first brace ("u{1..5}.base") must exist.
      std::string sub = m[1].str();
      sub = sub.substr(0, sub.find('{'));
      sub = sub.substr(0, sub.rfind('/') == std::string::npos ? sub.size() : sub.rfind('/'));
      if (!std::filesystem::exists(shared_path(sub))) {
        std::printf("not run: README.md:%d: %s\n  reason: %s is absent\n", l.line, l.command.c_str(),
                    shared_path(sub).string().c_str());
        skipped = true;
      }
    }
    if (skipped) {
      if (std::regex_search(l.command, m, std::regex(R"(--out ([^ ]+))"))) not_written.emplace_back(m[1].str(), l.line);
      continue;
    }
    std::string cmd = std::regex_replace(l.command, std::regex(R"((^|&& )(build/)?movierec )"),
                                         std::string("$1") + MOVIEREC_BINARY + " ");
    cmd = replace_word(cmd, "DIR", data.string());
    cmd = replace_word(cmd, "POSTERS", (work / "posters").string());
    cmd = std::regex_replace(cmd, std::regex(R"(\.\./shared/)"), shared);
    auto r = run_command("cd '" + work.string() + "' && " + cmd + " </dev/null");
    ++ran;
    EXPECT_EQ(r.exit_code, 0) << "ran: " << cmd << "\n" << r.output;
    if (r.exit_code != 0) continue;
    std::printf("ok: README.md:%d: %s\n", l.line, l.command.c_str());
    if (l.command.find("posters fetch") != std::string::npos) {
      // It downloaded movies 1 and 2 from the look-alike and kept the others.
      EXPECT_EQ(tmdb.image_hits(1), 1);
      EXPECT_EQ(tmdb.image_hits(2), 1);
      EXPECT_TRUE(std::filesystem::exists(work / "posters" / "1.jpg"));
      EXPECT_TRUE(std::filesystem::exists(work / "posters" / "2.jpg"));
    }
  }
  std::printf("%d of %zu README commands run\n", ran, lines.size());
  std::filesystem::remove_all(work);
}

TEST(Readme, CommandsAreExtracted) {
  // The extraction itself: continuation lines joined, comments cut (not
  // inside quotes), prose and other programs ignored.
  const auto dir = temp_dir("readme-extract");
  movierec::write_file_atomically(dir / "R.md",
                                  "Text `movierec stats` in prose is not run.\n"
                                  "```sh\n"
                                  "scripts/demo    # not movierec\n"
                                  "build/movierec similar --data DIR \"A #1 (1995)\"   # a comment\n"
                                  "build/movierec gallery --data DIR \\\n"
                                  "    --movies \"Heat (1995)\" --out g.html\n"
                                  "movierec stats --data ml-latest-small\n"
                                  "```\n"
                                  "movierec stats outside a block\n");
  auto c = readme_commands(dir / "R.md");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].line, 4);
  EXPECT_EQ(c[0].command, "build/movierec similar --data DIR \"A #1 (1995)\"");
  EXPECT_EQ(c[1].line, 5);
  EXPECT_EQ(c[1].command, "build/movierec gallery --data DIR --movies \"Heat (1995)\" --out g.html");
  EXPECT_EQ(c[2].command, "movierec stats --data ml-latest-small");
  std::filesystem::remove_all(dir);
}
