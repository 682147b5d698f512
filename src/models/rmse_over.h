// Train and validation RMSE of the rating models' learning curves.
#pragma once

#include <cmath>
#include <limits>

#include "movierec/rating_matrix.h"
#include "movierec/recommender.h"

namespace movierec {

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

// Calls opts.on_epoch, when set, with a rating model's learning-curve point:
// the epoch's time and the train (and validation) RMSE of predict.
template <typename Predict>
void report_rating_epoch(const FitOptions& opts, int epoch, double seconds, const RatingMatrix& train, float lo,
                         float hi, int threads, Predict predict) {
  if (!opts.on_epoch) return;
  EpochReport rep;
  rep.epoch = epoch;
  rep.seconds = seconds;
  rep.train_rmse = rmse_over(train, lo, hi, threads, predict);
  if (opts.validation) rep.valid_rmse = rmse_over(*opts.validation, lo, hi, threads, predict);
  opts.on_epoch(rep);
}

}  // namespace movierec
