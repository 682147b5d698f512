// Eigen and the x86 intrinsics, included once for the project. GCC 12 reports
// -Wuninitialized and -Wmaybe-uninitialized inside avx512fintrin.h on code
// inlined from Eigen's AVX-512 GEMM kernels and from _mm512_reduce_add_ps
// (false positives: the "uninitialized" value is _mm512_undefined_ps). The
// warnings are silenced for those headers only, which must be included here
// first.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#include <Eigen/Dense>
#pragma GCC diagnostic pop
