#include "models/knn.h"
#include "data/rating_matrix_io.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "models/row_cache.h"
#include "movierec/errors.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/topk.h"

namespace movierec {
namespace {

// Buffers as BinaryWriter::put_vector writes vectors: u64 size, then the elements.
template <typename T>
void put_buffer(BinaryWriter& out, const Buffer<T>& v) {
  out.put<std::uint64_t>(v.size());
  out.append(v.data(), v.size() * sizeof(T));
}
template <typename T>
Buffer<T> get_buffer(BinaryReader& in) {
  auto v = in.get_vector<T>();
  return Buffer<T>(v.begin(), v.end());
}

constexpr std::uint32_t kPayloadVersion = 1;

Knn::Centering parse_centering(const std::string& s) {
  if (s == "none") return Knn::Centering::kNone;
  if (s == "mean") return Knn::Centering::kMean;
  return Knn::Centering::kBaseline;
}

}  // namespace

Knn::Knn(Params& p, Kind kind) : kind_(kind) {
  const bool user = kind == Kind::kUser;
  k_ = p.get_int("k", 40,
                 std::string("neighbours used per prediction: the most similar ") +
                     (user ? "users who rated the movie" : "movies the user rated"),
                 1, 1 << 20);
  min_k_ = p.get_int("min_k", 1, "fewer qualifying neighbours than this: predict the baseline instead", 1, 1 << 20);
  weight_reg_ =
      p.get_double("weight_reg", 0.3,
                   "added to the sum of similarities that divides the weighted residuals: with few or weakly similar "
                   "neighbours the prediction stays near its base (b_ui for centering=none); 0: Surprise's plain "
                   "weighted mean",
                   0, 1e6);
  centering_ =
      parse_centering(p.get_string("centering", "baseline",
                                   "what neighbours' ratings are centred on: none (raw), mean (the row's mean rating), "
                                   "baseline (mu + b_u + b_i)",
                                   {"none", "mean", "baseline"}));
  sim_opts_.kind = parse_similarity(
      p.get_string("similarity", "pearson-baseline",
                   "cosine (raw ratings), pearson (centred on the common support's means), adjusted-cosine (centred on "
                   "the other side's mean), pearson-baseline (centred on the baseline), all over the common support",
                   {"cosine", "pearson", "adjusted-cosine", "pearson-baseline"}));
  sim_opts_.shrinkage =
      p.get_double("shrinkage", 100, "similarity * (n-1)/(n-1+shrinkage), n = common raters; 0 disables", 0, 1e9);
  sim_opts_.min_support = p.get_int("min_support", 1, "pairs with fewer common ratings get similarity 0", 1, 1 << 30);
  sim_opts_.max_neighbors = static_cast<std::size_t>(
      p.get_int("max_neighbors", 10000,
                "most similar neighbours kept per row; memory O(rows * max_neighbors). Below the number of co-rated "
                "rows predictions become approximate (10000 is exact for ml-latest-small and ml-100k)",
                1, 1 << 30));
  reg_user_ = p.get_double("reg_user", 15, "L2 weight on the baseline's user biases", 0, 1e6);
  reg_item_ = p.get_double("reg_item", 10, "L2 weight on the baseline's movie biases", 0, 1e6);
  bias_epochs_ = p.get_int("bias_epochs", 10, "alternating least-squares sweeps of the baseline", 1, 1000);
}

std::vector<float> Knn::transformed_values(bool csc, bool item_rows) const {
  const RatingMatrix& r = train_;
  std::vector<float> out(r.nnz());
  auto value = [&](UserIndex u, ItemIndex i, float x) -> float {
    switch (sim_opts_.kind) {
      case Similarity::kCosine:
      case Similarity::kPearson:
        return x;
      case Similarity::kAdjustedCosine:
        return x - (item_rows ? user_mean_[u] : item_mean_[i]);
      case Similarity::kPearsonBaseline:
        return x - biases_.predict(u, i);
    }
    return x;
  };
  if (csc) {
    for (ItemIndex i = 0; i < r.n_items(); ++i)
      for (std::size_t q = r.item_ptr()[i]; q < r.item_ptr()[i + 1]; ++q)
        out[q] = value(r.item_users_raw()[q], i, r.item_values_raw()[q]);
  } else {
    for (UserIndex u = 0; u < r.n_users(); ++u)
      for (std::size_t p = r.user_ptr()[u]; p < r.user_ptr()[u + 1]; ++p)
        out[p] = value(u, r.user_items_raw()[p], r.user_values_raw()[p]);
  }
  return out;
}

void Knn::fit(const RatingMatrix& train, const FitOptions& opts) {
  train_ = train;
  biases_ = fit_biases(train_, reg_user_, reg_item_, bias_epochs_);
  nb_ = {};
  prepare();  // means are needed by the similarity transform
  const bool item_rows = kind_ == Kind::kItem;
  std::vector<float> csr = transformed_values(false, item_rows), csc = transformed_values(true, item_rows);
  SparseRows by_user{train_.user_ptr(), train_.user_items_raw(), csr};
  SparseRows by_item{train_.item_ptr(), train_.item_users_raw(), csc};
  SimilarityOptions so = sim_opts_;
  so.threads = opts.threads;
  nb_ = item_rows ? compute_neighbors(by_item, by_user, so) : compute_neighbors(by_user, by_item, so);
  prepare();
}

void Knn::prepare() {
  const RatingMatrix& r = train_;
  const float mu = static_cast<float>(r.mean());
  user_mean_.assign(r.n_users(), mu);
  item_mean_.assign(r.n_items(), mu);
  for (UserIndex u = 0; u < r.n_users(); ++u) {
    auto v = r.user_values(u);
    if (!v.empty()) user_mean_[u] = static_cast<float>(std::accumulate(v.begin(), v.end(), 0.0) / v.size());
  }
  for (ItemIndex i = 0; i < r.n_items(); ++i) {
    auto v = r.item_values(i);
    if (!v.empty()) item_mean_[i] = static_cast<float>(std::accumulate(v.begin(), v.end(), 0.0) / v.size());
  }
  // The residual of rating (u, i) as a neighbour's rating: r_ui - base of its row.
  auto resid = [&](UserIndex u, ItemIndex i, float x) -> float {
    switch (centering_) {
      case Centering::kNone:
        return x;
      case Centering::kMean:
        return x - (kind_ == Kind::kItem ? item_mean_[i] : user_mean_[u]);
      case Centering::kBaseline:
        return x - biases_.predict(u, i);
    }
    return x;
  };
  resid_csr_.resize(r.nnz());
  resid_csc_.resize(r.nnz());
  for (UserIndex u = 0; u < r.n_users(); ++u)
    for (std::size_t p = r.user_ptr()[u]; p < r.user_ptr()[u + 1]; ++p)
      resid_csr_[p] = resid(u, r.user_items_raw()[p], r.user_values_raw()[p]);
  for (ItemIndex i = 0; i < r.n_items(); ++i)
    for (std::size_t q = r.item_ptr()[i]; q < r.item_ptr()[i + 1]; ++q)
      resid_csc_[q] = resid(r.item_users_raw()[q], i, r.item_values_raw()[q]);
  rev_ = (kind_ == Kind::kItem && nb_.truncated) ? nb_.transposed(r.n_items()) : NeighborLists{};
  generation_ = next_model_generation();
}

float Knn::base(UserIndex u, ItemIndex i) const {
  switch (centering_) {
    case Centering::kNone:
      return 0.f;
    case Centering::kMean:
      return kind_ == Kind::kItem ? item_mean_[i] : user_mean_[u];
    case Centering::kBaseline:
      return biases_.predict(u, i);
  }
  return 0.f;
}

float knn_detail::kth_largest(std::span<const Candidate> c, std::size_t k, std::vector<float>& scratch) {
  if (c.size() < 64) {
    scratch.resize(c.size());
    for (std::size_t t = 0; t < c.size(); ++t) scratch[t] = c[t].sim;
    std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end(), std::greater<float>());
    return scratch[k - 1];
  }
  // Positive floats order like their bit patterns: a histogram of the top
  // bits (exponent and 3 mantissa bits: 8 buckets an octave) finds the bucket
  // holding the k-th largest, then nth_element runs inside that bucket only.
  constexpr int kShift = 20;
  constexpr std::uint32_t kBuckets = 1024;  // keys of values up to 2.0
  auto key = [](float s) { return std::min<std::uint32_t>(std::bit_cast<std::uint32_t>(s) >> kShift, kBuckets - 1); };
  std::array<std::uint32_t, kBuckets> hist{};
  std::uint32_t top = 0;
  for (const auto& x : c) {
    const std::uint32_t b = key(x.sim);
    ++hist[b];
    top = std::max(top, b);
  }
  std::size_t above = 0;
  std::uint32_t b = top;
  while (above + hist[b] < k) above += hist[b--];
  scratch.clear();
  for (const auto& x : c)
    if (key(x.sim) == b) scratch.push_back(x.sim);
  const std::size_t r = k - above - 1;
  std::nth_element(scratch.begin(), scratch.begin() + r, scratch.end(), std::greater<float>());
  return scratch[r];
}

