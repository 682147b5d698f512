// Sparse, exact similarity between the rows of a rating matrix (users or
// movies), for the neighbourhood models. Never builds a dense users x movies
// matrix: row a's similarities are accumulated through its co-raters
// (for each entry (a, k) and each entry (b, k) of column k), which costs
// sum over columns of count^2 in all and n_rows accumulators per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace movierec {

// Large blocks (>= 1 MB) come 2 MB-aligned with transparent huge pages
// requested (Linux madvise), so filling tens of MB costs 512x fewer page
// faults (each costly in a VM); free with release_large.
void* allocate_large(std::size_t bytes);
void release_large(void* p);
constexpr std::size_t kLargeBlock = std::size_t{1} << 20;

// A vector whose resize() leaves new elements uninitialised: the neighbour
// arrays are written right after, and zeroing tens of MB first costs as much
// as filling them. Large arrays use allocate_large.
template <typename T>
struct UninitAllocator : std::allocator<T> {
  using value_type = T;
  T* allocate(std::size_t n) {
    if (n * sizeof(T) >= kLargeBlock) return static_cast<T*>(allocate_large(n * sizeof(T)));
    return std::allocator<T>::allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) >= kLargeBlock)
      release_large(p);
    else
      std::allocator<T>::deallocate(p, n);
  }
  template <typename U>
  struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() = default;
  template <typename U>
  UninitAllocator(const UninitAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <typename T>
using Buffer = std::vector<T, UninitAllocator<T>>;

// Rows of a sparse matrix: row r is entries [ptr[r], ptr[r+1]) of idx (sorted)
// and val. For item-item similarity the rows are movies (CSC of the ratings)
// and cols the users (CSR); for user-user the other way round.
struct SparseRows {
  std::span<const std::size_t> ptr;  // size n_rows + 1
  std::span<const std::uint32_t> idx;
  std::span<const float> val;
  std::size_t n_rows() const { return ptr.empty() ? 0 : ptr.size() - 1; }
  std::span<const std::uint32_t> row_idx(std::size_t r) const { return idx.subspan(ptr[r], ptr[r + 1] - ptr[r]); }
  std::span<const float> row_val(std::size_t r) const { return val.subspan(ptr[r], ptr[r + 1] - ptr[r]); }
};

// How two rows x, y are compared over their common support (the columns both
// have; n = its size). The values are transformed by the caller first:
// raw ratings for cosine and pearson, ratings minus the other side's mean for
// adjusted cosine, minus the baseline b_ui for pearson-baseline.
//   cosine-like (cosine, adjusted-cosine, pearson-baseline):
//     sum x*y / sqrt(sum x^2 * sum y^2)
//   pearson: sum (x - mx)(y - my) / sqrt(sum (x - mx)^2 * sum (y - my)^2),
//     mx, my the means over the common support (as Surprise's pearson).
enum class Similarity { kCosine, kPearson, kAdjustedCosine, kPearsonBaseline };

Similarity parse_similarity(const std::string& name);  // "cosine", "pearson"... (ConfigError)
std::string similarity_name(Similarity s);

struct SimilarityOptions {
  Similarity kind = Similarity::kPearsonBaseline;
  // Pairs with fewer common columns get similarity 0.
  int min_support = 1;
  // Koren's shrinkage: sim * (n - 1) / (n - 1 + shrinkage); pulls similarities
  // with little common support towards 0 (0 disables).
  double shrinkage = 100;
  // Keep at most this many neighbours (the most similar) per row. Memory is
  // O(rows * min(max_neighbors, co-rated rows)); a cap below the number of
  // co-rated rows makes predictions approximate (a target's neighbours outside
  // the cap are not seen).
  std::size_t max_neighbors = 10000;
  int threads = 0;  // 0: by the amount of work (threads_for_work)
};

// Positive similarities only (the neighbourhood models use no others), the
// row itself excluded. Row r's neighbours are [ptr[r], ptr[r+1]) of idx and
// sim, sorted by idx.
struct NeighborLists {
  Buffer<std::size_t> ptr{0};
  Buffer<std::uint32_t> idx;
  Buffer<float> sim;
  bool truncated = false;  // some row lost neighbours to max_neighbors (lists not symmetric)

  std::size_t n_rows() const { return ptr.size() - 1; }
  SparseRows rows() const { return {ptr, idx, sim}; }
  // The transpose: row b holds (a, sim(a, b)) for every a that keeps b.
  NeighborLists transposed(std::size_t n_cols) const;
};

// Threads for `work` accumulations: requested when > 0, else one per 4 million
// (~10 ms of work) up to every core. Small jobs stay on one thread: on a
// shared machine a parallel region waits for its slowest (descheduled) thread.
int threads_for_work(int requested, double work);

// Symmetric lists from upper triangles: upper_row(a, thread, out) appends
// (b, value) for b >= a (b == a: the diagonal, kept once), sorted by b; it is
// called in parallel, thread in [0, threads). Row r of the result is sorted.
using UpperRowFn = std::function<void(std::size_t, int, std::vector<std::pair<std::uint32_t, float>>&)>;
NeighborLists symmetric_lists(std::size_t n, int threads, const UpperRowFn& upper_row);

// Similarities of every row of `rows` to every other row. cols is the
// transpose of rows (same values). Multithreaded (OpenMP), deterministic.
NeighborLists compute_neighbors(const SparseRows& rows, const SparseRows& cols, const SimilarityOptions& opts);

// One row's similarities to every other row (positive ones, sorted by index,
// no max_neighbors cap): the same kernel for a single row, for on-demand use.
std::vector<std::pair<std::uint32_t, float>> similarity_row(const SparseRows& rows, const SparseRows& cols,
                                                            std::size_t r, const SimilarityOptions& opts);

// Reference: similarity of two rows by merging them (O(|x| + |y|)); the
// kernels above must agree with it. Includes min_support and shrinkage, may be
// negative.
double pair_similarity(std::span<const std::uint32_t> x_idx, std::span<const float> x_val,
                       std::span<const std::uint32_t> y_idx, std::span<const float> y_val,
                       const SimilarityOptions& opts);

}  // namespace movierec
