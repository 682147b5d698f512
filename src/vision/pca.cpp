// GCC 12 reports false -Wmaybe-uninitialized inside avx512fintrin.h when it inlines
// Eigen's AVX-512 kernels (-march=native); the values are set before use.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "vision/pca.h"

#include <Eigen/Dense>
#include <random>

#include "movierec/errors.h"

namespace movierec {
namespace {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixD = Eigen::MatrixXd;

void check(std::size_t n, int d, int out_dim) {
  if (out_dim < 1 || std::size_t(out_dim) > std::min<std::size_t>(n, d))
    throw ConfigError("pca=" + std::to_string(out_dim) +
                      ": expected 1 <= pca <= min(#vectors, dim) = " + std::to_string(std::min<std::size_t>(n, d)));
}

// Centred copy of x (T = double for the exact reference, float for the large
// randomized case: 6000 VGG16 vectors are already 600 MB in float).
template <typename T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> centred(const float* x, std::size_t n, int d,
                                                         std::vector<float>& mean) {
  Eigen::Map<const MatrixF> X(x, n, d);
  Eigen::RowVectorXd mu = X.cast<double>().colwise().mean();
  mean.assign(d, 0.f);
  for (int j = 0; j < d; ++j) mean[j] = static_cast<float>(mu[j]);
  return X.cast<T>().rowwise() - mu.cast<T>();
}

void fix_signs(Pca& p) {
  for (int r = 0; r < p.out_dim; ++r) {
    float* row = p.components.data() + std::size_t(r) * p.in_dim;
    int arg = 0;
    for (int j = 1; j < p.in_dim; ++j)
      if (std::abs(row[j]) > std::abs(row[arg])) arg = j;
    if (row[arg] < 0)
      for (int j = 0; j < p.in_dim; ++j) row[j] = -row[j];
  }
}

Eigen::MatrixXf orthonormal_basis(const Eigen::MatrixXf& y) {
  Eigen::HouseholderQR<Eigen::MatrixXf> qr(y);
  return qr.householderQ() * Eigen::MatrixXf::Identity(y.rows(), y.cols());
}

}  // namespace

void Pca::project(const float* x, std::size_t n, float* out) const {
  Eigen::Map<const MatrixF> X(x, n, in_dim);
  Eigen::Map<const MatrixF> C(components.data(), out_dim, in_dim);
  Eigen::Map<const Eigen::RowVectorXf> mu(mean.data(), in_dim);
  Eigen::Map<MatrixF> Y(out, n, out_dim);
  Y.noalias() = (X.rowwise() - mu) * C.transpose();
}

Pca fit_pca(const float* x, std::size_t n, int d, int out_dim, std::uint64_t seed, int power_iters) {
  check(n, d, out_dim);
  Pca p;
  p.in_dim = d;
  p.out_dim = out_dim;
  Eigen::MatrixXf Xc = centred<float>(x, n, d, p.mean);
  const int l = static_cast<int>(std::min<std::size_t>(std::size_t(out_dim) + 10, std::min<std::size_t>(n, d)));
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss;
  Eigen::MatrixXf omega(d, l);
  for (int j = 0; j < l; ++j)
    for (int i = 0; i < d; ++i) omega(i, j) = gauss(rng);
  // Range of Xc by subspace iteration, re-orthonormalising after each product.
  Eigen::MatrixXf Q = orthonormal_basis(Xc * omega);
  for (int it = 0; it < power_iters; ++it) {
    Eigen::MatrixXf Z = orthonormal_basis(Xc.transpose() * Q);
    Q = orthonormal_basis(Xc * Z);
  }
  Eigen::MatrixXd B = (Q.transpose() * Xc).cast<double>();  // l x d; Xc ~ Q B
  Eigen::BDCSVD<Eigen::MatrixXd> svd(B, Eigen::ComputeThinV);
  p.components.resize(std::size_t(out_dim) * d);
  p.variance.resize(out_dim);
  for (int r = 0; r < out_dim; ++r) {
    for (int j = 0; j < d; ++j) p.components[std::size_t(r) * d + j] = static_cast<float>(svd.matrixV()(j, r));
    double s = svd.singularValues()[r];
    p.variance[r] = static_cast<float>(s * s / std::max<double>(1, double(n) - 1));
  }
  fix_signs(p);
  return p;
}

Pca fit_pca_exact(const float* x, std::size_t n, int d, int out_dim) {
  check(n, d, out_dim);
  Pca p;
  p.in_dim = d;
  p.out_dim = out_dim;
  MatrixD Xc = centred<double>(x, n, d, p.mean);
  MatrixD cov = (Xc.transpose() * Xc) / std::max<double>(1, double(n) - 1);
  Eigen::SelfAdjointEigenSolver<MatrixD> eig(cov);  // ascending eigenvalues
  p.components.resize(std::size_t(out_dim) * d);
  p.variance.resize(out_dim);
  for (int r = 0; r < out_dim; ++r) {
    int c = d - 1 - r;
    for (int j = 0; j < d; ++j) p.components[std::size_t(r) * d + j] = static_cast<float>(eig.eigenvectors()(j, c));
    p.variance[r] = static_cast<float>(eig.eigenvalues()[c]);
  }
  fix_signs(p);
  return p;
}

}  // namespace movierec