namespace {

using Candidate = knn_detail::Candidate;

// Adds the k most similar of c (ties: lower `who` first) to num and den, in
// c's order. c comes in increasing `who`, so predict() and score() sum the
// same terms in the same order and agree bit for bit. Selects by threshold
// (the k-th largest similarity) to keep that order.
std::size_t sum_top_k(std::span<const Candidate> c, std::size_t k, double& num, double& den,
                      std::vector<float>& scratch) {
  if (c.size() <= k) {
    for (const auto& x : c) {
      num += static_cast<double>(x.sim) * x.resid;
      den += x.sim;
    }
    return c.size();
  }
  const float thr = knn_detail::kth_largest(c, k, scratch);
  std::size_t above = 0;
  for (const auto& x : c) above += x.sim > thr;
  std::size_t ties = k - above;  // taken at the threshold, lower `who` first
  for (const auto& x : c) {
    // Branch-free (about half are taken); adding 0.0 leaves a sum unchanged.
    const bool tie = x.sim == thr && ties > 0;
    ties -= tie;
    const double take = static_cast<double>((x.sim > thr) | tie);
    num += take * (static_cast<double>(x.sim) * x.resid);
    den += take * x.sim;
  }
  return k;
}

}  // namespace

float Knn::combine(std::vector<Candidate>& c, float base, float fallback) const {
  thread_local std::vector<float> scratch;
  double num = 0, den = 0;
  std::size_t used = sum_top_k(c, static_cast<std::size_t>(k_), num, den, scratch);
  if (used == 0 || used < static_cast<std::size_t>(min_k_)) return fallback;
  // weight_reg pulls towards the base; with centering=none (base 0) towards b_ui instead.
  const double prior = centering_ == Centering::kNone ? weight_reg_ * fallback : 0.0;
  return static_cast<float>(base + (num + prior) / (den + weight_reg_));
}

