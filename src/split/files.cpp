// file_splits and make_splits.
#include <cstdio>
#include <filesystem>

#include "data/ratings_reader.h"
#include "data/text_scan.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "split/split_util.h"
#include "util/atomic_file.h"
#include "util/strings.h"

namespace movierec {

namespace fs = std::filesystem;

namespace {

// Reads one ratings file of a predefined split (u1.base...): four fields per
// line separated by a tab (ml-100k), "::" or ",", an optional CSV header; raw
// ids mapped through ds. Unknown users or movies are DataErrors naming the line.
struct SplitFile {
  std::string name;
  std::vector<Rating> ratings;     // dense indices, file order
  std::vector<std::size_t> lines;  // line of each rating
};

SplitFile read_split_file(const Dataset& ds, const fs::path& file, const data::IdLookup& movies) {
  data::FileView fv(file);
  std::string_view text = data::strip_bom(fv.bytes());
  SplitFile out;
  out.name = file.filename().string();
  if (data::is_blank(text)) throw DataError(out.name + ": the file is empty");
  std::string_view first = data::chomp(text.substr(0, text.find('\n')));
  data::RatingsFormat fmt;
  fmt.file = out.name;
  fmt.sep = first.find('\t') != std::string_view::npos ? "\t" : first.find("::") != std::string_view::npos ? "::" : ",";
  if (fmt.sep == "," && !first.empty() && !(first[0] >= '0' && first[0] <= '9')) fmt.header = std::string(trim(first));
  fmt.field_names[0] = "user id";
  fmt.field_names[1] = "item id";
  fmt.field_names[2] = "rating";
  fmt.field_names[3] = "timestamp";
  fmt.movie_file = "the movies of " + ds.name;
  fmt.scale = ds.scale;
  auto parsed = data::parse_ratings(text, fmt, movies, false, 0, true);
  // The users must be the dataset's: a split never adds users.
  data::IdLookup users(ds.users);
  out.ratings.resize(parsed.size());
  for (std::size_t k = 0; k < parsed.size(); ++k) {
    Rating r = parsed.at(k);
    std::uint32_t u = users.find(r.user);
    if (u == data::IdLookup::kNone)
      throw DataError(
          data::field_error(out.name, parsed.lines[k], "user id", "a user of " + ds.name, std::to_string(r.user)));
    r.user = u;
    out.ratings[k] = r;
  }
  out.lines = std::move(parsed.lines);
  return out;
}

// The matrix of a split file; a duplicate pair is a DataError naming its line.
RatingMatrix to_matrix(const Dataset& ds, SplitFile& f) {
  std::vector<std::uint32_t> seen(ds.items.size(), 0xFFFFFFFFu);
  std::vector<std::size_t> order(f.ratings.size());
  // Group by user (stable), then a per-user marker finds repeated items.
  std::vector<std::size_t> start(ds.users.size() + 1, 0);
  for (const auto& r : f.ratings) ++start[r.user + 1];
  for (std::size_t u = 0; u < ds.users.size(); ++u) start[u + 1] += start[u];
  for (std::size_t k = 0; k < f.ratings.size(); ++k) order[start[f.ratings[k].user]++] = k;
  std::vector<std::size_t> first_pos(ds.items.size());
  for (std::size_t k : order) {
    const Rating& r = f.ratings[k];
    if (seen[r.item] == r.user)
      throw DataError(f.name + ":" + std::to_string(f.lines[k]) + ": field 'item id': duplicate rating by user id " +
                      std::to_string(ds.users.raw(r.user)) + " for item id " + std::to_string(ds.items.raw(r.item)) +
                      " (first at line " + std::to_string(f.lines[first_pos[r.item]]) + ")");
    seen[r.item] = r.user;
    first_pos[r.item] = k;
  }
  return RatingMatrix(ds.users.size(), ds.items.size(), f.ratings);
}

// Expands every "{a..b}" (integers) and "{x,y,z}" in pattern, left to right.
std::vector<std::string> expand_braces(const std::string& pattern, const std::string& spec) {
  std::size_t open = pattern.find('{');
  if (open == std::string::npos) return {pattern};
  std::size_t close = pattern.find('}', open);
  if (close == std::string::npos) throw ConfigError("split spec \"" + spec + "\": '{' without '}'");
  std::string body = pattern.substr(open + 1, close - open - 1);
  std::vector<std::string> parts;
  std::size_t dots = body.find("..");
  if (dots != std::string::npos) {
    long long a = 0, b = 0;
    if (!parse_int64(body.substr(0, dots), a) || !parse_int64(body.substr(dots + 2), b) || b < a || b - a > 10000)
      throw ConfigError("split spec \"" + spec + "\": expected a range {a..b} with integers a <= b, got {" + body +
                        "}");
    for (long long x = a; x <= b; ++x) parts.push_back(std::to_string(x));
  } else {
    parts = split(body, ',');
  }
  std::vector<std::string> out;
  for (const auto& p : parts)
    for (auto& rest : expand_braces(pattern.substr(close + 1), spec)) out.push_back(pattern.substr(0, open) + p + rest);
  return out;
}

// A split file as given, or inside the dataset folder.
std::string locate(const Dataset& ds, const std::string& f) {
  if (fs::exists(f)) return f;
  if (fs::path(f).is_relative() && fs::exists(ds.dir / f)) return (ds.dir / f).string();
  throw InputError("split file not found: " + f + (ds.dir.empty() ? "" : " (nor in " + ds.dir.string() + ")"));
}

std::size_t parse_count(const std::string& spec, const std::string& value, const std::string& what, std::size_t lo) {
  long long v = 0;
  if (!parse_int64(value, v) || v < static_cast<long long>(lo))
    throw ConfigError("split spec \"" + spec + "\": expected " + what + " (an integer >= " + std::to_string(lo) +
                      "), got \"" + value + "\"");
  return static_cast<std::size_t>(v);
}

}  // namespace

std::vector<Split> file_splits(const Dataset& ds, const std::vector<std::string>& base_files,
                               const std::vector<std::string>& test_files) {
  if (base_files.size() != test_files.size())
    throw ConfigError("file splits: " + std::to_string(base_files.size()) + " base files but " +
                      std::to_string(test_files.size()) + " test files");
  data::IdLookup movies(ds.items);
  std::vector<Split> out;
  for (std::size_t k = 0; k < base_files.size(); ++k) {
    Split s;
    s.name = fs::path(base_files[k]).stem().string();
    SplitFile base = read_split_file(ds, base_files[k], movies);
    SplitFile test = read_split_file(ds, test_files[k], movies);
    s.train = to_matrix(ds, base);
    // Train and test must be disjoint: name the first test line also in train.
    for (std::size_t j = 0; j < test.ratings.size(); ++j) {
      const Rating& r = test.ratings[j];
      if (s.train.contains(r.user, r.item))
        throw DataError(test.name + ":" + std::to_string(test.lines[j]) + ": field 'item id': the rating by user id " +
                        std::to_string(ds.users.raw(r.user)) + " for item id " + std::to_string(ds.items.raw(r.item)) +
                        " is also in " + base.name + " (train and test must be disjoint)");
    }
    s.test = to_matrix(ds, test);
    out.push_back(std::move(s));
  }
  return out;
}

std::string write_split_files(const Dataset& ds, const std::vector<Split>& splits, const std::string& dir) {
  if (splits.empty()) throw ConfigError("write_split_files: no splits");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw IoError("cannot create the split folder " + dir + (ec ? ": " + ec.message() : ""));
  auto csv = [&](const RatingMatrix& m) {
    std::string out = "userId,movieId,rating,timestamp\n";
    out.reserve(out.size() + m.nnz() * 24);
    char buf[96];
    for (UserIndex u = 0; u < m.n_users(); ++u) {
      const auto items = m.user_items(u);
      const auto values = m.user_values(u);
      const auto times = m.user_times(u);
      for (std::size_t p = 0; p < items.size(); ++p) {
        // %.9g: enough digits that every float reads back as the same float.
        const int n = std::snprintf(buf, sizeof buf, "%lld,%lld,%.9g,%lld\n", static_cast<long long>(ds.users.raw(u)),
                                    static_cast<long long>(ds.items.raw(items[p])), static_cast<double>(values[p]),
                                    static_cast<long long>(times[p]));
        out.append(buf, static_cast<std::size_t>(n));
      }
    }
    return out;
  };
  for (std::size_t k = 0; k < splits.size(); ++k) {
    const std::string stem = "fold" + std::to_string(k + 1);
    write_file_atomically(fs::path(dir) / (stem + ".train"), csv(splits[k].train));
    write_file_atomically(fs::path(dir) / (stem + ".test"), csv(splits[k].test));
  }
  return "files:" + (fs::path(dir) / ("fold{1.." + std::to_string(splits.size()) + "}.train")).string() + ",test";
}

std::vector<Split> make_splits(const Dataset& ds, const std::string& spec, std::uint64_t seed,
                               const std::vector<char>& eligible) {
  const std::string usage =
      "expected none, holdout:N[:valid], kfold:K, temporal:N, cold-items:P, cold-users:P[:reveal=N], "
      "files:DIR/u{1..5}.base,test or "
      "files:TRAIN.csv,TEST.csv";
  std::size_t colon = spec.find(':');
  std::string kind = spec.substr(0, colon);
  std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "none" && colon == std::string::npos) {
    Split s;
    s.name = "none";
    s.train = ds.ratings;
    s.test = RatingMatrix(ds.ratings.n_users(), ds.ratings.n_items(), {});
    std::vector<Split> out;
    out.push_back(std::move(s));
    return out;
  }
  if (colon == std::string::npos || arg.empty()) throw ConfigError("bad split spec \"" + spec + "\": " + usage);
  // A split with nothing to test on would print an empty table: refused.
  auto non_empty = [&](std::vector<Split> out, std::size_t n) {
    for (const auto& s : out)
      if (s.test.nnz() == 0)
        throw ConfigError("split \"" + spec + "\" leaves no test ratings" +
                          (kind == "kfold" ? " in " + s.name
                                           : ": no user has more than " + std::to_string(n) +
                                                 " ratings (each keeps at least N in train)") +
                          "; use a smaller N");
    return out;
  };
  if (kind == "holdout") {
    // "holdout:N:valid": the validation carve-out of "holdout:N".
    const bool valid = arg.ends_with(":valid");
    const std::size_t n =
        parse_count(spec, valid ? arg.substr(0, arg.size() - 6) : arg, "the test ratings per user N", 1);
    std::vector<Split> out;
    out.push_back(holdout_split(ds.ratings, n, seed));
    if (valid) out[0] = holdout_validation(out[0], n, seed);
    return non_empty(std::move(out), n);
  }
  if (kind == "temporal") {
    const std::size_t n = parse_count(spec, arg, "the test ratings per user N", 1);
    std::vector<Split> out;
    out.push_back(temporal_split(ds.ratings, n));
    return non_empty(std::move(out), n);
  }
  if (kind == "kfold") {
    // Each fold holds a copy of the ratings: K is bounded by the ratings to share out.
    const std::size_t k = parse_count(spec, arg, "the number of folds K", 2);
    if (k > ds.ratings.nnz())
      throw ConfigError("bad split spec \"" + spec + "\": " + std::to_string(k) + " folds of " +
                        std::to_string(ds.ratings.nnz()) + " ratings; K must be at most the number of ratings");
    return non_empty(kfold_splits(ds.ratings, k, seed), k);
  }
  // "cold-items:P[:valid]", "cold-users:P[:reveal=N][:valid]": P, a percentage in (0, 100).
  auto cold_percent = [&](std::string text, const std::string& what, bool& valid) {
    valid = text.ends_with(":valid");
    if (valid) text.resize(text.size() - 6);
    double p = 0;
    if (!parse_double(text, p) || !(p > 0 && p < 100))
      throw ConfigError("split spec \"" + spec + "\": expected the percentage of new " + what + " P in (0, 100) (" +
                        (kind == "cold-items" ? "cold-items:P, or cold-items:P:valid for its validation carve-out"
                                              : "cold-users:P, cold-users:P:reveal=N, and :valid for the validation "
                                                "carve-out") +
                        "), got \"" + arg + "\"");
    return p;
  };
  if (kind == "cold-items") {
    bool valid = false;
    const double p = cold_percent(arg, "movies", valid);
    std::vector<Split> out;
    out.push_back(cold_items_split(ds.ratings, eligible, p, seed));
    if (valid) out[0] = cold_items_validation(out[0], eligible, p, seed);
    return out;
  }
  if (kind == "cold-users") {
    std::string rest = arg;
    const bool valid_suffix = rest.ends_with(":valid");
    if (valid_suffix) rest.resize(rest.size() - 6);
    std::size_t reveal = 0;
    if (auto r = rest.find(":reveal="); r != std::string::npos) {
      reveal = parse_count(spec, rest.substr(r + 8), "the revealed ratings per new user N", 0);
      rest.resize(r);
    }
    bool valid = false;
    const double p = cold_percent(rest + (valid_suffix ? ":valid" : ""), "users", valid);
    std::vector<Split> out;
    out.push_back(cold_users_split(ds.ratings, p, seed, reveal));
    if (valid) out[0] = cold_users_validation(out[0], p, seed, reveal);
    return out;
  }
  if (kind == "files") {
    // "DIR/u{1..5}.base,test": base files, then the extension of the test files.
    std::string pattern = arg, test_ext = "test";
    std::size_t comma = arg.rfind(',');
    // "TRAIN.csv,TEST.csv": two files named in full (a test part with a dot or a slash).
    if (comma != std::string::npos && arg.find('{') == std::string::npos &&
        arg.substr(comma + 1).find_first_of("./") != std::string::npos) {
      auto out = file_splits(ds, {locate(ds, arg.substr(0, comma))}, {locate(ds, arg.substr(comma + 1))});
      // Movies of the movie file with no rating in TRAIN are the new movies.
      for (ItemIndex i = 0; i < out[0].train.n_items(); ++i)
        if (out[0].train.item_count(i) == 0) out[0].new_items.push_back(i);
      return out;
    }
    if (comma != std::string::npos && arg.find('}', comma) == std::string::npos) {
      pattern = arg.substr(0, comma);
      test_ext = arg.substr(comma + 1);
      if (test_ext.empty() || test_ext.find('/') != std::string::npos)
        throw ConfigError("bad split spec \"" + spec + "\": expected the test files' extension after ',', got \"" +
                          test_ext + "\"");
    }
    std::vector<std::string> bases, tests;
    for (auto& b : expand_braces(pattern, spec)) {
      fs::path bp(b);
      if (!bp.has_extension())
        throw ConfigError("bad split spec \"" + spec + "\": base file \"" + b + "\" has no extension to replace by ." +
                          test_ext);
      fs::path tp = bp;
      tp.replace_extension(test_ext);
      if (tp == bp) throw ConfigError("bad split spec \"" + spec + "\": base and test file are both " + b);
      bases.push_back(locate(ds, b));
      tests.push_back(locate(ds, tp.string()));
    }
    return file_splits(ds, bases, tests);
  }
  throw ConfigError("bad split spec \"" + spec + "\": unknown kind \"" + kind + "\"; " + usage);
}

}  // namespace movierec
