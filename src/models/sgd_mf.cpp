#include "models/sgd_mf.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <type_traits>

#include "models/ridge.h"
#include "models/rmse_over.h"
#include "movierec/errors.h"
#include "util/parallel.h"
#include "util/progress.h"
#include "util/rng.h"

namespace movierec {

RatingLoss sgd_rating_loss(float r, float mu, float bu, float bi, std::span<const float> p, std::span<const float> q,
                           float reg_factors, float reg_bias) {
  RatingLoss out;
  double pq = 0, pp = 0, qq = 0;
  for (std::size_t f = 0; f < p.size(); ++f) {
    pq += double(p[f]) * q[f];
    pp += double(p[f]) * p[f];
    qq += double(q[f]) * q[f];
  }
  const double e = r - (mu + bu + double(bi) + pq);
  out.loss = 0.5 * e * e + 0.5 * reg_factors * (pp + qq) + 0.5 * reg_bias * (double(bu) * bu + double(bi) * bi);
  out.d_bu = -e + reg_bias * double(bu);
  out.d_bi = -e + reg_bias * double(bi);
  out.d_p.resize(p.size());
  out.d_q.resize(q.size());
  for (std::size_t f = 0; f < p.size(); ++f) {
    out.d_p[f] = -e * q[f] + reg_factors * double(p[f]);
    out.d_q[f] = -e * p[f] + reg_factors * double(q[f]);
  }
  return out;
}

namespace {

// One rating of the grid, streamed in block order: 12 bytes with the user's
// and movie's positions, or 8 bytes (CompactEntry) with their offsets from
// the block's first row and column, when every grid row spans at most 65536
// users and every grid column at most 65536 movies (13M ratings on 2 threads:
// 156 MB of grid become 104 MB). The kernel adds the block's base positions,
// so both give the same arithmetic in the same order.
struct Entry {
  UserIndex u;
  ItemIndex i;
  float r;
};
struct CompactEntry {
  std::uint16_t u, i;
  float r;
};

// First position of each of `side` ranges of n positions (range of position
// p: p * side / n), and side + 1 -> n.
std::vector<std::size_t> range_starts(std::size_t n, int side) {
  std::vector<std::size_t> first(static_cast<std::size_t>(side) + 1, n);
  for (std::size_t p = n; p-- > 0;) first[p * side / n] = p;
  for (int r = side - 1; r >= 0; --r) first[r] = std::min(first[r], first[r + 1]);
  return first;
}

// Whether every range of positions fits 16-bit offsets.
bool fits_compact(const std::vector<std::size_t>& first) {
  for (std::size_t r = 0; r + 1 < first.size(); ++r)
    if (first[r + 1] - first[r] > 65536) return false;
  return true;
}

// Ratings cut into a side x side grid of blocks by randomly permuted user and
// movie ranges; block b = row * side + col holds entries [ptr[b], ptr[b+1]).
// Users and movies are renumbered in grid order (entries hold positions:
// user u trains as row user_pos[u] of the factor and bias arrays), so a grid
// row's users, and a grid column's movies, are one contiguous range. With the
// original numbering each cache line of the bias arrays held biases of every
// block, and two threads updating disjoint blocks still wrote the same lines
// all the time (the line bounced between the cores on every update).
template <typename E>
struct BlockGrid {
  using value_type = E;
  static constexpr bool kCompact = std::is_same_v<E, CompactEntry>;
  int side = 1;
  std::vector<std::uint32_t> user_pos, item_pos;  // index -> position
  std::vector<std::size_t> ptr;
  std::vector<std::size_t> row_first, col_first;  // first position of each grid row / column
  std::vector<E, AlignedAllocator<E>> entries;