float Knn::predict(UserIndex u, ItemIndex i) const {
  if (u >= n_users() || i >= n_items()) return biases_.predict(u, i);
  thread_local std::vector<Candidate> c;  // no allocation per prediction
  c.clear();
  if (kind_ == Kind::kUser) {
    // Neighbours of u (dense row of similarities) among the raters of i.
    const auto& sim = cached_dense_row(generation_, u, n_users(), [&](auto set) {
      for (std::size_t p = nb_.ptr[u]; p < nb_.ptr[u + 1]; ++p) set(nb_.idx[p], nb_.sim[p]);
    });
    auto raters = train_.item_users(i);
    const float* res = resid_csc_.data() + train_.item_ptr()[i];
    c.resize(raters.size());
    std::size_t n = 0;
    for (std::size_t q = 0; q < raters.size(); ++q) {  // branch-free, as below
      const float s = sim[raters[q]];
      c[n] = {s, res[q], raters[q]};
      n += !std::isnan(s);
    }
    c.resize(n);
  } else {
    // Neighbours of i among the movies u rated (dense row of u's residuals), O(|neighbours of i|).
    const auto& res = cached_dense_row(generation_, u, n_items(), [&](auto set) {
      for (std::size_t p = train_.user_ptr()[u]; p < train_.user_ptr()[u + 1]; ++p)
        set(train_.user_items_raw()[p], resid_csr_[p]);
    });
    // Branch-free: write every entry, advance only on a rated movie (a few
    // in ten: a branch would mispredict often).
    const std::size_t lo = nb_.ptr[i], len = nb_.ptr[i + 1] - lo;
    c.resize(len);
    std::size_t n = 0;
    for (std::size_t q = 0; q < len; ++q) {
      const std::uint32_t j = nb_.idx[lo + q];
      const float r = res[j];
      c[n] = {nb_.sim[lo + q], r, j};
      n += !std::isnan(r);
    }
    c.resize(n);
  }
  return combine(c, base(u, i), biases_.predict(u, i));
}

