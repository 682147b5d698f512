// Top-k selection over dense scores, shared by recommend, similar_items and
// the server.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "movierec/types.h"

namespace movierec {

// The k best (score, then lower index first) of scores, skipping items where
// skip(i) is true and NaN scores. O(n log k).
template <typename Skip>
std::vector<ScoredItem> top_k(std::span<const float> scores, std::size_t k, Skip skip) {
  auto better = [](const ScoredItem& a, const ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  };
  std::vector<ScoredItem> heap;    // min-heap on "better": heap.front() is the worst kept
  k = std::min(k, scores.size());  // a huge k must not reserve k per call
  heap.reserve(k + 1);
  if (k == 0) return heap;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    float s = scores[i];
    if (std::isnan(s) || skip(static_cast<ItemIndex>(i))) continue;
    ScoredItem c{static_cast<ItemIndex>(i), s};
    if (heap.size() < k) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(c, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = c;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort(heap.begin(), heap.end(), better);
  return heap;
}

inline std::vector<ScoredItem> top_k(std::span<const float> scores, std::size_t k) {
  return top_k(scores, k, [](ItemIndex) { return false; });
}

}  // namespace movierec
