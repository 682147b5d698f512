// The fast ratings reader shared by every MovieLens format: one line per
// rating, four fields (user, movie, rating, timestamp), no quoting. Big files
// are parsed in parallel chunks split at line breaks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "movierec/dataset.h"
#include "movierec/rating_matrix.h"

namespace movierec::data {

// Raw movie id -> dense item index, read-only during parsing (thread safe):
// a direct table when ids are small (all MovieLens sets), a hash map otherwise.
class IdLookup {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  explicit IdLookup(const IdMap& ids);
  std::uint32_t find(std::uint64_t raw) const {
    if (!dense_.empty() || map_.empty()) return raw < dense_.size() ? dense_[raw] : kNone;
    auto it = map_.find(raw);
    return it == map_.end() ? kNone : it->second;
  }

 private:
  std::vector<std::uint32_t> dense_;
  std::unordered_map<std::uint64_t, std::uint32_t> map_;
};

struct RatingsFormat {
  std::string file;            // name for messages: "ratings.csv"
  std::string sep;             // ",", "\t", "::"
  std::string header;          // expected first line, empty when none
  std::string field_names[4];  // user, movie, rating, timestamp
  std::string movie_file;      // "movies.csv", for "absent from" messages
  RatingScale scale;           // values outside [min, max] are errors
};

// The ratings.csv of the MovieLens CSV sets: header, names, 0.5..5 scale.
RatingsFormat csv_ratings_format();

// Ratings as columns (20 bytes a rating, not the 24 of a padded Rating):
// they become the RatingMatrix's rows without a copy.
struct ParsedRatings {
  // users holds the raw user ids here; items the dense movie indices; times is
  // empty when the timestamps were not kept.
  std::vector<UserIndex> users;
  std::vector<ItemIndex> items;
  std::vector<float> values;
  std::vector<std::int64_t> times;
  std::size_t size() const { return users.size(); }
  Rating at(std::size_t k) const { return {users[k], items[k], values[k], times.empty() ? 0 : times[k]}; }
  std::vector<std::size_t> lines;  // 1-based line of each rating, only when asked
  std::size_t skipped = 0;
  std::vector<std::string> first_errors;  // at most 5, in file order
  std::uint64_t max_user = 0;
};

// Parses ratings text (after any BOM). Throws DataError naming file, line and
// field on the first bad row unless lenient (then bad rows are skipped and
// counted). threads <= 0: every core. with_lines: fill ParsedRatings::lines.
// file_view, when given, lets the reader drop parsed pages (FileView::release).
// keep_times false: the timestamps are checked but not kept.
class FileView;
ParsedRatings parse_ratings(std::string_view text, const RatingsFormat& fmt, const IdLookup& movies, bool lenient,
                            int threads, bool with_lines = false, const FileView* file_view = nullptr,
                            std::size_t text_offset = 0, bool keep_times = true);

// Maps raw user ids (in users) to dense indices in first-appearance order,
// adding them to ids.
void map_users(std::vector<UserIndex>& users, std::uint64_t max_user, IdMap& ids);

}  // namespace movierec::data
