#include "models/similarity.h"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <new>
#include <type_traits>

#include "movierec/errors.h"
#include "util/parallel.h"

namespace movierec {
namespace {

// Sums over the common support of rows a and b. Cosine-like kinds sum in
// float (16 bytes a row: the accumulators of a row stay in L2 cache; relative
// error ~1e-6, far below what matters for weights); pearson's n*sum(x^2) -
// sum(x)^2 cancels, so it sums in double.
struct AccCos {
  float xy = 0, xx = 0, yy = 0;
  std::uint32_t n = 0;
};
struct AccPearson {
  double xy = 0, xx = 0, yy = 0, sx = 0, sy = 0;
  std::uint32_t n = 0;
};

template <typename Acc>
double finalize(const Acc& c, bool pearson, const SimilarityOptions& opts) {
  if (c.n == 0 || static_cast<int>(c.n) < opts.min_support) return 0;
  const double n = c.n;
  double num, vx, vy, tiny = 0;
  if (pearson) {
    // n^2 * covariance and variances over the common support.
    if constexpr (requires { c.sx; }) {
      num = n * c.xy - c.sx * c.sy;
      vx = n * c.xx - c.sx * c.sx;
      vy = n * c.yy - c.sy * c.sy;
      tiny = 1e-12 * n * std::max(c.xx, c.yy);  // constant rows: rounding noise, no variance
    } else {
      return 0;
    }
  } else {
    num = c.xy;
    vx = c.xx;
    vy = c.yy;
  }
  if (vx <= tiny || vy <= tiny) return 0;
  double sim = num / std::sqrt(vx * vy);
  if (opts.shrinkage > 0) sim *= (n - 1) / (n - 1 + opts.shrinkage);
  return sim;
}

bool is_pearson(const SimilarityOptions& opts) { return opts.kind == Similarity::kPearson; }

using Row = std::vector<std::pair<std::uint32_t, float>>;

// Per-thread scratch: one accumulator per row, and a bitmap of the rows
// touched (walking it is n/64 words a row, cheaper than sorting a list).
template <typename Acc>
struct Scratch {
  explicit Scratch(std::size_t n) : acc(n), touched((n + 63) / 64, 0) {}
  std::vector<Acc> acc;
  std::vector<std::uint64_t> touched;
};

// Similarities of row a to the rows b > a (upper == true) or to every other
// row, positive ones only, sorted by b. Each pair's sums run over the common
// columns in increasing column order whichever row computes them, so
// sim(a, b) == sim(b, a) bit for bit.
template <typename Acc>
void row_kernel(const SparseRows& rows, const SparseRows& cols, std::size_t a, bool upper,
                const SimilarityOptions& opts, Scratch<Acc>& s, Row& out) {
  using T = decltype(Acc::xy);
  constexpr bool kPearson = std::is_same_v<Acc, AccPearson>;
  out.clear();
  auto ri = rows.row_idx(a);
  auto rv = rows.row_val(a);
  for (std::size_t p = 0; p < ri.size(); ++p) {
    const T x = rv[p], xx = x * x;
    auto ci = cols.row_idx(ri[p]);
    auto cv = cols.row_val(ri[p]);
    // Columns list their rows sorted: start after a for the upper triangle.
    std::size_t q0 = upper ? std::upper_bound(ci.begin(), ci.end(), static_cast<std::uint32_t>(a)) - ci.begin() : 0;
    for (std::size_t q = q0; q < ci.size(); ++q) {
      const std::uint32_t b = ci[q];
      if (b == a) continue;
      Acc& c = s.acc[b];
      s.touched[b >> 6] |= std::uint64_t{1} << (b & 63);
      const T y = cv[q];
      ++c.n;
      c.xy += x * y;
      c.xx += xx;
      c.yy += y * y;
      if constexpr (kPearson) {
        c.sx += x;
        c.sy += y;
      }
    }
  }
  std::size_t n_touched = 0;
  for (std::uint64_t w : s.touched) n_touched += std::popcount(w);
  out.reserve(n_touched);
  for (std::size_t w = upper ? (a + 1) >> 6 : 0; w < s.touched.size(); ++w) {
    for (std::uint64_t bits = s.touched[w]; bits; bits &= bits - 1) {
      const std::uint32_t b = static_cast<std::uint32_t>(w * 64 + std::countr_zero(bits));
      double sim = finalize(s.acc[b], kPearson, opts);
      s.acc[b] = Acc{};
      if (sim > 0) out.emplace_back(b, static_cast<float>(sim));
    }
    s.touched[w] = 0;
  }
}

// Runs f(kernel-for-this-thread) with the accumulator type of the kind.
template <typename F>
void with_scratch(std::size_t n, const SimilarityOptions& opts, F f) {
  if (is_pearson(opts)) {
    Scratch<AccPearson> s(n);
    f(s);
  } else {
    Scratch<AccCos> s(n);
    f(s);
  }
}

// Keeps the max_neighbors most similar (ties: lower index), sorted by index.
bool cap_row(Row& row, std::size_t max_neighbors) {
  if (row.size() <= max_neighbors) return false;
  auto better = [](const auto& x, const auto& y) {
    return x.second > y.second || (x.second == y.second && x.first < y.first);
  };
  std::nth_element(row.begin(), row.begin() + max_neighbors, row.end(), better);
  row.resize(max_neighbors);
  std::sort(row.begin(), row.end());
  return true;
}

}  // namespace

void* allocate_large(std::size_t bytes) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, rounded);
  if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  ::madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure only costs speed
