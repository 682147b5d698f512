#include "data/ratings_reader.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "data/text_scan.h"
#include "movierec/errors.h"
#include "util/parallel.h"
#include "util/strings.h"

namespace movierec::data {

namespace {

constexpr std::uint64_t kMaxId = 0xFFFFFFFEull;  // raw user ids live in a uint32 until mapped
constexpr std::size_t kMaxErrors = 5;

// The general path: splits the line, checks every field and says what is wrong
// in err ("field 'rating': expected ..., got ..."). Returns false on a bad row.
bool parse_line_general(std::string_view line, const RatingsFormat& fmt, const IdLookup& movies, Rating& out,
                        std::string& err) {
  std::string_view f[4];
  std::size_t n = split_fields(line, fmt.sep, f, 4);
  auto fail = [&](int k, const std::string& expected) {
    err = "field '" + fmt.field_names[k] + "': expected " + expected + ", got " + quote_got(f[k]);
    return false;
  };
  if (n != 4) {
    err = "expected 4 fields (" + fmt.field_names[0] + fmt.sep + fmt.field_names[1] + fmt.sep + fmt.field_names[2] +
          fmt.sep + fmt.field_names[3] + "), got " + std::to_string(n) + ": " + quote_got(line);
    return false;
  }
  for (auto& s : f) s = trim(s);
  std::uint64_t user = 0, movie = 0;
  if (!parse_uint(f[0], user) || user == 0 || user > kMaxId) return fail(0, "a positive integer id");
  if (!parse_uint(f[1], movie) || movie == 0) return fail(1, "a positive integer id");
  std::uint32_t item = movies.find(movie);
  if (item == IdLookup::kNone) return fail(1, "a movie listed in " + fmt.movie_file);
  float value = 0;
  const std::string range = "a number in [" + number_text(fmt.scale.min) + ", " + number_text(fmt.scale.max) + "]";
  if (!parse_number(f[2], value) || value < fmt.scale.min || value > fmt.scale.max) return fail(2, range);
  std::int64_t ts = 0;
  if (!parse_int(f[3], ts)) return fail(3, "an integer (seconds since 1970)");
  out = Rating{static_cast<UserIndex>(user), item, value, ts};
  return true;
}

// The fast path for well-formed lines: digits sep digits sep number sep digits
// then "\n", "\r\n" or the end. Scans from p (no search for the line end
// first) and returns the start of the next line, or nullptr on anything
// unusual: the general path then decides.
[[gnu::always_inline]] inline const char* parse_line_fast(const char* p, const char* e, char s0, char s1,
                                                          const RatingsFormat& fmt, const IdLookup& movies,
                                                          Rating& out) {
  auto sep = [&]() {
    if (p >= e || *p != s0) return false;
    ++p;
    if (s1) {
      if (p >= e || *p != s1) return false;
      ++p;
    }
    return true;
  };
  auto digits = [&](std::uint64_t& v, int max_digits) {
    const char* start = p;
    v = 0;
    while (p < e && static_cast<unsigned>(*p - '0') <= 9) {
      v = v * 10 + static_cast<unsigned>(*p - '0');
      ++p;
    }
    return p > start && p - start <= max_digits;
  };
  std::uint64_t user, movie, ts;
  if (!digits(user, 10) || user == 0 || user > kMaxId || !sep()) return nullptr;
  if (!digits(movie, 18) || !sep()) return nullptr;
  std::uint32_t item = movies.find(movie);
  if (item == IdLookup::kNone) return nullptr;
  // Rating: d[.ddd]
  std::uint64_t ip;
  if (!digits(ip, 3)) return nullptr;
  double value = static_cast<double>(ip);
  if (p < e && *p == '.') {
    ++p;
    const char* start = p;
    std::uint64_t frac;
    if (!digits(frac, 4)) return nullptr;
    static constexpr double kPow10[] = {1, 10, 100, 1000, 10000};
    value = static_cast<double>(ip * static_cast<std::uint64_t>(kPow10[p - start]) + frac) / kPow10[p - start];
  }
  float v = static_cast<float>(value);
  if (v < fmt.scale.min || v > fmt.scale.max || !sep()) return nullptr;
  if (!digits(ts, 18)) return nullptr;
  if (p < e && *p == '\r') ++p;
  if (p < e) {
    if (*p != '\n') return nullptr;
    ++p;
  }
  out = Rating{static_cast<UserIndex>(user), item, v, static_cast<std::int64_t>(ts)};
  return p;
}

struct Chunk {
  std::size_t begin = 0, end = 0;      // byte range in the text, whole lines
  std::size_t slots = 0;               // lines in the range (an upper bound of ratings)
  std::size_t first_line = 0;          // 1-based line number of its first line
  std::size_t out = 0;                 // first slot in the output array
  std::size_t count = 0, skipped = 0;  // ratings kept, bad rows skipped
  std::size_t lines = 0;               // lines read
  std::uint64_t max_user = 0;
  std::vector<std::string> errors;  // complete messages, at most kMaxErrors
};

// Where parse_chunk puts ratings: fixed slots (parallel chunks) or the end of
// the columns (one thread: no pre-zeroed arrays, no counting pass).
struct SlotSink {
  UserIndex* users;
  ItemIndex* items;
  float* values;
  std::int64_t* times;  // null: not kept
  std::size_t* lines;
  void put(std::size_t k, const Rating& r, std::size_t line) {
    if (lines) lines[k] = line;
    users[k] = r.user;
    items[k] = r.item;
    values[k] = r.value;
    if (times) times[k] = r.timestamp;
  }
};
struct PushSink {
  ParsedRatings& out;
  bool keep_times, with_lines;
  void put(std::size_t, const Rating& r, std::size_t line) {
    if (with_lines) out.lines.push_back(line);
    out.users.push_back(r.user);
    out.items.push_back(r.item);
    out.values.push_back(r.value);
    if (keep_times) out.times.push_back(r.timestamp);
  }
};

template <typename Sink>
void parse_chunk(std::string_view text, Chunk& c, const RatingsFormat& fmt, const IdLookup& movies, bool lenient,
                 Sink sink) {
  const char s0 = fmt.sep[0], s1 = fmt.sep.size() > 1 ? fmt.sep[1] : '\0';
  const char* p = text.data() + c.begin;
  const char* end = text.data() + c.end;
  std::size_t line = c.first_line;
  std::string err;
  std::uint64_t max_user = c.max_user;
  Rating r{};
  while (p < end) {
    if (const char* next = parse_line_fast(p, end, s0, s1, fmt, movies, r)) {
      max_user = std::max<std::uint64_t>(max_user, r.user);
      sink.put(c.out + c.count++, r, line);
      p = next;
      ++line;
      continue;
    }
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* le = nl ? nl : end;
    const char* next = nl ? nl + 1 : end;
    if (le > p && le[-1] == '\r') --le;
    {
      std::string_view text_line(p, static_cast<std::size_t>(le - p));
      if (is_blank(text_line)) {
        p = next;
        ++line;
        continue;
      }
      if (!parse_line_general(text_line, fmt, movies, r, err)) {
        std::string msg = fmt.file + ":" + std::to_string(line) + ": " + err;
        if (!lenient) {
          c.errors.push_back(std::move(msg));
          return;
        }
        ++c.skipped;
        if (c.errors.size() < kMaxErrors) c.errors.push_back(std::move(msg));
        p = next;
        ++line;
        continue;
      }
    }
    max_user = std::max<std::uint64_t>(max_user, r.user);
    sink.put(c.out + c.count++, r, line);
    p = next;
    ++line;
  }
  c.lines = line - c.first_line;
  c.max_user = max_user;
}

// Number of '\n' in [b, e): 8 bytes at a time, exact zero-byte count of x ^ '\n'.
std::size_t count_newlines(const char* b, const char* e) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, k7F = 0x7F7F7F7F7F7F7F7Full;
  std::size_t n = 0;
  while (e - b >= 8) {
    std::uint64_t x;
    std::memcpy(&x, b, 8);
    x ^= kOnes * '\n';
    // A byte of t has its high bit set iff that byte of x is zero.
    std::uint64_t t = ~(((x & k7F) + k7F) | x | k7F);
    n += static_cast<std::size_t>(__builtin_popcountll(t));
    b += 8;
  }
  for (; b < e; ++b) n += *b == '\n';
  return n;
}

// [b, e) cut after a line break at about every `size` bytes.
std::vector<Chunk> cut_chunks(std::string_view text, std::size_t begin, std::size_t n_chunks) {
  std::vector<Chunk> chunks(n_chunks);
  const std::size_t body = text.size() - begin;
  for (std::size_t c = 0; c < n_chunks; ++c) {
    std::size_t b = c == 0 ? begin : chunks[c - 1].end;
    std::size_t e = c + 1 == n_chunks ? text.size() : begin + body / n_chunks * (c + 1);
    if (e < b) e = b;
    if (c + 1 < n_chunks) {
      std::size_t nl = text.find('\n', e);
      e = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    chunks[c].begin = b;
    chunks[c].end = e;
  }
  return chunks;
}

}  // namespace

IdLookup::IdLookup(const IdMap& ids) {
  std::int64_t max_raw = -1;
  bool ok = true;
  for (std::int64_t raw : ids.raw_ids()) {
    if (raw < 0) ok = false;
    max_raw = std::max(max_raw, raw);
  }
  // A direct table costs 4 bytes per possible id: fine up to 16x the count.
  if (ok && max_raw < static_cast<std::int64_t>(16 * ids.size() + (1u << 20))) {
    dense_.assign(static_cast<std::size_t>(max_raw + 1), kNone);
    for (std::size_t k = 0; k < ids.size(); ++k)
      dense_[static_cast<std::size_t>(ids.raw(static_cast<std::uint32_t>(k)))] = static_cast<std::uint32_t>(k);
  } else {
    for (std::size_t k = 0; k < ids.size(); ++k)
      if (ids.raw(static_cast<std::uint32_t>(k)) >= 0)
        map_.emplace(static_cast<std::uint64_t>(ids.raw(static_cast<std::uint32_t>(k))), static_cast<std::uint32_t>(k));
  }
}

ParsedRatings parse_ratings(std::string_view text, const RatingsFormat& fmt, const IdLookup& movies, bool lenient,
                            int threads, bool with_lines, const FileView* file_view, std::size_t text_offset,
                            bool keep_times) {
  if (is_blank(text)) throw DataError(fmt.file + ": the file is empty");
  std::size_t pos = 0, first_line = 1;
  if (!fmt.header.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view head = chomp(text.substr(0, nl));
    if (trim(head) != fmt.header)
      throw DataError(fmt.file + ":1: expected the header \"" + fmt.header + "\", got " + quote_got(head));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    first_line = 2;
  }

  const int n_threads = thread_count(threads);
  const std::size_t body = text.size() - pos;
  // Big files are read 64 MiB at a time, each piece's pages dropped once
  // parsed: the file never sits whole in memory beside the ratings.
  constexpr std::size_t kPiece = 64u << 20;
  const bool release = file_view && body > kPiece;
  auto populate = [&](const Chunk& c) {
    if (file_view) file_view->populate(text_offset + c.begin, c.end - c.begin);
  };
  auto drop = [&](const Chunk& c) {
    if (release) file_view->release(text_offset + c.begin, c.end - c.begin);
  };
  ParsedRatings result;
  std::vector<Chunk> chunks;
  if (n_threads == 1 || body < (8u << 20)) {
    // One thread (or a small file, where starting threads costs more than it
    // saves): pieces in order, appended to one vector; no counting pass.
    // Capacity from the mean line length of the first 64 KiB (+10%).
    std::string_view sample = text.substr(pos, 1 << 16);
    std::size_t sample_lines = std::max<std::size_t>(1, count_newlines(sample.data(), sample.data() + sample.size()));
    std::size_t estimate = body / std::max<std::size_t>(1, sample.size() / sample_lines) * 11 / 10 + 16;
    auto reserve = [&](auto& v) {
      v.reserve(estimate);
      prefault_write(v.data(), estimate / 11 * 10 * sizeof(v[0]));  // the mean guess
    };
    reserve(result.users);
    reserve(result.items);
    reserve(result.values);
    if (keep_times) reserve(result.times);
    if (with_lines) result.lines.reserve(estimate);
    chunks = cut_chunks(text, pos, std::max<std::size_t>(1, body / kPiece));
    for (auto& c : chunks) {
      c.first_line = first_line;
      c.out = result.size();
      c.max_user = result.max_user;
      populate(c);
      parse_chunk(text, c, fmt, movies, lenient, PushSink{result, keep_times, with_lines});
      drop(c);
      result.max_user = c.max_user;
      first_line += c.lines;
      if (!c.errors.empty() && !lenient) break;
    }
  } else {
    // Parallel: pass 1 counts lines per chunk (each chunk's first line and
    // output slot), pass 2 parses every chunk into its own slots.
    const std::size_t n_chunks = std::clamp<std::size_t>(
        body / (1u << 20), 2, std::max<std::size_t>(static_cast<std::size_t>(n_threads) * 4, body / kPiece));
    chunks = cut_chunks(text, pos, n_chunks);
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (std::size_t c = 0; c < n_chunks; ++c) {
      populate(chunks[c]);
      const char* b = text.data() + chunks[c].begin;
      const char* e = text.data() + chunks[c].end;
      std::size_t n = count_newlines(b, e);
      if (e > b && e[-1] != '\n') ++n;  // last line without a line break
      chunks[c].slots = n;
      drop(chunks[c]);
    }
    std::size_t slots = 0;
    for (auto& c : chunks) {
      c.first_line = first_line;
      c.out = slots;
      first_line += c.slots;
      slots += c.slots;
    }
    result.users.reserve(slots);
    result.items.reserve(slots);
    result.values.reserve(slots);
    if (keep_times) result.times.reserve(slots);
      // Fault the arrays in by chunk, in parallel, before resize() zeroes them.
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (std::size_t c = 0; c < n_chunks; ++c) {
      const std::size_t b = chunks[c].out, n = chunks[c].slots;
      prefault_write(result.users.data() + b, n * sizeof(UserIndex));
      prefault_write(result.items.data() + b, n * sizeof(ItemIndex));
      prefault_write(result.values.data() + b, n * sizeof(float));
      if (keep_times) prefault_write(result.times.data() + b, n * sizeof(std::int64_t));
    }
    result.users.resize(slots);
    result.items.resize(slots);
    result.values.resize(slots);
    if (keep_times) result.times.resize(slots);
    if (with_lines) result.lines.resize(slots);
    const SlotSink slot_sink{result.users.data(), result.items.data(), result.values.data(),
                             keep_times ? result.times.data() : nullptr, with_lines ? result.lines.data() : nullptr};
    ExceptionKeeper keeper;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (std::size_t c = 0; c < n_chunks; ++c) {
      keeper.run([&] {
        populate(chunks[c]);
        parse_chunk(text, chunks[c], fmt, movies, lenient, slot_sink);
        drop(chunks[c]);
      });
    }
    keeper.rethrow();
  }

  // Errors in file order; strict mode stops at the first.
  for (auto& c : chunks) {
    if (!lenient && !c.errors.empty()) throw DataError(c.errors.front());
    result.skipped += c.skipped;
    for (auto& m : c.errors)
      if (result.first_errors.size() < kMaxErrors) result.first_errors.push_back(std::move(m));
    result.max_user = std::max(result.max_user, c.max_user);
  }
  // Close the gaps left by blank or skipped lines (parallel chunks only:
  // appended pieces have none).
  auto close_gaps = [&](auto& v) {
    if (v.empty()) return;
    std::size_t n = 0;
    for (auto& c : chunks) {
      if (c.out != n) std::memmove(v.data() + n, v.data() + c.out, c.count * sizeof(v[0]));
      n += c.count;
    }
    v.resize(n);
  };
  close_gaps(result.users);
  close_gaps(result.items);
  close_gaps(result.values);
  close_gaps(result.times);
  close_gaps(result.lines);
  const std::size_t n = result.size();
  if (n == 0) {
    if (result.skipped)
      throw DataError(fmt.file + ": no valid rating (" + std::to_string(result.skipped) +
                      " bad rows skipped; first: " + result.first_errors.front() + ")");
    throw DataError(fmt.file + ": no ratings (the file has no data rows)");
  }
  return result;
}

RatingsFormat csv_ratings_format() {
  // Built in one aggregate (assigning the short literals trips a GCC 12
  // -Wrestrict false positive).
  return RatingsFormat{"ratings.csv",
                       ",",
                       "userId,movieId,rating,timestamp",
                       {"userId", "movieId", "rating", "timestamp"},
                       "movies.csv",
                       {0.5f, 5.0f, 0.5f}};
}

void map_users(std::vector<UserIndex>& users, std::uint64_t max_user, IdMap& ids) {
  if (max_user < 16 * users.size() + (1u << 20)) {
    std::vector<std::uint32_t> index(max_user + 1, IdLookup::kNone);
    for (auto& u : users) {
      std::uint32_t& slot = index[u];
      if (slot == IdLookup::kNone) slot = ids.add(u);
      u = slot;
    }
  } else {
    for (auto& u : users) u = ids.add(u);
  }
}

}  // namespace movierec::data
