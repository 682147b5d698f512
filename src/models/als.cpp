#include "models/als.h"

#include <chrono>

#include "models/ridge.h"
#include "models/rmse_over.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/rng.h"

namespace movierec {

Als::Als(Params& p) {
  factors_ = p.get_int("factors", 50, "number of latent factors k", 1, 4096);
  iterations_ = p.get_int("iterations", 10, "ALS iterations (a user half-step then a movie half-step)", 1, 100000);
  reg_ = static_cast<float>(p.get_double("reg", 0.1, "lambda, weighted by each row's rating count (ALS-WR)", 0, 1e6));
  biases_ = p.get_bool("biases", true, "fit user and movie biases (false: Zhou et al.'s model around the mean)");
  std::string solver =
      p.get_string("solver", "cholesky", "row solver: exact Cholesky, or conjugate gradient", {"cholesky", "cg"});
  cg_steps_ = p.get_int("cg_steps", 3, "conjugate-gradient steps per row (solver=cg)", 1, 1000);
  if (solver == "cholesky") cg_steps_ = 0;
  init_std_ = static_cast<float>(p.get_double("init_std", 0.1, "std of the normal initial factors", 0, 10));
  seed_ = static_cast<std::uint64_t>(p.get_int("seed", 42, "random seed (initial factors)", 0, 2147483647));
  threads_ = p.get_int("threads", 0, "threads; 0: the fit's thread setting (every core)", 0, 1024);
}

void Als::solve_row(RidgeSolver& solver, const FactorMatrix& other, std::span<const float> other_bias,
                    std::span<const ItemIndex> index, std::span<const float> values, std::vector<float>& targets,
                    int cg_steps, std::span<float> x) const {
  targets.resize(index.size());
  for (std::size_t j = 0; j < index.size(); ++j) targets[j] = values[j] - mu_ - (biases_ ? other_bias[index[j]] : 0.f);
  const float lambda = reg_ * static_cast<float>(index.size());
  solver.solve(other, index, targets, lambda, lambda, biases_, cg_steps, x);
}

void Als::solve_side(const RatingMatrix& train, bool by_user, int threads) {
  FactorMatrix& solved = by_user ? user_ : item_;
  const FactorMatrix& other = by_user ? item_ : user_;
  std::vector<float>& bias = by_user ? user_bias_ : item_bias_;
  const std::vector<float>& other_bias = by_user ? item_bias_ : user_bias_;
  const std::size_t k = solved.k();
  const auto rows = static_cast<std::int64_t>(solved.rows());
  ExceptionKeeper errors;
#pragma omp parallel num_threads(threads)
  errors.run([&] {
    RidgeSolver solver;
    std::vector<float> targets, x(k + 1);
#pragma omp for schedule(dynamic, 32)
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto row = static_cast<std::uint32_t>(r);
      auto index = by_user ? train.user_items(row) : train.item_users(row);
      auto values = by_user ? train.user_values(row) : train.item_values(row);
      float* dst = solved.row(row);
      std::copy(dst, dst + k, x.begin());  // warm start for CG
      x[k] = biases_ ? bias[row] : 0.f;
      solve_row(solver, other, other_bias, index, values, targets, cg_steps_,
                std::span<float>(x.data(), k + (biases_ ? 1 : 0)));
      std::copy(x.begin(), x.begin() + k, dst);
      if (biases_) bias[row] = x[k];
    }
  });
  errors.rethrow();
}

void Als::fit(const RatingMatrix& train, const FitOptions& opts) {
  const int threads = fit_threads(threads_, opts, als_work(train, iterations_, factors_, cg_steps_));
  Rng rng(seed_);
  mu_ = static_cast<float>(train.mean());
  user_ = FactorMatrix(train.n_users(), factors_);
  item_ = FactorMatrix(train.n_items(), factors_);
  user_.fill_normal(init_std_, rng());
  item_.fill_normal(init_std_, rng());
  user_bias_.assign(biases_ ? train.n_users() : 0, 0.f);
  item_bias_.assign(biases_ ? train.n_items() : 0, 0.f);
  Progress progress("als iterations", iterations_, opts.progress);
  const float lo = train.min_value(), hi = train.max_value();
  for (int it = 1; it <= iterations_; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    solve_side(train, true, threads);
    solve_side(train, false, threads);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.add(1);
    report_rating_epoch(opts, it, seconds, train, lo, hi, threads,
                        [this](UserIndex u, ItemIndex i) { return score_one(u, i); });
  }
  progress.done();
  check_fitted("try a higher reg");
}

void Als::load_extra(BinaryReader& in) {
  if (biases_) require_biases(in);  // solve_row reads the movie biases
}

void Als::score_new_user(std::span<const ItemIndex> items, std::span<const float> values, std::span<float> out) const {
  for (ItemIndex i : items)
    if (i >= n_items()) throw ConfigError("score_new_user: movie index " + std::to_string(i) + " out of range");
  const std::size_t k = user_.k();
  std::vector<float> x(k + 1, 0.f), targets;
  RidgeSolver solver;
  // Cholesky whatever the fit's solver: a cold start has nothing to warm-start CG from.
  solve_row(solver, item_, item_bias_, items, values, targets, 0, std::span<float>(x.data(), k + (biases_ ? 1 : 0)));
  score_vector(std::span<const float>(x.data(), k), biases_ ? x[k] : 0.f, out);
}

}  // namespace movierec
