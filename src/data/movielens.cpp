// load_dataset: the MovieLens CSV sets, ml-100k and the "::" .dat sets.
// Movies first (they fix the item index: every movie, in file order), then the
// ratings through the fast parallel reader (users in order of first
// appearance), then links and tags (optional files).
//
// Rules: a rating must be a number within the scale ([0.5, 5] for the CSV sets
// and ml-10m, [1, 5] for ml-100k and ml-1m, which has users.dat); values
// between steps (3.7) are accepted. Text is UTF-8; a file that is not valid
// UTF-8 is read as Latin-1 (ml-100k, ml-1m) and converted. A UTF-8 BOM, CRLF
// and blank lines are accepted silently. A missing required file is an
// IoError, an empty one or a bad header a DataError even in lenient mode;
// bad rows are DataErrors ("ratings.csv:1043: field 'rating': expected a
// number in [0.5, 5], got \"five\"") or, in lenient mode, skipped and counted.
#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "data/ratings_reader.h"
#include "data/text_scan.h"
#include "data/titles.h"
#include "data/user_info.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "util/strings.h"

namespace movierec {

namespace fs = std::filesystem;
using data::CsvReader;
using data::FileView;

namespace {

constexpr std::size_t kMaxErrors = 5;

// Where a load stands: the dataset being filled and the bad rows seen so far.
struct Loader {
  fs::path dir;
  LoadOptions opts;
  Dataset ds;
  std::vector<std::size_t> movie_lines;       // line of each movie in the movie file
  std::optional<data::IdLookup> movie_index;  // raw movie id -> item, once the movies are read

  const data::IdLookup& movies() {
    if (!movie_index) movie_index.emplace(ds.items);
    return *movie_index;
  }
  std::size_t skipped = 0;
  std::vector<std::string> errors;

  // A bad row: thrown in strict mode, counted in lenient mode.
  void bad_row(std::string msg) {
    if (!opts.lenient) throw DataError(std::move(msg));
    ++skipped;
    if (errors.size() < kMaxErrors) errors.push_back(std::move(msg));
  }

  // Adds a movie; false (after bad_row) when the id is already there.
  bool add_movie(const std::string& file, std::size_t line, std::string_view id_field, std::string_view id_name,
                 std::string title, std::vector<std::string> genres) {
    std::uint64_t id = 0;
    if (!data::parse_uint(trim(id_field), id) || id == 0 || id > 0x7FFFFFFFFFFFull) {
      bad_row(data::field_error(file, line, id_name, "a positive integer id", id_field));
      return false;
    }
    auto raw = static_cast<std::int64_t>(id);
    const std::size_t before = ds.items.size();
    const std::uint32_t index = ds.items.add(raw);  // an old index: a duplicate id
    if (index < before) {
      bad_row(file + ":" + std::to_string(line) + ": field '" + std::string(id_name) + "': duplicate " +
              std::string(id_name) + " " + std::to_string(raw) + " (first at line " +
              std::to_string(movie_lines[index]) + ")");
      return false;
    }
    movie_lines.push_back(line);
    Movie m;
    m.id = raw;
    m.title = std::move(title);
    m.year = data::title_year(m.title);
    m.genres = std::move(genres);
    ds.movies.push_back(std::move(m));
    return true;
  }

