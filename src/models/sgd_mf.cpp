#include "models/sgd_mf.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>

#include "movierec/errors.h"
#include "util/parallel.h"
#include "util/progress.h"

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

// One rating of the grid: 12 bytes, streamed in block order.
struct Entry {
  UserIndex u;
  ItemIndex i;
  float r;
};

// Ratings cut into a side x side grid of blocks by randomly permuted user and
// movie ranges; block b = row * side + col holds entries [ptr[b], ptr[b+1]).
struct BlockGrid {
  int side = 1;
  std::vector<std::size_t> ptr;
  std::vector<Entry, AlignedAllocator<Entry>> entries;

  BlockGrid(const RatingMatrix& m, int side_, Rng& rng) : side(side_) {
    auto cut = [&](std::size_t n) {
      std::vector<std::uint32_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0u);
      rng.shuffle(std::span<std::uint32_t>(perm));
      std::vector<std::uint16_t> part(n);  // index -> grid row (column)
      for (std::size_t pos = 0; pos < n; ++pos) part[perm[pos]] = static_cast<std::uint16_t>(pos * side / n);
      return part;
    };
    auto row = cut(m.n_users()), col = cut(m.n_items());
    const std::size_t nb = std::size_t(side) * side;
    ptr.assign(nb + 1, 0);
    for (std::size_t u = 0; u < m.n_users(); ++u)
      for (ItemIndex i : m.user_items(static_cast<UserIndex>(u))) ++ptr[std::size_t(row[u]) * side + col[i] + 1];
    std::partial_sum(ptr.begin(), ptr.end(), ptr.begin());
    entries.resize(m.nnz());
    std::vector<std::size_t> pos(ptr.begin(), ptr.end() - 1);
    // CSR order: each block comes out sorted by user, then movie.
    for (std::size_t u = 0; u < m.n_users(); ++u) {
      auto items = m.user_items(static_cast<UserIndex>(u));
      auto values = m.user_values(static_cast<UserIndex>(u));
      for (std::size_t j = 0; j < items.size(); ++j)
        entries[pos[std::size_t(row[u]) * side + col[items[j]]]++] = {static_cast<UserIndex>(u), items[j], values[j]};
    }
  }
  std::span<Entry> block(std::size_t b) { return {entries.data() + ptr[b], ptr[b + 1] - ptr[b]}; }
};

// Hands out blocks whose grid row and column are free (FPSG). Each epoch every
// non-empty block is handed out once; the order is a seeded shuffle, and a
// thread takes the first free block of it, so one thread is deterministic.
class BlockScheduler {
 public:
  explicit BlockScheduler(const BlockGrid& g) : side_(g.side), row_busy_(g.side, 0), col_busy_(g.side, 0) {
    for (std::size_t b = 0; b + 1 < g.ptr.size(); ++b)
      if (g.ptr[b + 1] > g.ptr[b]) blocks_.push_back(static_cast<int>(b));
  }
  void start_epoch(Rng& rng) {
    pending_ = blocks_;
    rng.shuffle(std::span<int>(pending_));
  }
  // The next block, or -1 when the epoch is done. Waits while every pending
  // block conflicts with one being processed.
  int take() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (pending_.empty()) return -1;
      for (std::size_t j = 0; j < pending_.size(); ++j) {
        int b = pending_[j];
        if (row_busy_[b / side_] || col_busy_[b % side_]) continue;
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(j));
        row_busy_[b / side_] = col_busy_[b % side_] = 1;
        return b;
      }
      cv_.wait(lock);
    }
  }
  void release(int b) {
    {
      std::lock_guard lock(mu_);
      row_busy_[b / side_] = col_busy_[b % side_] = 0;
    }
    cv_.notify_all();
  }

 private:
  int side_;
  std::vector<char> row_busy_, col_busy_;
  std::vector<int> blocks_, pending_;
  std::mutex mu_;
  std::condition_variable cv_;
};

