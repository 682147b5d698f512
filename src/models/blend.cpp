#include "util/eigen.h"  // first: it includes <immintrin.h> with its warning silenced

#include "models/blend.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "features/user_features.h"
#include "models/parts.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "movierec/split.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/rng.h"
#include "util/strings.h"

namespace movierec {
namespace {

constexpr float kUserPrior = 5, kItemPrior = 10;  // pseudo-ratings at mu shrinking the means
constexpr std::size_t kStatCols = 6;              // user log n, mean, std; movie log n, mean, std

// (log(1 + n), mean shrunk to mu by `prior` ratings, std) of one row's ratings.
std::array<float, 3> row_stats(std::span<const float> v, float mu, float prior) {
  double s = 0, s2 = 0;
  for (float x : v) {
    s += x;
    s2 += double(x) * x;
  }
  const double n = static_cast<double>(v.size());
  const double mean = n ? s / n : mu;
  const double var = n > 1 ? std::max(0.0, (s2 - n * mean * mean) / (n - 1)) : 0.0;
  return {static_cast<float>(std::log1p(n)), static_cast<float>((s + prior * mu) / (n + prior)),
          static_cast<float>(std::sqrt(var))};
}

double rmse_of(const std::vector<float>& pred, const std::vector<float>& truth, const std::vector<std::size_t>& rows) {
  double s = 0;
  for (std::size_t r : rows) s += double(pred[r] - truth[r]) * (pred[r] - truth[r]);
  return rows.empty() ? std::numeric_limits<double>::quiet_NaN() : std::sqrt(s / rows.size());
}

}  // namespace

std::vector<double> ridge_with_intercept(const std::vector<float>& x, const std::vector<float>& y, std::size_t cols,
                                         double lambda) {
  if (cols == 0 || x.size() != y.size() * cols) throw ConfigError("ridge_with_intercept: x is not rows x cols");
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(cols, cols);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(cols);
  for (std::size_t r = 0; r < y.size(); ++r) {
    Eigen::Map<const Eigen::VectorXf> row(x.data() + r * cols, cols);
    const Eigen::VectorXd xr = row.cast<double>();
    a.selfadjointView<Eigen::Lower>().rankUpdate(xr);
    b += xr * double(y[r]);
  }
  a = a.selfadjointView<Eigen::Lower>();
  for (std::size_t c = 0; c + 1 < cols; ++c) a(c, c) += lambda;
  // LDLT copes with a singular system (a constant column besides the intercept) better than LLT.
  Eigen::VectorXd w = a.ldlt().solve(b);
  std::vector<double> out(w.data(), w.data() + cols);
  for (double v : out)
    if (!std::isfinite(v)) throw ConfigError("ridge_with_intercept: no finite solution; raise the ridge weight");
  return out;
}

Blend::Blend(Params& p)
    : base_names_(part_names("blend", "bases",
                             p.get_string("bases", "svdpp,svd,item-knn,user-knn,baseline",
                                          "rating models whose predictions are blended"))),
      base_params_(p.get_string("base_params", "", "their parameters: \"svdpp.factors=50;item-knn.k=60\"")),
      side_(p, "genres,year"),
      user_side_(p.get_string("user_side", "auto",
                              "user side features age,gender,occupation, all, none, or auto (all when the dataset "
                              "has a user file)")),
      blender_(p.get_string("blender", "xgb",
                            "linear (ridge on the base predictions) or xgb (linear plus boosted trees on every "
                            "feature)",
                            {"linear", "xgb"})),
      folds_(p.get_int("folds", 5, "folds of the training matrix whose out-of-fold predictions train the blender", 2,
                       100)),
      rounds_(p.get_int("rounds", 600, "boosting rounds (the most; early stopping picks fewer)", 1, 100000)),
      ridge_(p.get_double("ridge", 10, "L2 weight on the linear blend's weights (summed over the rows)", 0, 1e9)),
      max_rows_(static_cast<std::size_t>(
          p.get_int("max_rows", 2000000,
                    "out-of-fold rows the blender learns from at most (a seeded sample beyond): memory is "
                    "max_rows x features floats",
                    100, 2000000000))),
      threads_(p.get_int("threads", 1,
                         "threads of the boosting (xgboost); 0: the fit's setting. One by default: on a blend of "
                         "ml-100k's size it ran 3x faster than two threads on a shared 2-core machine",
                         0, 4096)),
      seed_(static_cast<std::uint64_t>(
          p.get_int("seed", 42, "seed of the folds, the early-stopping rows and xgboost", 0, 2000000000))),
      valid_linear_(std::numeric_limits<double>::quiet_NaN()),
      valid_blend_(std::numeric_limits<double>::quiet_NaN()),
      valid_best_base_(std::numeric_limits<double>::quiet_NaN()) {
  xgb_opts_.objective = "reg:squarederror";
  xgb_opts_.max_depth = p.get_int("depth", 4, "tree depth", 1, 20);
  xgb_opts_.eta = p.get_double("eta", 0.1, "boosting learning rate", 1e-4, 1);
  xgb_opts_.min_child_weight =
      p.get_double("min_child_weight", 50, "xgboost min_child_weight (ratings per leaf)", 0, 1e9);
  xgb_opts_.subsample = p.get_double("subsample", 0.8, "rows sampled per tree", 0.05, 1);
  xgb_opts_.colsample = p.get_double("colsample", 0.8, "features sampled per tree", 0.05, 1);
  xgb_opts_.lambda = p.get_double("lambda", 1, "L2 on leaf weights", 0, 1e9);
  xgb_opts_.max_bin = p.get_int("max_bin", 64, "histogram bins per feature (fewer: faster, coarser splits)", 2, 65536);
  refit_ = p.get_bool("refit", true,
                      "retrain the trees on every out-of-fold row with the chosen number of rounds (false: keep the "
                      "early-stopping booster, trained on four fifths of them; about half the boosting time)");
  for (auto& m : make_bases())  // validates names and parameters now
    if (!m->predicts_ratings())
      throw ConfigError("model 'blend': parameter 'bases': '" + std::string(m->name()) +
                        "' ranks only; name rating models (svdpp, svd, item-knn, user-knn, baseline, als...)");
  if (user_side_ != "auto" && user_side_ != "none") parse_user_side(user_side_);  // a bad name fails now
}

Blend::~Blend() = default;

std::vector<std::unique_ptr<Recommender>> Blend::make_bases() const {
  std::vector<std::unique_ptr<Recommender>> out;
  for (const auto& b : base_names_)
    out.push_back(make_part("blend", "base_params", b, base_params_, base_names_));
  return out;
}

std::size_t Blend::n_cols() const { return base_names_.size() + kStatCols + item_dim_ + user_dim_; }

std::vector<std::string> Blend::feature_names() const {
  std::vector<std::string> n;
  for (const auto& b : base_names_) n.push_back(b);
  n.insert(n.end(), {"user.log_ratings", "user.mean", "user.std", "movie.log_ratings", "movie.mean", "movie.std"});
  for (std::size_t j = 0; j < item_dim_; ++j) n.push_back("movie.side" + std::to_string(j));
  for (std::size_t j = 0; j < user_dim_; ++j) n.push_back("user.side" + std::to_string(j));
  return n;
}

Blend::Stats Blend::stats_of(const RatingMatrix& r) {
  Stats s;
  const float mu = static_cast<float>(r.mean());
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    auto t = row_stats(r.user_values(u), mu, kUserPrior);
    s.user_log_n.push_back(t[0]);
    s.user_mean.push_back(t[1]);
    s.user_std.push_back(t[2]);
  }
  for (ItemIndex i = 0; i < r.n_items(); ++i) {
    auto t = row_stats(r.item_values(i), mu, kItemPrior);
    s.item_log_n.push_back(t[0]);
    s.item_mean.push_back(t[1]);
    s.item_std.push_back(t[2]);
  }
  return s;
}