#endif
  return p;
}

void release_large(void* p) { std::free(p); }

Similarity parse_similarity(const std::string& name) {
  if (name == "cosine") return Similarity::kCosine;
  if (name == "pearson") return Similarity::kPearson;
  if (name == "adjusted-cosine") return Similarity::kAdjustedCosine;
  if (name == "pearson-baseline") return Similarity::kPearsonBaseline;
  throw ConfigError("similarity '" + name + "': expected cosine, pearson, adjusted-cosine or pearson-baseline");
}

std::string similarity_name(Similarity s) {
  switch (s) {
    case Similarity::kCosine:
      return "cosine";
    case Similarity::kPearson:
      return "pearson";
    case Similarity::kAdjustedCosine:
      return "adjusted-cosine";
    case Similarity::kPearsonBaseline:
      return "pearson-baseline";
  }
  return "?";
}

NeighborLists NeighborLists::transposed(std::size_t n_cols) const {
  NeighborLists t;
  t.truncated = truncated;
  t.ptr.assign(n_cols + 1, 0);
  for (std::uint32_t b : idx) ++t.ptr[b + 1];
  for (std::size_t b = 0; b < n_cols; ++b) t.ptr[b + 1] += t.ptr[b];
  t.idx.resize(idx.size());
  t.sim.resize(sim.size());
  std::vector<std::size_t> pos(t.ptr.begin(), t.ptr.end() - 1);
  // Rows in increasing order, so each transposed row comes out sorted.
  for (std::size_t a = 0; a < n_rows(); ++a)
    for (std::size_t p = ptr[a]; p < ptr[a + 1]; ++p) {
      std::size_t q = pos[idx[p]]++;
      t.idx[q] = static_cast<std::uint32_t>(a);
      t.sim[q] = sim[p];
    }
  return t;
}

NeighborLists symmetric_lists(std::size_t n, int threads, const UpperRowFn& upper_row) {
  // Each thread appends its rows' upper parts to one buffer of its own (no
  // allocation per row), then the upper triangle is mirrored.
  using Entry = std::pair<std::uint32_t, float>;
  struct Where {
    int thread = 0;
    std::size_t begin = 0, count = 0;
  };
  threads = std::max(1, threads);
  std::vector<Buffer<Entry>> out_of(threads);
  std::vector<Where> where(n);
  ExceptionKeeper errors;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    std::vector<Entry> row;
#pragma omp for schedule(dynamic, 8)
    for (std::size_t a = 0; a < n; ++a)
      errors.run([&] {
        row.clear();
        upper_row(a, t, row);
        where[a] = {t, out_of[t].size(), row.size()};
        out_of[t].insert(out_of[t].end(), row.begin(), row.end());
      });
  }
  errors.rethrow();
  auto upper = [&](std::size_t a) {
    return std::span<const Entry>(out_of[where[a].thread].data() + where[a].begin, where[a].count);
  };
  // Row r = its lower part (pairs (a, r), a < r, in increasing a) then its
  // upper part (r itself first when the diagonal is there).
  NeighborLists out;
  std::vector<std::size_t> lower(n, 0);
  for (std::size_t a = 0; a < n; ++a)
    for (const auto& e : upper(a))
      if (e.first != a) ++lower[e.first];
  out.ptr.assign(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r) out.ptr[r + 1] = out.ptr[r] + lower[r] + where[r].count;
  out.idx.resize(out.ptr[n]);
  out.sim.resize(out.ptr[n]);
  std::vector<std::size_t> cursor(out.ptr.begin(), out.ptr.end() - 1);
  for (std::size_t a = 0; a < n; ++a) {
    std::size_t p = out.ptr[a] + lower[a];
    for (const auto& [b, sim] : upper(a)) {
      out.idx[p] = b;
      out.sim[p++] = sim;
      if (b == a) continue;
      std::size_t q = cursor[b]++;
      out.idx[q] = static_cast<std::uint32_t>(a);
      out.sim[q] = sim;
    }
  }
  return out;
}

