// End-to-end tests of the movierec binary: exit codes, JSON shapes, errors.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/process.h"
#include "../support/shared.h"

namespace {

using Result = movierec::testing::CliResult;

Result run(const std::string& args) { return movierec::testing::run_cli(args); }

std::string fixture() { return std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/cli-tiny"; }

}  // namespace

namespace {
// The subcommands a --help lists ("Subcommands:" section, names at two spaces).
std::set<std::string> listed_subcommands(const std::string& help) {
  std::set<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line == "Subcommands:") {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (line.empty()) break;
    std::smatch m;
    if (std::regex_search(line, m, std::regex("^  ([a-z][a-z-]*)( |$)"))) out.insert(m[1].str());
  }
  return out;
}
}  // namespace

// Every command and subcommand answers --help with exit 0 and names its own
// options. A command added to the CLI must be added here (the test compares
// this table with what --help lists).
TEST(Cli, EveryCommandHasHelp) {
  const std::vector<std::string> common = {"--data", "--json", "--lenient", "--threads"};
  const std::vector<std::string> model = {"--model", "--param", "--model-file", "-k"};
  const std::vector<std::string> http = {"--retries", "--backoff"};
  auto with = [](std::vector<std::string> a, const std::vector<std::vector<std::string>>& more) {
    for (const auto& m : more) a.insert(a.end(), m.begin(), m.end());
    return a;
  };
  const std::map<std::string, std::vector<std::string>> commands = {
      {"", {"--version"}},
      {"stats", common},
      {"evaluate",
       with(common, {model,
                     {"--split", "--seed", "--relevance-threshold", "--no-ranking", "--ranking", "--metrics", "--curve",
                      "--save-split", "--plot", "--list-models", "--side", "--candidates", "--reveal"}})},
      {"split", with(common, {{"--split", "--seed", "--out"}})},
      {"train", with(common, {{"--model", "--param", "--out", "--split", "--seed"}})},
      {"tune", with(common, {{"--model", "--grid", "--param", "--split", "--metric", "--random", "--seed", "-k"}})},
      {"similar", with(common, {model, {"--top", "--movie", "--html", "--posters", "--min-ratings"}})},
      {"recommend", with(common, {model, {"--top", "--user", "--ratings"}})},
      {"demo", {"--data", "--threads", "--seed", "-k", "--min-ratings"}},
      {"fetch-data", with(http, {{"--cache", "--base-url", "--force", "--no-verify", "--json"}})},
      {"fetch-model", with(http, {{"--list", "--cache", "--base-url", "--force", "--json"}})},
      {"posters", {}},
      {"posters fetch",
       with(common, {http, {"--out", "--size", "--jobs", "--movies", "--api-url", "--image-url", "--timeout"}})},
      {"posters embed",
       {"--posters", "--net", "--desc", "--arch", "--batch", "--pca", "--float16", "--out", "--data", "--limit",
        "--threads", "--json", "--quiet"}},
      {"gallery",
       with(common, {{"--models", "--param", "--features", "-k", "--posters", "--movies", "--out", "--title"}})},
      {"similarity-report", with(common, {{"--models", "--param", "--features", "-k", "--sample", "--seed"}})},
      {"serve",
       {"--data", "--lenient", "--models", "--model-file", "--param", "--posters", "--features", "--db", "--host",
        "--port", "--threads", "--fit-threads", "--max-body", "--default-model", "--quiet"}},
      {"ratings", {}},
      {"ratings export", {"--db", "--out"}},
  };
  std::set<std::string> listed;
  for (const auto& [c, options] : commands) {
    SCOPED_TRACE("movierec " + c + " --help");
    auto r = run(c + " --help");
    EXPECT_EQ(r.code, 0) << r.err;
    // Each option appears as itself in the help ("--top", not "--topics").
    for (const auto& o : options)
      EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|[ ,])" + o + "([ ,]|$)", std::regex::multiline)))
          << "help does not name " << o << ":\n"
          << r.out;
    for (const auto& sub : listed_subcommands(r.out)) listed.insert(c.empty() ? sub : c + " " + sub);
  }
  std::set<std::string> table;
  for (const auto& [c, options] : commands)
    if (!c.empty()) table.insert(c);
  EXPECT_EQ(listed, table) << "a command listed by --help is missing from this test's table, or the reverse";
}

TEST(Cli, NoCommandIsBadUsage) { EXPECT_EQ(run("").code, 2); }

TEST(Cli, StatsJsonCountsTheFixture) {
  auto r = run("stats --json --data " + fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["users"], 8);
  EXPECT_EQ(j["movies"], 6);
  EXPECT_GT(j["ratings"].get<int>(), 20);
}

