#include "models/ease.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/factor_model.h"
#include "models/fold_in.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/topk.h"

namespace movierec {
namespace {

// Adds the co-occurrence counts of the lists (rows of a binary matrix) to the
// lower triangle and diagonal of g (positions given by pos). window 0: g(a, b)
// += 1 for every list holding both a and b. window W > 0 (lists in time
// order): every run of W consecutive entries is a row of its own (runs cut at
// the list's ends included, so every entry is in W runs), which adds W - d for
// entries d < W places apart and W on the diagonal: a sum of outer products,
// so g stays positive semi-definite. Columns are split among threads.
template <typename Matrix, typename Lists, typename Pos>
void add_cooccurrence(Matrix& g, std::size_t n_lists, Lists list, Pos pos, int threads, int window = 0) {
  const auto n = static_cast<std::int64_t>(g.cols());
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    // Balanced ranges of the lower triangle: column c holds n - c entries.
    auto bound = [&](int k) {
      double f = 1.0 - std::sqrt(1.0 - double(k) / nt);
      return static_cast<std::int64_t>(f * n);
    };
    const std::int64_t lo = bound(t), hi = t + 1 == nt ? n : bound(t + 1);
    std::vector<std::int64_t> p;
    for (std::size_t l = 0; l < n_lists; ++l) {
      auto idx = list(l);
      p.clear();
      for (auto x : idx)
        if (auto s = pos(x); s >= 0) p.push_back(s);  // a movie left out does not separate its neighbours
      const auto len = static_cast<std::ptrdiff_t>(p.size());
      for (std::ptrdiff_t q = 0; q < len; ++q) {
        const std::int64_t b = p[q];
        if (b < lo || b >= hi) continue;
        if (window == 0) {
          for (std::int64_t a : p)
            if (a >= b) g(a, b) += 1;
          continue;
        }
        g(b, b) += static_cast<typename Matrix::Scalar>(window);
        for (std::ptrdiff_t r = std::max<std::ptrdiff_t>(0, q - window + 1); r < std::min(len, q + window); ++r) {
          const std::int64_t a = p[r];
          if (r != q && a > b) g(a, b) += static_cast<typename Matrix::Scalar>(window - std::abs(r - q));
        }
      }
    }
  }
}

// Each user's movies in the order rated (ties by movie index).
std::vector<std::vector<ItemIndex>> items_by_time(const RatingMatrix& r) {
  std::vector<std::vector<ItemIndex>> out(r.n_users());
  std::vector<std::pair<std::int64_t, ItemIndex>> v;
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    auto items = r.user_items(u);
    auto times = r.user_times(u);
    v.clear();
    for (std::size_t k = 0; k < items.size(); ++k) v.emplace_back(times[k], items[k]);
    std::sort(v.begin(), v.end());
    out[u].reserve(v.size());
    for (const auto& [t, i] : v) out[u].push_back(i);
  }
  return out;
}

template <typename M>
void put_matrix(BinaryWriter& out, const M& m) {
  out.put<std::uint64_t>(m.rows());
  out.put<std::uint64_t>(m.cols());
  out.append(m.data(), sizeof(float) * m.size());
}

template <typename M>
void get_matrix(BinaryReader& in, M& m) {
  auto rows = in.get<std::uint64_t>(), cols = in.get<std::uint64_t>();
  // Eigen indices are signed; rows * cols floats must be in the bytes left.
  // A vector (D) has one column: Eigen asserts on any other shape (found by model_file_fuzz).
  if constexpr (M::ColsAtCompileTime == 1)
    if (cols != 1) in.fail("vector of " + std::to_string(cols) + " columns");
  if (rows > 0x7fffffffu || cols > 0x7fffffffu || (cols && rows > in.remaining() / sizeof(float) / cols))
    in.fail("matrix of " + std::to_string(rows) + " x " + std::to_string(cols));
  m.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = in.get<float>();
}

}  // namespace

