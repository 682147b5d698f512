// PCA for feature reduction (`posters embed --pca N`): randomized SVD (Halko,
// Martinsson & Tropp 2011, algorithms 4.4 + 5.1) of the centred data, which needs
// O(n d l) time for l = N + 10 instead of the O(d^3) of an eigen decomposition of
// the d x d covariance (d = 25088 for VGG16). fit_pca_exact is the reference.
#pragma once

#include <cstdint>
#include <vector>

namespace movierec {

struct Pca {
  int in_dim = 0, out_dim = 0;
  std::vector<float> mean;        // in_dim
  std::vector<float> components;  // out_dim x in_dim, row-major, orthonormal rows
  std::vector<float> variance;    // out_dim: variance along each component, decreasing

  // out (n x out_dim) = (x - mean) * components^T; x is n x in_dim row-major.
  void project(const float* x, std::size_t n, float* out) const;
};

// x: n x d row-major. REQUIRES 1 <= out_dim <= min(n, d) (ConfigError otherwise).
// Each component's sign is fixed so that its largest-magnitude entry is positive.
Pca fit_pca(const float* x, std::size_t n, int d, int out_dim, std::uint64_t seed = 42, int power_iters = 4);
// Exact: eigenvectors of the d x d covariance (Eigen SelfAdjointEigenSolver).
Pca fit_pca_exact(const float* x, std::size_t n, int d, int out_dim);

}  // namespace movierec
