// Eigen, included once for the project. GCC 12 reports -Wmaybe-uninitialized
// inside Eigen's AVX-512 GEMM kernels (false positives in avx512fintrin.h, on
// code inlined from Eigen); the warning is silenced for those headers only,
// which must be included here first.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <Eigen/Dense>
#pragma GCC diagnostic pop
