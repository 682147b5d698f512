// Shared pieces of the splits: a portable seeded sampler and the split of a
// matrix by a per-rating mask.
//
// Determinism: std::mt19937_64 is fully specified by the C++ standard, but
// std::shuffle and std::uniform_int_distribution are not (libstdc++ and libc++
// give different sequences). So the splits draw integers with their own
// rejection sampler and shuffle with their own Fisher-Yates: a seed gives the
// same split on every platform and compiler.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "movierec/rating_matrix.h"
#include "movierec/split.h"

namespace movierec::splitting {

// SplitMix64: turns (seed, stream) into a well-mixed 64-bit seed, so each user
// gets an independent generator (and users can be processed in any order).
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform integer in [0, bound). REQUIRES: bound > 0. Rejection removes the
// modulo bias: values below 2^64 mod bound are drawn again.
inline std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t threshold = (0 - bound) % bound;
  while (true) {
    std::uint64_t x = rng();
    if (x >= threshold) return x % bound;
  }
}

// Moves a uniform random sample of t of v's elements to v[0, t): the first t
// steps of a Fisher-Yates shuffle. REQUIRES: t <= v.size().
template <typename T>
void sample_front(std::vector<T>& v, std::size_t t, std::mt19937_64& rng) {
  for (std::size_t k = 0; k < t; ++k) {
    std::size_t j = k + static_cast<std::size_t>(uniform_below(rng, v.size() - k));
    std::swap(v[k], v[j]);
  }
}

// Train and test matrices from the ratings of r: test[p] says whether CSR
// position p goes to the test set. Timestamps are carried over.
Split split_by_mask(const RatingMatrix& r, const std::vector<std::uint8_t>& test, std::string name);

// Per user, how many ratings a "keep n in train, take up to n" split puts in
// test: max(0, min(n, count - n)).
inline std::size_t held_out_count(std::size_t count, std::size_t n) { return count > n ? std::min(n, count - n) : 0; }

}  // namespace movierec::splitting
