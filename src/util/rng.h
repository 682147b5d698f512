// A small seeded RNG with the same stream on every platform.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <utility>

namespace movierec {

// splitmix64 step: a good 64-bit mix for seeding streams.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// xoshiro256** (Blackman, Vigna): fast, small state, same stream on every
// platform (std:: distributions are not, so we draw our own uniforms).
class Rng {
 public:
  using result_type = std::uint64_t;
  explicit Rng(std::uint64_t seed) {
    for (auto& w : s_) w = seed = mix64(seed);
  }
  // A stream for (seed, a, b): independent streams for epochs, blocks, threads.
  Rng(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) : Rng(mix64(seed ^ mix64(a ^ mix64(b + 1)))) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  // Uniform in [0, n) (Lemire's multiply-shift; bias < n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>((*this)()) * n) >> 64);
  }
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::pair<double, double> normal_pair();                                       // two independent N(0, 1), Box-Muller

  template <typename T>
  void shuffle(std::span<T> v) {
    for (std::size_t n = v.size(); n > 1; --n) std::swap(v[n - 1], v[below(n)]);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace movierec