std::array<float, 3> Blend::user_stats_of(std::span<const float> values) const {
  return row_stats(values, mu_, kUserPrior);
}

void Blend::feature_row(const float* preds, const float* user_stats, const float* user_side, ItemIndex i,
                        const Stats& st, float* out) const {
  const std::size_t nb = base_names_.size();
  std::copy(preds, preds + nb, out);
  out += nb;
  std::copy(user_stats, user_stats + 3, out);
  out[3] = st.item_log_n[i];
  out[4] = st.item_mean[i];
  out[5] = st.item_std[i];
  out += kStatCols;
  if (item_dim_) std::copy_n(item_side_.data() + std::size_t(i) * item_dim_, item_dim_, out);
  out += item_dim_;
  if (user_dim_) std::copy_n(user_side, user_dim_, out);
}

float Blend::linear(const float* preds) const {
  const std::size_t nb = base_names_.size();
  double s = weights_[nb];
  for (std::size_t b = 0; b < nb; ++b) s += weights_[b] * preds[b];
  return static_cast<float>(s);
}

std::vector<float> Blend::blend_rows(const std::vector<float>& x, std::size_t rows) const {
  const std::size_t cols = n_cols();
  std::vector<float> margin(rows);
  for (std::size_t r = 0; r < rows; ++r) margin[r] = linear(x.data() + r * cols);
  if (rounds_used_ == 0) return margin;
  return booster_.predict(x.data(), rows, cols, margin.data());
}

