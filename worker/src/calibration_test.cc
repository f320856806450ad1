// Calibration on simulated programs, where the truth (how long a run takes)
// is known.
#include "calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

namespace gene::farm {
namespace {

// Runs a calibration against a simulated program: `run_time(i)` is how
// long the i-th run takes. Returns the calibrator once done.
Calibrator calibrate(double min_time, uint32_t repetitions, double deadline,
                     const std::function<double(uint64_t)>& run_time, double first_warmup = -1,
                     int* batches = nullptr) {
  Calibrator c(min_time, repetitions);
  double elapsed = 0;
  uint64_t runs = 0;
  if (first_warmup >= 0) {
    elapsed += first_warmup;
    c.observe(1, first_warmup, deadline - elapsed);
  }
  int n = 0;
  while (!c.done()) {
    double seconds = 0;
    for (uint32_t i = 0; i < c.next_batch(); ++i) seconds += run_time(runs++);
    elapsed += seconds;
    c.observe(c.next_batch(), seconds, deadline - elapsed);
    EXPECT_LT(++n, 20) << "calibration does not end";
    if (n >= 20) break;
  }
  if (batches) *batches = n;
  return c;
}

TEST(Calibrator, OneRunLongerThanMinTimeIsEnough) {
  Calibrator c = calibrate(0.1, 5, 60, [](uint64_t) { return 0.25; });
  EXPECT_EQ(c.iterations(), 1u);
  EXPECT_FALSE(c.limited_by_deadline());
  EXPECT_DOUBLE_EQ(c.run_seconds(), 0.25);
  // A warm-up that already took min_time settles it without another run.
  Calibrator w(0.1, 5);
  w.observe(1, 0.1, 60);
  EXPECT_TRUE(w.done());
  EXPECT_EQ(w.iterations(), 1u);
}

TEST(Calibrator, TinyProgramGetsTheSmallestCountReachingMinTime) {
  int batches = 0;
  Calibrator c = calibrate(0.1, 5, 60, [](uint64_t) { return 0.001; }, -1, &batches);
  // k runs of 1 ms reach 100 ms from k = 100; the estimate aims 10% above.
  EXPECT_GE(c.iterations(), 100u);
  EXPECT_LE(c.iterations(), 111u);
  EXPECT_LE(batches, 3);
  EXPECT_FALSE(c.limited_by_deadline());
}

TEST(Calibrator, SlowFirstRunIsCorrectedByGrowing) {
  // The first (cold) run takes 5 ms, every later one 1 ms: the first
  // estimate (~22 runs) falls short and the next batch grows to reach it.
  int batches = 0;
  Calibrator c = calibrate(0.1, 5, 60, [](uint64_t i) { return i == 0 ? 0.005 : 0.001; }, -1, &batches);
  EXPECT_GE(c.iterations(), 100u);
  EXPECT_LE(c.iterations(), 121u);
  EXPECT_GE(batches, 3);
  EXPECT_DOUBLE_EQ(c.run_seconds(), 0.001);
}

TEST(Calibrator, NoisyRunsStillEndAboveMinTime) {
  std::mt19937 rng(42);
  std::lognormal_distribution<double> jitter(0, 0.3);  // runs vary by ~30%
  for (int trial = 0; trial < 50; ++trial) {
    double total = 0;
    Calibrator c(0.05, 3);
    int rounds = 0;
    while (!c.done() && rounds++ < 20) {
      total = 0;
      for (uint32_t i = 0; i < c.next_batch(); ++i) total += 0.0004 * jitter(rng);
      c.observe(c.next_batch(), total, 60);
    }
    ASSERT_TRUE(c.done());
    // Verified: the batch that ended calibration took at least min_time,
    // and k is within a factor two of the truth (125 runs of 0.4 ms).
    EXPECT_GE(total, 0.05);
    EXPECT_GE(c.iterations(), 60u);
    EXPECT_LE(c.iterations(), 300u);
  }
}

TEST(Calibrator, NeverPlansBeyondTheDeadline) {
  // 1 ms runs and min_time 10 s: k would be 10000, but with 2 s left the
  // five repetitions fit only ~320 runs each.
  Calibrator c = calibrate(10, 5, 2.0, [](uint64_t) { return 0.001; });
  EXPECT_TRUE(c.limited_by_deadline());
  EXPECT_GE(c.iterations(), 1u);
  EXPECT_LE(double(c.iterations()) * 5 * 0.001, 2.0);
  // With no time at all, k stays 1.
  Calibrator none = calibrate(10, 5, 0.0, [](uint64_t) { return 0.001; });
  EXPECT_EQ(none.iterations(), 1u);
}

TEST(Calibrator, CountIsBounded) {
  Calibrator c = calibrate(86400, 1, 1e9, [](uint64_t) { return 0.0; }, 0.0);
  EXPECT_LE(c.iterations(), kMaxIterations);
  EXPECT_GE(c.iterations(), 1u);
}

}  // namespace
}  // namespace gene::farm
