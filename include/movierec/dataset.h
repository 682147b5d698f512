// A MovieLens dataset in memory: id maps, ratings, movie metadata; and its loaders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "movierec/rating_matrix.h"

namespace movierec {

// Two-way map between raw ids (MovieLens userId / movieId) and dense indices.
class IdMap {
 public:
  // Returns the index of raw, adding it when new.
  std::uint32_t add(std::int64_t raw);
  std::optional<std::uint32_t> find(std::int64_t raw) const;
  std::int64_t raw(std::uint32_t index) const { return raw_[index]; }
  std::size_t size() const { return raw_.size(); }
  const std::vector<std::int64_t>& raw_ids() const { return raw_; }

 private:
  std::vector<std::int64_t> raw_;
  std::unordered_map<std::int64_t, std::uint32_t> index_;
};

struct Movie {
  std::int64_t id = 0;  // MovieLens movieId
  std::string title;    // UTF-8, with the year as in the file: "Heat (1995)"
  int year = 0;         // parsed from the title, 0 when absent
  std::vector<std::string> genres;
  std::int64_t imdb_id = -1;  // from links.csv, -1 when unknown
  std::int64_t tmdb_id = -1;
  std::vector<std::string> tags;  // distinct tags from tags.csv
};

// Demographics of a user, where the dataset has them: ml-100k's u.user (age in
// years, occupation by name) and ml-1m's users.dat (age as its bucket's lower
// bound 1, 18, 25..., occupation as its code "0".."20"). Empty fields: unknown.
struct UserInfo {
  int age = 0;             // 0 when unknown
  std::string gender;      // "M", "F" or ""
  std::string occupation;  // "" when unknown
};

// Rating scale of the dataset: predictions are clipped to [min, max].
struct RatingScale {
  float min = 0.5f, max = 5.0f, step = 0.5f;
};

struct Dataset {
  std::string name;    // "ml-latest-small", or the folder name
  std::string format;  // "movielens-csv", "ml-100k", "ml-dat"
  std::filesystem::path dir;
  IdMap users, items;               // items: every movie of the movie file, rated or not
  std::vector<Movie> movies;        // indexed by ItemIndex
  RatingMatrix ratings;             // n_users x n_items
  std::vector<UserInfo> user_info;  // by UserIndex; empty when the dataset has no user file
  RatingScale scale;

  // Stable digest of ids and ratings; stored in model files to refuse a model
  // trained on other data.
  std::uint64_t fingerprint() const;
  std::size_t rated_movies() const;  // movies with at least one rating
};

struct LoadOptions {
  // Skip bad rows instead of failing; the count and the first few are reported
  // in LoadReport and on stderr.
  bool lenient = false;
  bool load_tags = true;
  // Read links.csv (imdb and tmdb ids: posters, the service's links); without
  // it every movie's ids read as -1.
  bool load_links = true;
  // Keep the ratings' timestamps (4 bytes a rating). Without them every
  // timestamp reads as 0: temporal splits and split files need them.
  bool timestamps = true;
};

struct LoadReport {
  std::size_t skipped = 0;
  std::vector<std::string> first_errors;  // at most 5 messages
};

// Loads a dataset from a folder, detecting the format from the files present:
// ratings.csv + movies.csv (MovieLens CSV sets), u.data + u.item (ml-100k),
// ratings.dat + movies.dat (ml-1m, ml-10m). Throws DataError naming file, line
// and field on bad input, IoError when files are missing.
Dataset load_dataset(const std::filesystem::path& dir, const LoadOptions& opts = {}, LoadReport* report = nullptr);

// Finds movies by title: case-insensitive, tolerant of a missing year or
// leading article ("heat", "toy story", "Matrix, The"). Exact matches first.
std::vector<ItemIndex> find_movies(const Dataset& ds, const std::string& query);

// Resolves a title query or "#<movieId>" to one movie, choosing the best
// candidate of find_movies: an exact title, else the only match, else the
// most-rated movie whose title without year equals the query (the other such
// movies go to *also when given, for a note). Several looser matches are a
// ConfigError listing them; an unknown "#id" is a ConfigError.
ItemIndex resolve_movie(const Dataset& ds, const std::string& query, std::vector<ItemIndex>* also = nullptr);

// "\n  Title (year)  (movieId N)" lines for messages, at most max_shown of them.
std::string movie_list(const Dataset& ds, std::span<const ItemIndex> items, std::size_t max_shown = 10);

}  // namespace movierec
