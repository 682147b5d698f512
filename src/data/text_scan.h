// Low-level text scanning for the MovieLens readers: a read-only file view,
// hand-rolled number parsing (std::from_chars as fallback), RFC-4180 records
// and the pieces of error messages ("file:line: field 'x': expected ..., got ...").
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace movierec::data {

// A whole file as bytes: mmap'ed read-only (or empty). Throws IoError naming
// the file when it cannot be opened. Not copyable.
class FileView {
 public:
  explicit FileView(const std::filesystem::path& file);
  ~FileView();
  FileView(const FileView&) = delete;
  FileView& operator=(const FileView&) = delete;

  std::string_view bytes() const { return {data_, size_}; }
  // Drops the pages of [offset, offset + n) from memory once parsed (they are
  // read again from the file if touched later): keeps peak RSS near the size
  // of the parsed arrays for big files.
  void release(std::size_t offset, std::size_t n) const;
  // Maps [offset, offset + n) in one call instead of one page fault per page
  // (page faults are costly, notably in virtual machines).
  void populate(std::size_t offset, std::size_t n) const;

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
};

// Faults in fresh memory [p, p + bytes) for writing in one call (and asks for
// huge pages): a hint, errors ignored.
void prefault_write(void* p, std::size_t bytes);

// Text after a UTF-8 byte order mark, if any.
inline std::string_view strip_bom(std::string_view s) {
  if (s.size() >= 3 && s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.remove_prefix(3);
  return s;
}

// One line without its "\n" or "\r\n".
inline std::string_view chomp(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

inline bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

// Calls f(line_number, line) for every non-blank line of text (1-based
// numbers, line endings removed), for the small metadata files.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t line = 0, pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string_view l = chomp(text.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line;
    if (!is_blank(l)) f(line, l);
  }
}

// Parses a whole field as a non-negative integer (digits only, no sign).
inline bool parse_uint(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

// Parses a whole field as a signed 64-bit integer.
inline bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Parses a whole field as a finite number. Fast path for "d", "d.d", "dd.ddd"
// (every MovieLens rating): digits / 10^k in double is correctly rounded for
// these short inputs; anything else goes through std::from_chars.
bool parse_number_slow(std::string_view s, float& out);
inline bool parse_number(std::string_view s, float& out) {
  static constexpr double kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  const char* p = s.data();
  const char* end = p + s.size();
  std::uint32_t mant = 0;
  int int_digits = 0, frac_digits = 0;
  while (p < end && static_cast<unsigned>(*p - '0') <= 9 && int_digits < 7) {
    mant = mant * 10 + static_cast<unsigned>(*p - '0');
    ++p, ++int_digits;
  }
  if (int_digits > 0 && int_digits < 7) {
    if (p == end) {
      out = static_cast<float>(mant);
      return true;
    }
    if (*p == '.') {
      ++p;
      while (p < end && static_cast<unsigned>(*p - '0') <= 9 && frac_digits < 6) {
        mant = mant * 10 + static_cast<unsigned>(*p - '0');
        ++p, ++frac_digits;
      }
      if (p == end && frac_digits > 0) {
        out = static_cast<float>(mant / kPow10[frac_digits]);
        return true;
      }
    }
  }
  return parse_number_slow(s, out);
}

// The field as shown in an error message: quoted, at most 40 characters.
std::string quote_got(std::string_view field);

// "<file>:<line>: field '<field>': expected <expected>, got \"<got>\"".
std::string field_error(std::string_view file, std::size_t line, std::string_view field, std::string_view expected,
                        std::string_view got);

// Short number text: 0.5 -> "0.5", 5 -> "5".
std::string number_text(double x);

// RFC-4180 record reader for the small text files (movies, links, tags): quoted
// fields with separators, doubled quotes and line breaks; CRLF or LF. Lines are
// counted from first_line (1-based), so error messages name the right line.
class CsvReader {
 public:
  CsvReader(std::string_view text, char sep, std::string_view file, std::size_t first_line = 1)
      : text_(text), sep_(sep), file_(file), next_line_(first_line) {}

  // Reads the next record into fields (each unquoted, unescaped); false at the
  // end. Blank lines are skipped. Throws DataError on an unterminated quote.
  bool next(std::vector<std::string>& fields);
  // First line of the record last read.
  std::size_t line() const { return line_; }
  // Raw text of the record last read, for "got" in messages.
  std::string_view raw() const { return raw_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  char sep_;
  std::string_view file_;
  std::size_t next_line_, line_ = 0;
  std::string_view raw_;
};

// Splits a line on a one- or two-character separator ("\t", "|", "::") into at
// most max_fields views; returns the number of fields found (which may exceed
// max_fields: then the last view holds the rest of the line).
std::size_t split_fields(std::string_view line, std::string_view sep, std::string_view* out, std::size_t max_fields);

// True when s is valid UTF-8.
bool is_valid_utf8(std::string_view s);

}  // namespace movierec::data
