#include "models/ridge.h"

#include <cmath>

#include "util/dot.h"

namespace movierec {

void RidgeSolver::solve(const FactorMatrix& q, std::span<const ItemIndex> items, std::span<const float> targets,
                        float reg_factors, float reg_bias, bool bias, int cg_steps, std::span<float> x) {
  const Eigen::Index k = static_cast<Eigen::Index>(q.k());
  const Eigen::Index dim = k + (bias ? 1 : 0);
  const Eigen::Index n = static_cast<Eigen::Index>(items.size());
  Eigen::Map<Eigen::VectorXf> xv(x.data(), dim);
  if (n == 0) {  // no data: the regularised optimum is 0
    xv.setZero();
    return;
  }
  // a_: column j is the design row a_j (dim x n), copied from contiguous factor rows.
  a_.resize(dim, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    a_.col(j).head(k) = Eigen::Map<const Eigen::VectorXf>(q.row(items[j]), k);
    if (bias) a_(k, j) = 1.f;
  }
  t_ = Eigen::Map<const Eigen::VectorXf>(targets.data(), n);
  rhs_.noalias() = a_ * t_;
  auto apply_reg = [&](const Eigen::VectorXf& v, Eigen::VectorXf& out) {
    out.head(k) += reg_factors * v.head(k);
    if (bias) out(k) += reg_bias * v(k);
  };
  if (cg_steps <= 0) {
    gram_.setZero(dim, dim);
    gram_.selfadjointView<Eigen::Lower>().rankUpdate(a_);
    for (Eigen::Index f = 0; f < k; ++f) gram_(f, f) += reg_factors;
    if (bias) gram_(k, k) += reg_bias;
    Eigen::LLT<Eigen::MatrixXf> llt(gram_);
    if (llt.info() == Eigen::Success) {
      xv = llt.solve(rhs_);
    } else {  // singular without regularisation: least-norm-ish fallback
      xv = gram_.selfadjointView<Eigen::Lower>().ldlt().solve(rhs_);
    }
    return;
  }
  // Conjugate gradient on A x = rhs, A = a a^T + diag(reg), warm-started at x.
  sol_ = xv;
  r_.noalias() = a_ * (a_.transpose() * sol_);
  apply_reg(sol_, r_);
  r_ = rhs_ - r_;
  p_ = r_;
  float rs_old = r_.squaredNorm();
  for (int s = 0; s < cg_steps && rs_old > 1e-20f; ++s) {
    ap_.noalias() = a_ * (a_.transpose() * p_);
    apply_reg(p_, ap_);
    float pap = p_.dot(ap_);
    if (!(pap > 0)) break;
    float alpha = rs_old / pap;
    sol_ += alpha * p_;
    r_ -= alpha * ap_;
    float rs_new = r_.squaredNorm();
    p_ = r_ + (rs_new / rs_old) * p_;
    rs_old = rs_new;
  }
  xv = sol_;
}

}  // namespace movierec