  BlockGrid(const RatingMatrix& m, int side_, int threads, Rng& rng) : side(side_) {
    // perm: position -> index, a random order (none needed with one block).
    auto order = [&](std::size_t n, std::vector<std::uint32_t>& pos) {
      std::vector<std::uint32_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0u);
      if (side > 1) rng.shuffle(std::span<std::uint32_t>(perm));
      pos.resize(n);
      for (std::size_t p = 0; p < n; ++p) pos[perm[p]] = static_cast<std::uint32_t>(p);
      return perm;
    };
    const auto user_at = order(m.n_users(), user_pos);
    order(m.n_items(), item_pos);
    const std::size_t n_items = m.n_items();
    auto col = [&](std::size_t pos) { return pos * side / n_items; };
    // Grid row r holds the users at positions [first[r], first[r + 1]), and
    // its blocks are contiguous in `entries`: rows are filled in parallel,
    // each in position order, so the result does not depend on the threads.
    row_first = range_starts(m.n_users(), side);
    col_first = range_starts(n_items, side);
    const std::vector<std::size_t>& first = row_first;
    const std::size_t nb = std::size_t(side) * side;
    ptr.assign(nb + 1, 0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int r = 0; r < side; ++r)
      for (std::size_t p = first[r]; p < first[r + 1]; ++p)
        for (ItemIndex i : m.user_items(static_cast<UserIndex>(user_at[p])))
          ++ptr[std::size_t(r) * side + col(item_pos[i]) + 1];
    std::partial_sum(ptr.begin(), ptr.end(), ptr.begin());
    entries.resize(m.nnz());
    std::vector<std::size_t> next(ptr.begin(), ptr.end() - 1);  // next free slot of each block
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int r = 0; r < side; ++r) {
      std::size_t* row_next = next.data() + std::size_t(r) * side;
      for (std::size_t p = first[r]; p < first[r + 1]; ++p) {
        const auto u = static_cast<UserIndex>(user_at[p]);
        auto items = m.user_items(u);
        auto values = m.user_values(u);
        for (std::size_t j = 0; j < items.size(); ++j) {
          const std::uint32_t q = item_pos[items[j]];
          const std::size_t c = col(q);
          if constexpr (kCompact)
            entries[row_next[c]++] = {static_cast<std::uint16_t>(p - first[r]),
                                      static_cast<std::uint16_t>(q - col_first[c]), values[j]};
          else
            entries[row_next[c]++] = {static_cast<UserIndex>(p), static_cast<ItemIndex>(q), values[j]};
        }
      }
    }
  }
  std::span<E> block(std::size_t b) { return {entries.data() + ptr[b], ptr[b + 1] - ptr[b]}; }
  // Positions the entries of block b count from (0 for the 12-byte form).
  std::uint32_t user_base(std::size_t b) const {
    return kCompact ? static_cast<std::uint32_t>(row_first[b / static_cast<std::size_t>(side)]) : 0;
  }
  std::uint32_t item_base(std::size_t b) const {
    return kCompact ? static_cast<std::uint32_t>(col_first[b % static_cast<std::size_t>(side)]) : 0;
  }
};

// Rows of a matrix (and entries of a vector) from position order back to
// index order: out[x] = in[pos[x]].
void unpermute(FactorMatrix& m, const std::vector<std::uint32_t>& pos) {
  FactorMatrix out(m.rows(), m.k());
  for (std::size_t x = 0; x < pos.size(); ++x) std::copy_n(m.row(pos[x]), m.stride(), out.row(x));
  m = std::move(out);
}
void unpermute(std::vector<float>& v, const std::vector<std::uint32_t>& pos) {
  std::vector<float> out(v.size());
  for (std::size_t x = 0; x < pos.size(); ++x) out[x] = v[pos[x]];
  v = std::move(out);
}

// Hands out blocks whose grid row and column are free (FPSG), epoch after
// epoch. Each epoch every non-empty block is handed out once; the order is a
// seeded shuffle and a thread takes the first free block of it, so one thread
// is deterministic. The thread that returns an epoch's last block runs
// end_of_epoch (reports) and starts the next epoch; the others sleep on the
// condition variable meanwhile. One parallel region serves the whole fit:
// OpenMP barriers spin, and on a busy machine spinning threads took the cores
// the working ones needed (5x slower fits on ml-100k).
class BlockScheduler {
 public:
  struct Task {
    int block, epoch;
    std::uint64_t seed;  // the block's shuffle stream for this epoch
  };

  BlockScheduler(int side, const std::vector<std::size_t>& ptr, int epochs, Rng& rng,
                 std::function<void(int)> end_of_epoch)
      : side_(side),
        epochs_(epochs),
        rng_(rng),
        end_of_epoch_(std::move(end_of_epoch)),
        row_busy_(side, 0),
        col_busy_(side, 0) {
    for (std::size_t b = 0; b + 1 < ptr.size(); ++b)
      if (ptr[b + 1] > ptr[b]) blocks_.push_back(static_cast<int>(b));
    start_epoch();
  }