int Blend::fit_threads_of(const FitOptions& opts) const { return threads_ > 0 ? threads_ : opts.threads; }

void Blend::fit(const RatingMatrix& train, const FitOptions& opts) {
  if (train.nnz() == 0) throw ConfigError("model 'blend': the training matrix has no rating");
  n_users_ = train.n_users();
  n_items_ = train.n_items();
  mu_ = static_cast<float>(train.mean());
  // Side features: statistics from the movies rated in train (item_features.h).
  item_dim_ = user_dim_ = 0;
  item_side_.clear();
  user_side_values_.clear();
  if (side_.spec != "none") {
    ItemFeatures f = side_.build("blend", train, opts.dataset);
    item_dim_ = f.dim;
    item_side_ = std::move(f.values);
  }
  const bool has_users = opts.dataset && opts.dataset->user_info.size() == n_users_ && n_users_ > 0;
  if (user_side_ != "none" && (user_side_ != "auto" || has_users)) {
    if (!opts.dataset) throw ConfigError("model 'blend' needs the dataset in FitOptions.dataset (user_side)");
    UserFeatures uf = build_user_features(*opts.dataset, parse_user_side(user_side_ == "auto" ? "all" : user_side_));
    if (uf.n_users != n_users_)
      throw ConfigError("model 'blend': parameter 'user_side': the dataset has " + std::to_string(uf.n_users) +
                        " users, the training matrix " + std::to_string(n_users_));
    user_dim_ = uf.dim;
    user_side_values_ = std::move(uf.values);
    user_missing_.assign(user_dim_, 0.f);
    for (const auto& b : uf.blocks) user_missing_[b.offset + b.dim - 1] = 1.f;
  }
  FitOptions fo = opts;
  fo.on_epoch = nullptr;
  fo.measure_epoch = nullptr;
  fo.validation = nullptr;
  const std::size_t nb = base_names_.size(), cols = n_cols();
  const int threads = thread_count(opts.threads);  // the out-of-fold predictions

  // 1. Out-of-fold rows: fold f's ratings predicted by bases fitted on the others.
  std::vector<float> x, y;
  x.reserve(train.nnz() * cols);
  y.reserve(train.nnz());
  std::uint64_t at_fold = 0;
  for (const Split& s : kfold_splits(train, static_cast<std::size_t>(folds_), seed_)) {
    auto bases = make_bases();
    for (auto& b : bases) b->fit(s.train, fo);
    const Stats st = stats_of(s.train);
    auto t = s.test.triplets();
    if (train.nnz() > max_rows_) {  // a seeded sample of each fold: rows and memory bounded by max_rows
      Rng pick(seed_, 0xb1e4d, at_fold++);
      const double keep = double(max_rows_) / double(train.nnz());
      std::erase_if(t, [&](const Rating&) { return double(pick() >> 11) * 0x1p-53 >= keep; });
    }
    const std::size_t at = y.size();
    x.resize((at + t.size()) * cols);
    y.resize(at + t.size());
    ExceptionKeeper errors;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
    for (std::size_t k = 0; k < t.size(); ++k)
      errors.run([&] {
        thread_local std::vector<float> preds;
        preds.resize(nb);
        for (std::size_t b = 0; b < nb; ++b) preds[b] = bases[b]->predict(t[k].user, t[k].item);
        const UserIndex u = t[k].user;
        const float us[3] = {st.user_log_n[u], st.user_mean[u], st.user_std[u]};
        feature_row(preds.data(), us, user_dim_ ? user_side_values_.data() + std::size_t(u) * user_dim_ : nullptr,
                    t[k].item, st, x.data() + (at + k) * cols);
        y[at + k] = t[k].value;
      });
    errors.rethrow();
  }
  const std::size_t rows = y.size();
  blender_rows_ = rows;
  if (rows == 0) throw ConfigError("model 'blend': no out-of-fold rating to learn from; raise 'max_rows'");
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t b = 0; b < nb; ++b)
      if (!std::isfinite(x[r * cols + b]))
        throw ConfigError("model 'blend': base '" + base_names_[b] + "' predicted a non-finite rating");

  // 2. The linear blend on every out-of-fold row.
  {
    std::vector<float> xl(rows * (nb + 1));
    for (std::size_t r = 0; r < rows; ++r) {
      std::copy_n(x.data() + r * cols, nb, xl.data() + r * (nb + 1));
      xl[r * (nb + 1) + nb] = 1.f;
    }
    weights_ = ridge_with_intercept(xl, y, nb + 1, ridge_);
  }
  std::vector<float> margin(rows);
  for (std::size_t r = 0; r < rows; ++r) margin[r] = linear(x.data() + r * cols);

  // 3. Trees on the residual: a seeded fifth of the rows picks the number of rounds.
  std::vector<std::size_t> fit_rows, eval_rows;
  {
    Rng rng(seed_ ^ 0x5eedb1e4d);
    for (std::size_t r = 0; r < rows; ++r) (rng() % 5 == 0 ? eval_rows : fit_rows).push_back(r);
  }
  valid_linear_ = rmse_of(margin, y, eval_rows);
  valid_best_base_ = std::numeric_limits<double>::infinity();
  for (std::size_t b = 0; b < nb; ++b) {
    std::vector<float> p(rows);
    for (std::size_t r = 0; r < rows; ++r) p[r] = x[r * cols + b];
    valid_best_base_ = std::min(valid_best_base_, rmse_of(p, y, eval_rows));
  }
  valid_blend_ = valid_linear_;
  rounds_used_ = 0;
  if (blender_ == "xgb" && fit_rows.size() >= 10 && eval_rows.size() >= 10) {
    auto part = [&](const std::vector<std::size_t>& which) {
      RankData d;
      d.cols = cols;
      d.x.reserve(which.size() * cols);
      for (std::size_t r : which) {
        d.x.insert(d.x.end(), x.begin() + r * cols, x.begin() + (r + 1) * cols);
        d.labels.push_back(y[r]);
        d.base_margin.push_back(margin[r]);
      }
      return d;
    };
    RankerOptions ro = xgb_opts_;
    ro.rounds = rounds_;
    ro.seed = seed_;
    ro.threads = fit_threads_of(opts);
    ro.early_stopping = std::max(20, rounds_ / 10);
    const RankData fit_part = part(fit_rows), eval_part = part(eval_rows);
    const auto curve = booster_.train(fit_part, ro, &eval_part);
    const auto best = std::min_element(curve.begin(), curve.end());
    if (best != curve.end() && *best < valid_linear_) {
      rounds_used_ = static_cast<int>(best - curve.begin()) + 1;
      valid_blend_ = *best;
      booster_.truncate(rounds_used_);
    }
    if (rounds_used_ > 0 && refit_) {
      // Retrained on every row with the chosen number of rounds.
      RankData all;
      all.cols = cols;
      all.x = std::move(x);
      all.labels = y;
      all.base_margin = margin;
      ro.rounds = rounds_used_;
      booster_.train(all, ro);
    }
  }

  if (opts.progress)
    std::fprintf(stderr,
                 "blend: %zu out-of-fold rows, %zu features; RMSE on the early-stopping fifth: best base %.4f, "
                 "linear blend %.4f, with %d trees %.4f\n",
                 rows, cols, valid_best_base_, valid_linear_, rounds_used_, valid_blend_);
  // 4. The bases on the whole training matrix.
  bases_ = make_bases();
  for (auto& b : bases_) b->fit(train, fo);
  stats_ = stats_of(train);
}

