#include "net/digest.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <vector>

#include "movierec/errors.h"

namespace movierec::net {

struct Digest::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

namespace {
const EVP_MD* md_of(Digest::Kind k) { return k == Digest::Kind::kSha256 ? EVP_sha256() : EVP_md5(); }
}  // namespace

Digest::Digest(Kind kind) : impl_(std::make_unique<Impl>()), kind_(kind) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, md_of(kind_), nullptr) != 1)
    throw IoError("OpenSSL: cannot initialise a digest");
}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(const void* data, std::size_t n) {
  if (n > 0 && EVP_DigestUpdate(impl_->ctx, data, n) != 1) throw IoError("OpenSSL: digest update failed");
}

std::string Digest::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, md, &len) != 1) throw IoError("OpenSSL: digest final failed");
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  EVP_DigestInit_ex(impl_->ctx, md_of(kind_), nullptr);
  return out;
}

std::string sha256_hex(std::string_view data) {
  Digest d(Digest::Kind::kSha256);
  d.update(data);
  return d.hex();
}

std::string md5_hex(std::string_view data) {
  Digest d(Digest::Kind::kMd5);
  d.update(data);
  return d.hex();
}

std::string file_sha256_hex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot open " + file.string() + ": " + std::strerror(errno));
  Digest d(Digest::Kind::kSha256);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    d.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw IoError("read failed for " + file.string());
  return d.hex();
}

std::string find_hex_digest(std::string_view text, std::size_t bytes) {
  const std::size_t want = 2 * bytes;
  std::size_t run = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    bool hex = i < text.size() && std::isxdigit(static_cast<unsigned char>(text[i]));
    if (hex) {
      ++run;
      continue;
    }
    if (run == want) {
      std::string out(text.substr(i - run, run));
      for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return out;
    }
    run = 0;
  }
  return "";
}

}  // namespace movierec::net