// This epoch's visiting order of a block (entries sorted by user at the
// start), as a list of chunks. kChunked: the block is cut into chunks of
// kChunk ratings (an L1-sized piece: a few hundred users' ratings), each chunk
// is shuffled in place and the chunks are visited in random order; the cut
// moves by half a chunk every other epoch, so ratings drift between chunks.
// A whole-block shuffle (kFull) costs a cache miss per swap on large blocks;
// inside a chunk it costs little, and consecutive updates still touch
// different users (no dependency chain through p_u, as in user order).
// rng: the block's own stream, so the order does not depend on the thread.
void chunk_order(std::span<Entry> block, int epoch, SgdOptions::Order order, Rng rng,
                 std::vector<std::span<Entry>>& chunks) {
  constexpr std::size_t kChunk = 4096;
  chunks.clear();
  if (order != SgdOptions::Order::kChunked) {
    if (order == SgdOptions::Order::kFull) rng.shuffle(block);
    chunks.push_back(block);
    return;
  }
  const std::size_t offset = (epoch % 2 == 0 && block.size() > kChunk) ? kChunk / 2 : 0;
  if (offset) chunks.push_back(block.first(offset));
  for (std::size_t c = offset; c < block.size(); c += kChunk)
    chunks.push_back(block.subspan(c, std::min(kChunk, block.size() - c)));
  for (auto chunk : chunks) rng.shuffle(chunk);
  rng.shuffle(std::span<std::span<Entry>>(chunks));
}

inline void prefetch_row(const float* x, std::size_t n) {
  for (std::size_t f = 0; f < n; f += 16) __builtin_prefetch(x + f, 1, 3);
}

// The inner loop over one block; kN is the padded stride when known at
// compile time (whole AVX-512 vectors, fully unrolled).
template <SgdSides kSides, int kN>
void run_block(std::span<const Entry> block, float mu, FactorMatrix& pm, FactorMatrix& qm, std::vector<float>& bu,
               std::vector<float>& bi, const SgdOptions& o) {
  constexpr std::size_t kAhead = 8;  // prefetch distance in ratings
  const std::size_t n = kN ? kN : pm.stride();
  const Entry* e = block.data();
  const std::size_t m = block.size();
  auto step = [&](const Entry& x, float err) {
    sgd_apply<kSides, kN>(err, bu[x.u], bi[x.i], pm.row(x.u), qm.row(x.i), n, o.lr, o.reg_factors, o.reg_bias);
  };
  auto error = [&](const Entry& x) { return sgd_error<kN>(x.r, mu, bu[x.u], bi[x.i], pm.row(x.u), qm.row(x.i), n); };
  std::size_t t = 0;
  for (; t + 1 < m; t += 2) {
    if (t + kAhead + 1 < m) {
      prefetch_row(pm.row(e[t + kAhead].u), n);
      prefetch_row(qm.row(e[t + kAhead].i), n);
      prefetch_row(pm.row(e[t + kAhead + 1].u), n);
      prefetch_row(qm.row(e[t + kAhead + 1].i), n);
    }
    const Entry &a = e[t], &b = e[t + 1];
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
  if (t < m) step(e[t], error(e[t]));
}

template <SgdSides kSides>
void run_block_sides(std::span<const Entry> block, float mu, FactorMatrix& pm, FactorMatrix& qm,
                     std::vector<float>& bu, std::vector<float>& bi, const SgdOptions& o) {
  switch (pm.stride()) {
    case 16: return run_block<kSides, 16>(block, mu, pm, qm, bu, bi, o);
    case 32: return run_block<kSides, 32>(block, mu, pm, qm, bu, bi, o);
    case 48: return run_block<kSides, 48>(block, mu, pm, qm, bu, bi, o);
    case 64: return run_block<kSides, 64>(block, mu, pm, qm, bu, bi, o);
    case 96: return run_block<kSides, 96>(block, mu, pm, qm, bu, bi, o);
    case 128: return run_block<kSides, 128>(block, mu, pm, qm, bu, bi, o);
    default: return run_block<kSides, 0>(block, mu, pm, qm, bu, bi, o);
  }
}

}  // namespace