// The histogram counts half-star values by index, values between steps in a
// short list and, past 256 distinct values, in a map: all three paths, with
// counts written out by hand.
TEST(Cli, StatsHistogramCountsEveryValue) {
  auto dir = movierec::testing::temp_dir("cli-hist");
  std::filesystem::copy(fixture(), dir,
                        std::filesystem::copy_options::overwrite_existing | std::filesystem::copy_options::recursive);
  {
    std::ofstream f(dir / "ratings.csv");
    f << "userId,movieId,rating,timestamp\n1,1,4.0,100\n1,2,3.7,101\n2,1,4,102\n2,2,3.7,103\n3,2,0.5,104\n";
  }
  auto r = run("stats --json --data " + dir.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto few = nlohmann::json::parse(r.out)["histogram"];
  EXPECT_EQ(few, nlohmann::json::parse(R"({"0.5": 1, "3.7": 2, "4": 2})"));
  {
    std::ofstream f(dir / "ratings.csv");
    f << "userId,movieId,rating,timestamp\n";
    // 300 users rate movie 1 with 1.001, 1.002...: 300 distinct values; and
    // each rates movie 2 with 5 (one value counted 300 times).
    for (int u = 1; u <= 300; ++u)
      f << u << ",1," << fmt::format("{:.3f}", 1.0 + u / 1000.0) << ",1\n" << u << ",2,5,2\n";
  }
  r = run("stats --json --data " + dir.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto many = nlohmann::json::parse(r.out)["histogram"];
  EXPECT_EQ(many.size(), 301u);
  EXPECT_EQ(many["5"], 300);
  EXPECT_EQ(many["1.001"], 1);
  EXPECT_EQ(many["1.3"], 1);
  std::filesystem::remove_all(dir);
}

TEST(Cli, UnknownModelListsCandidatesWithExitCode2) {
  auto r = run("evaluate --model no-such --data " + fixture());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("available models"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("baseline"), std::string::npos);
}

TEST(Cli, BadParameterNamesIt) {
  auto r = run("evaluate --model baseline --param epochs=abc --data " + fixture());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("epochs"), std::string::npos) << r.err;
}

TEST(Cli, MissingDataFolderIsAnError) {
  auto r = run("stats --data /nonexistent/movierec-data");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("nonexistent"), std::string::npos) << r.err;
}

TEST(Cli, BadRatingNamesFileLineAndField) {
  auto dir = movierec::testing::temp_dir("cli-bad");
  std::filesystem::copy(fixture(), dir,
                        std::filesystem::copy_options::overwrite_existing | std::filesystem::copy_options::recursive);
  {
    std::ofstream f(dir / "ratings.csv");
    f << "userId,movieId,rating,timestamp\n1,1,4.0,100\n1,2,five,101\n";
  }
  auto r = run("stats --data " + dir.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("ratings.csv:3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rating"), std::string::npos) << r.err;
  auto lenient = run("stats --json --lenient --data " + dir.string());
  EXPECT_EQ(lenient.code, 0) << lenient.err;
  EXPECT_EQ(nlohmann::json::parse(lenient.out)["ratings"], 1);
  std::filesystem::remove_all(dir);
}

// The dataset is read without timestamps unless the split or a model needs
// them: session-ease (and ltr, whose default bases hold it) orders by time.
TEST(Cli, EvaluateAndTrainReadTimestampsForAModelThatNeedsThem) {
  auto r =
      run("evaluate --model session-ease --param min_ratings=1 --split holdout:1 --seed 3 --json --data " + fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out)["metrics"].contains("ndcg@10")) << r.out;
  const auto out = movierec::testing::temp_dir("cli-session") / "s.mrm";
  auto t = run("train --model session-ease --param min_ratings=1 --out " + out.string() + " --data " + fixture());
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_TRUE(std::filesystem::exists(out));
  std::filesystem::remove_all(out.parent_path());
}

TEST(Cli, EvaluateJsonHasTheMetrics) {
  auto r = run("evaluate --model baseline --split holdout:1 --seed 3 --ranking --json --data " + fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "baseline");
  EXPECT_EQ(j["split"], "holdout:1");
  for (const char* m : {"rmse", "mse", "mae", "ndcg@10", "recall@10", "precision@10", "map@10", "hit@10"})
    EXPECT_TRUE(j["metrics"].contains(m)) << m;
  double rmse = j["metrics"]["rmse"], mse = j["metrics"]["mse"];
  EXPECT_NEAR(rmse * rmse, mse, 1e-9);
}