float Blend::predict(UserIndex u, ItemIndex i) const {
  if (bases_.empty()) throw ConfigError("model 'blend': predict before fit");
  if (u >= n_users_ || i >= n_items_)
    throw NotSupported("model 'blend' predicts only users and movies of its training data");
  const std::size_t nb = base_names_.size();
  std::vector<float> preds(nb), row(n_cols());
  for (std::size_t b = 0; b < nb; ++b) preds[b] = bases_[b]->predict(u, i);
  const float us[3] = {stats_.user_log_n[u], stats_.user_mean[u], stats_.user_std[u]};
  feature_row(preds.data(), us, user_dim_ ? user_side_values_.data() + std::size_t(u) * user_dim_ : nullptr, i, stats_,
              row.data());
  return blend_rows(row, 1)[0];
}

void Blend::score(std::span<const UserIndex> users, std::span<float> out) const {
  if (bases_.empty()) throw ConfigError("model 'blend': score before fit");
  for (UserIndex u : users)
    if (u >= n_users_) throw NotSupported("model 'blend' scores only users of its training data");
  const std::size_t n = n_items_, nb = bases_.size(), cols = n_cols();
  std::vector<float> preds(nb * n), row_preds(nb), x(n * cols);
  for (std::size_t r = 0; r < users.size(); ++r) {
    const UserIndex u = users[r];
    for (std::size_t b = 0; b < nb; ++b)
      bases_[b]->score(users.subspan(r, 1), std::span<float>(preds).subspan(b * n, n));
    const float us[3] = {stats_.user_log_n[u], stats_.user_mean[u], stats_.user_std[u]};
    const float* side = user_dim_ ? user_side_values_.data() + std::size_t(u) * user_dim_ : nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t b = 0; b < nb; ++b) row_preds[b] = preds[b * n + i];
      feature_row(row_preds.data(), us, side, static_cast<ItemIndex>(i), stats_, x.data() + i * cols);
    }
    const auto s = blend_rows(x, n);
    std::copy(s.begin(), s.end(), out.begin() + r * n);
  }
}

