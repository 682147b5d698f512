#include "models/ease.h"

#include <omp.h>

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
// lower triangle and diagonal of g: g(a, b) += 1 for every list holding both
// a and b (a >= b, positions given by pos). Columns are split among threads.
template <typename Matrix, typename Lists, typename Pos>
void add_cooccurrence(Matrix& g, std::size_t n_lists, Lists list, Pos pos, int threads) {
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
        if (auto s = pos(x); s >= 0) p.push_back(s);
      for (std::int64_t b : p) {
        if (b < lo || b >= hi) continue;
        for (std::int64_t a : p)
          if (a >= b) g(a, b) += 1;
      }
    }
  }
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

Ease::Ease(Params& p) {
  lambda_ = p.get_double("lambda", 200, "L2 weight lambda on B (larger: smoother, more popular items)", 1e-6, 1e9);
  form_ =
      p.get_string("form", "auto", "closed form: Gram inverse (movies^3) or Woodbury (users^2 movies); auto: cheaper",
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
    if (train.item_count(i) > 0) {
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
    add_cooccurrence(
        g, train.n_users(), [&](std::size_t u) { return train.user_items(static_cast<UserIndex>(u)); },
        [&](ItemIndex i) { return slot_[i]; }, threads);
    g.diagonal().array() += static_cast<float>(lambda_);
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXf>> llt(g);  // in place: g holds L
    if (llt.info() != Eigen::Success)
      throw ConfigError("model 'ease': Gram matrix not positive definite; raise lambda");
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
}

}  // namespace movierec
