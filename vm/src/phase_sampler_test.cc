// The phase sampler on work whose phases are known by construction: the
// thread spins in each phase for measured stretches of its own CPU time,
// so the true share is known and the estimate must find it.
#include "phase_sampler.h"

#include <gtest/gtest.h>

#include <ctime>

namespace gene {
namespace {

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void spin_for(double seconds) {
  double end = cpu_now() + seconds;
  while (cpu_now() < end) {
  }
}

// The same arithmetic step over and over: the time of n steps is n times
// one step's, with no system call to add its own.
volatile uint64_t g_sink;
void spin_steps(uint64_t n) {
  uint64_t x = g_sink;
  for (uint64_t i = 0; i < n; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  g_sink = x;
}

// Spins until the sampler has `samples`: of every 100,000 steps (tens of
// microseconds, far shorter than an interval, so the phases interleave
// finely), `share` in `phase` and the rest in the mutator.
void spin_in_phases(PhaseWord& word, const PhaseSampler& sampler, Phase phase, double share, uint64_t samples) {
  constexpr uint64_t kSteps = 100000;
  auto in_phase = uint64_t(double(kSteps) * share);
  while (sampler.total_samples() < samples) {
    {
      PhaseScope scope(word, phase);
      spin_steps(in_phase);
    }
    spin_steps(kSteps - in_phase);
  }
}

TEST(PhaseSampler, FindsAKnownShare) {
  for (double share : {0.1, 0.3}) {
    PhaseWord word;
    PhaseSampler sampler(word, 7);
    ASSERT_TRUE(sampler.available());
    // About 1 s of CPU time: 250 or more signals, a spread of 3 points.
    spin_in_phases(word, sampler, Phase::kAllocation, share, 1000);
    sampler.stop();
    double found = double(sampler.samples(Phase::kAllocation)) / double(sampler.total_samples());
    EXPECT_NEAR(found, share, 0.12) << "share " << share;
    EXPECT_EQ(sampler.samples(Phase::kReconcile), 0u);
    // Samples stand for CPU time: the interval times the samples is the time spun, roughly.
    EXPECT_GT(double(sampler.total_samples()) * double(PhaseSampler::kIntervalNs) * 1e-9, 0.5);
  }
}

TEST(PhaseSampler, WorkOutsideEveryPhaseReadsZero) {
  PhaseWord word;
  PhaseSampler sampler(word, 11);
  ASSERT_TRUE(sampler.available());
  while (sampler.total_samples() < 40) spin_for(1e-3);
  sampler.stop();
  EXPECT_EQ(sampler.samples(Phase::kMutator), sampler.total_samples());
  EXPECT_EQ(sampler.samples(Phase::kAllocation) + sampler.samples(Phase::kCounting), 0u);
}

// An allocation inside a reconciliation belongs to the reconciliation,
// and every scope gives back what it found.
TEST(PhaseSampler, TheOutermostPhaseHolds) {
  PhaseWord word;
  {
    PhaseScope reconcile(word, Phase::kReconcile);
    {
      PhaseScope alloc(word, Phase::kAllocation);
      EXPECT_EQ(word.get(), Phase::kReconcile);
    }
    EXPECT_EQ(word.get(), Phase::kReconcile);
  }
  EXPECT_EQ(word.get(), Phase::kMutator);
  {
    PhaseScope alloc(word, Phase::kAllocation);
    EXPECT_EQ(word.get(), Phase::kAllocation);
  }
  EXPECT_EQ(word.get(), Phase::kMutator);
}

// Once stopped, a sampler counts nothing more; the next one on the thread
// starts afresh.
TEST(PhaseSampler, StopsAndStartsAgain) {
  PhaseWord word;
  PhaseSampler first(word, 3);
  while (first.total_samples() < 8) spin_for(1e-3);
  first.stop();
  uint64_t kept = first.total_samples();
  PhaseSampler second(word, 5);
  ASSERT_TRUE(second.available());
  while (second.total_samples() < 8) spin_for(1e-3);
  second.stop();
  EXPECT_EQ(first.total_samples(), kept);
}

}  // namespace
}  // namespace gene
