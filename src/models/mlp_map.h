// A small multilayer perceptron from features to targets: content-factors'
// optional nonlinear map from side features to movie factors (map=mlp), where
// the default is the closed-form ridge. One hidden layer of ReLU units, linear
// outputs; loss = mean over rows of the squared error summed over the
// (standardised) targets, plus l2 * (|W1|^2 + |W2|^2); full-batch Adam
// (Kingma & Ba 2015), deterministic for a seed.
#pragma once

#include "util/eigen.h"  // first: it includes <immintrin.h> with its warning silenced

#include <cstdint>
#include <vector>

namespace movierec {

struct MlpOptions {
  int hidden = 64;   // hidden units
  int epochs = 300;  // full-batch Adam steps
  double lr = 0.01;  // Adam's step size
  double l2 = 1e-3;  // weight decay on W1 and W2 (not the biases)
  std::uint64_t seed = 42;
};

class MlpMap {
 public:
  struct Weights {
    Eigen::MatrixXf w1;  // d x h
    Eigen::VectorXf b1;  // h
    Eigen::MatrixXf w2;  // h x t
    Eigen::VectorXf b2;  // t
  };

  // Trains on the rows `rows` of X (n x d) and T (n x t). Targets are
  // standardised per column for the fit and mapped back by predict.
  void fit(const Eigen::MatrixXf& X, const Eigen::MatrixXf& T, const std::vector<Eigen::Index>& rows,
           const MlpOptions& opts);
  // n x t predictions for every row of X.
  Eigen::MatrixXf predict(const Eigen::MatrixXf& X) const;

  // The loss on rows of (X, T) as the fit sees it (T already standardised),
  // and its gradient in g when non-null: exposed for the gradient check.
  static double loss(const Weights& w, const Eigen::MatrixXf& X, const Eigen::MatrixXf& T, double l2, Weights* g);

  const Weights& weights() const { return w_; }

 private:
  Weights w_;
  Eigen::VectorXf mean_, scale_;  // of the targets
};

}  // namespace movierec
