// Poster feature files (.mrf): one feature vector per movie, written by
// `movierec posters embed` and read by the `poster` model. Little-endian layout:
//   "MRFEATS1" magic (8 bytes) | u32 format version | string network | string layer
//   | u32 dim | u32 dtype (0 float32, 1 float16) | vector<i64> movieIds (count, then ids)
//   | u32 raw_dim, 0 without PCA; else f32 mean[raw_dim], f32 components[dim * raw_dim]
//   | vectors: count * dim values of dtype, row i belongs to movieIds[i]
//   | u32 CRC-32 (zlib) of every byte before it
// Strings and vectors are a u64 length, then the bytes (util/binary_io.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace movierec {

enum class FeatureDtype : std::uint8_t { kFloat32 = 0, kFloat16 = 1 };

struct FeatureSet {
  std::string network;                          // description name ("mobilenetv2-shared")
  std::string layer;                            // layer name(s), "+"-joined
  int dim = 0;                                  // floats per vector (after PCA when present)
  FeatureDtype dtype = FeatureDtype::kFloat32;  // how it was stored (read_features fills it)
  std::vector<std::int64_t> movie_ids;          // distinct
  std::vector<float> data;                      // movie_ids.size() x dim, row-major
  // PCA applied to the raw network features: x = components * (raw - mean).
  int raw_dim = 0;                    // 0: no PCA
  std::vector<float> pca_mean;        // raw_dim
  std::vector<float> pca_components;  // dim x raw_dim, row-major

  std::size_t size() const { return movie_ids.size(); }
  const float* row(std::size_t i) const { return data.data() + i * dim; }
  // Row of a movie; O(n) scan (build a map for many look-ups).
  std::optional<std::size_t> find(std::int64_t movie_id) const;
};

// Writes atomically; data is rounded to float16 when dtype is kFloat16.
// REQUIRES: data.size() == size() * dim. Throws IoError when it cannot write.
void write_features(const std::filesystem::path& file, const FeatureSet& f, FeatureDtype dtype);
// Refuses a truncated, corrupted or other file with DataError naming it (IoError
// when it cannot be opened). Vectors come back as float32.
FeatureSet read_features(const std::filesystem::path& file);
// The same from a file's bytes; what names it in errors ("feature file x.mrf").
FeatureSet parse_features(std::string_view bytes, const std::string& what);
// Largest dim and raw_dim accepted (VGG16's fc layers are 4096 wide, its last
// convolution block 25088).
constexpr std::uint32_t kMaxFeatureDim = 1u << 20;

// IEEE half conversions (round to nearest even), exposed for tests.
std::uint16_t float_to_half(float f);
float half_to_float(std::uint16_t h);

}  // namespace movierec