SgdMf::SgdMf(Params& p, int default_epochs) {
  opt_.factors = p.get_int("factors", 64, "number of latent factors k", 1, 4096);
  opt_.epochs = p.get_int("epochs", default_epochs, "passes over the training ratings", 1, 100000);
  opt_.lr = static_cast<float>(p.get_double("lr", 0.01, "SGD learning rate (lower it if training diverges)", 1e-9, 10));
  opt_.reg_factors = static_cast<float>(
      p.get_double("reg_factors", 0.1, "L2 weight on p_u and q_i per rating (raise it if training diverges)", 0, 100));
  opt_.reg_bias = static_cast<float>(p.get_double("reg_bias", 0.02, "L2 weight on b_u and b_i per rating", 0, 100));
  opt_.init_std = static_cast<float>(p.get_double("init_std", 0.05, "std of the normal initial factors", 0, 10));
  opt_.seed = static_cast<std::uint64_t>(p.get_int("seed", 42, "random seed (init, grid, order)", 0, 2147483647));
  opt_.threads = p.get_int("threads", 0, "threads; 0: the fit's thread setting (every core)", 0, 1024);
  opt_.blocks = p.get_int("blocks", 0,
                          "grid side of the parallel schedule; 0: 1 with one thread, else 4 * threads + 2", 0, 1024);
  const std::string order = p.get_string(
      "order", "chunked",
      "rating order inside a block each epoch: shuffled in cache-sized chunks, fully reshuffled, or by user",
      {"chunked", "full", "user"});
  opt_.order = order == "full" ? SgdOptions::Order::kFull
               : order == "user" ? SgdOptions::Order::kUser
                                 : SgdOptions::Order::kChunked;
}

void SgdMf::fit(const RatingMatrix& train, const FitOptions& opts) {
  const int threads = fit_threads(opt_.threads, opts);
  const int side = opt_.blocks > 0 ? opt_.blocks : (threads == 1 ? 1 : 4 * threads + 2);
  Rng rng(opt_.seed);

  mu_ = static_cast<float>(train.mean());
  user_ = FactorMatrix(train.n_users(), opt_.factors);
  item_ = FactorMatrix(train.n_items(), opt_.factors);
  user_.fill_normal(opt_.init_std, rng());
  item_.fill_normal(opt_.init_std, rng());
  user_bias_.assign(train.n_users(), 0.f);
  item_bias_.assign(train.n_items(), 0.f);

  BlockGrid grid(train, side, rng);
  BlockScheduler sched(grid);
  Progress progress(std::string(name()) + " epochs", opt_.epochs, opts.progress);
  const float lo = train.min_value(), hi = train.max_value();

  for (int epoch = 1; epoch <= opt_.epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    const SgdSides sides = sides_for_epoch(epoch);
    sched.start_epoch(rng);
    const std::uint64_t epoch_seed = rng();
    ExceptionKeeper errors;
#pragma omp parallel num_threads(threads)
    errors.run([&] {
      std::vector<std::span<Entry>> chunks;
      for (int b; (b = sched.take()) >= 0; sched.release(b)) {
        auto block = grid.block(static_cast<std::size_t>(b));
        chunk_order(block, epoch, opt_.order, Rng(epoch_seed, static_cast<std::uint64_t>(b)), chunks);
        for (auto chunk : chunks) {
          switch (sides) {
            case SgdSides::kJoint: run_block_sides<SgdSides::kJoint>(chunk, mu_, user_, item_, user_bias_, item_bias_, opt_); break;
            case SgdSides::kUsers: run_block_sides<SgdSides::kUsers>(chunk, mu_, user_, item_, user_bias_, item_bias_, opt_); break;
            case SgdSides::kItems: run_block_sides<SgdSides::kItems>(chunk, mu_, user_, item_, user_bias_, item_bias_, opt_); break;
          }
        }
      }
    });
    errors.rethrow();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.add(1);
    if (opts.on_epoch) {
      EpochReport rep;
      rep.epoch = epoch;
      rep.seconds = seconds;
      auto pred = [this](UserIndex u, ItemIndex i) { return score_one(u, i); };
      rep.train_rmse = rmse_over(train, lo, hi, threads, pred);
      if (opts.validation) rep.valid_rmse = rmse_over(*opts.validation, lo, hi, threads, pred);
      opts.on_epoch(rep);
    }
  }
  progress.done();
  check_fitted("try a lower lr or a higher reg_factors / reg_bias");
}

void SgdMf::score_new_user(std::span<const ItemIndex> items, std::span<const float> values,
                           std::span<float> out) const {
  std::vector<float> targets(items.size());
  for (std::size_t j = 0; j < items.size(); ++j) {
    if (items[j] >= n_items()) throw ConfigError("score_new_user: movie index " + std::to_string(items[j]) + " out of range");
    targets[j] = values[j] - mu_ - item_bias_[items[j]];
  }
  const float n = static_cast<float>(items.size());
  std::vector<float> x(user_.k() + 1, 0.f);
  RidgeSolver solver;
  solver.solve(item_, items, targets, opt_.reg_factors * n, opt_.reg_bias * n, true, 0, x);
  score_vector(std::span<const float>(x.data(), user_.k()), x[user_.k()], out);
}

}  // namespace movierec