namespace {

// Scores every movie for one user from candidates (target, sim, resid, who)
// that enumerate(f) produces in increasing `who` order; per target the k most
// similar count, as in Knn::combine. Two passes: count per target, then sum
// targets with <= k candidates directly and select among the others.
struct ScatterScratch {
  std::vector<std::uint32_t> count;
  std::vector<double> num, den;
  std::vector<std::size_t> offset;
  std::vector<std::uint32_t> big;  // targets with more than k candidates
};

}  // namespace

template <typename Enumerate, typename Base, typename Fallback>
static void scatter_scores(Enumerate enumerate, std::size_t n_items, std::size_t k, std::size_t min_k,
                           double weight_reg, bool prior_is_fallback, Base base_of, Fallback fallback_of,
                           std::span<float> out) {
  ScatterScratch s;
  s.count.assign(n_items, 0);
  s.num.assign(n_items, 0.0);
  s.den.assign(n_items, 0.0);
  enumerate([&](std::uint32_t t, float, float, std::uint32_t) { ++s.count[t]; });
  s.offset.assign(n_items + 1, 0);
  for (std::size_t t = 0; t < n_items; ++t) {
    std::size_t extra = s.count[t] > k ? s.count[t] : 0;
    s.offset[t + 1] = s.offset[t] + extra;
    if (extra) s.big.push_back(static_cast<std::uint32_t>(t));
  }
  std::vector<Candidate> bucket(s.offset[n_items]);
  std::vector<std::size_t> fill(s.offset.begin(), s.offset.end() - 1);
  enumerate([&](std::uint32_t t, float sim, float resid, std::uint32_t who) {
    if (s.count[t] <= k) {
      s.num[t] += static_cast<double>(sim) * resid;
      s.den[t] += sim;
    } else {
      bucket[fill[t]++] = {sim, resid, who};
    }
  });
  std::vector<float> scratch;
  for (std::uint32_t t : s.big)
    sum_top_k(std::span<const Candidate>(bucket.data() + s.offset[t], s.offset[t + 1] - s.offset[t]), k, s.num[t],
              s.den[t], scratch);
  for (std::size_t t = 0; t < n_items; ++t) {
    std::size_t used = std::min<std::size_t>(s.count[t], k);
    if (used == 0 || used < min_k) {
      out[t] = fallback_of(t);
    } else {
      const double prior = prior_is_fallback ? weight_reg * fallback_of(t) : 0.0;
      out[t] = static_cast<float>(base_of(t) + (s.num[t] + prior) / (s.den[t] + weight_reg));
    }
  }
}