// evaluate computes only what is asked: a rating predictor gets its errors
// (the tutorial's MSE) by default, the top-N metrics when asked or implied,
// and --metrics reports exactly the metrics named.
TEST(Cli, EvaluateComputesTheMetricsAskedFor) {
  const std::string base = "evaluate --split holdout:1 --seed 3 --json --data " + fixture();
  auto metrics_of = [&](const std::string& args) {
    auto r = run(base + " " + args);
    EXPECT_EQ(r.code, 0) << args << ": " << r.err;
    return r.code == 0 ? nlohmann::json::parse(r.out)["metrics"] : nlohmann::json::object();
  };
  auto names = [](const nlohmann::json& m) {
    std::set<std::string> out;
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it.key().find("seconds") == std::string::npos) out.insert(it.key());
    return out;
  };
  const std::set<std::string> errors = {"mae", "mse", "mse_unclipped", "rmse"};
  auto by_default = metrics_of("--model baseline");
  EXPECT_EQ(names(by_default), errors);
  // The same errors with the ranking pass: computing less changes no figure.
  auto ranked = metrics_of("--model baseline --ranking");
  for (const auto& m : errors) EXPECT_EQ(by_default[m], ranked[m]) << m;
  EXPECT_TRUE(ranked.contains("ndcg@10"));
  EXPECT_TRUE(metrics_of("--model baseline -k 5").contains("ndcg@5"));
  EXPECT_TRUE(metrics_of("--model baseline --relevance-threshold 4").contains("ndcg@10"));
  // A model that only ranks gets the top-N metrics, and so does every model of its table.
  EXPECT_TRUE(metrics_of("--model popularity").contains("ndcg@10"));
  auto r = run(base + " --model popularity,baseline");
  ASSERT_EQ(r.code, 0) << r.err;
  // The parsed document is a named object: a range-for over a member of the temporary that
  // parse() returns reads freed memory (the temporary dies before the loop; AddressSanitizer).
  const auto doc = nlohmann::json::parse(r.out);
  for (const auto& res : doc.at("results")) EXPECT_TRUE(res.at("metrics").contains("recall@10"));
  // --metrics: exactly those, the cut-off from the names.
  auto asked = metrics_of("--model baseline --metrics rmse,ndcg@5");
  EXPECT_EQ(names(asked), (std::set<std::string>{"ndcg@5", "rmse"}));
  EXPECT_EQ(asked["rmse"], by_default["rmse"]);
  EXPECT_EQ(names(metrics_of("--model popularity --metrics recall@3")), (std::set<std::string>{"recall@3"}));
  // Bad lists name the option and the metric.
  for (const auto& [args, what] :
       std::vector<std::pair<std::string, std::string>>{{"--metrics rmse,accuracy", "unknown metric 'accuracy'"},
                                                        {"--metrics ndcg@5,recall@10", "one cut-off per run"},
                                                        {"--metrics ndcg@0", "ndcg@0"},
                                                        {"-k 5 --metrics ndcg@10", "does not match -k 5"},
                                                        {"--no-ranking --metrics ndcg@10", "--no-ranking"}}) {
    auto bad = run(base + " --model baseline " + args);
    EXPECT_EQ(bad.code, 2) << args;
    EXPECT_NE(bad.err.find("--metrics"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find(what), std::string::npos) << bad.err;
  }
  EXPECT_EQ(run(base + " --model baseline --ranking --no-ranking").code, 2);
  // The table says what it measured.
  auto text = run("evaluate --model baseline --split holdout:1 --seed 3 --data " + fixture());
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("errors of the predicted test ratings"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("ndcg"), std::string::npos) << text.out;
}

TEST(Cli, ColdUsersWithRevealedRatings) {
  // serve-tiny: 30 users, 238 ratings; 20% of the users with >= 5 + 2 ratings become new.
  const std::string data = std::string(MOVIEREC_SOURCE_DIR) + "/tests/fixtures/serve-tiny";
  auto r = run("evaluate --model popularity --split cold-users:20 --reveal 2 --data " + data);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("protocol: cold-users:20:reveal=2 (seed 42): "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("eligible users (>= 7 ratings) are new; their ratings but the first 2 by time"),
            std::string::npos)
      << r.out;
  auto bad = run("evaluate --model popularity --split holdout:2 --reveal 2 --data " + data);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--reveal: only with --split cold-users:P"), std::string::npos) << bad.err;
}

