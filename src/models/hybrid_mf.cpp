#include "models/hybrid_mf.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "features/user_features.h"
#include "models/epoch_loop.h"
#include "movierec/errors.h"
#include "util/dot.h"
#include "util/progress.h"
#include "util/rng.h"

namespace movierec {

void feature_difference(std::span<const FeatureEntry> a, std::span<const FeatureEntry> b,
                        std::vector<FeatureEntry>& out) {
  // Written through a pointer into room for both rows, then cut: push_back's
  // capacity checks cost more than the merge of these short rows.
  out.resize(a.size() + b.size());
  FeatureEntry* o = out.data();
  const FeatureEntry *p = a.data(), *pe = p + a.size(), *q = b.data(), *qe = q + b.size();
  while (p != pe && q != qe) {
    if (p->f < q->f) {
      *o = *p++;
    } else if (q->f < p->f) {
      *o = {q->f, -q->v};
      ++q;
    } else {
      *o = {p->f, p->v - q->v};
      ++p;
      ++q;
    }
    o += o->v != 0;
  }
  for (; p != pe; ++p) {
    *o = *p;
    o += o->v != 0;
  }
  for (; q != qe; ++q) {
    *o = {q->f, -q->v};
    o += o->v != 0;
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
}

namespace {

// p_u = sum_f y_uf U_f into pu; x_uij = p_u . sum_f d_f V_f + sum_f d_f c_f, with
// sum_f d_f V_f into dq.
float triple_x(const HybridTriple& t, float* pu, float* dq) {
  const std::size_t n = t.stride;
  std::fill(pu, pu + n, 0.f);
  for (const auto& e : t.user) {
    const float* u = t.U + std::size_t(e.f) * n;
#pragma omp simd
    for (std::size_t k = 0; k < n; ++k) pu[k] += e.v * u[k];
  }
  std::fill(dq, dq + n, 0.f);
  float xb = 0;
  for (const auto& e : t.d) {
    const float* v = t.V + std::size_t(e.f) * n;
#pragma omp simd
    for (std::size_t k = 0; k < n; ++k) dq[k] += e.v * v[k];
    xb += e.v * t.c[e.f];
  }
  return xb + dot(pu, dq, n);
}

// d loss / d x.
float loss_slope(HybridLoss loss, float w, float x) {
  if (loss == HybridLoss::kWarp) return x < 1 ? -w : 0.f;
  return -1.f / (1.f + std::exp(x));  // d(-ln sigma(x))/dx = -sigma(-x)
}

// theta -= lr g (acc null) or lr g / sqrt(G) after G += g^2, over n coordinates.
// Eigen's rsqrt: a vectorised reciprocal square root estimate refined by a Newton
// step (float precision, about 2 ulp), where sqrt and a division cost 4x as much.
inline void move(float* theta, const float* g, float* acc, std::size_t n, float lr) {
  Eigen::Map<Eigen::ArrayXf> t(theta, Eigen::Index(n));
  Eigen::Map<const Eigen::ArrayXf> gv(g, Eigen::Index(n));
  if (!acc) {
    t -= lr * gv;
    return;
  }
  Eigen::Map<Eigen::ArrayXf> a(acc, Eigen::Index(n));
  a += gv.square();
  t -= lr * gv * a.rsqrt();
}

inline void move_one(float& theta, float g, float* acc, float lr) {
  if (!acc) {
    theta -= lr * g;
    return;
  }
  *acc += g * g;
  theta -= lr * g / std::sqrt(*acc);
}

}  // namespace

double hybrid_triple_objective(HybridLoss loss, float w, const HybridTriple& t, float reg) {
  const std::size_t n = t.stride;
  double x = 0, r = 0;
  auto U = [&](std::uint32_t f, std::size_t k) { return double(t.U[std::size_t(f) * n + k]); };
  auto V = [&](std::uint32_t f, std::size_t k) { return double(t.V[std::size_t(f) * n + k]); };
  for (std::size_t k = 0; k < n; ++k) {
    double pu = 0, dq = 0;
    for (const auto& e : t.user) pu += double(e.v) * U(e.f, k);
    for (const auto& e : t.d) dq += double(e.v) * V(e.f, k);
    x += pu * dq;
  }
  for (const auto& e : t.user)
    for (std::size_t k = 0; k < n; ++k) r += U(e.f, k) * U(e.f, k);
  for (const auto& e : t.d) {
    x += double(e.v) * t.c[e.f];
    r += double(t.c[e.f]) * t.c[e.f];
    for (std::size_t k = 0; k < n; ++k) r += V(e.f, k) * V(e.f, k);
  }
  const double l = loss == HybridLoss::kWarp ? w * std::max(0.0, 1 - x) : std::log1p(std::exp(-x));
  return l + 0.5 * reg * r;
}

float hybrid_triple_step(HybridLoss loss, float w, const HybridTriple& t, const HybridAccumulators* acc, float lr,
                         float reg, float* scratch) {
  const std::size_t n = t.stride;
  float* pu = scratch;
  float* dq = scratch + n;
  float* g = scratch + 2 * n;
  const float x = triple_x(t, pu, dq);
  const float s = loss_slope(loss, w, x);
  // Every gradient from the old values: g(V_f) = s d_f p_u + reg V_f, g(c_f) = s d_f + reg c_f
  // (p_u in scratch), g(U_f) = s y_uf sum_f' d_f' V_f' + reg U_f (the sum in dq, from before).
  for (const auto& e : t.d) {
    float* v = t.V + std::size_t(e.f) * n;
    const float sd = s * e.v;
#pragma omp simd
    for (std::size_t k = 0; k < n; ++k) g[k] = sd * pu[k] + reg * v[k];
    move(v, g, acc ? acc->V + std::size_t(e.f) * n : nullptr, n, lr);
    move_one(t.c[e.f], sd + reg * t.c[e.f], acc ? acc->c + e.f : nullptr, lr);
  }
  for (const auto& e : t.user) {
    float* u = t.U + std::size_t(e.f) * n;
    const float sy = s * e.v;
#pragma omp simd
    for (std::size_t k = 0; k < n; ++k) g[k] = sy * dq[k] + reg * u[k];
    move(u, g, acc ? acc->U + std::size_t(e.f) * n : nullptr, n, lr);
  }
  return x;
}

// Defaults chosen on the validation carve-outs of ml-latest-small (cold-items:20:valid, seeds
// 0-2, movies with a poster, genres + year; NDCG@10 / AUC): one-year buckets 0.149 / 0.802 (decades
// 0.126 / 0.777), then positives at >= 3 stars 0.150 / 0.806 (every rating 0.149 / 0.802, >= 4
// 0.152 / 0.799), max_sampled 20 0.153 / 0.806; bpr (0.114), identity features (0.146), 32 or 128
// factors, 30 or 40 epochs, lr 0.03 or 0.1, reg 1e-3 or 0 did not do better.
HybridMf::HybridMf(Params& p) : side_(p, "genres,year", 1) {
  user_side_ = p.get_string("user_side", "",
                            "user side features age,gender,occupation or all (datasets with a user file: ml-100k, "
                            "ml-1m); empty: users are identities only");
  if (!user_side_.empty()) parse_user_side(user_side_);  // a bad name fails now
  loss_ = p.get_string("loss", "warp", "ranking loss: warp (negatives drawn until one violates the margin) or bpr",
                       {"warp", "bpr"}) == "warp"
              ? HybridLoss::kWarp
              : HybridLoss::kBpr;
  identity_ = p.get_bool("identity", false,
                         "add a one-hot identity feature per movie with training ratings (new movies have none): "
                         "known movies then rank by their own ratings too; the default is for new movies");
  factors_ = p.get_int("factors", 64, "embedding size k", 1, int(FactorMatrix::kMaxFactors));
  epochs_ = p.get_int("epochs", 20, "passes over the positive ratings", 1, 100000);
  lr_ = static_cast<float>(p.get_double("lr", 0.05, "learning rate (adagrad: initial step per coordinate)", 1e-9, 10));
  adagrad_ = p.get_string("schedule", "adagrad", "learning-rate schedule: adagrad (per coordinate, as LightFM) or sgd",
                          {"adagrad", "sgd"}) == "adagrad";
  reg_ = static_cast<float>(p.get_double("reg", 1e-4, "L2 weight on the parameters each triple touches", 0, 100));
  max_sampled_ = p.get_int("max_sampled", 20, "warp: negatives drawn per positive before giving up", 1, 100000);
  min_rating_ = static_cast<float>(
      p.get_double("min_rating", 3, "ratings at or above this are positives (0: every rating)", 0, 1e9));
  seed_ = static_cast<std::uint64_t>(p.get_int("seed", 42, "random seed (init, order, negatives)", 0, 2147483647));
  threads_ = p.get_int("threads", 0, "threads; 0: the fit's thread setting (by the amount of work)", 0, 1024);
}

void HybridMf::fit(const RatingMatrix& train, const FitOptions& opts) {
  const ItemFeatures f = side_.build("hybrid-mf", train, opts.dataset);
  const std::size_t n = train.n_items(), m = train.n_users();
  // Sparse feature rows, sorted by feature; identity features after the content ones.
  std::vector<ItemIndex> known;
  for (ItemIndex i = 0; i < n; ++i)
    if (train.item_count(i) > 0) known.push_back(i);
  std::vector<std::size_t> row_ptr(n + 1, 0);
  std::vector<FeatureEntry> rows;
  {
    std::size_t next_identity = f.dim;
    for (ItemIndex i = 0; i < n; ++i) {
      const float* x = f.row(i);
      for (std::size_t j = 0; j < f.dim; ++j)
        if (x[j] != 0) rows.push_back({static_cast<std::uint32_t>(j), x[j]});
      if (identity_ && train.item_count(i) > 0) rows.push_back({static_cast<std::uint32_t>(next_identity++), 1.f});
      row_ptr[i + 1] = rows.size();
    }
  }
  const std::size_t n_feat = f.dim + (identity_ ? known.size() : 0);
  auto row = [&](ItemIndex i) {
    return std::span<const FeatureEntry>(rows.data() + row_ptr[i], row_ptr[i + 1] - row_ptr[i]);
  };

  // Positives per user (sorted, as the matrix rows), and the (u, i) pairs.
  struct Pair {
    UserIndex u;
    ItemIndex i;
  };
  std::vector<std::size_t> pos_ptr(m + 1, 0);
  std::vector<ItemIndex> pos;
  std::vector<Pair> pairs;
  for (UserIndex u = 0; u < m; ++u) {
    auto items = train.user_items(u);
    auto vals = train.user_values(u);
    for (std::size_t p = 0; p < items.size(); ++p)
      if (vals[p] >= min_rating_) {
        pos.push_back(items[p]);
        pairs.push_back({u, items[p]});
      }
    pos_ptr[u + 1] = pos.size();
  }

  // The positives as one bit per (user, movie) when that takes at most 32 MB (a
  // load instead of a binary search per violating draw), else the sorted lists.
  std::vector<std::uint64_t> pos_bits;
  if (double(m) * double(n) <= double(1u << 28)) {
    pos_bits.assign((m * n + 63) / 64, 0);
    for (UserIndex u = 0; u < m; ++u)
      for (std::size_t p = pos_ptr[u]; p < pos_ptr[u + 1]; ++p)
        pos_bits[(std::size_t(u) * n + pos[p]) >> 6] |= std::uint64_t(1) << ((std::size_t(u) * n + pos[p]) & 63);
  }

  // User rows: the user features (user_side), then an identity feature for every
  // user with training ratings; a user with neither is the zero vector.
  std::size_t user_dim = 0;
  UserFeatures uf;
  if (!user_side_.empty()) {
    uf = build_user_features(*opts.dataset, parse_user_side(user_side_));
    if (uf.n_users != m)
      throw ConfigError("model 'hybrid-mf': parameter 'user_side': the dataset has " + std::to_string(uf.n_users) +
                        " users, the training matrix " + std::to_string(m));
    user_dim = uf.dim;
  }
  std::vector<std::size_t> urow_ptr(m + 1, 0);
  std::vector<FeatureEntry> urows;
  for (UserIndex u = 0; u < m; ++u) {
    for (std::size_t j = 0; j < user_dim; ++j)
      if (uf.row(u)[j] != 0) urows.push_back({static_cast<std::uint32_t>(j), uf.row(u)[j]});
    if (train.user_count(u) > 0) urows.push_back({static_cast<std::uint32_t>(user_dim + u), 1.f});
    urow_ptr[u + 1] = urows.size();
  }
  auto urow = [&](UserIndex u) {
    return std::span<const FeatureEntry>(urows.data() + urow_ptr[u], urow_ptr[u + 1] - urow_ptr[u]);
  };
  const std::size_t n_ufeat = user_dim + m;

  Rng rng(seed_);
  const std::size_t k = factors_;
  // LightFM's initial scale: uniform in (-0.5, 0.5) / k has std 0.29 / k.
  FactorMatrix U(n_ufeat, k);
  U.fill_normal(0.29f / k, rng());
  FactorMatrix V(n_feat, k);
  V.fill_normal(0.29f / k, rng());
  std::vector<float> c(n_feat, 0.f);
  const std::size_t stride = V.stride();
  FactorMatrix GU, GV;
  std::vector<float> Gc;
  if (adagrad_) {
    GU = FactorMatrix(n_ufeat, k);
    GV = FactorMatrix(n_feat, k);
    std::fill(GU.data(), GU.data() + n_ufeat * stride, 1.f);
    std::fill(GV.data(), GV.data() + n_feat * stride, 1.f);
    Gc.assign(n_feat, 1.f);
  }

  // Movie representations q_i = sum_f x_if V_f, b_i = sum_f x_if c_f into item_ /
  // item_bias_, and users' p_u = sum_f y_uf U_f into user_.
  auto represent = [&] {
    if (user_.rows() != m || user_.k() != k) user_ = FactorMatrix(m, k);
    for (UserIndex u = 0; u < m; ++u) {
      float* p = user_.row(u);
      std::fill(p, p + stride, 0.f);
      for (const auto& e : urow(u)) {
        const float* y = U.row(e.f);
#pragma omp simd
        for (std::size_t j = 0; j < stride; ++j) p[j] += e.v * y[j];
      }
    }
    if (item_.rows() != n || item_.k() != k) item_ = FactorMatrix(n, k);
    item_bias_.assign(n, 0.f);
    for (ItemIndex i = 0; i < n; ++i) {
      float* q = item_.row(i);
      std::fill(q, q + stride, 0.f);
      float b = 0;
      for (const auto& e : row(i)) {
        const float* v = V.row(e.f);
#pragma omp simd
        for (std::size_t j = 0; j < stride; ++j) q[j] += e.v * v[j];
        b += e.v * c[e.f];
      }
      item_bias_[i] = b;
    }
  };
  mu_ = 0;
  user_bias_.clear();
  if (pairs.empty() || known.size() < 2) {
    represent();
    return;
  }

  const double avg_nnz = double(rows.size()) / double(n);
  const double per_pair = (loss_ == HybridLoss::kWarp ? max_sampled_ : 1) + 4 * avg_nnz;
  const int threads = fit_threads(threads_, opts, per_pair * double(pairs.size()) * epochs_ * k);
  const std::size_t n_known = known.size();
  const HybridAccumulators acc{GU.data(), GV.data(), Gc.data()};
  const HybridAccumulators* accp = adagrad_ ? &acc : nullptr;

  Progress progress("hybrid-mf epochs", epochs_, opts.progress);
  const bool track = static_cast<bool>(opts.on_epoch);
  constexpr std::size_t kPiece = 1 << 12;
  std::uint64_t epoch_seed = 0;
  double loss_sum = 0;
  std::mutex loss_mu;
  auto t0 = std::chrono::steady_clock::now();
  auto start = [&](int) {
    epoch_seed = rng();
    Rng shuffle(epoch_seed);
    shuffle.shuffle(std::span<Pair>(pairs));
    // WARP screens the negatives with the movie representations of the epoch's
    // start (one dot product each, not a sum over features); the step itself
    // uses the current parameters (its hinge is flat when x_uij >= 1 by then).
    represent();
    loss_sum = 0;
    t0 = std::chrono::steady_clock::now();
  };
  auto work = [&](int, std::size_t begin, std::size_t end) {
    Rng r(epoch_seed, begin + 1);
    std::vector<float> scratch(3 * stride), pu_buf(stride);
    std::vector<FeatureEntry> d;
    double piece_loss = 0;
    for (std::size_t s = begin; s < end; ++s) {
      const UserIndex u = pairs[s].u;
      const ItemIndex i = pairs[s].i;
      if (s + 2 < end)  // the pair after next: its user and movie rows
        for (std::size_t x = 0; x < stride; x += 16) {
          __builtin_prefetch(U.row(user_dim + pairs[s + 2].u) + x);
          __builtin_prefetch(item_.row(pairs[s + 2].i) + x);
        }
      const auto upos = std::span<const ItemIndex>(pos.data() + pos_ptr[u], pos_ptr[u + 1] - pos_ptr[u]);
      auto positive = [&](ItemIndex j) {
        if (!pos_bits.empty()) return bool(pos_bits[(std::size_t(u) * n + j) >> 6] >> (j & 63) & 1);
        return std::binary_search(upos.begin(), upos.end(), j);
      };
      // p_u now: the identity row itself without user features, else the sum.
      const auto yu = urow(u);
      const float* pu = pu_buf.data();
      if (yu.size() == 1 && yu[0].v == 1) {
        pu = U.row(yu[0].f);
      } else {
        std::fill(pu_buf.begin(), pu_buf.end(), 0.f);
        for (const auto& e : yu)
          for (std::size_t x = 0; x < stride; ++x) pu_buf[x] += e.v * U.row(e.f)[x];
      }
      ItemIndex j = i;
      float w = 1;
      if (loss_ == HybridLoss::kWarp) {
        // s_ui from the epoch's representations too, so that a draw is compared with like.
        const float s_ui = dot(pu, item_.row(i), stride) + item_bias_[i];
        bool found = false;
        // Draws in batches of kAhead, their rows prefetched together: the rows are
        // read at random, and a miss costs more than the dot product.
        constexpr int kAhead = 4;
        ItemIndex batch[kAhead];
        int have = 0, used = 0;
        for (int sampled = 1; sampled <= max_sampled_ && !found; ++sampled) {
          if (used == have) {
            have = std::min(kAhead, max_sampled_ - sampled + 1);
            used = 0;
            for (int b = 0; b < have; ++b) {
              batch[b] = known[r.below(n_known)];
              for (std::size_t x = 0; x < stride; x += 16) __builtin_prefetch(item_.row(batch[b]) + x);
            }
          }
          const ItemIndex cand = batch[used++];
          // The score first: most draws do not violate, and need no search of u's positives.
          if (dot(pu, item_.row(cand), stride) + item_bias_[cand] > s_ui - 1 && cand != i && !positive(cand)) {
            found = true;
            j = cand;
            w = std::min(10.f, std::log(std::max(1.f, std::floor(float(n_known - 1) / float(sampled)))));
          }
        }
        if (!found) continue;
      } else {
        j = known[r.below(n_known)];
        if (j == i || positive(j)) continue;
      }
      feature_difference(row(i), row(j), d);
      const HybridTriple t{yu, U.data(), d, V.data(), c.data(), stride};
      const float x = hybrid_triple_step(loss_, w, t, accp, lr_, reg_, scratch.data());
      if (track) piece_loss += loss_ == HybridLoss::kWarp ? w * std::max(0.f, 1 - x) : std::log1p(std::exp(-x));
    }
    if (track) {
      std::lock_guard lock(loss_mu);
      loss_sum += piece_loss;
    }
  };
  EpochReport rep;
  auto end = [&](int epoch) {
    progress.add(1);
    if (opts.on_epoch) {
      rep = EpochReport{};
      rep.epoch = epoch;
      rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      rep.loss = loss_sum / double(pairs.size());  // mean triple loss before each step (0 for skipped positives)
    }
  };
  if (!opts.on_epoch || !opts.measure_epoch) {
    run_epochs(threads, epochs_, pairs.size(), kPiece, start, work, [&](int epoch) {
      end(epoch);
      if (opts.on_epoch) opts.on_epoch(rep);
    });
  } else {
    // As bpr: one run per epoch so that the caller's ranking runs between them.
    for (int e = 1; e <= epochs_; ++e) {
      run_epochs(
          threads, 1, pairs.size(), kPiece, [&](int) { start(e); },
          [&](int, std::size_t b, std::size_t stop) { work(e, b, stop); }, [&](int) { end(e); });
      represent();
      opts.measure_epoch(*this, rep);
      opts.on_epoch(rep);
    }
  }
  progress.done();
  represent();
  check_fitted("try a lower lr or a higher reg");
}

}  // namespace movierec