Ease::Ease(Params& p, Kind kind) : kind_(kind) {
  const bool session = kind == Kind::kSession;
  // session-ease defaults chosen on holdout:10:valid of ml-latest-small (see ease.h).
  window_ = session ? p.get_int("window", 21,
                                "consecutive ratings (by time) that count as co-occurring; each run of window "
                                "ratings is a row of the Gram matrix",
                                2, 10000)
                    : 0;
  lambda_ = p.get_double("lambda", session ? 50 : 200,
                         session ? "L2 weight lambda on B, per rating (multiplied by window)"
                                 : "L2 weight lambda on B (larger: smoother, more popular items)",
                         1e-6, 1e9);
  context_ = session ? p.get_int("context", 0,
                                 "0: score the whole profile (x_u B); C > 0: the best gap of the user's time line, "
                                 "the sum of B's rows of the C ratings on each side of it (a movie that fits one "
                                 "moment of the history well)",
                                 0, 10000)
                     : 0;
  min_ratings_ = p.get_int("min_ratings", session ? 5 : 1,
                           "movies with fewer training ratings are left out of B (score 0): the dense inverse "
                           "costs movies^3",
                           1, 1000000000);
  form_ = session ? "dense"
                  : p.get_string("form", "auto",
                                 "closed form: Gram inverse (movies^3) or Woodbury (users^2 movies); auto: cheaper",
                                 {"auto", "dense", "woodbury"});
  threads_ = p.get_int("threads", 0, "threads; 0: the fit's thread setting (every core)", 0, 1024);
}

void Ease::fit(const RatingMatrix& train, const FitOptions& opts) {
  // The inverse of an items x items matrix, and the Gram matrix (sum over
  // users of nnz_u^2, about nnz^2 / users).
  const double items = static_cast<double>(train.n_items()), nnz = static_cast<double>(train.nnz());
  const int threads =
      fit_threads(threads_, opts, items * items * items + nnz * nnz / std::max<double>(1, train.n_users()));
  n_items_ = train.n_items();
  user_ptr_ = train.user_ptr();
  user_items_ = train.user_items_raw();
  slot_.assign(n_items_, -1);
  active_.clear();
  for (ItemIndex i = 0; i < n_items_; ++i)
    if (train.item_count(i) > 0 && train.item_count(i) >= static_cast<std::size_t>(min_ratings_)) {
      slot_[i] = static_cast<std::int64_t>(active_.size());
      active_.push_back(i);
    }
  const auto m = static_cast<Eigen::Index>(active_.size());
  const auto nu = static_cast<Eigen::Index>(train.n_users());
  const bool use_woodbury = form_ == "woodbury" || (form_ == "auto" && nu < m);
  b_.resize(0, 0);
  z_.resize(0, 0);
  d_.resize(0);
  // Triangular solves with many right-hand sides split into column blocks,
  // one per task (Eigen runs single-threaded here: EIGEN_DONT_PARALLELIZE).
  constexpr Eigen::Index kBlock = 256;
  if (!use_woodbury) {
    // G = X^T X + lambda I over the active movies; P = G^-1 by LLT, into b_.
    Eigen::MatrixXf g = Eigen::MatrixXf::Zero(m, m);
    if (window_ == 0) {
      add_cooccurrence(
          g, train.n_users(), [&](std::size_t u) { return train.user_items(static_cast<UserIndex>(u)); },
          [&](ItemIndex i) { return slot_[i]; }, threads);
      g.diagonal().array() += static_cast<float>(lambda_);
    } else {
      if (!train.has_times())
        throw ConfigError("model '" + std::string(name()) + "' needs the ratings' timestamps (window=" +
                          std::to_string(window_) + " orders each user's ratings by time)");
      const auto by_time = items_by_time(train);
      time_items_.clear();
      time_items_.reserve(user_items_.size());
      for (const auto& row : by_time) time_items_.insert(time_items_.end(), row.begin(), row.end());
      add_cooccurrence(
          g, train.n_users(), [&](std::size_t u) { return std::span<const ItemIndex>(by_time[u]); },
          [&](ItemIndex i) { return slot_[i]; }, threads, window_);
      g.diagonal().array() += static_cast<float>(lambda_ * window_);
    }
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXf>> llt(g);  // in place: g holds L
    if (llt.info() != Eigen::Success)
      throw ConfigError("model '" + std::string(name()) + "': Gram matrix not positive definite; raise lambda");
    b_.resize(m, m);
    const Eigen::Index n_blocks = (m + kBlock - 1) / kBlock;
    ExceptionKeeper errors;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (Eigen::Index bl = 0; bl < n_blocks; ++bl) {
      errors.run([&] {
        const Eigen::Index c0 = bl * kBlock, w = std::min(kBlock, m - c0);
        Eigen::MatrixXf x = Eigen::MatrixXf::Identity(m, m).middleCols(c0, w);
        llt.solveInPlace(x);  // P[:, block], which is P[block, :]^T (P is symmetric)
        b_.middleRows(c0, w) = x.transpose();
      });
    }
    errors.rethrow();
    g.resize(0, 0);
    const Eigen::VectorXf pd = b_.diagonal();
    // B(j, i) = -P_ji / P_ii, B_ii = 0.
    for (Eigen::Index j = 0; j < m; ++j) b_.row(j).array() /= -pd.transpose().array();
    b_.diagonal().setZero();
  } else {
    // C = lambda I + X X^T over users (double: the small side, exact enough for 1 - S_jj).
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(nu, nu);
    add_cooccurrence(
        c, static_cast<std::size_t>(m), [&](std::size_t s) { return train.item_users(active_[s]); },
        [](UserIndex u) { return static_cast<std::int64_t>(u); }, threads);
    c.diagonal().array() += lambda_;
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(c);
    if (llt.info() != Eigen::Success)
      throw ConfigError("model 'ease': user Gram matrix not positive definite; raise lambda");
    // Z = L^-1 X, column blocks in parallel (each is an independent triangular solve).
    Eigen::MatrixXd zd = Eigen::MatrixXd::Zero(nu, m);
    for (Eigen::Index s = 0; s < m; ++s)
      for (UserIndex u : train.item_users(active_[s])) zd(u, s) = 1.0;
    const Eigen::Index n_blocks = (m + kBlock - 1) / kBlock;
    const auto lower = llt.matrixL();
    ExceptionKeeper errors;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (Eigen::Index bl = 0; bl < n_blocks; ++bl) {
      errors.run([&] {
        const Eigen::Index c0 = bl * kBlock, w = std::min(kBlock, m - c0);
        auto cols = zd.middleCols(c0, w);
        lower.solveInPlace(cols);
      });
    }
    errors.rethrow();
    d_ = (1.0 - zd.colwise().squaredNorm().array()).cast<float>().transpose();
    z_ = zd.cast<float>();
  }
}

