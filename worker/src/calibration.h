// Calibration of a job's measured repetitions: the smallest count k such
// that k back-to-back runs of the program take at least `min_time`, so that
// every measured value spans many scheduler slices and timer ticks instead
// of a few milliseconds of start-up noise. Pure arithmetic over timings the
// caller measures, so it is tested on simulated programs.
#pragma once

#include <cstdint>

namespace gene::farm {

// Most runs one repetition may make (keeps counts and loops bounded).
inline constexpr uint32_t kMaxIterations = 10'000'000;

class Calibrator {
 public:
  // `min_time` > 0 seconds; every measured repetition will run k times.
  Calibrator(double min_time, uint32_t repetitions);

  // What to do after a batch of `runs` back-to-back runs took `seconds` in
  // all, with `remaining` seconds left before the job's deadline: run a
  // batch of next_batch() runs and observe it, or stop (done()).
  void observe(uint32_t runs, double seconds, double remaining);

  bool done() const { return done_; }
  // The next batch to time (valid while !done()).
  uint32_t next_batch() const { return next_; }
  // k: runs per measured repetition (valid once done()).
  uint32_t iterations() const { return k_; }
  // Seconds one run took, from the last batch observed.
  double run_seconds() const { return run_seconds_; }
  // True when the deadline kept k below what min_time asks.
  bool limited_by_deadline() const { return limited_; }

 private:
  // The most runs per repetition that leave every repetition (and, when
  // `with_batch`, one more calibration batch of that size) inside
  // `remaining`, at the current estimate of a run's time.
  uint32_t fitting(double remaining, bool with_batch) const;

  const double min_time_;
  const uint32_t repetitions_;
  double run_seconds_ = 0;
  uint32_t next_ = 1;
  uint32_t k_ = 1;
  uint32_t rounds_ = 0;
  bool done_ = false;
  bool limited_ = false;
};

}  // namespace gene::farm
