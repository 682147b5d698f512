// Shared pieces of the factor models: factor rows, kernels, the epoch loop.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "models/epoch_loop.h"
#include "models/factor_model.h"
#include "models/ridge.h"
#include "models/rmse_over.h"
#include "util/rng.h"

using namespace movierec;

TEST(FactorMatrix, RowsAreAlignedAndPaddedWithZeros) {
  FactorMatrix m(5, 20);  // stride 32
  EXPECT_EQ(m.stride(), 32u);
  m.fill_normal(1.f, 3);
  for (std::size_t r = 0; r < 5; ++r) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(m.row(r)) % 64, 0u);
    for (std::size_t f = 20; f < 32; ++f) EXPECT_EQ(m.row(r)[f], 0.f);
  }
  // Same seed, same values; row r does not depend on the others.
  FactorMatrix a(5, 20), b(9, 20);
  a.fill_normal(1.f, 3);
  b.fill_normal(1.f, 3);
  for (std::size_t f = 0; f < 20; ++f) EXPECT_EQ(a.row(4)[f], b.row(4)[f]);
}

TEST(FactorMatrix, NormalInitialisationHasTheRequestedSpread) {
  FactorMatrix m(2000, 50);
  m.fill_normal(0.1f, 1);
  double s = 0, ss = 0;
  for (std::size_t r = 0; r < 2000; ++r)
    for (std::size_t f = 0; f < 50; ++f) {
      s += m.row(r)[f];
      ss += double(m.row(r)[f]) * m.row(r)[f];
    }
  const double n = 2000.0 * 50, mean = s / n, sd = std::sqrt(ss / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.002);  // 5 standard errors (0.1 / sqrt(1e5) = 0.0003)
  EXPECT_NEAR(sd, 0.1, 0.002);
}

TEST(Kernels, FixedLengthDotEqualsThePlainSum) {
  alignas(64) float a[64], b[64];
  double want = 0;
  for (int f = 0; f < 64; ++f) {
    a[f] = 0.25f * (f % 7) - 0.5f;
    b[f] = 0.125f * (f % 5) + 0.1f;
    want += double(a[f]) * b[f];
  }
  EXPECT_NEAR(dot_fixed<64>(a, b), want, 1e-5);
  EXPECT_NEAR(
      dot_fixed<16>(a, b),
      [&] {
        double w = 0;
        for (int f = 0; f < 16; ++f) w += double(a[f]) * b[f];
        return w;
      }(),
      1e-5);
  EXPECT_NEAR(dot(a, b, 64), want, 1e-5);
}

TEST(RunEpochs, EveryTaskOncePerEpochAndStepsInOrder) {
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(threads);
    const std::size_t n = 1000;
    std::vector<std::atomic<int>> hits(n);
    std::vector<std::string> steps;
    std::mutex mu;
    std::atomic<bool> bad_epoch{false};
    int current = 0;
    run_epochs(
        threads, 4, n, 7,
        [&](int e) {
          steps.push_back("start" + std::to_string(e));
          current = e;
        },
        [&](int e, std::size_t b, std::size_t end) {
          if (e != current) bad_epoch = true;
          for (std::size_t t = b; t < end; ++t) ++hits[t];
        },
        [&](int e) {
          std::lock_guard lock(mu);
          steps.push_back("end" + std::to_string(e));
          for (auto& h : hits)
            if (h != e) bad_epoch = true;
        });
    EXPECT_FALSE(bad_epoch);
    EXPECT_EQ(steps,
              (std::vector<std::string>{"start1", "end1", "start2", "end2", "start3", "end3", "start4", "end4"}));
  }
}

TEST(RunEpochs, AnExceptionStopsEveryThread) {
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    std::atomic<int> ends{0};
    EXPECT_THROW(run_epochs(
                     threads, 10, 100, 1, [](int) {},
                     [](int e, std::size_t b, std::size_t) {
                       if (e == 3 && b == 50) throw std::runtime_error("task failed");
                     },
                     [&](int) { ++ends; }),
                 std::runtime_error);
    EXPECT_EQ(ends, 2);
  }
}
