#include "calibration.h"

#include <algorithm>
#include <cmath>

namespace gene::farm {

namespace {

// The share of the time left that measuring may plan to use: the rest is
// slack for runs slower than the estimate (and the profile run, if any).
constexpr double kDeadlineShare = 0.5;
// An estimate of k aims this much above min_time, so that a batch a little
// faster than the last one still reaches it (and calibration ends in one
// or two batches instead of creeping up a run at a time).
constexpr double kHeadroom = 1.1;
// Growth per batch at most: a batch far too short (a clock that barely
// moved) says little about how long a run takes.
constexpr double kMaxGrowth = 10;
// Batches before the last estimate is taken unverified (a program whose
// run time keeps drifting).
constexpr uint32_t kMaxRounds = 8;
// A run never counts as faster than this (the clock's resolution).
constexpr double kMinRunSeconds = 1e-7;

uint32_t clamp_runs(double runs) {
  if (!(runs >= 1)) return 1;
  return runs >= double(kMaxIterations) ? kMaxIterations : uint32_t(runs);
}

}  // namespace

Calibrator::Calibrator(double min_time, uint32_t repetitions)
    : min_time_(min_time), repetitions_(std::max<uint32_t>(1, repetitions)) {}

uint32_t Calibrator::fitting(double remaining, bool with_batch) const {
  double per_k = run_seconds_ * (double(repetitions_) + (with_batch ? 1 : 0));
  return clamp_runs(std::floor(kDeadlineShare * std::max(0.0, remaining) / per_k));
}

void Calibrator::observe(uint32_t runs, double seconds, double remaining) {
  if (done_) return;
  runs = std::max<uint32_t>(1, runs);
  run_seconds_ = std::max(kMinRunSeconds, seconds / double(runs));
  ++rounds_;
  if (seconds >= min_time_ || runs >= kMaxIterations) {
    // This batch reached min_time: k = its size, if the repetitions fit.
    k_ = runs;
    uint32_t fit = fitting(remaining, false);
    if (fit < k_) k_ = fit, limited_ = true;
    done_ = true;
    return;
  }
  double want = std::ceil(double(runs) * std::min(kMaxGrowth, kHeadroom * min_time_ / std::max(seconds, 1e-9)));
  uint32_t next = std::max(runs + 1, clamp_runs(want));
  if (next > fitting(remaining, true) || rounds_ >= kMaxRounds) {
    // No time to verify a larger batch (or no end in sight): take the
    // estimate of the smallest k unverified, within what fits.
    uint32_t estimate = clamp_runs(std::ceil(min_time_ / run_seconds_));
    uint32_t fit = fitting(remaining, false);
    k_ = std::min(estimate, fit);
    limited_ = fit < estimate;
    done_ = true;
    return;
  }
  next_ = next;
}

}  // namespace gene::farm