  // The next block to process; false when every epoch is done or a report
  // failed. Waits while every pending block conflicts with one in progress.
  bool take(Task& t) {
    std::unique_lock lock(mu_);
    for (;;) {
      if (done_) return false;
      for (std::size_t j = 0; j < pending_.size(); ++j) {
        const int b = pending_[j];
        if (row_busy_[b / side_] || col_busy_[b % side_]) continue;
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(j));
        row_busy_[b / side_] = col_busy_[b % side_] = 1;
        ++in_flight_;
        t = {b, epoch_, epoch_seed_};
        return true;
      }
      cv_.wait(lock);
    }
  }

  void release(int b) {
    {
      std::lock_guard lock(mu_);
      row_busy_[b / side_] = col_busy_[b % side_] = 0;
      --in_flight_;
      if (pending_.empty() && in_flight_ == 0) finish_epoch();
    }
    cv_.notify_all();
  }

  // Stops handing out blocks (a worker failed): the others return promptly.
  void abort() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
  }

  // The exception end_of_epoch threw, if any.
  std::exception_ptr error() const { return error_; }

 private:
  void start_epoch() {
    if (epoch_ > epochs_ || blocks_.empty()) {
      done_ = true;
      return;
    }
    pending_ = blocks_;
    rng_.shuffle(std::span<int>(pending_));
    epoch_seed_ = rng_();
  }
  void finish_epoch() {  // under mu_
    try {
      end_of_epoch_(epoch_);
    } catch (...) {
      error_ = std::current_exception();
      done_ = true;
      return;
    }
    ++epoch_;
    start_epoch();
  }

  int side_, epochs_, epoch_ = 1, in_flight_ = 0;
  Rng& rng_;
  std::function<void(int)> end_of_epoch_;
  std::vector<char> row_busy_, col_busy_;
  std::vector<int> blocks_, pending_;
  std::uint64_t epoch_seed_ = 0;
  bool done_ = false;
  std::exception_ptr error_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// A piece of a block and the order to visit it: positions start,
// start + stride, start + 2 stride, ... (mod size), a permutation when stride
// and size are coprime.
template <typename E>
struct Walk {
  std::span<const E> chunk;
  std::size_t start = 0, stride = 1;
  std::uint32_t u0 = 0, i0 = 0;  // the block's base positions (CompactEntry)
};

// This epoch's visiting order of a block (its entries sorted by user at the
// start), as walks over chunks.
//   kChunked: the block is cut into chunks of kChunk ratings (48 KiB: a few
//     hundred users' ratings, in L1/L2), visited in random order, each by a
//     random-stride walk from a random start. Consecutive updates then touch
//     different users (no dependency chain through p_u as in user order) and
//     nothing is moved: a Fisher-Yates shuffle of the entries took a third of
//     the epoch on ml-100k. The cut moves by half a chunk every other epoch, so
//     ratings meet other neighbours. Not a uniformly random permutation, but a
//     new one every epoch.
//   kFull: the whole block shuffled (Fisher-Yates), the reference order.
//   kUser: user order, no reshuffle.
// rng: the block's own stream, so the order does not depend on the thread.
template <typename E>
void chunk_order(std::span<E> block, std::uint32_t u0, std::uint32_t i0, int epoch, const SgdOptions& o, Rng rng,
                 std::vector<Walk<E>>& walks) {
  const std::size_t kChunk = static_cast<std::size_t>(o.chunk);
  walks.clear();
  if (o.order != SgdOptions::Order::kChunked) {
    if (o.order == SgdOptions::Order::kFull) rng.shuffle(block);
    walks.push_back({block, 0, 1, u0, i0});
    return;
  }
  const std::size_t offset = (epoch % 2 == 0 && block.size() > kChunk) ? kChunk / 2 : 0;
  if (offset) walks.push_back({block.first(offset), 0, 1, u0, i0});
  for (std::size_t c = offset; c < block.size(); c += kChunk)
    walks.push_back({block.subspan(c, std::min(kChunk, block.size() - c)), 0, 1, u0, i0});
  for (Walk<E>& w : walks) {
    const std::size_t n = w.chunk.size();
    if (n < 3) continue;
    w.start = rng.below(n);
    // A stride coprime with n in the middle half of the chunk: long jumps
    // (1 after a few misses; n < 8 has few candidates).
    w.stride = 1;
    for (int tries = 0; tries < 16; ++tries) {
      const std::size_t c = std::max<std::size_t>(1, n / 4) + rng.below(std::max<std::size_t>(1, n / 2));
      if (std::gcd(c, n) == 1) {
        w.stride = c;
        break;
      }
    }
  }
  rng.shuffle(std::span<Walk<E>>(walks));
}