void Ease::score_row(std::span<const ItemIndex> items, std::span<const float> w, std::span<float> out) const {
  const auto m = static_cast<Eigen::Index>(active_.size());
  auto weight_of = [&](std::size_t p) { return w.empty() ? 1.f : w[p]; };
  Eigen::VectorXf t;
  if (woodbury()) {
    Eigen::VectorXf v = Eigen::VectorXf::Zero(z_.rows());
    for (std::size_t p = 0; p < items.size(); ++p)
      if (auto s = slot(items[p]); s >= 0) v += weight_of(p) * z_.col(s);
    t.noalias() = z_.transpose() * v;
    for (std::size_t p = 0; p < items.size(); ++p)
      if (auto s = slot(items[p]); s >= 0) t(s) -= weight_of(p) * (1.f - d_(s));  // drop the self term w_i S_ii
    t.array() /= d_.array();
  } else {
    t = Eigen::VectorXf::Zero(m);
    for (std::size_t p = 0; p < items.size(); ++p)
      if (auto s = slot(items[p]); s >= 0) t += weight_of(p) * b_.row(s).transpose();
  }
  std::fill(out.begin(), out.end(), 0.f);
  for (Eigen::Index s = 0; s < m; ++s) out[active_[s]] = t(s);
}

void Ease::score(std::span<const UserIndex> users, std::span<float> out) const {
  auto items_of = [&](UserIndex u) {
    return std::span<const ItemIndex>(user_items_.data() + user_ptr_[u], user_ptr_[u + 1] - user_ptr_[u]);
  };
  if (context_ > 0) {
    for (std::size_t r = 0; r < users.size(); ++r) score_context(users[r], out.subspan(r * n_items_, n_items_));
    return;
  }
  if (!woodbury()) {
    for (std::size_t r = 0; r < users.size(); ++r)
      score_row(items_of(users[r]), {}, out.subspan(r * n_items_, n_items_));
    return;
  }
  // Batched: V = [Z x_u ...], T = Z^T V reads Z once for every user of the batch.
  const auto nb = static_cast<Eigen::Index>(users.size());
  Eigen::MatrixXf v = Eigen::MatrixXf::Zero(z_.rows(), nb);
  for (Eigen::Index r = 0; r < nb; ++r)
    for (ItemIndex i : items_of(users[r]))
      if (auto s = slot(i); s >= 0) v.col(r) += z_.col(s);
  Eigen::MatrixXf t(z_.cols(), nb);
  t.noalias() = z_.transpose() * v;
  for (Eigen::Index r = 0; r < nb; ++r) {
    auto col = t.col(r);
    for (ItemIndex i : items_of(users[static_cast<std::size_t>(r)]))
      if (auto s = slot(i); s >= 0) col(s) -= 1.f - d_(s);
    col.array() /= d_.array();
    float* o = out.data() + static_cast<std::size_t>(r) * n_items_;
    std::fill(o, o + n_items_, 0.f);
    for (std::size_t s = 0; s < active_.size(); ++s) o[active_[s]] = col(static_cast<Eigen::Index>(s));
  }
}

