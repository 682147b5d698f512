// Pieces shared by the latent-factor models (svd, svdpp, als, ials, bpr):
// aligned factor matrices, a small seeded RNG, the dot kernel, the ridge
// solve used by ALS rows and fold-in, and FactorModel, the common scoring /
// similarity / model-file half of every factor model.
#pragma once

#include "util/eigen.h"  // first: it includes <immintrin.h> with its warning silenced

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "movierec/recommender.h"

namespace movierec {

// ---- memory

// Allocator for the big arrays of the factor models: 64-byte (cache line,
// AVX-512 register) aligned; from 4 MiB up, 2 MiB aligned and marked for
// transparent huge pages, since SGD and ALS read factor rows at random and
// a TLB miss per row would cost as much as the row itself.
void* allocate_aligned(std::size_t bytes);
void deallocate_aligned(void* p, std::size_t bytes);

template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_aligned(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { deallocate_aligned(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
};
using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

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

  void save(BinaryWriter& out) const;
  // rows must be the dataset's users (users = true) or movies; k at most
  // kMaxFactors; every entry finite. field names the matrix in errors.
  void load(BinaryReader& in, std::string_view field, bool users);
  static constexpr std::size_t kMaxFactors = 4096;  // the registry's range of "factors"

 private:
  std::size_t rows_ = 0, k_ = 0, stride_ = 0;
  AlignedFloats data_;
};

// ---- random numbers

// splitmix64 step: a good 64-bit mix for seeding streams.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// xoshiro256** (Blackman, Vigna): fast, small state, same stream on every
// platform (std:: distributions are not, so we draw our own uniforms).
class Rng {
 public:
  using result_type = std::uint64_t;
  explicit Rng(std::uint64_t seed) {
    for (auto& w : s_) w = seed = mix64(seed);
  }
  // A stream for (seed, a, b): independent streams for epochs, blocks, threads.
  Rng(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) : Rng(mix64(seed ^ mix64(a ^ mix64(b + 1)))) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  // Uniform in [0, n) (Lemire's multiply-shift; bias < n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>((*this)()) * n) >> 64);
  }
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::pair<double, double> normal_pair();                                       // two independent N(0, 1), Box-Muller

  template <typename T>
  void shuffle(std::span<T> v) {
    for (std::size_t n = v.size(); n > 1; --n) std::swap(v[n - 1], v[below(n)]);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// ---- kernels

// Sum of a[f] * b[f] over n floats. Vectorised (omp simd), fixed order for a
// given build, so results are reproducible run to run.
inline float dot(const float* a, const float* b, std::size_t n) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t f = 0; f < n; ++f) s += a[f] * b[f];
  return s;
}

// dot for a compile-time length, a multiple of 16, with two independent
// accumulators: the SGD step is latency-bound, and one chain of kN/16 FMAs is
// the longest part of it. Reproducible: the order is fixed for a build.
template <int kN>
inline float dot_fixed(const float* a, const float* b) {
  static_assert(kN % 16 == 0);
#if defined(__AVX512F__)
  __m512 x0 = _mm512_mul_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b));
  __m512 x1 = _mm512_setzero_ps();
  for (int v = 1; v < kN / 16; ++v) {
    const __m512 av = _mm512_loadu_ps(a + 16 * v), bv = _mm512_loadu_ps(b + 16 * v);
    if (v % 2)
      x1 = _mm512_fmadd_ps(av, bv, x1);
    else
      x0 = _mm512_fmadd_ps(av, bv, x0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(x0, x1));
#elif defined(__AVX2__) && defined(__FMA__)
  __m256 x0 = _mm256_mul_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b));
  __m256 x1 = _mm256_mul_ps(_mm256_loadu_ps(a + 8), _mm256_loadu_ps(b + 8));
  for (int v = 2; v < kN / 8; ++v) {
    const __m256 av = _mm256_loadu_ps(a + 8 * v), bv = _mm256_loadu_ps(b + 8 * v);
    if (v % 2)
      x1 = _mm256_fmadd_ps(av, bv, x1);
    else
      x0 = _mm256_fmadd_ps(av, bv, x0);
  }
  const __m256 x = _mm256_add_ps(x0, x1);
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
#else
  return dot(a, b, kN);
#endif
}

// Threads to use: the model parameter when > 0, else FitOptions.threads, else
// every core.
int fit_threads(int param_threads, const FitOptions& opts);

// Throws ConfigError when a fitted matrix holds NaN or infinity, naming the
// model and the parameters to change (as implicit's _check_factors).
void check_finite(const FactorMatrix& m, std::string_view model, std::string_view what, std::string_view hint);
void check_finite(std::span<const float> v, std::string_view model, std::string_view what, std::string_view hint);

