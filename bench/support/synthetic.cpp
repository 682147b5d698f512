#include "support/synthetic.h"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "util/atomic_file.h"

namespace movierec::bench {

namespace {

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// SplitMix64 (Steele et al. 2014): tiny, fast, and fully specified here, so a
// seed gives the same data with every compiler and standard library.
struct Rng {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
double normal(Rng& rng) {
  // Box-Muller; 1 - u keeps the log finite.
  double u = 1.0 - uniform01(rng), v = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
}
// Index in [0, n) from the top 32 bits (multiply-shift; n < 2^32).
std::uint32_t index_below(std::uint64_t x, std::size_t n) {
  return static_cast<std::uint32_t>(((x >> 32) * static_cast<std::uint64_t>(n)) >> 32);
}
std::uint64_t below(Rng& rng, std::uint64_t n) {
  const std::uint64_t threshold = (0 - n) % n;
  while (true) {
    std::uint64_t x = rng();
    if (x >= threshold) return x % n;
  }
}

// Standard normal quantiles at (k + 0.5) / 4096: one table look-up per draw
// for the per-rating noise (the tails stop at +-3.7 sd, enough for ratings).
struct NormalTable {
  float q[4096];
  NormalTable() {
    for (int k = 0; k < 4096; ++k) {
      // Inverse CDF by bisection on erfc.
      double p = (k + 0.5) / 4096.0, lo = -10, hi = 10;
      for (int it = 0; it < 80; ++it) {
        double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
      }
      q[k] = static_cast<float>(0.5 * (lo + hi));
    }
  }
  float operator()(std::uint64_t x) const { return q[x >> 52]; }
};

// Vose's alias table: O(1) draws from a discrete distribution.
struct AliasTable {
  std::vector<double> prob;
  std::vector<std::uint32_t> alias;
  explicit AliasTable(const std::vector<double>& w) : prob(w.size()), alias(w.size()) {
    const std::size_t n = w.size();
    double sum = std::accumulate(w.begin(), w.end(), 0.0);
    std::vector<double> p(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t k = 0; k < n; ++k) {
      p[k] = w[k] * static_cast<double>(n) / sum;
      (p[k] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(k));
    }
    while (!small.empty() && !large.empty()) {
      std::uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob[s] = p[s];
      alias[s] = l;
      p[l] -= 1.0 - p[s];
      if (p[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (auto k : large) prob[k] = 1.0, alias[k] = k;
    for (auto k : small) prob[k] = 1.0, alias[k] = k;
  }
  // One 64-bit draw: the top half picks the column, the bottom half the side.
  std::uint32_t draw(std::uint64_t x) const {
    std::uint32_t k = index_below(x, prob.size());
    return static_cast<double>(x & 0xFFFFFFFFu) * 0x1.0p-32 < prob[k] ? k : alias[k];
  }
};

// Ratings per user: lognormal weights scaled to n_ratings, each in [lo, hi].
std::vector<std::size_t> user_counts(const SyntheticSpec& s, Rng& rng) {
  const std::size_t lo = std::min<std::size_t>(20, s.n_ratings / s.n_users);
  const std::size_t hi = std::max<std::size_t>(1, s.n_items / 2);
  std::vector<double> w(s.n_users);
  for (auto& x : w) x = std::exp(s.activity_sigma * normal(rng));
  // Scale so that the clamped counts sum to about n_ratings (a few bisection steps).
  double sum = std::accumulate(w.begin(), w.end(), 0.0);
  double scale = static_cast<double>(s.n_ratings) / sum;
  std::vector<std::size_t> c(s.n_users);
  auto fill = [&](double sc) {
    std::size_t total = 0;
    for (std::size_t u = 0; u < s.n_users; ++u) {
      double e = std::floor(w[u] * sc);
      c[u] = std::clamp<std::size_t>(static_cast<std::size_t>(std::min(e, 1e15)), lo, hi);
      total += c[u];
    }
    return total;
  };
  double a = 0, b = scale;
  while (fill(b) < s.n_ratings) b *= 2;
  for (int it = 0; it < 60; ++it) {
    double m = 0.5 * (a + b);
    (fill(m) < s.n_ratings ? a : b) = m;
  }
  std::size_t total = fill(a);
  // Hand out the last few one by one, to random users with room.
  while (total < s.n_ratings) {
    std::size_t u = below(rng, s.n_users);
    if (c[u] < hi) ++c[u], ++total;
  }
  return c;
}

void append_uint(std::string& out, std::uint64_t x);

void append_rating(std::string& out, float v) {
  float twice = v * 2.0f;
  if (twice == std::floor(twice) && v >= 0 && v < 100) {
    int t = static_cast<int>(twice);
    append_uint(out, static_cast<std::uint64_t>(t / 2));
    out += t % 2 ? ".5" : ".0";
  } else {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, p);
  }
}

void append_uint(std::string& out, std::uint64_t x) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, p);
}

}  // namespace

std::vector<Rating> generate_ratings(const SyntheticSpec& s) {
  if (s.n_users == 0 || s.n_items == 0 || s.factors == 0)
    throw std::invalid_argument("synthetic: n_users, n_items and factors must be positive");
  if (s.n_ratings > s.n_users * (s.n_items / 2))
    throw std::invalid_argument("synthetic: n_ratings must be at most n_users * n_items / 2");
  Rng rng{mix_seed(s.seed, 0xFFFFFFFFull)};
  static const NormalTable noise;

  // Popularity: Zipf over ranks, ranks given to items by a seeded permutation.
  std::vector<std::uint32_t> rank(s.n_items);
  std::iota(rank.begin(), rank.end(), 0u);
  for (std::size_t k = s.n_items; k > 1; --k) std::swap(rank[k - 1], rank[below(rng, k)]);
  std::vector<double> pop(s.n_items);
  for (std::size_t i = 0; i < s.n_items; ++i) pop[i] = std::pow(1.0 + rank[i], -s.zipf_exponent);
  AliasTable table(pop);

  // Latent model. Variances: b_u 0.16, b_i 0.25, p.q 0.3, noise 0.25 (sd ~1 in all).
  const std::size_t f = s.factors;
  const double factor_sd = std::pow(0.3 / static_cast<double>(f), 0.25);
  std::vector<float> q(s.n_items * f), bi(s.n_items);
  for (std::size_t i = 0; i < s.n_items; ++i) {
    // Popular movies rate a little higher, as in MovieLens.
    bi[i] = static_cast<float>(0.5 * normal(rng) + 0.15 * (rank[i] < s.n_items / 20 ? 1 : -0.05));
    for (std::size_t k = 0; k < f; ++k) q[i * f + k] = static_cast<float>(factor_sd * normal(rng));
  }
  std::vector<std::size_t> count = user_counts(s, rng);
  std::vector<std::size_t> start(s.n_users + 1, 0);
  for (std::size_t u = 0; u < s.n_users; ++u) start[u + 1] = start[u] + count[u];

  std::vector<Rating> out(s.n_ratings);
#pragma omp parallel
  {
    std::vector<std::uint32_t> stamp(s.n_items, 0xFFFFFFFFu);  // user that last took the item
    std::vector<std::uint32_t> items;
    std::vector<float> p(f);
#pragma omp for schedule(dynamic, 64)
    for (std::size_t u = 0; u < s.n_users; ++u) {
      Rng r{mix_seed(s.seed, u)};
      const auto uu = static_cast<std::uint32_t>(u);
      items.clear();
      int misses = 0;
      while (items.size() < count[u]) {
        // Zipf draws; after many repeats (a heavy user took the popular
        // movies) uniform draws find the free ones faster.
        std::uint32_t i = misses < 64 ? table.draw(r()) : index_below(r(), s.n_items);
        if (stamp[i] == uu) {
          ++misses;
          continue;
        }
        stamp[i] = uu;
        items.push_back(i);
        misses = 0;
      }
      std::sort(items.begin(), items.end());
      const double bu = 0.4 * normal(r);
      for (auto& x : p) x = static_cast<float>(factor_sd * normal(r));
      // A user rates over a span of up to a few years, from somewhere in 1996-2023.
      const double t0 = 820454400.0 + uniform01(r) * (1700000000.0 - 820454400.0);
      const double span = 86400.0 * std::exp(4.0 * uniform01(r));
      Rating* o = out.data() + start[u];
      for (std::size_t k = 0; k < items.size(); ++k) {
        const std::uint32_t i = items[k];
        double dot = 0;
        for (std::size_t j = 0; j < f; ++j) dot += p[j] * q[i * f + j];
        double v = 3.5 + bu + bi[i] + dot + 0.5 * noise(r());
        v = std::clamp(std::round(v * 2.0) / 2.0, 0.5, 5.0);
        auto ts = static_cast<std::int64_t>(std::min(t0 + span * uniform01(r), 1.7e9));
        o[k] = Rating{uu, i, static_cast<float>(v), ts};
      }
    }
  }
  return out;
}

void write_ratings_csv(const std::filesystem::path& path, const std::vector<Rating>& ratings,
                       const std::vector<std::int64_t>& movie_ids) {
  auto movie = [&](ItemIndex i) -> std::uint64_t {
    return movie_ids.empty() ? i + 1ull : static_cast<std::uint64_t>(movie_ids[i]);
  };
  write_file_atomically(path, [&](std::ostream& os) {
    os << "userId,movieId,rating,timestamp\n";
    // Blocks of ratings formatted in parallel, written in order.
    constexpr std::size_t kBlock = 1 << 18;
    const std::size_t n_blocks = (ratings.size() + kBlock - 1) / kBlock;
    const std::size_t batch = static_cast<std::size_t>(omp_get_max_threads()) * 2;
    std::vector<std::string> text(batch);
    for (std::size_t b0 = 0; b0 < n_blocks; b0 += batch) {
      const std::size_t b1 = std::min(n_blocks, b0 + batch);
#pragma omp parallel for schedule(dynamic, 1)
      for (std::size_t b = b0; b < b1; ++b) {
        std::string& t = text[b - b0];
        t.clear();
        t.reserve(kBlock * 28);
        for (std::size_t k = b * kBlock; k < std::min(ratings.size(), (b + 1) * kBlock); ++k) {
          const Rating& r = ratings[k];
          append_uint(t, r.user + 1ull);
          t += ',';
          append_uint(t, movie(r.item));
          t += ',';
          append_rating(t, r.value);
          t += ',';
          if (r.timestamp >= 0) {
            append_uint(t, static_cast<std::uint64_t>(r.timestamp));
          } else {
            t += std::to_string(r.timestamp);
          }
          t += '\n';
        }
      }
      for (std::size_t b = b0; b < b1; ++b)
        os.write(text[b - b0].data(), static_cast<std::streamsize>(text[b - b0].size()));
    }
  });
}

void write_movies_csv(const std::filesystem::path& path, std::size_t n_items,
                      const std::vector<std::int64_t>& movie_ids) {
  static const char* kGenres[] = {"Action",      "Adventure", "Animation", "Children",  "Comedy", "Crime",
                                  "Documentary", "Drama",     "Fantasy",   "Film-Noir", "Horror", "Musical",
                                  "Mystery",     "Romance",   "Sci-Fi",    "Thriller",  "War",    "Western"};
  std::string t = "movieId,title,genres\n";
  for (std::size_t i = 0; i < n_items; ++i) {
    const std::uint64_t id = movie_ids.empty() ? i + 1 : static_cast<std::uint64_t>(movie_ids[i]);
    append_uint(t, id);
    t += ",Movie ";
    append_uint(t, id);
    t += " (";
    append_uint(t, 1920 + (id * 7919) % 104);
    t += "),";
    t += kGenres[id % 18];
    if (id % 3 == 0) {
      t += '|';
      t += kGenres[(id / 3) % 18 == id % 18 ? (id + 1) % 18 : (id / 3) % 18];
    }
    t += '\n';
  }
  write_file_atomically(path, t);
}

void write_dataset(const std::filesystem::path& dir, const SyntheticSpec& spec) {
  std::filesystem::create_directories(dir);
  write_movies_csv(dir / "movies.csv", spec.n_items);
  write_ratings_csv(dir / "ratings.csv", generate_ratings(spec));
}

}  // namespace movierec::bench