inline void prefetch_row(const float* x, std::size_t n) {
  for (std::size_t f = 0; f < n; f += 16) __builtin_prefetch(x + f, 1, 3);
}

// The inner loop over one block; kN is the padded stride when known at
// compile time (whole AVX-512 vectors, fully unrolled).
// The inner loop over one walk; kN is the padded stride when known at
// compile time (whole AVX-512 vectors, fully unrolled).
template <SgdSides kSides, int kN, typename E>
void run_block(const Walk<E>& w, float mu, FactorMatrix& pm, FactorMatrix& qm, std::vector<float>& bu,
               std::vector<float>& bi, const SgdOptions& o) {
  constexpr std::size_t kAhead = 8;  // prefetch distance in ratings
  const std::size_t n = kN ? kN : pm.stride();
  const E* e = w.chunk.data();
  const std::size_t m = w.chunk.size(), stride = w.stride;
  // Rows and biases from the block's base: offsets (CompactEntry) count from it.
  float* const bu0 = bu.data() + w.u0;
  float* const bi0 = bi.data() + w.i0;
  auto prow = [&](const E& x) { return pm.row(w.u0 + x.u); };
  auto qrow = [&](const E& x) { return qm.row(w.i0 + x.i); };
  auto next = [m, stride](std::size_t i) { return i + stride >= m ? i + stride - m : i + stride; };
  auto step = [&](const E& x, float err) {
    sgd_apply<kSides, kN>(err, bu0[x.u], bi0[x.i], prow(x), qrow(x), n, o.lr, o.reg_factors, o.reg_bias);
  };
  auto error = [&](const E& x) { return sgd_error<kN>(x.r, mu, bu0[x.u], bi0[x.i], prow(x), qrow(x), n); };
  std::size_t i = w.start, ahead = w.start;  // ahead: the position kAhead visits later
  for (std::size_t t = 0; t < kAhead && t < m; ++t) ahead = next(ahead);
  std::size_t t = 0;
  for (; t + 1 < m; t += 2) {
    if (t + kAhead + 1 < m) {
      prefetch_row(prow(e[ahead]), n);
      prefetch_row(qrow(e[ahead]), n);
      ahead = next(ahead);
      prefetch_row(prow(e[ahead]), n);
      prefetch_row(qrow(e[ahead]), n);
      ahead = next(ahead);
    }
    const E& a = e[i];
    i = next(i);
    const E& b = e[i];
    i = next(i);
    if (a.u != b.u && a.i != b.i) {
      // Disjoint ratings: b's error does not depend on a's step, so both errors
      // are computed together (two latency chains in flight), then both steps
      // applied: the same arithmetic as one after the other.
      const float ea = error(a), eb = error(b);
      step(a, ea);
      step(b, eb);
    } else {
      step(a, error(a));
      step(b, error(b));
    }
  }
  if (t < m) step(e[i], error(e[i]));
}

template <SgdSides kSides, typename E>
void run_block_sides(const Walk<E>& block, float mu, FactorMatrix& pm, FactorMatrix& qm, std::vector<float>& bu,
                     std::vector<float>& bi, const SgdOptions& o) {
  if (o.generic_kernel) return run_block<kSides, 0>(block, mu, pm, qm, bu, bi, o);
  switch (pm.stride()) {
    case 16:
      return run_block<kSides, 16>(block, mu, pm, qm, bu, bi, o);
    case 32:
      return run_block<kSides, 32>(block, mu, pm, qm, bu, bi, o);
    case 48:
      return run_block<kSides, 48>(block, mu, pm, qm, bu, bi, o);
    case 64:
      return run_block<kSides, 64>(block, mu, pm, qm, bu, bi, o);
    case 80:
      return run_block<kSides, 80>(block, mu, pm, qm, bu, bi, o);
    case 96:
      return run_block<kSides, 96>(block, mu, pm, qm, bu, bi, o);
    case 112:  // 100 factors (Surprise's default)
      return run_block<kSides, 112>(block, mu, pm, qm, bu, bi, o);
    case 128:
      return run_block<kSides, 128>(block, mu, pm, qm, bu, bi, o);
    default:
      return run_block<kSides, 0>(block, mu, pm, qm, bu, bi, o);
  }
}

}  // namespace