// Regularised least squares for one row, the step of explicit ALS and of
// fold-in. With the rows a_j = [Q.row(items[j]) (k floats), 1 if bias]:
//   min_x  sum_j (t_j - x . a_j)^2 + reg_factors * |x[0..k)|^2 + reg_bias * x[k]^2
// solved from the normal equations (sum_j a_j a_j^T + diag(reg)) x = sum_j t_j a_j
// by Cholesky (LLT), or by cg_steps conjugate-gradient steps warm-started
// from x (cg_steps > 0). x: k (+1 with bias) floats, in/out.
// Reuses its buffers: one RidgeSolver per thread.
class RidgeSolver {
 public:
  void solve(const FactorMatrix& q, std::span<const ItemIndex> items, std::span<const float> targets, float reg_factors,
             float reg_bias, bool bias, int cg_steps, std::span<float> x);

 private:
  Eigen::MatrixXf a_;     // rows of the design: n x dim (column-major)
  Eigen::MatrixXf gram_;  // dim x dim
  Eigen::VectorXf rhs_, sol_, r_, p_, ap_, t_;
};

// Fold-in of a new user into an SGD model (svd, svdpp): the ridge weights
// are the objective's, summed over the user's n ratings (reg * n), plus a
// prior: p_u is regularised as if the user had kFoldInPseudoRatings more
// ratings, b_u shrunk by kFoldInBiasShrinkage more (as the baseline's
// reg_user). With 5 ratings per ml-100k user the plain reg * n overfits
// (test RMSE 1.025 against 1.001 for the bias-only baseline); with the prior
// 0.980; with 20 ratings 0.936; with all of them it matches the trained
// model (0.910).
constexpr float kFoldInPseudoRatings = 20, kFoldInBiasShrinkage = 5;

// RMSE of predict(u, i) (clipped to [lo, hi]) over every rating of m, in
// parallel with `threads` threads. NaN for an empty matrix.
template <typename Predict>
double rmse_over(const RatingMatrix& m, float lo, float hi, int threads, Predict predict) {
  if (m.nnz() == 0) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256) reduction(+ : sum)
  for (std::size_t u = 0; u < m.n_users(); ++u) {
    auto items = m.user_items(static_cast<UserIndex>(u));
    auto values = m.user_values(static_cast<UserIndex>(u));
    for (std::size_t j = 0; j < items.size(); ++j) {
      float p = predict(static_cast<UserIndex>(u), items[j]);
      p = p < lo ? lo : (p > hi ? hi : p);
      double e = values[j] - p;
      sum += e * e;
    }
  }
  return std::sqrt(sum / static_cast<double>(m.nnz()));
}

// ---- the common half of factor models

// score(u, i) = mu + b_u + b_i + p_u . q_i, where the bias vectors may be
// empty (ials: no biases; bpr: item biases only). Subclasses fit; this class
// scores, predicts, finds similar items and reads/writes the state.
class FactorModel : public Recommender {
 public:
  void score(std::span<const UserIndex> users, std::span<float> out) const override;
  float predict(UserIndex u, ItemIndex i) const override;
  // Cosine between the movies' factor vectors (biases excluded).
  std::vector<ScoredItem> similar_items(ItemIndex i, std::size_t k) const override;
  std::size_t n_users() const override { return user_.rows(); }
  std::size_t n_items() const override { return item_.rows(); }
  void save_payload(BinaryWriter& out) const override;
  void load_payload(BinaryReader& in) override;

  const FactorMatrix& user_factors() const { return user_; }
  const FactorMatrix& item_factors() const { return item_; }
  float global_mean() const { return mu_; }
  std::span<const float> user_bias() const { return user_bias_; }
  std::span<const float> item_bias() const { return item_bias_; }

 protected:
  float score_one(UserIndex u, ItemIndex i) const {
    float s = mu_ + dot(user_.row(u), item_.row(i), user_.stride());
    if (!user_bias_.empty()) s += user_bias_[u];
    if (!item_bias_.empty()) s += item_bias_[i];
    return s;
  }
  // Scores every item for one user vector p (k floats) with user bias bu.
  void score_vector(std::span<const float> p, float bu, std::span<float> out) const;
  // NaN / infinity check of every fitted array.
  void check_fitted(std::string_view hint) const;
  // Extra state of a subclass, after the common part of the payload.
  virtual void save_extra(BinaryWriter&) const {}
  virtual void load_extra(BinaryReader&) {}

  FactorMatrix user_, item_;
  float mu_ = 0;
  std::vector<float> user_bias_, item_bias_;  // empty when the model has none
};

}  // namespace movierec