void Ease::score_context(UserIndex u, std::span<float> out) const {
  std::vector<std::int64_t> seq;  // the user's active movies in time order
  for (std::size_t k = user_ptr_[u]; k < user_ptr_[u + 1]; ++k)
    if (auto s = slot(time_items_[k]); s >= 0) seq.push_back(s);
  const auto n = static_cast<std::ptrdiff_t>(seq.size()), c = static_cast<std::ptrdiff_t>(context_);
  const auto m = static_cast<Eigen::Index>(active_.size());
  std::fill(out.begin(), out.end(), 0.f);
  if (n == 0) return;
  // Gap g lies before position g (g = n: after the last); its context is
  // positions [g - c, g + c), a window slid one place per gap.
  Eigen::VectorXf ctx = Eigen::VectorXf::Zero(m);
  Eigen::VectorXf best = Eigen::VectorXf::Constant(m, -std::numeric_limits<float>::infinity());
  for (std::ptrdiff_t q = 0; q < std::min(n, c); ++q) ctx += b_.row(seq[q]).transpose();
  for (std::ptrdiff_t g = 0; g <= n; ++g) {
    if (g > 0) {
      if (g + c - 1 < n) ctx += b_.row(seq[g + c - 1]).transpose();
      if (g - c - 1 >= 0) ctx -= b_.row(seq[g - c - 1]).transpose();
    }
    best = best.cwiseMax(ctx);
  }
  for (Eigen::Index s = 0; s < m; ++s) out[active_[s]] = best(s);
}

void Ease::score_new_user(std::span<const ItemIndex> items, std::span<const float> values, std::span<float> out) const {
  if (values.size() != items.size())
    throw ConfigError("score_new_user: " + std::to_string(items.size()) + " movies but " +
                      std::to_string(values.size()) + " ratings");
  for (ItemIndex i : items)
    if (i >= n_items_) throw ConfigError("score_new_user: movie index " + std::to_string(i) + " out of range");
  std::vector<float> w(values.size());
  for (std::size_t p = 0; p < values.size(); ++p) w[p] = like_sign(values[p]);
  score_row(items, w, out);
}

float Ease::weight(ItemIndex i, ItemIndex j) const {
  const auto si = slot(i), sj = slot(j);
  if (i == j || si < 0 || sj < 0) return 0.f;
  if (!woodbury()) return b_(si, sj);
  return z_.col(si).dot(z_.col(sj)) / d_(sj);
}