SgdMf::SgdMf(Params& p, int default_epochs) {
  opt_.factors = p.get_int("factors", 32, "number of latent factors k", 1, 4096);
  opt_.epochs = p.get_int("epochs", default_epochs, "passes over the training ratings", 1, 100000);
  opt_.lr = static_cast<float>(p.get_double("lr", 0.02, "SGD learning rate (lower it if training diverges)", 1e-9, 10));
  // reg: one weight for every term (Surprise's reg_all); reg_factors and
  // reg_bias, when given, override it.
  const auto reg = p.get_optional_double("reg", "L2 weight on every parameter: sets reg_factors and reg_bias", 0, 100);
  opt_.reg_factors = static_cast<float>(p.get_double(
      "reg_factors", reg.value_or(0.1), "L2 weight on p_u and q_i per rating (raise it if training diverges)", 0, 100));
  opt_.reg_bias =
      static_cast<float>(p.get_double("reg_bias", reg.value_or(0.02), "L2 weight on b_u and b_i per rating", 0, 100));
  opt_.init_std = static_cast<float>(p.get_double("init_std", 0.05, "std of the normal initial factors", 0, 10));
  opt_.seed = static_cast<std::uint64_t>(p.get_int("seed", 42, "random seed (init, grid, order)", 0, 2147483647));
  opt_.threads = p.get_int("threads", 0, "threads; 0: the fit's thread setting (every core)", 0, 1024);
  opt_.blocks =
      p.get_int("blocks", 0, "grid side of the parallel schedule; 0: 1 with one thread, else 4 * threads + 2", 0, 1024);
  opt_.chunk =
      p.get_int("chunk", 4096, "ratings per shuffled chunk with order=chunked (about L1/L2 sized)", 2, 1 << 30);
  const std::string order = p.get_string(
      "order", "chunked",
      "rating order inside a block each epoch: shuffled in cache-sized chunks, fully reshuffled, or by user",
      {"chunked", "full", "user"});
  opt_.generic_kernel =
      p.get_string("kernel", "fixed",
                   "SGD inner loop: compiled for the padded width (16..128 floats) or generic (any width; the "
                   "reference the tests check the fixed ones against, same results up to rounding)",
                   {"fixed", "generic"}) == "generic";
  opt_.wide_grid =
      p.get_string("grid", "auto",
                   "memory form of the block grid: auto (8-byte ratings when every grid row and column spans at "
                   "most 65536 users / movies, else 12-byte) or wide (always 12-byte; same results, the reference "
                   "the tests check auto against)",
                   {"auto", "wide"}) == "wide";
  opt_.order = order == "full"   ? SgdOptions::Order::kFull
               : order == "user" ? SgdOptions::Order::kUser
                                 : SgdOptions::Order::kChunked;
}