template <typename Base, typename Fallback>
void Knn::score_items_from(std::span<const ItemIndex> items, std::span<const float> resid, Base base_of,
                           Fallback fallback_of, std::span<float> out) const {
  // Item-based: rated movie j is a candidate for every movie i that keeps j
  // as a neighbour: row j of the transposed lists (nb_ itself when symmetric).
  const NeighborLists& rev = nb_.truncated ? rev_ : nb_;
  auto enumerate = [&](auto f) {
    for (std::size_t p = 0; p < items.size(); ++p) {
      const ItemIndex j = items[p];
      for (std::size_t q = rev.ptr[j]; q < rev.ptr[j + 1]; ++q) f(rev.idx[q], rev.sim[q], resid[p], j);
    }
  };
  scatter_scores(enumerate, n_items(), k_, min_k_, weight_reg_, centering_ == Centering::kNone, base_of, fallback_of,
                 out);
}

void Knn::score_user_based(UserIndex u, std::span<float> out) const {
  // Neighbour v of u is a candidate for every movie v rated.
  auto nb = nb_.rows();
  auto ni = nb.row_idx(u);
  auto ns = nb.row_val(u);
  auto enumerate = [&](auto f) {
    for (std::size_t p = 0; p < ni.size(); ++p) {
      const UserIndex v = ni[p];
      for (std::size_t q = train_.user_ptr()[v]; q < train_.user_ptr()[v + 1]; ++q)
        f(train_.user_items_raw()[q], ns[p], resid_csr_[q], v);
    }
  };
  scatter_scores(
      enumerate, n_items(), k_, min_k_, weight_reg_, centering_ == Centering::kNone,
      [&](std::size_t i) { return base(u, static_cast<ItemIndex>(i)); },
      [&](std::size_t i) { return biases_.predict(u, static_cast<ItemIndex>(i)); }, out);
}

void Knn::score(std::span<const UserIndex> users, std::span<float> out) const {
  const std::size_t n = n_items();
  for (std::size_t r = 0; r < users.size(); ++r) {
    const UserIndex u = users[r];
    std::span<float> row = out.subspan(r * n, n);
    if (u >= n_users()) {
      for (std::size_t i = 0; i < n; ++i) row[i] = biases_.predict(u, static_cast<ItemIndex>(i));
    } else if (kind_ == Kind::kUser) {
      score_user_based(u, row);
    } else {
      std::span<const float> res(resid_csr_.data() + train_.user_ptr()[u], train_.user_count(u));
      score_items_from(
          train_.user_items(u), res, [&](std::size_t i) { return base(u, static_cast<ItemIndex>(i)); },
          [&](std::size_t i) { return biases_.predict(u, static_cast<ItemIndex>(i)); }, row);
    }
  }
}

void Knn::score_new_user(std::span<const ItemIndex> items, std::span<const float> values, std::span<float> out) const {
  if (kind_ == Kind::kUser)
    throw NotSupported(
        "model 'user-knn' cannot fold in a new user (it would need the user's similarity to "
        "every training user); use item-knn");
  if (items.size() != values.size())
    throw ConfigError("score_new_user: " + std::to_string(items.size()) + " movies but " +
                      std::to_string(values.size()) + " ratings");
  if (out.size() != n_items())
    throw ConfigError("score_new_user: output has " + std::to_string(out.size()) + " entries, expected " +
                      std::to_string(n_items()));
  std::vector<std::pair<ItemIndex, float>> rated;
  for (std::size_t p = 0; p < items.size(); ++p) {
    if (items[p] >= n_items())
      throw DataError("score_new_user: movie index " + std::to_string(items[p]) + " out of range (model has " +
                      std::to_string(n_items()) + " movies)");
    rated.emplace_back(items[p], values[p]);
  }
  std::sort(rated.begin(), rated.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t p = 1; p < rated.size(); ++p)
    if (rated[p].first == rated[p - 1].first)
      throw DataError("score_new_user: movie index " + std::to_string(rated[p].first) + " rated twice");
  // The new user's bias, shrunk as in fit_biases: b_u = sum (r - mu - b_i) / (reg_user + n).
  double s = 0;
  for (const auto& [i, r] : rated) s += r - biases_.mu - biases_.item[i];
  const float bu = static_cast<float>(s / (reg_user_ + rated.size()));
  auto bui = [&](std::size_t i) { return biases_.mu + bu + biases_.item[i]; };
  std::vector<ItemIndex> idx;
  std::vector<float> res;
  for (const auto& [i, r] : rated) {
    idx.push_back(i);
    res.push_back(centering_ == Centering::kNone ? r : centering_ == Centering::kMean ? r - item_mean_[i] : r - bui(i));
  }
  score_items_from(
      idx, res,
      [&](std::size_t i) {
        return centering_ == Centering::kNone ? 0.f : centering_ == Centering::kMean ? item_mean_[i] : bui(i);
      },
      bui, out);
}

