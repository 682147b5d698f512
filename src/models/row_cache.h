// A per-thread dense copy of one sparse row, kept while consecutive calls
// share it: evaluate() predicts a user's test ratings one after another, so a
// model turns its "row of u" (a user's residuals, a user's similarities) into
// an O(1) lookup once per user instead of merging sparse lists per rating.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

namespace movierec {

// A fresh key for a model's state; models take one whenever their state
// changes (fit, load), so a cache never serves values of an older state.
inline std::uint64_t next_model_generation() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

// The dense row `row` of the model state `model`, size entries, NaN where
// absent; fill(set) calls set(index, value) for the present entries. The
// reference stays valid until this thread's next call.
template <typename Fill>
const std::vector<float>& cached_dense_row(std::uint64_t model, std::uint32_t row, std::size_t size, Fill fill) {
  struct Cache {
    std::uint64_t model = 0;
    std::uint32_t row = 0;
    std::vector<float> value;
    std::vector<std::uint32_t> filled;
  };
  thread_local Cache c;
  if (c.model == model && c.row == row && c.value.size() == size) return c.value;
  if (c.value.size() != size) {
    c.value.assign(size, std::numeric_limits<float>::quiet_NaN());
  } else {
    for (std::uint32_t x : c.filled) c.value[x] = std::numeric_limits<float>::quiet_NaN();
  }
  c.filled.clear();
  fill([&](std::uint32_t x, float v) {
    c.value[x] = v;
    c.filled.push_back(x);
  });
  c.model = model;
  c.row = row;
  return c.value;
}

}  // namespace movierec