void Blend::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                           std::span<float> out) const {
  if (bases_.empty()) throw ConfigError("model 'blend': score before fit");
  const std::size_t n = n_items_, nb = bases_.size(), cols = n_cols();
  std::vector<float> preds(nb * n), row_preds(nb), x(n * cols);
  for (std::size_t b = 0; b < nb; ++b) {
    try {
      bases_[b]->score_new_user(items, values, std::span<float>(preds).subspan(b * n, n));
    } catch (const NotSupported& e) {
      throw NotSupported("model 'blend' folds a new user in through each base, and base '" + base_names_[b] +
                         "' cannot (" + e.what() + "); parameter 'bases' without it, e.g. svdpp,svd,item-knn,baseline");
    }
  }
  const auto us = user_stats_of(values);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t b = 0; b < nb; ++b) row_preds[b] = preds[b * n + i];
    feature_row(row_preds.data(), us.data(), user_dim_ ? user_missing_.data() : nullptr, static_cast<ItemIndex>(i),
                stats_, x.data() + i * cols);
  }
  const auto s = blend_rows(x, n);
  std::copy(s.begin(), s.end(), out.begin());
}

std::vector<ScoredItem> Blend::similar_items(ItemIndex i, std::size_t k) const {
  for (const auto& b : bases_) {
    try {
      return b->similar_items(i, k);
    } catch (const NotSupported&) {
    }
  }
  throw NotSupported("model 'blend': none of its bases (" + join(base_names_, ",") + ") has a movie similarity");
}