TEST(Cli, TrainedModelFileGivesTheSameRecommendations) {
  auto dir = movierec::testing::temp_dir("cli-train");
  auto file = (dir / "b.mrm").string();
  ASSERT_EQ(run("train --model baseline --out " + file + " --data " + fixture()).code, 0);
  auto direct = run("recommend --model baseline --user 1 -k 3 --json --data " + fixture());
  auto loaded = run("recommend --model-file " + file + " --user 1 -k 3 --json --data " + fixture());
  ASSERT_EQ(direct.code, 0) << direct.err;
  ASSERT_EQ(loaded.code, 0) << loaded.err;
  EXPECT_EQ(nlohmann::json::parse(direct.out)["recommendations"], nlohmann::json::parse(loaded.out)["recommendations"]);
  // A corrupted byte in the middle is refused with exit code 2.
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  auto bad = run("recommend --model-file " + file + " --user 1 --data " + fixture());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("b.mrm"), std::string::npos) << bad.err;
  std::filesystem::remove_all(dir);
}

TEST(Cli, EvaluateAndSimilarWorkFromAModelFile) {
  auto dir = movierec::testing::temp_dir("cli-model-file");
  const std::string split = " --split holdout:1 --seed 3", data = " --data " + fixture();
  const std::string held = (dir / "held.mrm").string(), all = (dir / "all.mrm").string();
  // threads=1: the refit below is bit-identical to the saved fit.
  ASSERT_EQ(run("train --model svd --param threads=1 --out " + held + split + data).code, 0);
  ASSERT_EQ(run("train --model svd --param threads=1 --out " + all + data).code, 0);

  // evaluate --model-file scores the saved model on the same split as a refit does.
  auto loaded = run("evaluate --model-file " + held + split + " --ranking --json" + data);
  auto refit = run("evaluate --model svd --param threads=1" + split + " --ranking --json" + data);
  ASSERT_EQ(loaded.code, 0) << loaded.err;
  ASSERT_EQ(refit.code, 0) << refit.err;
  auto a = nlohmann::json::parse(loaded.out), b = nlohmann::json::parse(refit.out);
  EXPECT_EQ(a["model"], "svd");
  for (const char* m : {"rmse", "mae", "ndcg@10", "recall@10"}) {
    ASSERT_TRUE(a["metrics"][m].is_number()) << m;
    EXPECT_EQ(a["metrics"][m], b["metrics"][m]) << m;
  }

  // similar --model-file lists what a fit on every rating lists.
  auto sim_loaded = run("similar --model-file " + all + " --movie 1 -k 3 --json" + data);
  auto sim_refit = run("similar --model svd --param threads=1 --movie 1 -k 3 --json" + data);
  ASSERT_EQ(sim_loaded.code, 0) << sim_loaded.err;
  ASSERT_EQ(sim_refit.code, 0) << sim_refit.err;
  auto s = nlohmann::json::parse(sim_loaded.out);
  EXPECT_EQ(s["similar"].size(), 3u);
  EXPECT_EQ(s["similar"], nlohmann::json::parse(sim_refit.out)["similar"]);

  // A file missing its last byte: exit code 2, the file named.
  for (const std::string& file : {held, all}) std::filesystem::resize_file(file, std::filesystem::file_size(file) - 1);
  for (const std::string& cmd :
       {"evaluate --model-file " + held + split, "similar --model-file " + all + " --movie 1"}) {
    auto bad = run(cmd + data);
    EXPECT_EQ(bad.code, 2) << cmd;
    EXPECT_NE(bad.err.find("truncated"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find(".mrm"), std::string::npos) << bad.err;
  }
  std::filesystem::remove_all(dir);
}

TEST(Cli, LearningCurveCsvAndSvg) {
  auto dir = movierec::testing::temp_dir("cli-curve");
  auto csv = dir / "c.csv", svg = dir / "c.svg";
  auto r = run("evaluate --model svd --param epochs=3 --split holdout:1 --no-ranking --curve " + csv.string() +
               " --plot " + svg.string() + " --data " + fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream f(csv);
  std::string line;
  int lines = 0;
  while (std::getline(f, line)) ++lines;
  EXPECT_EQ(lines, 4);  // header + 3 epochs
  std::ifstream g(svg);
  std::string text((std::istreambuf_iterator<char>(g)), {});
  EXPECT_NE(text.find("<polyline"), std::string::npos);
  // A model that reports no epochs cannot draw a curve.
  auto bad = run("evaluate --model baseline --split holdout:1 --plot " + svg.string() + " --data " + fixture());
  EXPECT_EQ(bad.code, 2);
  std::filesystem::remove_all(dir);
}

namespace {
// A learning-curve CSV: the header's names and each row's cells.
struct CurveCsv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t column(const std::string& name) const {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return it - header.begin();
  }
};

CurveCsv read_curve(const std::filesystem::path& file) {
  CurveCsv c;
  std::ifstream f(file);
  std::string line;
  bool first = true;
  while (std::getline(f, line)) {
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
      cells.push_back(line.substr(start, comma - start));
    cells.push_back(line.substr(start));
    if (first)
      c.header = cells, first = false;
    else
      c.rows.push_back(cells);
  }
  return c;
}
}  // namespace

// Issue 3, gap G9: ials and bpr curves carry per-epoch validation NDCG@10 and
// recall@10; the last epoch's value is the table's (the same fitted model).
TEST(Cli, RankingModelsLearningCurveIsNdcg) {
  auto dir = movierec::testing::temp_dir("cli-rank-curve");
  auto csv = dir / "c.csv", svg = dir / "c.svg";
  for (std::string model : {"ials --param iterations=4", "bpr --param epochs=6"}) {
    SCOPED_TRACE(model);
    auto r = run("evaluate --model " + model + " --split holdout:1 --json --curve " + csv.string() + " --plot " +
                 svg.string() + " --data " + fixture());
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    CurveCsv c = read_curve(csv);
    ASSERT_EQ(c.rows.size(), model.starts_with("ials") ? 4u : 6u);
    const std::size_t ndcg = c.column("valid_ndcg@10"), recall = c.column("valid_recall@10"), loss = c.column("loss"),
                      rmse = c.column("valid_rmse");
    for (const auto& row : c.rows) {
      ASSERT_EQ(row.size(), c.header.size());
      EXPECT_GE(std::stod(row[ndcg]), 0.0);
      EXPECT_LE(std::stod(row[ndcg]), 1.0);
      EXPECT_GE(std::stod(row[recall]), 0.0);
      EXPECT_LE(std::stod(row[recall]), 1.0);
      EXPECT_GT(std::stod(row[loss]), 0.0);
      EXPECT_EQ(row[rmse], "");  // no ratings predicted
    }
    // 6 decimals in the CSV.
    EXPECT_NEAR(std::stod(c.rows.back()[ndcg]), j["metrics"]["ndcg@10"].get<double>(), 1e-6);
    EXPECT_NEAR(std::stod(c.rows.back()[recall]), j["metrics"]["recall@10"].get<double>(), 1e-6);
    std::ifstream g(svg);
    std::string text((std::istreambuf_iterator<char>(g)), {});
    EXPECT_NE(text.find(">NDCG@10, recall@10</text>"), std::string::npos);
    EXPECT_EQ(text.find("RMSE"), std::string::npos);
  }
  // -k sets the cut-off of the curve too; --no-ranking leaves the loss only.
  auto r = run("evaluate --model bpr --param epochs=3 --split holdout:1 -k 3 --curve " + csv.string() + " --data " +
               fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_curve(csv).header.back(), "valid_recall@3");
  r = run("evaluate --model bpr --param epochs=3 --split holdout:1 --no-ranking --curve " + csv.string() + " --plot " +
          svg.string() + " --data " + fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  CurveCsv c = read_curve(csv);
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0][c.column("valid_ndcg@10")], "");
  EXPECT_NE(c.rows[0][c.column("loss")], "");
  std::filesystem::remove_all(dir);
}

