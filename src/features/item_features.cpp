#include "features/item_features.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "data/text_scan.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "util/strings.h"
#include "vision/feature_file.h"
#include "vision/pca.h"

namespace movierec {
namespace {

const std::vector<std::string> kNames = {"genres", "year", "tags", "genome", "posters"};

// One block before its missing column and scaling: n_items x dim values.
struct RawBlock {
  std::size_t dim = 0;
  std::vector<float> x;
  std::vector<char> present;
};

bool has_genres(const Movie& m) {
  for (const auto& g : m.genres)
    if (g != "(no genres listed)" && !g.empty()) return true;
  return false;
}

std::string lower(const std::string& s) { return std::string(trim(to_lower(s))); }

std::vector<char> trained_items(const RatingMatrix& train) {
  std::vector<char> t(train.n_items(), 0);
  for (ItemIndex i = 0; i < train.n_items(); ++i) t[i] = train.item_count(i) > 0;
  return t;
}

RawBlock genres_block(const Dataset& ds) {
  std::map<std::string, std::size_t> vocab;
  for (const auto& m : ds.movies)
    for (const auto& g : m.genres)
      if (g != "(no genres listed)" && !g.empty()) vocab.emplace(g, 0);
  std::size_t col = 0;
  for (auto& [g, c] : vocab) c = col++;
  RawBlock b;
  b.dim = vocab.size();
  b.x.assign(ds.movies.size() * b.dim, 0.f);
  b.present.assign(ds.movies.size(), 0);
  for (std::size_t i = 0; i < ds.movies.size(); ++i)
    for (const auto& g : ds.movies[i].genres)
      if (auto it = vocab.find(g); it != vocab.end()) {
        b.x[i * b.dim + it->second] = 1.f;
        b.present[i] = 1;
      }
  return b;
}

RawBlock year_block(const Dataset& ds, const std::vector<char>& fit, int bucket) {
  // Mean, std and bucket range over the training movies with a year.
  double s = 0, s2 = 0, n = 0;
  int lo = 1 << 30, hi = -(1 << 30);
  for (std::size_t i = 0; i < ds.movies.size(); ++i) {
    const int y = ds.movies[i].year;
    if (!fit[i] || y <= 0) continue;
    s += y;
    s2 += double(y) * y;
    n += 1;
    lo = std::min(lo, y / bucket * bucket);
    hi = std::max(hi, y / bucket * bucket);
  }
  RawBlock b;
  b.present.assign(ds.movies.size(), 0);
  if (n == 0) {  // no training movie has a year: the block is all "missing"
    b.dim = 0;
    return b;
  }
  const double mean = s / n, sd = std::max(1.0, std::sqrt(std::max(0.0, s2 / n - mean * mean)));
  const int buckets = (hi - lo) / bucket + 1;
  b.dim = 1 + buckets;
  b.x.assign(ds.movies.size() * b.dim, 0.f);
  for (std::size_t i = 0; i < ds.movies.size(); ++i) {
    const int y = ds.movies[i].year;
    if (y <= 0) continue;
    b.present[i] = 1;
    b.x[i * b.dim] = static_cast<float>((y - mean) / sd);
    const int k = std::clamp((y / bucket * bucket - lo) / bucket, 0, buckets - 1);  // outside: nearest bucket
    b.x[i * b.dim + 1 + k] = 1.f;
  }
  return b;
}

RawBlock tags_block(const Dataset& ds, const std::vector<char>& fit, int tags_max) {
  std::vector<std::vector<std::string>> tags(ds.movies.size());
  std::unordered_map<std::string, std::size_t> df;
  double n_docs = 0;
  for (std::size_t i = 0; i < ds.movies.size(); ++i) {
    std::set<std::string> distinct;
    for (const auto& t : ds.movies[i].tags)
      if (auto l = lower(t); !l.empty()) distinct.insert(l);
    tags[i].assign(distinct.begin(), distinct.end());
    if (!fit[i] || distinct.empty()) continue;
    n_docs += 1;
    for (const auto& t : distinct) ++df[t];
  }
  // The tags_max tags on most training movies (ties by name, for a stable vocabulary).
  std::vector<std::pair<std::string, std::size_t>> by_df(df.begin(), df.end());
  std::sort(by_df.begin(), by_df.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (by_df.size() > std::size_t(tags_max)) by_df.resize(tags_max);
  std::unordered_map<std::string, std::pair<std::size_t, float>> vocab;  // tag -> column, idf
  for (std::size_t c = 0; c < by_df.size(); ++c)
    // Smoothed idf, as scikit-learn's TfidfVectorizer: log((1 + n) / (1 + df)) + 1.
    vocab[by_df[c].first] = {c, static_cast<float>(std::log((1 + n_docs) / (1 + by_df[c].second)) + 1)};
  RawBlock b;
  b.dim = vocab.size();
  b.x.assign(ds.movies.size() * b.dim, 0.f);
  b.present.assign(ds.movies.size(), 0);
  for (std::size_t i = 0; i < ds.movies.size(); ++i) {
    double n2 = 0;
    for (const auto& t : tags[i])
      if (auto it = vocab.find(t); it != vocab.end()) {
        b.x[i * b.dim + it->second.first] = it->second.second;  // tf is 1: tags are distinct per movie
        n2 += double(it->second.second) * it->second.second;
      }
    if (n2 <= 0) continue;
    b.present[i] = 1;
    const float inv = static_cast<float>(1 / std::sqrt(n2));
    for (std::size_t j = 0; j < b.dim; ++j) b.x[i * b.dim + j] *= inv;
  }
  return b;
}

std::filesystem::path genome_file(const Dataset& ds) {
  auto f = ds.dir / "genome-scores.csv";
  if (ds.dir.empty() || !std::filesystem::exists(f))
    throw ConfigError("side feature 'genome': dataset " + ds.name + " has no genome-scores.csv" +
                      (ds.dir.empty() ? std::string() : " in " + ds.dir.string()) +
                      " (only ml-25m and ml-32m ship the tag genome); choose among genres, year, tags, posters=FILE");
  return f;
}

// genome-scores.csv: "movieId,tagId,relevance" with a header; tagIds from 1.
RawBlock genome_block(const Dataset& ds) {
  const auto file = genome_file(ds);
  const std::string name = file.filename().string();
  data::FileView fv(file);
  std::string_view text = data::strip_bom(fv.bytes());
  struct Row {
    ItemIndex item;
    std::size_t tag;
    float rel;
  };
  std::vector<Row> rows;
  std::size_t max_tag = 0, line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = data::chomp(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line_no == 1 || data::is_blank(line)) continue;  // header
    auto f = split(std::string(line), ',');
    if (f.size() != 3)
      throw DataError(fmt::format("{}:{}: expected 3 fields movieId,tagId,relevance, got {}", name, line_no, f.size()));
    long long movie = 0, tag = 0;
    double rel = 0;
    if (!parse_int64(f[0], movie)) throw DataError(data::field_error(name, line_no, "movieId", "an integer", f[0]));
    if (!parse_int64(f[1], tag) || tag < 1 || tag > 100000)
      throw DataError(data::field_error(name, line_no, "tagId", "an integer in [1, 100000]", f[1]));
    if (!parse_double(f[2], rel) || !(rel >= 0 && rel <= 1))
      throw DataError(data::field_error(name, line_no, "relevance", "a number in [0, 1]", f[2]));
    auto item = ds.items.find(movie);
    if (!item) continue;  // a movie outside the dataset's movie file
    rows.push_back({*item, std::size_t(tag - 1), static_cast<float>(rel)});
    max_tag = std::max<std::size_t>(max_tag, tag);
  }
  RawBlock b;
  b.dim = max_tag;
  b.x.assign(ds.movies.size() * b.dim, 0.f);
  b.present.assign(ds.movies.size(), 0);
  for (const auto& r : rows) {
    b.x[std::size_t(r.item) * b.dim + r.tag] = r.rel;
    b.present[r.item] = 1;
  }
  return b;
}

// The poster file's rows mapped to items; a file made for another dataset
// (fewer than half of its movieIds are movies here) is refused.
struct PosterRows {
  FeatureSet f;
  std::vector<std::ptrdiff_t> row_of_item;  // -1: no poster (or a zero vector)
};

PosterRows poster_rows(const Dataset& ds, const SideFeature& s) {
  if (s.file.empty())
    throw ConfigError("side feature 'posters' needs its feature file: posters=FILE (made by `movierec posters embed`)");
  PosterRows p;
  p.f = read_features(s.file);
  p.row_of_item.assign(ds.items.size(), -1);
  std::size_t matched = 0;
  for (std::size_t r = 0; r < p.f.size(); ++r) {
    auto item = ds.items.find(p.f.movie_ids[r]);
    if (!item) continue;
    ++matched;
    const float* x = p.f.row(r);
    double n2 = 0;
    for (int j = 0; j < p.f.dim; ++j) n2 += double(x[j]) * x[j];
    if (n2 > 0) p.row_of_item[*item] = static_cast<std::ptrdiff_t>(r);
  }
  if (2 * matched < p.f.size())
    throw DataError(
        fmt::format("feature file {}: only {} of its {} movieIds are movies of dataset {}; it was made "
                    "for another dataset (embed the posters of this dataset's movies)",
                    s.file.string(), matched, p.f.size(), ds.name));
  return p;
}

RawBlock posters_block(const Dataset& ds, const SideFeature& s, const std::vector<char>& fit, int pca_dim) {
  PosterRows p = poster_rows(ds, s);
  const int d = p.f.dim;
  RawBlock b;
  b.present.assign(ds.items.size(), 0);
  std::vector<float> fit_rows;
  std::size_t n_fit = 0;
  for (std::size_t i = 0; i < ds.items.size(); ++i)
    if (p.row_of_item[i] >= 0 && fit[i]) {
      fit_rows.insert(fit_rows.end(), p.f.row(p.row_of_item[i]), p.f.row(p.row_of_item[i]) + d);
      ++n_fit;
    }
  if (n_fit == 0)
    throw DataError("feature file " + s.file.string() + ": no movie rated in the training ratings has a poster vector");
  const int out = pca_dim > 0 ? std::min<int>({pca_dim, d, static_cast<int>(n_fit)}) : 0;
  Pca pca;
  if (out > 0) pca = fit_pca(fit_rows.data(), n_fit, d, out, 42);
  b.dim = out > 0 ? out : d;
  b.x.assign(ds.items.size() * b.dim, 0.f);
  for (std::size_t i = 0; i < ds.items.size(); ++i) {
    if (p.row_of_item[i] < 0) continue;
    b.present[i] = 1;
    const float* x = p.f.row(p.row_of_item[i]);
    if (out > 0)
      pca.project(x, 1, b.x.data() + i * b.dim);
    else
      std::copy(x, x + d, b.x.begin() + i * b.dim);
  }
  return b;
}

void check_names(const std::vector<SideFeature>& side) {
  if (side.empty()) throw ConfigError("side: no feature named; choose among " + join(kNames, ", "));
  std::set<std::string> seen;
  for (const auto& s : side) {
    if (std::find(kNames.begin(), kNames.end(), s.name) == kNames.end())
      throw ConfigError("side: unknown feature '" + s.name + "'; choose among " + join(kNames, ", "));
    if (!seen.insert(s.name).second) throw ConfigError("side: feature '" + s.name + "' named twice");
  }
}

void check_has(const Dataset& ds, const SideFeature& s, const std::vector<char>& present) {
  if (std::none_of(present.begin(), present.end(), [](char c) { return c; }))
    throw ConfigError("side feature '" + s.name + "': no movie of dataset " + ds.name + " has it" +
                      (s.name == "tags" ? " (no tags.csv, or it is empty)" : ""));
}

}  // namespace

std::vector<SideFeature> parse_side(const std::string& spec) {
  std::vector<SideFeature> out;
  for (const auto& raw : split(spec, ',')) {
    std::string e(trim(raw));
    if (e.empty()) continue;
    SideFeature s;
    std::string rest;
    if (auto eq = e.find('='); eq != std::string::npos) {
      s.name = e.substr(0, eq);
      rest = e.substr(eq + 1);
      if (rest.empty()) throw ConfigError("side: '" + e + "': expected a file after '='");
    } else if (auto c = e.find(':'); c != std::string::npos) {
      s.name = e.substr(0, c);
      rest = e.substr(c);
    } else {
      s.name = e;
    }
    // The weight: a trailing ":number" (a file name keeps any other colon).
    if (auto c = rest.rfind(':'); c != std::string::npos) {
      double w = 0;
      if (parse_double(rest.substr(c + 1), w)) {
        if (!(w > 0 && w < 1e6))
          throw ConfigError("side: '" + e + "': the weight must be > 0, got " + rest.substr(c + 1));
        s.weight = static_cast<float>(w);
        rest.resize(c);
      } else if (rest[0] == ':') {
        throw ConfigError("side: '" + e + "': expected a weight (a number) after ':', got \"" + rest.substr(c + 1) +
                          "\"");
      }
    }
    if (!rest.empty() && rest[0] != ':') s.file = rest;
    if (s.name == "posters" && s.file.empty())
      throw ConfigError(
          "side: 'posters' needs its feature file: posters=FILE[:weight] (made by `movierec posters embed`)");
    if (s.name != "posters" && !s.file.empty()) throw ConfigError("side: '" + e + "': only posters takes a file");
    out.push_back(std::move(s));
  }
  check_names(out);
  return out;
}

std::string ItemFeatures::summary() const {
  std::string s;
  for (const auto& b : blocks) {
    if (!s.empty()) s += ", ";
    s += fmt::format("{} {} dims (missing {} of {} movies)", b.name, b.dim, b.missing, n_items);
  }
  return s;
}

std::vector<char> side_available(const Dataset& ds, const std::vector<SideFeature>& side) {
  check_names(side);
  std::vector<char> ok(ds.items.size(), 1);
  for (const auto& s : side) {
    std::vector<char> present(ds.items.size(), 0);
    if (s.name == "genres") {
      for (std::size_t i = 0; i < ds.movies.size(); ++i) present[i] = has_genres(ds.movies[i]);
    } else if (s.name == "year") {
      for (std::size_t i = 0; i < ds.movies.size(); ++i) present[i] = ds.movies[i].year > 0;
    } else if (s.name == "tags") {
      for (std::size_t i = 0; i < ds.movies.size(); ++i) present[i] = !ds.movies[i].tags.empty();
    } else if (s.name == "genome") {
      present = genome_block(ds).present;
    } else {
      auto p = poster_rows(ds, s);
      for (std::size_t i = 0; i < present.size(); ++i) present[i] = p.row_of_item[i] >= 0;
    }
    check_has(ds, s, present);
    for (std::size_t i = 0; i < ok.size(); ++i) ok[i] = ok[i] && present[i];
  }
  return ok;
}

ItemFeatures build_item_features(const Dataset& ds, const RatingMatrix& train, const std::vector<SideFeature>& side,
                                 const SideOptions& opts) {
  check_names(side);
  if (train.n_items() != ds.items.size())
    throw ConfigError(fmt::format("item features: the dataset has {} movies but the training matrix {}",
                                  ds.items.size(), train.n_items()));
  const std::vector<char> fit = trained_items(train);
  std::vector<RawBlock> raw;
  for (const auto& s : side) {
    if (s.name == "genres")
      raw.push_back(genres_block(ds));
    else if (s.name == "year")
      raw.push_back(year_block(ds, fit, opts.year_bucket));
    else if (s.name == "tags")
      raw.push_back(tags_block(ds, fit, opts.tags_max));
    else if (s.name == "genome")
      raw.push_back(genome_block(ds));
    else
      raw.push_back(posters_block(ds, s, fit, opts.poster_pca));
    check_has(ds, s, raw.back().present);
  }
  ItemFeatures f;
  f.n_items = ds.items.size();
  for (std::size_t k = 0; k < raw.size(); ++k) {
    FeatureBlock b;
    b.name = side[k].name;
    b.offset = f.dim;
    b.dim = raw[k].dim + 1;  // + missing
    b.weight = side[k].weight;
    f.dim += b.dim;
    f.blocks.push_back(b);
  }
  f.values.assign(f.n_items * f.dim, 0.f);
  f.complete.assign(f.n_items, 1);
  for (std::size_t k = 0; k < raw.size(); ++k) {
    FeatureBlock& b = f.blocks[k];
    const RawBlock& r = raw[k];
    for (std::size_t i = 0; i < f.n_items; ++i) {
      float* out = f.values.data() + i * f.dim + b.offset;
      if (r.present[i]) {
        std::copy(r.x.begin() + i * r.dim, r.x.begin() + (i + 1) * r.dim, out);
      } else {
        out[r.dim] = 1.f;  // the missing column
        ++b.missing;
        f.complete[i] = 0;
      }
    }
    // Mean squared row norm over the training movies -> 1, then the weight.
    double s = 0, n = 0;
    for (std::size_t i = 0; i < f.n_items; ++i) {
      if (!fit[i]) continue;
      const float* x = f.values.data() + i * f.dim + b.offset;
      for (std::size_t j = 0; j < b.dim; ++j) s += double(x[j]) * x[j];
      n += 1;
    }
    const float scale = static_cast<float>(b.weight / (s > 0 ? std::sqrt(s / n) : 1.0));
    for (std::size_t i = 0; i < f.n_items; ++i)
      for (std::size_t j = 0; j < b.dim; ++j) f.values[i * f.dim + b.offset + j] *= scale;
  }
  return f;
}

}  // namespace movierec