void Blend::save_payload(BinaryWriter& out) const {
  out.put<std::uint64_t>(n_users_);
  out.put<std::uint64_t>(n_items_);
  out.put(mu_);
  for (const auto* v : {&stats_.user_log_n, &stats_.user_mean, &stats_.user_std, &stats_.item_log_n, &stats_.item_mean,
                        &stats_.item_std})
    out.put_vector(*v);
  out.put<std::uint64_t>(item_dim_);
  out.put_vector(item_side_);
  out.put<std::uint64_t>(user_dim_);
  out.put_vector(user_side_values_);
  out.put_vector(user_missing_);
  out.put_vector(weights_);
  out.put<std::int32_t>(rounds_used_);
  out.put_vector(rounds_used_ > 0 ? booster_.save() : std::vector<char>{});
  for (const auto& b : bases_) put_nested_payload(out, *b);
}

void Blend::load_payload(BinaryReader& in) {
  n_users_ = in.get_n_users("n_users");
  n_items_ = in.get_n_items("n_items");
  mu_ = in.get<float>();
  in.check_finite({&mu_, 1}, "blend global mean");
  const char* names[] = {"user.log_ratings", "user.mean", "user.std", "movie.log_ratings", "movie.mean", "movie.std"};
  std::vector<float>* fields[] = {&stats_.user_log_n, &stats_.user_mean, &stats_.user_std,
                                  &stats_.item_log_n, &stats_.item_mean, &stats_.item_std};
  for (int k = 0; k < 6; ++k) {
    *fields[k] = in.get_vector<float>();
    if (fields[k]->size() != (k < 3 ? n_users_ : n_items_))
      in.fail(std::string("blend statistics ") + names[k] + ": " + std::to_string(fields[k]->size()) + " values");
    in.check_finite(*fields[k], std::string("blend statistics ") + names[k]);
  }
  // A side-feature row width is at most the values read after it (checked before any use).
  item_dim_ = in.get<std::uint64_t>();
  if (item_dim_ > in.remaining() / std::max<std::size_t>(n_items_, 1))
    in.fail("blend movie feature width " + std::to_string(item_dim_));
  item_side_ = in.get_vector<float>();
  if (item_side_.size() != item_dim_ * n_items_)
    in.fail("blend movie features: " + std::to_string(item_side_.size()) + " values");
  in.check_finite(item_side_, "blend movie features");
  user_dim_ = in.get<std::uint64_t>();
  if (user_dim_ > in.remaining() / std::max<std::size_t>(n_users_, 1))
    in.fail("blend user feature width " + std::to_string(user_dim_));
  user_side_values_ = in.get_vector<float>();
  if (user_side_values_.size() != user_dim_ * n_users_)
    in.fail("blend user features: " + std::to_string(user_side_values_.size()) + " values");
  in.check_finite(user_side_values_, "blend user features");
  user_missing_ = in.get_vector<float>();
  if (user_missing_.size() != user_dim_)
    in.fail("blend new-user features: " + std::to_string(user_missing_.size()) + " values");
  in.check_finite(user_missing_, "blend new-user features");
  weights_ = in.get_vector<double>();
  if (weights_.size() != base_names_.size() + 1)
    in.fail("blend weights: " + std::to_string(weights_.size()) + " for " + std::to_string(base_names_.size()) +
            " bases");
  for (double w : weights_)
    if (!std::isfinite(w)) in.fail("blend weights: non-finite value");
  rounds_used_ = in.get<std::int32_t>();
  if (rounds_used_ < 0 || rounds_used_ > rounds_) in.fail("blend rounds " + std::to_string(rounds_used_));
  auto booster = in.get_vector<char>();
  if ((rounds_used_ > 0) != !booster.empty()) in.fail("blend booster of " + std::to_string(booster.size()) + " bytes");
  auto bases = make_bases();
  for (std::size_t k = 0; k < bases.size(); ++k)
    load_nested_payload(in, *bases[k], n_users_, n_items_, "blend base '" + base_names_[k] + "'");
  if (!booster.empty()) booster_.load(booster, "blend booster");
  bases_ = std::move(bases);
  valid_linear_ = valid_blend_ = valid_best_base_ = std::numeric_limits<double>::quiet_NaN();
}

}  // namespace movierec
