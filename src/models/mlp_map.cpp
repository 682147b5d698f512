// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 kernels (-march=native).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "models/mlp_map.h"

#include <cmath>
#include <random>

#include "movierec/errors.h"

namespace movierec {

double MlpMap::loss(const Weights& w, const Eigen::MatrixXf& X, const Eigen::MatrixXf& T, double l2, Weights* g) {
  const double n = double(X.rows());
  Eigen::MatrixXf pre = (X * w.w1).rowwise() + w.b1.transpose();  // n x h
  Eigen::MatrixXf h = pre.cwiseMax(0.f);
  Eigen::MatrixXf err = ((h * w.w2).rowwise() + w.b2.transpose()) - T;  // n x t
  const double value = err.squaredNorm() / n + l2 * (w.w1.squaredNorm() + w.w2.squaredNorm());
  if (g) {
    const float c = float(2.0 / n);
    Eigen::MatrixXf d_out = c * err;  // d loss / d output
    g->w2 = h.transpose() * d_out + float(2 * l2) * w.w2;
    g->b2 = d_out.colwise().sum().transpose();
    Eigen::MatrixXf d_h = (d_out * w.w2.transpose()).array() * (pre.array() > 0.f).cast<float>();
    g->w1 = X.transpose() * d_h + float(2 * l2) * w.w1;
    g->b1 = d_h.colwise().sum().transpose();
  }
  return value;
}

void MlpMap::fit(const Eigen::MatrixXf& X, const Eigen::MatrixXf& T, const std::vector<Eigen::Index>& rows,
                 const MlpOptions& o) {
  if (rows.empty()) throw ConfigError("mlp: no training rows");
  if (o.hidden < 1 || o.epochs < 0 || !(o.lr > 0) || !(o.l2 >= 0)) throw ConfigError("mlp: bad options");
  const Eigen::Index d = X.cols(), t = T.cols(), n = Eigen::Index(rows.size()), h = o.hidden;
  Eigen::MatrixXf x(n, d), y(n, t);
  for (Eigen::Index r = 0; r < n; ++r) {
    x.row(r) = X.row(rows[r]);
    y.row(r) = T.row(rows[r]);
  }
  mean_ = y.colwise().mean().transpose();
  scale_.resize(t);
  for (Eigen::Index j = 0; j < t; ++j) {
    const float sd = std::sqrt((y.col(j).array() - mean_[j]).square().mean());
    scale_[j] = sd > 1e-12f ? sd : 1.f;
    y.col(j) = (y.col(j).array() - mean_[j]) / scale_[j];
  }
  // He initialisation for the ReLU layer, Glorot for the linear one.
  std::mt19937_64 g(o.seed);
  std::normal_distribution<float> n01(0.f, 1.f);
  auto init = [&](Eigen::MatrixXf& m, Eigen::Index rows_, Eigen::Index cols, double sd) {
    m.resize(rows_, cols);
    for (Eigen::Index c = 0; c < cols; ++c)
      for (Eigen::Index r = 0; r < rows_; ++r) m(r, c) = float(sd) * n01(g);
  };
  init(w_.w1, d, h, std::sqrt(2.0 / double(d)));
  init(w_.w2, h, t, std::sqrt(2.0 / double(h + t)));
  w_.b1 = Eigen::VectorXf::Zero(h);
  w_.b2 = Eigen::VectorXf::Zero(t);
  // Adam: first and second moments of each parameter block.
  Weights m1{Eigen::MatrixXf::Zero(d, h), Eigen::VectorXf::Zero(h), Eigen::MatrixXf::Zero(h, t),
             Eigen::VectorXf::Zero(t)};
  Weights m2 = m1, grad;
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  for (int step = 1; step <= o.epochs; ++step) {
    loss(w_, x, y, o.l2, &grad);
    const float c1 = 1.f - std::pow(b1, float(step)), c2 = 1.f - std::pow(b2, float(step));
    const float lr = float(o.lr);
    auto update = [&](auto& param, auto& mom1, auto& mom2, const auto& gr) {
      mom1 = b1 * mom1 + (1 - b1) * gr;
      mom2 = b2 * mom2 + (1 - b2) * gr.cwiseProduct(gr);
      param.array() -= lr * (mom1.array() / c1) / ((mom2.array() / c2).sqrt() + eps);
    };
    update(w_.w1, m1.w1, m2.w1, grad.w1);
    update(w_.b1, m1.b1, m2.b1, grad.b1);
    update(w_.w2, m1.w2, m2.w2, grad.w2);
    update(w_.b2, m1.b2, m2.b2, grad.b2);
  }
  if (!w_.w1.allFinite() || !w_.w2.allFinite() || !w_.b1.allFinite() || !w_.b2.allFinite())
    throw Error("mlp: weights are not finite after fit; lower the learning rate");
}

Eigen::MatrixXf MlpMap::predict(const Eigen::MatrixXf& X) const {
  Eigen::MatrixXf h = ((X * w_.w1).rowwise() + w_.b1.transpose()).cwiseMax(0.f);
  Eigen::MatrixXf out = (h * w_.w2).rowwise() + w_.b2.transpose();
  for (Eigen::Index j = 0; j < out.cols(); ++j) out.col(j) = out.col(j).array() * scale_[j] + mean_[j];
  return out;
}

}  // namespace movierec