TEST(Cli, RecommendForNewRatingsFoldsIn) {
  auto r = run("recommend --model svd --ratings \"Heat (1995)=5,toy story=1\" -k 2 --json --data " + fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["recommendations"].size(), 2u);
  for (const auto& m : j["recommendations"]) {
    EXPECT_NE(m["movie_id"], 6);  // the given movies are not recommended back
    EXPECT_NE(m["movie_id"], 1);
  }
  EXPECT_EQ(run("recommend --model svd --ratings \"Heat (1995)=9\" --data " + fixture()).code, 2);
}

TEST(Cli, TuneSortsTheGridAndPrintsTheBest) {
  auto r = run("tune --model baseline --grid \"reg_user=0,5,25\" --split kfold:2 --json --data " + fixture());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 3u);
  double prev = 0;
  for (const auto& row : j["results"]) {
    double v = row["mean"]["rmse"];
    EXPECT_GE(v, prev);
    prev = v;
  }
  EXPECT_EQ(j["best"], j["results"][0]);
}

TEST(Cli, StatsOnTheTutorialsDataset) {
  MOVIEREC_SKIP_WITHOUT_SHARED("data/ml-latest-small-2016");
  auto r = run("stats --json --data " + movierec::testing::shared_path("data/ml-latest-small-2016").string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["users"], 671);
  EXPECT_EQ(j["rated_movies"], 9066);
  EXPECT_EQ(j["ratings"], 100004);
}