namespace {

// Train RMSE for learning curves over every stride-th user, so that at most
// about kCurveSample ratings are scored per epoch: the full pass ran on one
// thread while the others waited, doubling svd's fit time on 13M ratings
// (issue 12). Below kCurveSample ratings every user is scored (exact).
constexpr std::size_t kCurveSample = 1'000'000;

template <typename Predict>
double sampled_train_rmse(const RatingMatrix& m, float lo, float hi, Predict predict) {
  const std::size_t stride = std::max<std::size_t>(1, m.nnz() / kCurveSample);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t u = 0; u < m.n_users(); u += stride) {
    auto items = m.user_items(static_cast<UserIndex>(u));
    auto values = m.user_values(static_cast<UserIndex>(u));
    for (std::size_t j = 0; j < items.size(); ++j) {
      float p = predict(static_cast<UserIndex>(u), items[j]);
      p = p < lo ? lo : (p > hi ? hi : p);
      const double e = values[j] - p;
      sum += e * e;
    }
    n += items.size();
  }
  return n ? std::sqrt(sum / static_cast<double>(n)) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

void SgdMf::fit(const RatingMatrix& train, const FitOptions& opts) {
  // Per epoch, each rating updates two factor rows.
  const int threads = fit_threads(opt_.threads, opts, 2.0 * train.nnz() * opt_.epochs * opt_.factors);
  const int side = opt_.blocks > 0 ? opt_.blocks : (threads == 1 ? 1 : 4 * threads + 2);
  Rng rng(opt_.seed);

  mu_ = static_cast<float>(train.mean());
  user_ = FactorMatrix(train.n_users(), opt_.factors);
  item_ = FactorMatrix(train.n_items(), opt_.factors);
  user_.fill_normal(opt_.init_std, rng());
  item_.fill_normal(opt_.init_std, rng());
  user_bias_.assign(train.n_users(), 0.f);
  item_bias_.assign(train.n_items(), 0.f);

  // The 8-byte grid whenever every grid row and column fits 16-bit offsets.
  const bool compact = !opt_.wide_grid && side > 1 && fits_compact(range_starts(train.n_users(), side)) &&
                       fits_compact(range_starts(train.n_items(), side));
  Progress progress(std::string(name()) + " epochs", opt_.epochs, opts.progress);
  auto train_on = [&](auto& grid) {
    using E = typename std::remove_reference_t<decltype(grid)>::value_type;
    const float lo = train.min_value(), hi = train.max_value();
    auto epoch_start = std::chrono::steady_clock::now();
    auto end_of_epoch = [&](int epoch) {
      progress.add(1);
      if (opts.on_epoch) {
        EpochReport rep;
        rep.epoch = epoch;
        rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
        // Inside the fit's parallel region: these passes run on this thread.
        // The arrays are in position order until the fit ends.
        auto pred = [this, &grid](UserIndex u, ItemIndex i) { return score_one(grid.user_pos[u], grid.item_pos[i]); };
        rep.train_rmse = sampled_train_rmse(train, lo, hi, pred);
        if (opts.validation) rep.valid_rmse = rmse_over(*opts.validation, lo, hi, 1, pred);
        opts.on_epoch(rep);
      }
      epoch_start = std::chrono::steady_clock::now();
    };
    BlockScheduler sched(grid.side, grid.ptr, opt_.epochs, rng, end_of_epoch);
    auto work = [&] {
      struct AbortOnThrow {  // a thread that fails must not leave the others waiting for its block
        BlockScheduler& s;
        ~AbortOnThrow() {
          if (std::uncaught_exceptions()) s.abort();
        }
      } guard{sched};
      std::vector<Walk<E>> chunks;
      for (BlockScheduler::Task t; sched.take(t); sched.release(t.block)) {
        const auto b = static_cast<std::size_t>(t.block);
        chunk_order(grid.block(b), grid.user_base(b), grid.item_base(b), t.epoch, opt_,
                    Rng(t.seed, static_cast<std::uint64_t>(t.block)), chunks);
        const SgdSides sides = sides_for_epoch(t.epoch);
        for (const Walk<E>& chunk : chunks) {
          switch (sides) {
            case SgdSides::kJoint:
              run_block_sides<SgdSides::kJoint>(chunk, mu_, user_, item_, user_bias_, item_bias_, opt_);
              break;
            case SgdSides::kUsers:
              run_block_sides<SgdSides::kUsers>(chunk, mu_, user_, item_, user_bias_, item_bias_, opt_);
              break;
            case SgdSides::kItems:
              run_block_sides<SgdSides::kItems>(chunk, mu_, user_, item_, user_bias_, item_bias_, opt_);
              break;
          }
        }
      }
    };
    if (threads == 1) {
      work();
    } else {
      ExceptionKeeper errors;
#pragma omp parallel num_threads(threads)
      errors.run(work);
      errors.rethrow();
    }
    if (sched.error()) std::rethrow_exception(sched.error());
    decltype(grid.entries)().swap(grid.entries);  // freed before the copies below
    unpermute(user_, grid.user_pos);
    unpermute(item_, grid.item_pos);
    unpermute(user_bias_, grid.user_pos);
    unpermute(item_bias_, grid.item_pos);
  };
  if (compact) {
    BlockGrid<CompactEntry> grid(train, side, threads, rng);
    train_on(grid);
  } else {
    BlockGrid<Entry> grid(train, side, threads, rng);
    train_on(grid);
  }
  progress.done();
  check_fitted("try a lower lr or a higher reg_factors / reg_bias");
}

void SgdMf::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                           std::span<float> out) const {
  std::vector<float> targets(items.size());
  for (std::size_t j = 0; j < items.size(); ++j) {
    if (items[j] >= n_items())
      throw ConfigError("score_new_user: movie index " + std::to_string(items[j]) + " out of range");
    targets[j] = values[j] - mu_ - item_bias_[items[j]];
  }
  const float n = static_cast<float>(items.size());
  std::vector<float> x(user_.k() + 1, 0.f);
  RidgeSolver solver;
  solver.solve(item_, items, targets, opt_.reg_factors * (n + kFoldInPseudoRatings),
               opt_.reg_bias * n + kFoldInBiasShrinkage, true, 0, x);
  score_vector(std::span<const float>(x.data(), user_.k()), x[user_.k()], out);
}

}  // namespace movierec
