#include "vision/feature_file.h"

#include <zlib.h>

#include <array>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "movierec/errors.h"
#include "util/atomic_file.h"
#include "util/binary_io.h"

namespace movierec {
namespace {

constexpr char kMagic[8] = {'M', 'R', 'F', 'E', 'A', 'T', 'S', '1'};
constexpr std::uint32_t kVersion = 1;

}  // namespace

std::uint16_t float_to_half(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  std::uint32_t sign = (x >> 16) & 0x8000u;
  std::uint32_t mag = x & 0x7fffffffu;
  if (mag >= 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7c00u | (mag > 0x7f800000u ? 0x200u : 0));
  if (mag >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // overflows to inf
  if (mag < 0x38800000u) {
    // Subnormal half: shift the mantissa (with its implicit 1) and round to nearest even.
    if (mag < 0x33000000u) return static_cast<std::uint16_t>(sign);
    std::uint32_t e = mag >> 23, m = (mag & 0x7fffffu) | 0x800000u;
    // value = m * 2^(e-150) = h * 2^-24, so h = m >> (126 - e).
    std::uint32_t shift = 126 - e;
    std::uint32_t h = m >> shift;
    std::uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  // Normal: rebias the exponent (127 -> 15), keep 10 mantissa bits, round to nearest even.
  std::uint32_t h = ((mag - 0x38000000u) >> 13);
  std::uint32_t rem = mag & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

float half_to_float(std::uint16_t h) {
  std::uint32_t sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ffu, x;
  if (e == 0) {
    if (m == 0) {
      x = sign;
    } else {  // subnormal: normalise
      e = 127 - 15 + 1;
      while (!(m & 0x400u)) {
        m <<= 1;
        --e;
      }
      x = sign | (e << 23) | ((m & 0x3ffu) << 13);
    }
  } else if (e == 31) {
    x = sign | 0x7f800000u | (m << 13);
  } else {
    x = sign | ((e + 127 - 15) << 23) | (m << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

std::optional<std::size_t> FeatureSet::find(std::int64_t movie_id) const {
  for (std::size_t i = 0; i < movie_ids.size(); ++i)
    if (movie_ids[i] == movie_id) return i;
  return std::nullopt;
}

void write_features(const std::filesystem::path& file, const FeatureSet& f, FeatureDtype dtype) {
  if (f.data.size() != f.movie_ids.size() * std::size_t(f.dim))
    throw DataError("write_features " + file.string() + ": " + std::to_string(f.data.size()) + " values for " +
                    std::to_string(f.movie_ids.size()) + " movies x dim " + std::to_string(f.dim));
  BinaryWriter w;
  w.append(kMagic, sizeof kMagic);
  w.put(kVersion);
  w.put_string(f.network);
  w.put_string(f.layer);
  w.put<std::uint32_t>(f.dim);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(dtype));
  w.put_vector(f.movie_ids);
  w.put<std::uint32_t>(f.raw_dim);
  if (f.raw_dim > 0) {
    w.append(f.pca_mean.data(), f.pca_mean.size() * sizeof(float));
    w.append(f.pca_components.data(), f.pca_components.size() * sizeof(float));
  }
  if (dtype == FeatureDtype::kFloat16) {
    std::vector<std::uint16_t> h(f.data.size());
    for (std::size_t k = 0; k < h.size(); ++k) h[k] = float_to_half(f.data[k]);
    w.append(h.data(), h.size() * 2);
  } else {
    w.append(f.data.data(), f.data.size() * sizeof(float));
  }
  w.put(crc32_of(w.bytes()));
  write_file_atomically(file, w.bytes());
}

FeatureSet read_features(const std::filesystem::path& file) {
  return parse_features(read_file(file), "feature file " + file.string());
}

FeatureSet parse_features(std::string_view bytes, const std::string& what) {
  if (bytes.size() < sizeof kMagic + 4 || bytes.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0)
    throw DataError(what + ": not a movierec feature file (bad magic; make one with `movierec posters embed`)");
  std::uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (crc32_of(body) != stored) throw DataError(what + ": checksum mismatch (file truncated or corrupted)");
  BinaryReader r(body, what);
  r.get<std::array<char, 8>>();
  auto version = r.get<std::uint32_t>();
  if (version != kVersion)
    throw DataError(what + ": format version " + std::to_string(version) + ", this movierec reads version " +
                    std::to_string(kVersion) + "; embed the posters again");
  FeatureSet f;
  f.network = r.get_string();
  f.layer = r.get_string();
  const auto dim = r.get<std::uint32_t>();
  // Bounded like the network outputs it holds; keeps dim * raw_dim far from overflow.
  if (dim == 0 || dim > kMaxFeatureDim) r.fail("dim " + std::to_string(dim));
  f.dim = static_cast<int>(dim);
  auto dtype = r.get<std::uint32_t>();
  if (dtype > 1) r.fail("dtype " + std::to_string(dtype) + " (expected 0 float32 or 1 float16)");
  f.dtype = static_cast<FeatureDtype>(dtype);
  f.movie_ids = r.get_vector<std::int64_t>();
  std::unordered_set<std::int64_t> seen;
  for (auto id : f.movie_ids)
    if (!seen.insert(id).second) r.fail("duplicate movieId " + std::to_string(id));
  const auto raw_dim = r.get<std::uint32_t>();
  if (raw_dim > kMaxFeatureDim) r.fail("raw_dim " + std::to_string(raw_dim));
  f.raw_dim = static_cast<int>(raw_dim);
  auto floats = [&](std::size_t n) {
    if (n > r.remaining() / 4) r.fail("needs " + std::to_string(n) + " floats");
    std::vector<float> v(n);
    for (auto& x : v) x = r.get<float>();
    return v;
  };
  if (f.raw_dim > 0) {
    f.pca_mean = floats(f.raw_dim);
    f.pca_components = floats(std::size_t(f.dim) * f.raw_dim);
    // NaN here would spread into every vector embedded with this file's PCA.
    r.check_finite(f.pca_mean, "PCA mean");
    r.check_finite(f.pca_components, "PCA components");
  }
  const std::size_t width = f.dtype == FeatureDtype::kFloat16 ? 2 : 4;
  if (f.movie_ids.size() > r.remaining() / width / std::size_t(f.dim))
    r.fail(std::to_string(f.movie_ids.size()) + " vectors of dim " + std::to_string(f.dim) + " in " +
           std::to_string(r.remaining()) + " bytes");
  const std::size_t n = f.movie_ids.size() * std::size_t(f.dim);
  if (r.remaining() != n * width)
    r.fail("vector block of " + std::to_string(r.remaining()) + " bytes, expected " + std::to_string(n * width));
  f.data.resize(n);
  const char* p = body.data() + r.position();
  if (width == 4) {
    if (n) std::memcpy(f.data.data(), p, n * 4);  // data() may be null for zero vectors
  } else {
    for (std::size_t k = 0; k < n; ++k) {
      std::uint16_t h;
      std::memcpy(&h, p + 2 * k, 2);
      f.data[k] = half_to_float(h);
    }
  }
  for (std::size_t k = 0; k < n; ++k)
    if (!std::isfinite(f.data[k]))
      throw DataError(what + ": non-finite value in the vector of movieId " + std::to_string(f.movie_ids[k / f.dim]));
  return f;
}

}  // namespace movierec