namespace {

template <typename Acc>
NeighborLists neighbors_impl(const SparseRows& rows, const SparseRows& cols, const SimilarityOptions& opts,
                             int threads) {
  const std::size_t n = rows.n_rows();
  std::vector<Scratch<Acc>> scratch;
  for (int t = 0; t < threads; ++t) scratch.emplace_back(n);
  return symmetric_lists(n, threads, [&](std::size_t a, int t, std::vector<std::pair<std::uint32_t, float>>& out) {
    row_kernel(rows, cols, a, true, opts, scratch[t], out);
  });
}

}  // namespace

int threads_for_work(int requested, double work) {
  if (requested > 0) return requested;
  return std::clamp(static_cast<int>(work / 4e6), 1, omp_get_max_threads());
}

NeighborLists compute_neighbors(const SparseRows& rows, const SparseRows& cols, const SimilarityOptions& opts) {
  const std::size_t n = rows.n_rows();
  double work = 0;  // accumulations of the upper triangle: sum over columns of count^2 / 2
  for (std::size_t k = 0; k < cols.n_rows(); ++k) {
    const double c = static_cast<double>(cols.ptr[k + 1] - cols.ptr[k]);
    work += 0.5 * c * c;
  }
  const int threads = threads_for_work(opts.threads, work);
  NeighborLists out = is_pearson(opts) ? neighbors_impl<AccPearson>(rows, cols, opts, threads)
                                       : neighbors_impl<AccCos>(rows, cols, opts, threads);
  // The cap, where a row is longer.
  bool any = false;
  for (std::size_t r = 0; r < n && !any; ++r) any = out.ptr[r + 1] - out.ptr[r] > opts.max_neighbors;
  if (!any) return out;
  std::vector<Row> capped(n);
#pragma omp parallel for schedule(dynamic, 64) num_threads(threads)
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t p = out.ptr[r]; p < out.ptr[r + 1]; ++p) capped[r].emplace_back(out.idx[p], out.sim[p]);
    cap_row(capped[r], opts.max_neighbors);
  }
  NeighborLists c;
  c.truncated = true;
  c.ptr.assign(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r) c.ptr[r + 1] = c.ptr[r] + capped[r].size();
  c.idx.resize(c.ptr[n]);
  c.sim.resize(c.ptr[n]);
  for (std::size_t r = 0; r < n; ++r) {
    std::size_t p = c.ptr[r];
    for (const auto& [b, sim] : capped[r]) {
      c.idx[p] = b;
      c.sim[p++] = sim;
    }
  }
  return c;
}

std::vector<std::pair<std::uint32_t, float>> similarity_row(const SparseRows& rows, const SparseRows& cols,
                                                            std::size_t r, const SimilarityOptions& opts) {
  Row out;
  with_scratch(rows.n_rows(), opts, [&](auto& s) { row_kernel(rows, cols, r, false, opts, s, out); });
  return out;
}

double pair_similarity(std::span<const std::uint32_t> x_idx, std::span<const float> x_val,
                       std::span<const std::uint32_t> y_idx, std::span<const float> y_val,
                       const SimilarityOptions& opts) {
  AccPearson c;
  std::size_t p = 0, q = 0;
  while (p < x_idx.size() && q < y_idx.size()) {
    if (x_idx[p] < y_idx[q]) {
      ++p;
    } else if (y_idx[q] < x_idx[p]) {
      ++q;
    } else {
      const double x = x_val[p++], y = y_val[q++];
      ++c.n;
      c.xy += x * y;
      c.xx += x * x;
      c.yy += y * y;
      c.sx += x;
      c.sy += y;
    }
  }
  return finalize(c, is_pearson(opts), opts);
}

}  // namespace movierec
