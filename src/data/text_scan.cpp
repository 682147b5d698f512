#include "data/text_scan.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <utility>

#include "movierec/errors.h"

namespace movierec::data {

FileView::FileView(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open " + file.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError("cannot read " + file.string() + ": not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw IoError("cannot map " + file.string() + ": " + std::strerror(err));
    }
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
    mapped_ = true;
  }
  ::close(fd);
}

FileView::~FileView() {
  if (mapped_) ::munmap(const_cast<char*>(data_), size_);
}

namespace {
#ifndef MADV_POPULATE_READ
constexpr int MADV_POPULATE_READ = 22;
#endif
#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;
#endif

// The whole pages inside [p, p + n).
std::pair<char*, std::size_t> inner_pages(const void* p, std::size_t n) {
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto b = (reinterpret_cast<std::uintptr_t>(p) + page - 1) / page * page;
  auto e = (reinterpret_cast<std::uintptr_t>(p) + n) / page * page;
  if (e <= b) return {nullptr, 0};
  return {reinterpret_cast<char*>(b), e - b};
}
}  // namespace

void FileView::populate(std::size_t offset, std::size_t n) const {
  if (!mapped_) return;
  auto [p, len] = inner_pages(data_ + offset, n);
  if (len) ::madvise(p, len, MADV_POPULATE_READ);
}

void prefault_write(void* p, std::size_t bytes) {
  if (bytes < (64u << 10)) return;
  auto [b, len] = inner_pages(p, bytes);
  if (!len) return;
  ::madvise(b, len, MADV_HUGEPAGE);
  ::madvise(b, len, MADV_POPULATE_WRITE);
}

void FileView::release(std::size_t offset, std::size_t n) const {
  if (!mapped_) return;
  // madvise works on whole pages: the partial pages at both ends stay.
  auto [p, len] = inner_pages(data_ + offset, n);
  if (len) ::madvise(p, len, MADV_DONTNEED);
}

bool parse_number_slow(std::string_view s, float& out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}

std::string quote_got(std::string_view field) {
  std::string out = "\"";
  if (field.size() > 40) {
    out.append(field.substr(0, 37));
    out += "...";
  } else {
    out.append(field);
  }
  out += '"';
  return out;
}

std::string field_error(std::string_view file, std::size_t line, std::string_view field, std::string_view expected,
                        std::string_view got) {
  std::string msg;
  msg.append(file).append(":").append(std::to_string(line)).append(": field '");
  msg.append(field).append("': expected ").append(expected).append(", got ");
  msg += quote_got(got);
  return msg;
}

std::string number_text(double x) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, ec == std::errc() ? p : buf);
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  // Skip blank lines.
  while (pos_ < text_.size()) {
    std::size_t eol = text_.find('\n', pos_);
    std::size_t end = eol == std::string_view::npos ? text_.size() : eol;
    if (!is_blank(text_.substr(pos_, end - pos_))) break;
    pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
    ++next_line_;
  }
  if (pos_ >= text_.size()) return false;
  line_ = next_line_;
  const std::size_t start = pos_;
  std::string field;
  bool quoted = false, in_quotes = false;
  std::size_t i = pos_;
  const std::size_t n = text_.size();
  while (true) {
    if (i >= n) {
      if (in_quotes)
        throw DataError(std::string(file_) + ":" + std::to_string(line_) +
                        ": unterminated quoted field (a '\"' opened here is never closed)");
      fields.push_back(std::move(field));
      raw_ = chomp(text_.substr(start, i - start));
      pos_ = n;
      break;
    }
    char c = text_[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < n && text_[i + 1] == '"') {
          field += '"';
          i += 2;
        } else {
          in_quotes = false;
          ++i;
        }
      } else {
        if (c == '\n') ++next_line_;
        field += c;
        ++i;
      }
      continue;
    }
    if (c == sep_) {
      fields.push_back(std::move(field));
      field.clear();
      quoted = false;
      ++i;
    } else if (c == '\n' || (c == '\r' && (i + 1 == n || text_[i + 1] == '\n'))) {
      fields.push_back(std::move(field));
      raw_ = text_.substr(start, i - start);
      if (c == '\r') ++i;
      pos_ = i + 1;
      ++next_line_;
      break;
    } else if (c == '"' && field.empty() && !quoted) {
      quoted = in_quotes = true;
      ++i;
    } else {
      // A run of plain characters at once (text after a closing quote is kept as is).
      std::size_t j = i + 1;
      while (j < n && text_[j] != sep_ && text_[j] != '\n' && text_[j] != '\r' && text_[j] != '"') ++j;
      field.append(text_.data() + i, j - i);
      i = j;
    }
  }
  return true;
}

std::size_t split_fields(std::string_view line, std::string_view sep, std::string_view* out, std::size_t max_fields) {
  std::size_t count = 0, start = 0;
  while (true) {
    std::size_t pos = line.find(sep, start);
    std::string_view f = line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    if (count < max_fields) out[count] = f;
    ++count;
    if (pos == std::string_view::npos) break;
    start = pos + sep.size();
  }
  return count;
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || c == 0xC0 || c == 0xC1 || c > 0xF4 || end - p < len) return false;
    for (int k = 1; k < len; ++k)
      if ((p[k] & 0xC0) != 0x80) return false;
    p += len;
  }
  return true;
}

}  // namespace movierec::data