  // Finds a movie by raw id field; bad_row and nullopt when unknown or bad.
  std::optional<std::uint32_t> movie_ref(const std::string& file, std::size_t line, std::string_view field,
                                         std::string_view name, const std::string& movie_file) {
    std::uint64_t id = 0;
    if (!data::parse_uint(trim(field), id) || id == 0) {
      bad_row(data::field_error(file, line, name, "a positive integer id", field));
      return std::nullopt;
    }
    std::uint32_t item = movies().find(id);
    if (item == data::IdLookup::kNone) {
      bad_row(data::field_error(file, line, name, "a movie listed in " + movie_file, field));
      return std::nullopt;
    }
    return item;
  }
};

// A file's bytes, refusing an empty one (a missing one is an IoError from FileView).
std::string_view require_text(const FileView& fv, const std::string& name) {
  std::string_view text = data::strip_bom(fv.bytes());
  if (data::is_blank(text)) throw DataError(name + ": the file is empty");
  return text;
}

// Text as UTF-8: kept when it is valid UTF-8, otherwise read as Latin-1 (ml-100k, ml-1m).
std::string to_utf8(std::string_view s, bool is_utf8) { return is_utf8 ? std::string(s) : latin1_to_utf8(s); }

std::vector<std::string> split_genres(std::string_view s) {
  std::vector<std::string> out;
  s = trim(s);
  if (s.empty() || s == "(no genres listed)") return out;
  out.reserve(std::size_t(std::count(s.begin(), s.end(), '|')) + 1);
  while (true) {  // views, not split()'s strings: this runs once per movie
    const std::size_t bar = s.find('|');
    auto t = trim(s.substr(0, bar));
    if (!t.empty()) out.emplace_back(t);
    if (bar == std::string_view::npos) break;
    s.remove_prefix(bar + 1);
  }
  return out;
}

// Checks a CSV header record; throws DataError "<file>:1: expected the header ...".
void expect_header(CsvReader& rd, std::vector<std::string>& fields, const std::string& file,
                   const std::vector<std::string>& want) {
  bool ok = rd.next(fields) && fields.size() == want.size();
  for (std::size_t k = 0; ok && k < want.size(); ++k) ok = trim(fields[k]) == want[k];
  if (!ok)
    throw DataError(file + ":" + std::to_string(rd.line() ? rd.line() : 1) + ": expected the header \"" +
                    join(want, ",") + "\", got " + data::quote_got(rd.raw()));
}

std::string wrong_count(const std::string& file, std::size_t line, const std::vector<std::string>& names,
                        const std::string& sep, std::size_t got, std::string_view raw) {
  return file + ":" + std::to_string(line) + ": expected " + std::to_string(names.size()) + " fields (" +
         join(names, sep) + "), got " + std::to_string(got) + ": " + data::quote_got(raw);
}

// Parses the ratings file and builds the matrix. Duplicates are found by the
// RatingMatrix constructor for free; only then is the file read again, with
// line numbers, to name the duplicate row (or drop it in lenient mode).
void load_ratings(Loader& L, const fs::path& file, const data::RatingsFormat& fmt) {
  FileView fv(file);
  std::string_view raw = fv.bytes();
  std::string_view text = data::strip_bom(raw);
  const std::size_t offset = static_cast<std::size_t>(text.data() - raw.data());
  const data::IdLookup& movies = L.movies();
  auto parsed = data::parse_ratings(text, fmt, movies, L.opts.lenient, 0, false, &fv, offset, L.opts.timestamps);
  auto finish_report = [&](data::ParsedRatings& p) {
    L.skipped += p.skipped;
    for (auto& m : p.first_errors)
      if (L.errors.size() < kMaxErrors) L.errors.push_back(std::move(m));
  };
  data::map_users(parsed.users, parsed.max_user, L.ds.users);
  const std::size_t n_users = L.ds.users.size(), n_items = L.ds.items.size();
  try {
    // The columns move into the matrix (no triplet copy beside them).
    L.ds.ratings = RatingMatrix(n_users, n_items, std::move(parsed.users), std::move(parsed.items),
                                std::move(parsed.values), std::move(parsed.times));
    finish_report(parsed);
    return;
  } catch (const DataError&) {
    // A duplicate pair: handled below.
  }
  auto again = data::parse_ratings(text, fmt, movies, L.opts.lenient, 1, true, nullptr, 0, L.opts.timestamps);
  IdMap users;
  data::map_users(again.users, again.max_user, users);
  std::unordered_map<std::uint64_t, std::size_t> first_line;
  first_line.reserve(again.size());
  std::size_t kept = 0;
  for (std::size_t k = 0; k < again.size(); ++k) {
    const Rating r = again.at(k);
    auto key = (static_cast<std::uint64_t>(r.user) << 32) | r.item;
    auto [it, inserted] = first_line.try_emplace(key, again.lines[k]);
    if (!inserted) {
      std::string msg = fmt.file + ":" + std::to_string(again.lines[k]) + ": field '" + fmt.field_names[1] +
                        "': duplicate rating by " + fmt.field_names[0] + " " + std::to_string(users.raw(r.user)) +
                        " for " + fmt.field_names[1] + " " + std::to_string(L.ds.items.raw(r.item)) +
                        " (first at line " + std::to_string(it->second) + ")";
      if (!L.opts.lenient) throw DataError(msg);
      ++again.skipped;
      if (again.first_errors.size() < kMaxErrors) again.first_errors.push_back(std::move(msg));
      continue;
    }
    again.users[kept] = again.users[k];
    again.items[kept] = again.items[k];
    again.values[kept] = again.values[k];
    if (!again.times.empty()) again.times[kept] = again.times[k];
    ++kept;
  }
  again.users.resize(kept);
  again.items.resize(kept);
  again.values.resize(kept);
  if (!again.times.empty()) again.times.resize(kept);
  finish_report(again);
  L.ds.users = std::move(users);
  L.ds.ratings = RatingMatrix(L.ds.users.size(), n_items, std::move(again.users), std::move(again.items),
                              std::move(again.values), std::move(again.times));
}

// ---- MovieLens CSV sets ---------------------------------------------------

void load_movies_csv(Loader& L) {
  const std::string name = "movies.csv";
  FileView fv(L.dir / name);
  std::string_view text = require_text(fv, name);
  const bool utf8 = data::is_valid_utf8(text);
  CsvReader rd(text, ',', name);
  std::vector<std::string> f;
  const auto lines = std::size_t(std::count(text.begin(), text.end(), '\n'));  // a bound on the movies
  L.ds.movies.reserve(lines);
  L.movie_lines.reserve(lines);
  const std::vector<std::string> names{"movieId", "title", "genres"};
  expect_header(rd, f, name, names);
  while (rd.next(f)) {
    if (f.size() != 3) {
      L.bad_row(wrong_count(name, rd.line(), names, ",", f.size(), rd.raw()));
      continue;
    }
    L.add_movie(name, rd.line(), f[0], "movieId", to_utf8(trim(f[1]), utf8), split_genres(f[2]));
  }
  if (L.ds.movies.empty()) throw DataError(name + ": no movies (the file has no data rows)");
}

void load_links_csv(Loader& L) {
  const std::string name = "links.csv";
  if (!fs::exists(L.dir / name)) return;
  FileView fv(L.dir / name);
  std::string_view text = data::strip_bom(fv.bytes());
  if (data::is_blank(text)) throw DataError(name + ": the file is empty");
  CsvReader rd(text, ',', name);
  std::vector<std::string> f;
  const std::vector<std::string> names{"movieId", "imdbId", "tmdbId"};
  expect_header(rd, f, name, names);
  while (rd.next(f)) {
    if (f.size() != 3) {
      L.bad_row(wrong_count(name, rd.line(), names, ",", f.size(), rd.raw()));
      continue;
    }
    auto item = L.movie_ref(name, rd.line(), f[0], "movieId", "movies.csv");
    if (!item) continue;
    std::int64_t ids[2] = {-1, -1};
    bool ok = true;
    for (int k = 0; k < 2 && ok; ++k) {
      auto s = trim(f[1 + k]);
      std::uint64_t v = 0;
      if (s.empty()) continue;  // some movies have no tmdbId
      if (!data::parse_uint(s, v)) {
        L.bad_row(data::field_error(name, rd.line(), names[1 + k], "an integer id or nothing", s));
        ok = false;
      }
      ids[k] = static_cast<std::int64_t>(v);
    }
    if (!ok) continue;
    L.ds.movies[*item].imdb_id = ids[0];
    L.ds.movies[*item].tmdb_id = ids[1];
  }
}

// Adds distinct tags per movie, in order of first appearance.
struct TagSet {
  std::unordered_set<std::string> seen;
  void add(Movie& m, std::uint32_t item, std::string tag) {
    std::string key = std::to_string(item);
    key += '\0';
    key += tag;
    if (seen.insert(std::move(key)).second) m.tags.push_back(std::move(tag));
  }
};

void load_tags_csv(Loader& L) {
  const std::string name = "tags.csv";
  if (!L.opts.load_tags || !fs::exists(L.dir / name)) return;
  FileView fv(L.dir / name);
  std::string_view text = data::strip_bom(fv.bytes());
  if (data::is_blank(text)) return;  // an empty tags file means no tags
  const bool utf8 = data::is_valid_utf8(text);
  CsvReader rd(text, ',', name);
  std::vector<std::string> f;
  const std::vector<std::string> names{"userId", "movieId", "tag", "timestamp"};
  expect_header(rd, f, name, names);
  TagSet tags;
  while (rd.next(f)) {
    if (f.size() != 4) {
      L.bad_row(wrong_count(name, rd.line(), names, ",", f.size(), rd.raw()));
      continue;
    }
    auto item = L.movie_ref(name, rd.line(), f[1], "movieId", "movies.csv");
    if (!item) continue;
    auto tag = trim(f[2]);
    if (!tag.empty()) tags.add(L.ds.movies[*item], *item, to_utf8(tag, utf8));
  }
}

void load_csv_set(Loader& L) {
  L.ds.format = "movielens-csv";
  L.ds.scale = {0.5f, 5.0f, 0.5f};
  if (!fs::exists(L.dir / "movies.csv")) throw InputError("missing file " + (L.dir / "movies.csv").string());
  if (!fs::exists(L.dir / "ratings.csv")) throw InputError("missing file " + (L.dir / "ratings.csv").string());
  load_movies_csv(L);
  load_ratings(L, L.dir / "ratings.csv", data::csv_ratings_format());
  if (L.opts.load_links) load_links_csv(L);
  load_tags_csv(L);
}

// ---- ml-100k ----------------------------------------------------------------

std::vector<std::string> genre_names_100k(const fs::path& dir) {
  std::vector<std::string> names{"unknown",     "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
                                 "Documentary", "Drama",  "Fantasy",   "Film-Noir", "Horror",     "Musical", "Mystery",
                                 "Romance",     "Sci-Fi", "Thriller",  "War",       "Western"};
  if (!fs::exists(dir / "u.genre")) return names;
  FileView fv(dir / "u.genre");
  std::string_view text = fv.bytes();
  data::for_each_line(text, [&](std::size_t line, std::string_view l) {
    std::string_view f[2];
    std::uint64_t index = 0;
    if (data::split_fields(l, "|", f, 2) != 2 || !data::parse_uint(trim(f[1]), index) || index >= names.size())
      throw DataError(data::field_error("u.genre", line, "genre index", "an integer in [0, 18]", l));
    names[index] = latin1_to_utf8(trim(f[0]));
  });
  return names;
}

void load_100k(Loader& L) {
  L.ds.format = "ml-100k";
  L.ds.scale = {1.0f, 5.0f, 1.0f};
  const std::string name = "u.item";
  auto genres = genre_names_100k(L.dir);
  {
    FileView fv(L.dir / name);
    std::string_view text = require_text(fv, name);
    const bool utf8 = data::is_valid_utf8(text);
    std::string_view f[24];
    data::for_each_line(text, [&](std::size_t line, std::string_view l) {
      std::size_t n = data::split_fields(l, "|", f, 24);
      if (n != 24) {
        L.bad_row(name + ":" + std::to_string(line) +
                  ": expected 24 fields (movie id|movie title|release date|"
                  "video release date|IMDb URL|19 genre flags), got " +
                  std::to_string(n) + ": " + data::quote_got(l));
        return;
      }
      std::vector<std::string> g;
      bool ok = true;
      for (int k = 0; k < 19 && ok; ++k) {
        auto flag = trim(f[5 + k]);
        if (flag == "1") {
          if (k > 0) g.push_back(genres[k]);  // "unknown" is no genre
        } else if (flag != "0") {
          L.bad_row(data::field_error(name, line, genres[k], "a genre flag 0 or 1", flag));
          ok = false;
        }
      }
      if (!ok) return;
      std::string title = to_utf8(trim(f[1]), utf8);
      if (!L.add_movie(name, line, f[0], "movie id", title, std::move(g))) return;
      // Year from the title; the release date ("01-Jan-1995") when the title has none.
      Movie& m = L.ds.movies.back();
      std::uint64_t y = 0;
      auto date = trim(f[2]);
      if (m.year == 0 && date.size() >= 4 && data::parse_uint(date.substr(date.size() - 4), y))
        m.year = static_cast<int>(y);
    });
    if (L.ds.movies.empty()) throw DataError(name + ": no movies (the file has no data rows)");
  }
  load_ratings(L, L.dir / "u.data",
               {"u.data", "\t", "", {"user id", "item id", "rating", "timestamp"}, "u.item", L.ds.scale});
}

// ---- ml-1m, ml-10m ("::" .dat files) -------------------------------------------

void load_dat(Loader& L) {
  L.ds.format = "ml-dat";
  // ml-1m (with users.dat) has whole stars; ml-10m half stars.
  const bool whole = fs::exists(L.dir / "users.dat");
  L.ds.scale = whole ? RatingScale{1.0f, 5.0f, 1.0f} : RatingScale{0.5f, 5.0f, 0.5f};
  const std::string name = "movies.dat";
  if (!fs::exists(L.dir / name)) throw InputError("missing file " + (L.dir / name).string());
  {
    FileView fv(L.dir / name);
    std::string_view text = require_text(fv, name);
    const bool utf8 = data::is_valid_utf8(text);
    data::for_each_line(text, [&](std::size_t line, std::string_view l) {
      // MovieID::Title::Genres; the title is everything between the first and last "::".
      std::size_t a = l.find("::"), b = l.rfind("::");
      if (a == std::string_view::npos || b == a) {
        L.bad_row(name + ":" + std::to_string(line) + ": expected 3 fields (MovieID::Title::Genres), got " +
                  std::to_string(a == std::string_view::npos ? 1 : 2) + ": " + data::quote_got(l));
        return;
      }
      L.add_movie(name, line, l.substr(0, a), "MovieID", to_utf8(trim(l.substr(a + 2, b - a - 2)), utf8),
                  split_genres(l.substr(b + 2)));
    });
    if (L.ds.movies.empty()) throw DataError(name + ": no movies (the file has no data rows)");
  }
  load_ratings(L, L.dir / "ratings.dat",
               {"ratings.dat", "::", "", {"UserID", "MovieID", "Rating", "Timestamp"}, "movies.dat", L.ds.scale});

  const std::string tags_name = "tags.dat";
  if (!L.opts.load_tags || !fs::exists(L.dir / tags_name)) return;
  FileView fv(L.dir / tags_name);
  std::string_view text = data::strip_bom(fv.bytes());
  const bool utf8 = data::is_valid_utf8(text);
  TagSet tags;
  data::for_each_line(text, [&](std::size_t line, std::string_view l) {
    // UserID::MovieID::Tag::Timestamp; the tag is everything between the second and last "::".
    std::size_t a = l.find("::");
    std::size_t b = a == std::string_view::npos ? a : l.find("::", a + 2);
    std::size_t c = l.rfind("::");
    if (b == std::string_view::npos || c == b) {
      L.bad_row(tags_name + ":" + std::to_string(line) +
                ": expected 4 fields (UserID::MovieID::Tag::Timestamp): " + data::quote_got(l));
      return;
    }
    auto item = L.movie_ref(tags_name, line, l.substr(a + 2, b - a - 2), "MovieID", "movies.dat");
    if (!item) return;
    auto tag = trim(l.substr(b + 2, c - b - 2));
    if (!tag.empty()) tags.add(L.ds.movies[*item], *item, to_utf8(tag, utf8));
  });
}

std::string folder_name(const fs::path& dir) {
  fs::path p = dir;
  if (p.filename().empty()) p = p.parent_path();
  std::string n = p.filename().string();
  return n.empty() ? dir.string() : n;
}

}  // namespace

Dataset load_dataset(const fs::path& dir, const LoadOptions& opts, LoadReport* report) {
  if (!fs::exists(dir)) throw InputError("data folder not found: " + dir.string());
  if (!fs::is_directory(dir)) throw InputError("not a data folder: " + dir.string());
  Loader L;
  L.dir = dir;
  L.opts = opts;
  L.ds.dir = dir;
  L.ds.name = folder_name(dir);
  auto has = [&](const char* f) { return fs::exists(dir / f); };
  if (has("ratings.csv") || has("movies.csv")) {
    load_csv_set(L);
  } else if (has("u.data") || has("u.item")) {
    if (!has("u.item")) throw InputError("missing file " + (dir / "u.item").string());
    if (!has("u.data")) throw InputError("missing file " + (dir / "u.data").string());
    load_100k(L);
    data::load_user_info(L.ds, dir, opts.lenient, L.skipped, L.errors);
  } else if (has("ratings.dat") || has("movies.dat")) {
    if (!has("ratings.dat")) throw InputError("missing file " + (dir / "ratings.dat").string());
    load_dat(L);
    data::load_user_info(L.ds, dir, opts.lenient, L.skipped, L.errors);
  } else {
    throw InputError("no MovieLens files in " + dir.string() +
                     ": expected ratings.csv + movies.csv (ml-latest, ml-25m...), u.data + u.item (ml-100k) "
                     "or ratings.dat + movies.dat (ml-1m, ml-10m)");
  }
  if (L.skipped) {
    std::fprintf(stderr, "movierec: %s: skipped %zu bad rows; first: %s\n", dir.string().c_str(), L.skipped,
                 L.errors.front().c_str());
  }
  if (report) {
    report->skipped = L.skipped;
    report->first_errors = L.errors;
  }
  return std::move(L.ds);
}

}  // namespace movierec
