// Sparse, exact similarity between the rows of a rating matrix (users or
// movies), for the neighbourhood models. Never builds a dense users x movies
// matrix: row a's similarities are accumulated through its co-raters
// (for each entry (a, k) and each entry (b, k) of column k), which costs
// sum over columns of count^2 in all and n_rows accumulators per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace movierec {

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
  int threads = 0;
};

// Positive similarities only (the neighbourhood models use no others), the
// row itself excluded. Row r's neighbours are [ptr[r], ptr[r+1]) of idx and
// sim, sorted by idx.
struct NeighborLists {
  std::vector<std::size_t> ptr{0};
  std::vector<std::uint32_t> idx;
  std::vector<float> sim;
  bool truncated = false;  // some row lost neighbours to max_neighbors (lists not symmetric)

  std::size_t n_rows() const { return ptr.size() - 1; }
  SparseRows rows() const { return {ptr, idx, sim}; }
  // The transpose: row b holds (a, sim(a, b)) for every a that keeps b.
  NeighborLists transposed(std::size_t n_cols) const;
};

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
