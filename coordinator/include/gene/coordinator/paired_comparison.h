// The statistics of `coordinator compare`: is the candidate slower, faster
// or the same as the baseline, from rounds that run one calibrated
// repetition on each side, the order alternating (AB, BA, AB, ...).
//
// Method (docs/coordinator.md, "How compare decides"):
//   - Each round gives the log ratio d = ln(candidate / baseline) of the
//     metric. Two consecutive rounds (one AB, one BA) form a unit whose value
//     is their mean, so an order effect (the second run of a round being
//     warmer or colder) cancels inside every unit, as does a linear drift.
//   - The values the statistics count are *samples*: by default each unit is
//     one; with `process_samples` a sample is the mean of the units that one
//     pair of worker processes gave before the caller replaced both
//     (end_sample()). A process can be a few percent faster or slower than
//     another of the same binary for seconds at a time (its memory, its
//     scheduling history), so units from one pair of processes are not
//     independent, and only samples drawn from fresh processes are.
//   - The ratio is estimated by the Hodges-Lehmann estimator of the samples
//     (the median of all pairwise means) and bounded by the confidence
//     interval that inverts the Wilcoxon signed-rank test. It assumes only
//     that samples are independent and symmetric about their centre, which
//     holds when both sides' noise has one distribution (the difference of
//     two exchangeable values is symmetric), whatever its shape: skewed,
//     heavy-tailed, with outliers. Exact tail probabilities up to 300
//     samples, the normal approximation beyond.
//   - Rounds go on until a verdict holds at one of a fixed schedule of looks
//     (geometric in the number of samples) or time runs out. The error rate
//     is split evenly over the looks and over the jobs compared (Bonferroni),
//     so stopping at whichever look first gives a verdict cannot raise the
//     false-alarm rate above 1 - confidence for the whole comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gene::coordinator {

// The verdicts of `compare` and `submit --baseline`, by the words used in
// tables and JSON: "slower", "faster", "same", "inconclusive".
enum class Verdict { Slower, Faster, Same, Inconclusive };
const char* verdict_word(Verdict verdict);

// An estimate of a location with its confidence interval (same scale).
struct Interval {
  double estimate = 0, low = 0, high = 0;
};

// Hodges-Lehmann estimate of the centre of `x` and the two-sided
// Wilcoxon signed-rank confidence interval at level 1 - alpha. nullopt when
// `x` has too few values for any interval at that level (fewer than about
// log2(2 / alpha)).
std::optional<Interval> signed_rank_interval(std::vector<double> x, double alpha);

// The largest t with P(W+ <= t) <= alpha / 2 for the signed-rank statistic
// W+ of n values under the null hypothesis; -1 when even t = 0 is too likely.
int64_t signed_rank_critical_value(size_t n, double alpha);

// P(W+ <= t) under the null hypothesis, exactly (for tests and small n).
double signed_rank_cdf(size_t n, int64_t t);

namespace detail {
// The two ways signed_rank_critical_value() computes (exposed for tests).
int64_t exact_critical_value(size_t n, double alpha);
int64_t normal_critical_value(size_t n, double alpha);
}  // namespace detail

// The verdict for a candidate/baseline ratio interval: `slower` when the
// interval lies above 1 and the estimate is at least 1 + min_effect,
// `faster` the mirror (below 1, estimate at most 1 / (1 + min_effect)),
// `same` when the interval lies within [1 / (1 + min_effect), 1 + min_effect],
// else inconclusive. Mirrored on the log scale, so swapping the sides
// mirrors the verdict.
Verdict verdict_for(const Interval& ratio, double min_effect);

struct SequentialOptions {
  double confidence = 0.99;  // for all the jobs and all the looks together
  size_t jobs = 1;           // jobs compared in one command
  double min_effect = 0.01;  // 1%
  uint32_t max_rounds = 1000;
  // The metric is an exact count (instructions, ...): when every unit has
  // the same value there is no noise to bound, and the ratio is a fact.
  bool exact = false;
  // Samples end at end_sample() (each pair of processes gives one), not
  // after every unit.
  bool process_samples = false;
};

// Where a comparison stands after the rounds so far.
struct Decision {
  Verdict verdict = Verdict::Inconclusive;
  std::optional<Interval> ratio;  // candidate/baseline; absent before the first look
  uint32_t rounds = 0;
  uint32_t samples = 0;   // the values the interval rests on
  double confidence = 0;  // the level of `ratio` (per look, after the adjustments)
  std::string reason;     // how the verdict was reached, or why there is none
};

// The rounds of one job, deciding at the scheduled looks.
class SequentialComparison {
 public:
  explicit SequentialComparison(SequentialOptions options);

  // One round: the metric on each side (> 0; the order is the caller's
  // business: alternate it).
  void add_round(double baseline, double candidate);
  // With `process_samples`: the rounds since the last call came from one
  // pair of processes, which the caller now replaces (call after an even
  // number of rounds; an odd last round is left out of the sample).
  void end_sample();

  // Whether the rounds so far end at a scheduled look.
  bool at_look() const;
  // Decides at a look (call when at_look()): a verdict other than
  // inconclusive is final.
  Decision decide() const;
  // The final decision when no more rounds will run (time or max_rounds
  // ran out), with `why` in the reason of an inconclusive end.
  Decision conclude(const std::string& why) const;

  uint32_t rounds() const { return uint32_t(log_ratios_.size()); }
  // Samples complete so far.
  uint32_t samples() const { return uint32_t(sample_ends_.size()); }
  // The per-look level, and the looks (in samples).
  double look_confidence() const { return 1 - alpha_per_look_; }
  const std::vector<uint32_t>& looks() const { return looks_; }

 private:
  Decision decide_now(bool with_partial_sample) const;
  // The complete samples' values, and the unfinished one's when asked and
  // it has a unit.
  std::vector<double> sample_values(bool with_partial_sample) const;

  SequentialOptions options_;
  double alpha_per_look_ = 0;
  std::vector<uint32_t> looks_;  // scheduled looks, in samples
  std::vector<double> log_ratios_;
  std::vector<size_t> sample_ends_;  // rounds at the end of each complete sample
};

}  // namespace gene::coordinator
