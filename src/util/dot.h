// Dot-product kernels of the factor models (scoring, SGD, ALS).
#pragma once

#include "util/eigen.h"  // first: it includes <immintrin.h> with its warning silenced

#include <cstddef>

namespace movierec {

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

}  // namespace movierec
