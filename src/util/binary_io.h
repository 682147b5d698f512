// Little-endian binary streams for model and feature files. The reader checks
// every size against what is left, so a truncated or corrupted file gives a
// DataError, never a crash or a huge allocation.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "movierec/errors.h"

namespace movierec {

// CRC-32 (zlib) of a byte string: the checksum at the end of model and feature files.
// crc32_update(crc32_update(0, a), b) == crc32_of(a + b).
inline std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) {
  uLong c = crc;
  for (std::size_t at = 0; at < bytes.size(); at += 1u << 30) {  // uInt lengths
    const std::size_t n = std::min<std::size_t>(bytes.size() - at, 1u << 30);
    c = ::crc32(c, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(c);
}
inline std::uint32_t crc32_of(std::string_view bytes) { return crc32_update(0, bytes); }

// In namespace detail because the public recommender.h names them (the model
// file hooks) without exposing this header; the rest of the library uses them
// as movierec::BinaryWriter / BinaryReader.
namespace detail {

class BinaryWriter {
 public:
  BinaryWriter() = default;
  // Streaming: the bytes go to sink in pieces (about 1 MiB; a big vector in
  // one piece, not copied) instead of one growing buffer, so a model file is
  // written without holding its bytes in memory. Call flush() at the end.
  explicit BinaryWriter(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}

  template <typename T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    append(&v, sizeof(T));
  }
  void put_string(std::string_view s) {
    put<std::uint64_t>(s.size());
    append(s.data(), s.size());
  }
  template <typename T>
  void put_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(v.size());
    append(v.data(), v.size() * sizeof(T));
  }
  void append(const void* p, std::size_t n) {
    const auto* c = static_cast<const char*>(p);
    if (sink_ && buf_.size() + n > kPiece) {
      flush();
      if (n > kPiece) {
        sink_(std::string_view(c, n));
        sent_ += n;
        return;
      }
    }
    buf_.insert(buf_.end(), c, c + n);
  }
  void flush() {
    if (!sink_ || buf_.empty()) return;
    sink_(buf_);
    sent_ += buf_.size();
    buf_.clear();
  }
  // Every byte so far (without a sink).
  const std::string& bytes() const { return buf_; }
  // Bytes written so far, sent to the sink or not.
  std::size_t size() const { return sent_ + buf_.size(); }

 private:
  static constexpr std::size_t kPiece = 1 << 20;
  std::string buf_;
  std::function<void(std::string_view)> sink_;
  std::size_t sent_ = 0;
};

class BinaryReader {
 public:
  // what: a name for error messages ("model file x.mrm").
  BinaryReader(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}

  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  std::string get_string() {
    auto n = get<std::uint64_t>();
    need(n);
    return std::string(take(n), n);
  }
  template <typename T>
  std::vector<T> get_vector() {
    auto n = get<std::uint64_t>();
    if (n > remaining() / (sizeof(T) ? sizeof(T) : 1)) fail("array of " + std::to_string(n) + " elements");
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  // The dataset's sizes that a model payload must match (load_model sets them
  // from the file's id maps). Every count read with get_count is checked
  // against them, or against the bytes left, before anything is allocated.
  void set_dims(std::size_t n_users, std::size_t n_items) {
    n_users_ = n_users;
    n_items_ = n_items;
    dims_set_ = true;
  }
  // Reads a u64 that must equal the dataset's number of users (movies);
  // without set_dims, one that fits a 32-bit index.
  bool dims_set() const { return dims_set_; }
  std::size_t n_users() const { return n_users_; }
  std::size_t n_items() const { return n_items_; }
  std::size_t get_n_users(std::string_view field) { return get_dim(field, n_users_, "users"); }
  std::size_t get_n_items(std::string_view field) { return get_dim(field, n_items_, "movies"); }
  // Throws unless every value is finite (NaN or infinity in a model or feature file).
  void check_finite(std::span<const float> v, std::string_view field) const {
    for (std::size_t k = 0; k < v.size(); ++k)
      if (!std::isfinite(v[k])) fail(std::string(field) + ": non-finite value at index " + std::to_string(k));
  }
  // Fails unless every byte was read ("trailing bytes"): called before any costly
  // work on what was read, so a padded file is refused at once.
  void expect_end(std::string_view what = "trailing bytes") const {
    if (remaining() != 0) fail(std::string(what) + ": " + std::to_string(remaining()) + " bytes left");
  }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  // Throws DataError "<what>: <msg> at byte N".
  [[noreturn]] void fail(const std::string& msg) const {
    throw DataError(what_ + ": corrupted or truncated (" + msg + " at byte " + std::to_string(pos_) + ")");
  }

 private:
  void need(std::size_t n) const {
    if (n > remaining()) fail("needs " + std::to_string(n) + " more bytes, " + std::to_string(remaining()) + " left");
  }
  const char* take(std::size_t n) {
    need(n);
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::size_t get_dim(std::string_view field, std::size_t expected, std::string_view of) {
    const auto n = get<std::uint64_t>();
    if (dims_set_ ? n != expected : n > 0xffffffffu)
      fail(std::string(field) + " = " + std::to_string(n) + ", the dataset has " +
           (dims_set_ ? std::to_string(expected) : std::string("at most 2^32-1")) + " " + std::string(of));
    return static_cast<std::size_t>(n);
  }
  std::string_view data_;
  std::string what_;
  std::size_t pos_ = 0;
  std::size_t n_users_ = 0, n_items_ = 0;
  bool dims_set_ = false;
};

}  // namespace detail

using detail::BinaryReader;
using detail::BinaryWriter;

}  // namespace movierec