std::vector<ScoredItem> Ease::similar_items(ItemIndex i, std::size_t k) const {
  if (i >= n_items_) throw ConfigError("similar_items: movie index " + std::to_string(i) + " out of range");
  std::vector<float> col(n_items_, std::numeric_limits<float>::quiet_NaN());
  if (const auto si = slot(i); si >= 0) {
    Eigen::VectorXf c;
    if (woodbury())
      c = (z_.transpose() * z_.col(si)) / d_(si);
    else
      c = b_.col(si);
    for (std::size_t s = 0; s < active_.size(); ++s) col[active_[s]] = c(static_cast<Eigen::Index>(s));
  }
  return top_k(std::span<const float>(col), k, [i](ItemIndex j) { return j == i; });
}

void Ease::save_payload(BinaryWriter& out) const {
  out.put<std::uint64_t>(n_items_);
  out.put_vector(active_);
  out.put_vector(user_ptr_);
  out.put_vector(user_items_);
  out.put<std::uint32_t>(woodbury() ? 1 : 0);
  if (woodbury()) {
    put_matrix(out, z_);
    put_matrix(out, d_);
  } else {
    put_matrix(out, b_);
  }
  if (kind_ == Kind::kSession) out.put_vector(time_items_);
}

void Ease::load_payload(BinaryReader& in) {
  n_items_ = in.get_n_items("n_items");
  active_ = in.get_vector<ItemIndex>();
  user_ptr_ = in.get_vector<std::size_t>();
  user_items_ = in.get_vector<ItemIndex>();
  if (user_ptr_.empty() || user_ptr_.front() != 0 || user_ptr_.back() != user_items_.size())
    in.fail("training rows inconsistent");
  if (in.dims_set() && user_ptr_.size() != in.n_users() + 1)
    in.fail("training rows of " + std::to_string(user_ptr_.size() - 1) + " users, the dataset has " +
            std::to_string(in.n_users()));
  for (std::size_t u = 0; u + 1 < user_ptr_.size(); ++u)
    if (user_ptr_[u] > user_ptr_[u + 1]) in.fail("training rows inconsistent");
  for (ItemIndex i : user_items_)
    if (i >= n_items_) in.fail("movie index out of range");
  slot_.assign(n_items_, -1);
  for (std::size_t s = 0; s < active_.size(); ++s) {
    if (active_[s] >= n_items_ || slot_[active_[s]] >= 0) in.fail("active movie index out of range or repeated");
    slot_[active_[s]] = static_cast<std::int64_t>(s);
  }
  const auto m = static_cast<Eigen::Index>(active_.size());
  b_.resize(0, 0);
  z_.resize(0, 0);
  d_.resize(0);
  if (in.get<std::uint32_t>()) {
    get_matrix(in, z_);
    get_matrix(in, d_);
    if (z_.cols() != m || d_.size() != m || z_.rows() != static_cast<Eigen::Index>(n_users()))
      in.fail("EASE factors of the wrong size");
    in.check_finite({z_.data(), std::size_t(z_.size())}, "EASE factors Z");
    in.check_finite({d_.data(), std::size_t(d_.size())}, "EASE factors D");
  } else {
    get_matrix(in, b_);
    if (b_.rows() != m || b_.cols() != m) in.fail("EASE matrix of the wrong size");
    in.check_finite({b_.data(), std::size_t(b_.size())}, "EASE matrix B");
  }
  if (kind_ == Kind::kSession) {
    if (woodbury()) in.fail("session-ease has the dense form only");
    // Each user's movies in time order: the same movies as the training row.
    time_items_ = in.get_vector<ItemIndex>();
    if (time_items_.size() != user_items_.size()) in.fail("session-ease time order of the wrong size");
    std::vector<ItemIndex> row;
    for (std::size_t u = 0; u + 1 < user_ptr_.size(); ++u) {
      row.assign(time_items_.begin() + static_cast<std::ptrdiff_t>(user_ptr_[u]),
                 time_items_.begin() + static_cast<std::ptrdiff_t>(user_ptr_[u + 1]));
      std::sort(row.begin(), row.end());
      if (!std::equal(row.begin(), row.end(), user_items_.begin() + static_cast<std::ptrdiff_t>(user_ptr_[u])))
        in.fail("session-ease time order of user " + std::to_string(u) + " is not its training row");
    }
  }
}

}  // namespace movierec
