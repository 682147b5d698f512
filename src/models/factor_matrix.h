// The factor matrices of the latent-factor models (svd, svdpp, als, ials,
// bpr): cache-line aligned rows, seeded initialisation, model-file I/O.
#pragma once

#include "util/eigen.h"  // first: it includes <immintrin.h> with its warning silenced

#include <cstdint>
#include <span>
#include <string_view>

#include "movierec/recommender.h"
#include "util/aligned.h"

namespace movierec {

// rows x k float factors. Row r is data()[r * stride() .. r * stride() + k);
// stride is k rounded up to 16 floats (one 64-byte line), so every row starts
// on a cache line and the kernels run whole AVX-512 vectors. The padding is
// kept at zero: SGD and ALS updates of a zero coordinate pair stay zero.
class FactorMatrix {
 public:
  static constexpr std::size_t kAlignFloats = 16;
  FactorMatrix() = default;
  FactorMatrix(std::size_t rows, std::size_t k)
      : rows_(rows), k_(k), stride_((k + kAlignFloats - 1) / kAlignFloats * kAlignFloats), data_(rows * stride_, 0.f) {}

  std::size_t rows() const { return rows_; }
  std::size_t k() const { return k_; }
  std::size_t stride() const { return stride_; }
  float* row(std::size_t r) { return data_.data() + r * stride_; }
  const float* row(std::size_t r) const { return data_.data() + r * stride_; }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }

  // Entries ~ N(0, std^2), row r drawn from its own stream of seed: the
  // result does not depend on the thread count.
  void fill_normal(float std, std::uint64_t seed);
  bool all_finite() const;

  // Row-major view with the padding as outer stride (Eigen kernels).
  using Map = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, Eigen::Aligned64,
                         Eigen::OuterStride<>>;
  using ConstMap = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                              Eigen::Aligned64, Eigen::OuterStride<>>;
  Map map() { return Map(data(), rows_, k_, Eigen::OuterStride<>(stride_)); }
  ConstMap map() const { return ConstMap(data(), rows_, k_, Eigen::OuterStride<>(stride_)); }

  void save(detail::BinaryWriter& out) const;
  // rows must be the dataset's users (users = true) or movies; k at most
  // kMaxFactors; every entry finite. field names the matrix in errors.
  void load(detail::BinaryReader& in, std::string_view field, bool users);
  static constexpr std::size_t kMaxFactors = 4096;  // the registry's range of "factors"

 private:
  std::size_t rows_ = 0, k_ = 0, stride_ = 0;
  AlignedFloats data_;
};

// Throws ConfigError when a fitted matrix holds NaN or infinity, naming the
// model and the parameters to change (as implicit's _check_factors).
void check_finite(const FactorMatrix& m, std::string_view model, std::string_view what, std::string_view hint);
void check_finite(std::span<const float> v, std::string_view model, std::string_view what, std::string_view hint);

}  // namespace movierec