std::vector<ScoredItem> Knn::similar_items(ItemIndex i, std::size_t k) const {
  if (i >= n_items())
    throw DataError("similar_items: movie index " + std::to_string(i) + " out of range (model has " +
                    std::to_string(n_items()) + " movies)");
  std::vector<float> scores(n_items(), std::numeric_limits<float>::quiet_NaN());
  if (kind_ == Kind::kItem) {
    for (std::size_t q = nb_.ptr[i]; q < nb_.ptr[i + 1]; ++q) scores[nb_.idx[q]] = nb_.sim[q];
  } else {
    std::vector<float> csr = transformed_values(false, true), csc = transformed_values(true, true);
    SparseRows by_user{train_.user_ptr(), train_.user_items_raw(), csr};
    SparseRows by_item{train_.item_ptr(), train_.item_users_raw(), csc};
    for (const auto& [j, sim] : similarity_row(by_item, by_user, i, sim_opts_)) scores[j] = sim;
  }
  return top_k(std::span<const float>(scores), k);
}

void Knn::save_payload(BinaryWriter& out) const {
  out.put(kPayloadVersion);
  out.put<std::uint32_t>(kind_ == Kind::kItem ? 1 : 0);
  save_rating_matrix(out, train_);
  save_biases(out, biases_);
  out.put<std::uint32_t>(nb_.truncated ? 1 : 0);
  put_buffer(out, nb_.ptr);
  put_buffer(out, nb_.idx);
  put_buffer(out, nb_.sim);
}

void Knn::load_payload(BinaryReader& in) {
  if (auto v = in.get<std::uint32_t>(); v != kPayloadVersion)
    in.fail("knn payload version " + std::to_string(v) + ", expected " + std::to_string(kPayloadVersion));
  if (in.get<std::uint32_t>() != (kind_ == Kind::kItem ? 1 : 0)) in.fail("payload of the other knn kind");
  train_ = load_rating_matrix(in);
  const std::size_t n_users = train_.n_users(), n_items = train_.n_items();
  biases_ = load_biases(in);
  if (biases_.user.size() != n_users || biases_.item.size() != n_items) in.fail("bias vectors of the wrong size");
  nb_.truncated = in.get<std::uint32_t>() != 0;
  nb_.ptr = get_buffer<std::size_t>(in);
  nb_.idx = get_buffer<std::uint32_t>(in);
  nb_.sim = get_buffer<float>(in);
  const std::size_t rows = kind_ == Kind::kItem ? n_items : n_users;
  if (nb_.ptr.size() != rows + 1 || nb_.ptr.front() != 0 || nb_.ptr.back() != nb_.idx.size() ||
      nb_.idx.size() != nb_.sim.size() || !std::is_sorted(nb_.ptr.begin(), nb_.ptr.end()) ||
      std::any_of(nb_.idx.begin(), nb_.idx.end(), [&](std::uint32_t x) { return x >= rows; }))
    in.fail("inconsistent neighbour lists");
  in.check_finite({nb_.sim.data(), nb_.sim.size()}, "neighbour similarities");
  in.expect_end("trailing payload bytes");
  prepare();
}

}  // namespace movierec
