#include "models/article_cf.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "data/rating_matrix_io.h"
#include "models/row_cache.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/topk.h"

namespace movierec {
namespace {

constexpr std::uint32_t kPayloadVersion = 1;
// Above this many possible W entries the users x users matrix does not fit.
constexpr double kMaxPairs = 2e9;

double inv(double x) { return x > 0 ? 1.0 / x : 0.0; }
// The tutorial divides 0 by 0 only without eps; we call that 0.
float ratio(double num, double den) { return den > 0 ? static_cast<float>(num / den) : 0.f; }

double merge_dot(std::span<const std::uint32_t> ai, std::span<const float> av, std::span<const std::uint32_t> bi,
                 std::span<const float> bv) {
  double s = 0;
  std::size_t p = 0, q = 0;
  while (p < ai.size() && q < bi.size()) {
    if (ai[p] < bi[q])
      ++p;
    else if (bi[q] < ai[p])
      ++q;
    else
      s += static_cast<double>(av[p++]) * bv[q++];
  }
  return s;
}

// The tutorial's prediction denominators, for either orientation. `rows` are the
// side whose similarities are used (users for user-user), `cols` the other;
// rows_of(c) / cols_of(x) give a column's rows / a row's columns with their ratings:
//   term_c = sum_{x in rows_of(c)} r_xc / N_x,  den_x = sum_{c in cols_of(x)} r_xc term_c + eps sum_x 1/N_x.
template <class RowsOf, class ColsOf>
void denominators(std::size_t n_rows, std::size_t n_cols, RowsOf rows_of, ColsOf cols_of,
                  const std::vector<double>& norm, double eps, std::vector<double>& term, std::vector<double>& den) {
  term.assign(n_cols, 0);
  for (std::size_t c = 0; c < n_cols; ++c) {
    auto [xs, vs] = rows_of(c);
    for (std::size_t q = 0; q < xs.size(); ++q) term[c] += vs[q] * inv(norm[xs[q]]);
  }
  double t = 0;
  for (double n : norm) t += inv(n);
  den.assign(n_rows, 0);
  for (std::size_t x = 0; x < n_rows; ++x) {
    auto [cs, vs] = cols_of(x);
    double s = 0;
    for (std::size_t p = 0; p < cs.size(); ++p) s += vs[p] * term[cs[p]];
    den[x] = s + eps * t;
  }
}

}  // namespace

ArticleCosine::ArticleCosine(Params& p, Kind kind)
    : kind_(kind),
      eps_(p.get_double("epsilon", 1e-9,
                        "added to every dot product as in the tutorial (keeps empty rows from dividing 0 by 0); "
                        "0 disables",
                        0, 1)) {}

void ArticleCosine::fit(const RatingMatrix& train, const FitOptions& opts) {
  train_ = train;
  build(opts.threads);
}

void ArticleCosine::build(int threads) {
  generation_ = next_model_generation();
  const RatingMatrix& r = train_;
  const std::size_t nu = r.n_users(), ni = r.n_items();
  double pairs = 0;
  for (ItemIndex i = 0; i < ni; ++i) pairs += static_cast<double>(r.item_count(i)) * r.item_count(i);
  if (std::min(pairs, static_cast<double>(nu) * nu) > kMaxPairs)
    throw ConfigError("model '" + std::string(name()) + "': the users x users matrix would need up to " +
                      std::to_string(static_cast<long long>(std::min(pairs, double(nu) * nu))) +
                      " entries; the article models are meant for small data (ml-latest-small); use item-knn");
  user_norm_.assign(nu, 0);
  item_norm_.assign(ni, 0);
  for (UserIndex u = 0; u < nu; ++u) {
    double s = eps_;
    for (float x : r.user_values(u)) s += static_cast<double>(x) * x;
    user_norm_[u] = std::sqrt(s);
  }
  for (ItemIndex i = 0; i < ni; ++i) {
    double s = eps_;
    for (float x : r.item_values(i)) s += static_cast<double>(x) * x;
    item_norm_[i] = std::sqrt(s);
  }
  const bool user = kind_ == Kind::kUser;
  // Per-movie weight inside W: user-based 1 (W = u.v, divided by N_v below), item-based 1 / M_j.
  std::vector<double> col_w(ni, 1.0);
  if (!user)
    for (ItemIndex j = 0; j < ni; ++j) col_w[j] = inv(item_norm_[j]);

  // The symmetric part G(u, v) = sum_{j in I(u) and I(v)} col_w[j] r_uj r_vj,
  // upper triangle (v >= u, diagonal included) by sparse accumulation over u's
  // movies and their raters, then mirrored; W = G (item) or G(u, v) / N_v (user).
  struct Scratch {
    std::vector<double> acc;
    std::vector<std::uint64_t> touched;
  };
  const int n_threads = threads_for_work(threads, pairs / 2);
  std::vector<Scratch> scratch(n_threads);
  for (auto& sc : scratch) {
    sc.acc.assign(nu, 0.0);
    sc.touched.assign((nu + 63) / 64, 0);
  }
  w_ = symmetric_lists(nu, n_threads, [&](std::size_t u, int t, std::vector<std::pair<std::uint32_t, float>>& out) {
    Scratch& sc = scratch[t];
    auto items = r.user_items(static_cast<UserIndex>(u));
    auto vals = r.user_values(static_cast<UserIndex>(u));
    for (std::size_t p = 0; p < items.size(); ++p) {
      const ItemIndex j = items[p];
      const double x = vals[p] * col_w[j];
      auto vs = r.item_users(j);
      auto ys = r.item_values(j);
      // Raters are sorted: start at u.
      for (std::size_t q = std::lower_bound(vs.begin(), vs.end(), static_cast<UserIndex>(u)) - vs.begin();
           q < vs.size(); ++q) {
        sc.acc[vs[q]] += x * ys[q];
        sc.touched[vs[q] >> 6] |= std::uint64_t{1} << (vs[q] & 63);
      }
    }
    for (std::size_t w = u >> 6; w < sc.touched.size(); ++w) {
      for (std::uint64_t bits = sc.touched[w]; bits; bits &= bits - 1) {
        const std::uint32_t v = static_cast<std::uint32_t>(w * 64 + std::countr_zero(bits));
        out.emplace_back(v, static_cast<float>(sc.acc[v]));
        sc.acc[v] = 0;
      }
      sc.touched[w] = 0;
    }
  });
  if (user)
    for (std::size_t p = 0; p < w_.idx.size(); ++p)
      w_.sim[p] = static_cast<float>(w_.sim[p] * inv(user_norm_[w_.idx[p]]));

  // user: c_i per movie and a denominator per user; item: a_u per user and one per movie.
  auto users_of = [&](std::size_t i) { return std::pair(r.item_users(ItemIndex(i)), r.item_values(ItemIndex(i))); };
  auto items_of = [&](std::size_t u) { return std::pair(r.user_items(UserIndex(u)), r.user_values(UserIndex(u))); };
  if (user)
    denominators(nu, ni, users_of, items_of, user_norm_, eps_, row_term_, den_);
  else
    denominators(ni, nu, items_of, users_of, item_norm_, eps_, row_term_, den_);
}

float ArticleCosine::predict(UserIndex u, ItemIndex i) const {
  if (u >= n_users() || i >= n_items()) return 0.f;
  // sum_{v in U(i)} r_vi W(u, v), in increasing v as in score(); W's row u
  // as a dense per-thread row while predictions stay with u.
  const auto& w = cached_dense_row(generation_, u, n_users(), [&](auto set) {
    for (std::size_t p = w_.ptr[u]; p < w_.ptr[u + 1]; ++p) set(w_.idx[p], w_.sim[p]);
  });
  auto vs = train_.item_users(i);
  auto ys = train_.item_values(i);
  double num = 0;
  for (std::size_t q = 0; q < vs.size(); ++q)
    if (!std::isnan(w[vs[q]])) num += static_cast<double>(ys[q]) * w[vs[q]];
  if (kind_ == Kind::kUser) return ratio(num + eps_ * row_term_[i], den_[u]);
  return ratio(num + eps_ * row_term_[u], den_[i]);
}

void ArticleCosine::score(std::span<const UserIndex> users, std::span<float> out) const {
  const std::size_t n = n_items();
  std::vector<double> acc(n);
  for (std::size_t r = 0; r < users.size(); ++r) {
    const UserIndex u = users[r];
    std::span<float> row = out.subspan(r * n, n);
    if (u >= n_users()) {
      std::fill(row.begin(), row.end(), 0.f);
      continue;
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::size_t p = w_.ptr[u]; p < w_.ptr[u + 1]; ++p) {
      const UserIndex v = w_.idx[p];
      const float w = w_.sim[p];
      auto items = train_.user_items(v);
      auto vals = train_.user_values(v);
      for (std::size_t q = 0; q < items.size(); ++q) acc[items[q]] += static_cast<double>(vals[q]) * w;
    }
    for (std::size_t i = 0; i < n; ++i)
      row[i] = kind_ == Kind::kUser ? ratio(acc[i] + eps_ * row_term_[i], den_[u])
                                    : ratio(acc[i] + eps_ * row_term_[u], den_[i]);
  }
}

std::vector<ScoredItem> ArticleCosine::similar_items(ItemIndex i, std::size_t k) const {
  if (i >= n_items())
    throw DataError("similar_items: movie index " + std::to_string(i) + " out of range (model has " +
                    std::to_string(n_items()) + " movies)");
  std::vector<double> dot(n_items(), 0.0);
  std::vector<char> seen(n_items(), 0);
  auto vs = train_.item_users(i);
  auto ys = train_.item_values(i);
  for (std::size_t q = 0; q < vs.size(); ++q) {
    auto items = train_.user_items(vs[q]);
    auto vals = train_.user_values(vs[q]);
    for (std::size_t p = 0; p < items.size(); ++p) {
      dot[items[p]] += static_cast<double>(ys[q]) * vals[p];
      seen[items[p]] = 1;
    }
  }
  // Only movies with a common rater: the others' eps-only similarity says nothing.
  std::vector<float> scores(n_items(), std::numeric_limits<float>::quiet_NaN());
  for (std::size_t j = 0; j < n_items(); ++j)
    if (seen[j] && j != i) scores[j] = static_cast<float>((dot[j] + eps_) * inv(item_norm_[i] * item_norm_[j]));
  return top_k(std::span<const float>(scores), k);
}

double ArticleCosine::user_similarity(UserIndex u, UserIndex v) const {
  double d = merge_dot(train_.user_items(u), train_.user_values(u), train_.user_items(v), train_.user_values(v));
  return (d + eps_) * inv(user_norm_[u] * user_norm_[v]);
}

double ArticleCosine::item_similarity(ItemIndex i, ItemIndex j) const {
  double d = merge_dot(train_.item_users(i), train_.item_values(i), train_.item_users(j), train_.item_values(j));
  return (d + eps_) * inv(item_norm_[i] * item_norm_[j]);
}

void ArticleCosine::save_payload(BinaryWriter& out) const {
  out.put(kPayloadVersion);
  out.put<std::uint32_t>(kind_ == Kind::kItem ? 1 : 0);
  save_rating_matrix(out, train_);
}

void ArticleCosine::load_payload(BinaryReader& in) {
  if (auto v = in.get<std::uint32_t>(); v != kPayloadVersion)
    in.fail("article payload version " + std::to_string(v) + ", expected " + std::to_string(kPayloadVersion));
  if (in.get<std::uint32_t>() != (kind_ == Kind::kItem ? 1 : 0)) in.fail("payload of the other article kind");
  train_ = load_rating_matrix(in);
  in.expect_end("trailing payload bytes");  // before the similarity build, the costly part
  build(0);
}

}  // namespace movierec
