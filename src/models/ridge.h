// The ridge solve of one row: the step of explicit ALS and of fold-in.
#pragma once

#include "util/eigen.h"  // first: it includes <immintrin.h> with its warning silenced

#include <span>

#include "models/factor_matrix.h"
#include "movierec/rating_matrix.h"

namespace movierec {

// Regularised least squares for one row, the step of explicit ALS and of
// fold-in. With the rows a_j = [Q.row(items[j]) (k floats), 1 if bias]:
//   min_x  sum_j (t_j - x . a_j)^2 + reg_factors * |x[0..k)|^2 + reg_bias * x[k]^2
// solved from the normal equations (sum_j a_j a_j^T + diag(reg)) x = sum_j t_j a_j
// by Cholesky (LLT), or by cg_steps conjugate-gradient steps warm-started
// from x (cg_steps > 0). x: k (+1 with bias) floats, in/out.
// Reuses its buffers: one RidgeSolver per thread.
// Multiply-adds of an ALS fit (als, ials), to choose its threads: per iteration
// each rating's f-vector terms and cg_steps f x f products per row.
inline double als_work(const RatingMatrix& r, int iterations, int factors, int cg_steps) {
  return iterations * (2.0 * r.nnz() * factors + double(r.n_users() + r.n_items()) * cg_steps * factors * factors);
}

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

}  // namespace movierec
