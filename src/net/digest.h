// Incremental SHA-256 and MD5 over OpenSSL EVP, for download checks.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace movierec::net {

// One running digest. Not thread safe; move-only.
class Digest {
 public:
  enum class Kind { kSha256, kMd5 };
  explicit Digest(Kind kind);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  void update(const void* data, std::size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Lower-case hex of the digest; the object starts over afterwards.
  std::string hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Kind kind_;
};

std::string sha256_hex(std::string_view data);
std::string md5_hex(std::string_view data);
// Streams the file through the digest (IoError naming the file when unreadable).
std::string file_sha256_hex(const std::filesystem::path& file);

// First run of 2*bytes hex digits in text, lower-cased ("" when none). Reads
// GroupLens' "MD5 (x.zip) = <hex>" as well as md5sum's "<hex>  x.zip".
std::string find_hex_digest(std::string_view text, std::size_t bytes);

}  // namespace movierec::net
