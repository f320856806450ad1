// The comparison's statistics on data where the truth is known: exact
// distributions against enumeration and published tables, interval coverage
// over seeded simulations of the noise this machine shows (skewed, heavy
// tails, interference outliers, order effects), and the stopping rule's
// false-alarm rate and power.
#include "gene/coordinator/paired_comparison.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>

namespace gene::coordinator {
namespace {

// --- exact distribution -----------------------------------------------------

TEST(SignedRank, CdfMatchesEnumerationOfEverySignPattern) {
  for (size_t n = 1; n <= 12; ++n) {
    const size_t max_sum = n * (n + 1) / 2;
    std::vector<double> count(max_sum + 1, 0);
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      size_t s = 0;
      for (size_t i = 0; i < n; ++i)
        if (mask >> i & 1) s += i + 1;
      count[s] += 1;
    }
    double cum = 0;
    for (size_t t = 0; t <= max_sum; ++t) {
      cum += count[t];
      EXPECT_NEAR(signed_rank_cdf(n, int64_t(t)), cum / double(1u << n), 1e-12) << "n=" << n << " t=" << t;
    }
  }
}

TEST(SignedRank, CriticalValuesMatchPublishedTables) {
  // Two-sided 5% critical values of the Wilcoxon signed-rank test.
  EXPECT_EQ(signed_rank_critical_value(10, 0.05), 8);
  EXPECT_EQ(signed_rank_critical_value(20, 0.05), 52);
  EXPECT_EQ(signed_rank_critical_value(30, 0.05), 137);
  // Two-sided 1%.
  EXPECT_EQ(signed_rank_critical_value(10, 0.01), 3);
  EXPECT_EQ(signed_rank_critical_value(20, 0.01), 37);
  // Too few values for any interval: P(W+ = 0) = 2^-n.
  EXPECT_EQ(signed_rank_critical_value(6, 0.05), 0);
  EXPECT_EQ(signed_rank_critical_value(5, 0.05), -1);
  EXPECT_EQ(signed_rank_critical_value(7, 0.01), -1);
  EXPECT_EQ(signed_rank_critical_value(8, 0.01), 0);
}

TEST(SignedRank, NormalApproximationIsCloseAndOnTheSafeSide) {
  // The exact distribution has lighter tails than the normal one, so the
  // approximation used beyond 300 values gives slightly wider intervals.
  for (size_t n : {50u, 120u, 300u})
    for (double alpha : {0.05, 0.001, 1e-5}) {
      const int64_t exact = detail::exact_critical_value(n, alpha);
      const int64_t approx = detail::normal_critical_value(n, alpha);
      EXPECT_LE(approx, exact) << n << " " << alpha;
      // Where it takes over, it is off by a few hundredths of a standard
      // deviation of W+ (the interval's ends move by as many Walsh averages).
      const double sd = std::sqrt(double(n) * (n + 1) * (2 * n + 1) / 24);
      if (n == 300) {
        EXPECT_LE(double(exact - approx), 0.05 * sd) << alpha;
      }
    }
}

// --- intervals --------------------------------------------------------------

TEST(SignedRankInterval, HodgesLehmannOfKnownValues) {
  // Walsh averages of {1, 2, 4}: 1, 1.5, 2.5, 2, 3, 4 → median 2.25.
  auto r = signed_rank_interval({1, 2, 4}, 0.5);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->estimate, 2.25);
  EXPECT_LE(r->low, r->estimate);
  EXPECT_GE(r->high, r->estimate);
  EXPECT_FALSE(signed_rank_interval({1, 2, 4}, 0.01)) << "3 values cannot support a 99% interval";
}

TEST(SignedRankInterval, OneWildValueMovesItLittle) {
  std::vector<double> x;
  for (int i = 0; i < 30; ++i) x.push_back(0.001 * ((i * 7) % 30 - 15));
  auto calm = signed_rank_interval(x, 0.05);
  x[0] = 5.0;  // a run that shared its core with something else
  auto wild = signed_rank_interval(x, 0.05);
  ASSERT_TRUE(calm && wild);
  EXPECT_LT(std::abs(wild->estimate - calm->estimate), 0.01);
  EXPECT_LT(wild->high, 0.05);
}

// Per-side noise of a calibrated repetition: multiplicative, with the shapes
// timing noise takes. The difference of two sides is symmetric, as the
// method assumes.
using Noise = std::function<double(std::mt19937_64&)>;

Noise lognormal(double sd) {
  return [sd](std::mt19937_64& rng) { return std::exp(std::normal_distribution<double>(0, sd)(rng)); };
}
// Heavy tails: Student's t with 3 degrees of freedom.
Noise heavy(double scale) {
  return [scale](std::mt19937_64& rng) { return std::exp(scale * std::student_t_distribution<double>(3)(rng)); };
}
// Interference: mostly quiet, sometimes much slower (never faster).
Noise interference(double sd, double p, double max_slowdown) {
  return [=](std::mt19937_64& rng) {
    double v = std::exp(std::normal_distribution<double>(0, sd)(rng));
    if (std::uniform_real_distribution<double>(0, 1)(rng) < p)
      v *= 1 + std::uniform_real_distribution<double>(0, max_slowdown)(rng);
    return v;
  };
}
// Skewed: a gamma-distributed extra time.
Noise skewed(double mean_extra) {
  return [=](std::mt19937_64& rng) { return 1 + std::gamma_distribution<double>(2, mean_extra / 2)(rng); };
}

struct NamedNoise {
  const char* name;
  Noise noise;
};
std::vector<NamedNoise> noise_shapes() {
  return {{"lognormal", lognormal(0.02)},
          {"heavy", heavy(0.01)},
          {"interference", interference(0.01, 0.1, 0.5)},
          {"skewed", skewed(0.03)}};
}

TEST(SignedRankInterval, CoversTheTrueRatioAtTheStatedRate) {
  const double true_log_ratio = std::log(1.03);
  const int trials = 2000;
  for (const auto& [name, noise] : noise_shapes()) {
    for (size_t n : {8u, 25u}) {
      for (double alpha : {0.1, 0.02}) {
        std::mt19937_64 rng(12345 + n);
        int covered = 0;
        double width = 0;
        for (int t = 0; t < trials; ++t) {
          std::vector<double> d;
          for (size_t i = 0; i < n; ++i) d.push_back(true_log_ratio + std::log(noise(rng) / noise(rng)));
          auto r = signed_rank_interval(d, alpha);
          ASSERT_TRUE(r);
          covered += r->low <= true_log_ratio && true_log_ratio <= r->high;
          width += r->high - r->low;
        }
        const double rate = double(covered) / trials;
        const double sd = std::sqrt(alpha * (1 - alpha) / trials);
        // At least the stated rate (the discrete statistic makes it a little
        // conservative), and not so wide that it says nothing.
        EXPECT_GE(rate, 1 - alpha - 3 * sd) << name << " n=" << n << " alpha=" << alpha;
        EXPECT_LE(rate, 1 - alpha / 3) << name << " n=" << n << " alpha=" << alpha;
        EXPECT_GT(width / trials, 0) << name;
      }
    }
  }
}

// --- verdicts ---------------------------------------------------------------

TEST(Verdict, WordsAndRules) {
  EXPECT_STREQ(verdict_word(Verdict::Slower), "slower");
  EXPECT_STREQ(verdict_word(Verdict::Faster), "faster");
  EXPECT_STREQ(verdict_word(Verdict::Same), "same");
  EXPECT_STREQ(verdict_word(Verdict::Inconclusive), "inconclusive");
  EXPECT_EQ(verdict_for({1.05, 1.02, 1.08}, 0.01), Verdict::Slower);
  EXPECT_EQ(verdict_for({1.005, 1.002, 1.008}, 0.01), Verdict::Same) << "real but smaller than min-effect";
  EXPECT_EQ(verdict_for({1.008, 1.002, 1.02}, 0.01), Verdict::Inconclusive);
  EXPECT_EQ(verdict_for({1.0, 0.995, 1.005}, 0.01), Verdict::Same);
  EXPECT_EQ(verdict_for({1.0, 0.98, 1.02}, 0.01), Verdict::Inconclusive);
  EXPECT_EQ(verdict_for({0.9, 0.85, 0.95}, 0.01), Verdict::Faster);
}

TEST(Verdict, SwappingTheSidesMirrorsIt) {
  for (double est : {0.9, 0.97, 0.995, 1.0, 1.004, 1.012, 1.2})
    for (double half : {0.001, 0.01, 0.05}) {
      Interval r{est, est * (1 - half), est * (1 + half)};
      Interval mirrored{1 / est, 1 / r.high, 1 / r.low};
      Verdict v = verdict_for(r, 0.01), m = verdict_for(mirrored, 0.01);
      if (v == Verdict::Slower) EXPECT_EQ(m, Verdict::Faster);
      else if (v == Verdict::Faster) EXPECT_EQ(m, Verdict::Slower);
      else EXPECT_EQ(m, v) << est << " " << half;
    }
}

// --- the sequential rule ----------------------------------------------------

TEST(Sequential, LooksAndLevelsSpendNoMoreThanTheErrorRate) {
  SequentialOptions o;
  o.confidence = 0.99;
  o.jobs = 10;
  o.max_rounds = 1000;
  SequentialComparison c(o);
  ASSERT_FALSE(c.looks().empty());
  EXPECT_GE(c.looks().front(), 5u);
  EXPECT_LE(c.looks().back(), 500u);
  for (size_t i = 1; i < c.looks().size(); ++i) EXPECT_GT(c.looks()[i], c.looks()[i - 1]);
  const double alpha_per_look = 1 - c.look_confidence();
  EXPECT_LE(alpha_per_look * double(c.looks().size() + 1), 0.01 / 10 * (1 + 1e-9));
  // The first look is the first where an interval can exist.
  EXPECT_GE(signed_rank_critical_value(c.looks().front(), alpha_per_look), 0);
  EXPECT_LT(signed_rank_critical_value(c.looks().front() - 1, alpha_per_look), 0);
}

struct SimulatedRun {
  Verdict verdict;
  uint32_t rounds;
};

// One comparison of two sides whose true ratio is `ratio`, rounds
// alternating in order; `order_effect` scales whichever side runs second.
SimulatedRun simulate(const SequentialOptions& o, double ratio, const Noise& noise, std::mt19937_64& rng,
             double order_effect = 1) {
  SequentialComparison c(o);
  for (uint32_t r = 0; r < o.max_rounds; ++r) {
    double base = noise(rng), cand = ratio * noise(rng);
    if (r % 2 == 0) cand *= order_effect;  // AB: the candidate runs second
    else base *= order_effect;             // BA
    c.add_round(base, cand);
    if (c.at_look()) {
      Decision d = c.decide();
      if (d.verdict != Verdict::Inconclusive) return {d.verdict, d.rounds};
    }
  }
  return {c.conclude("max rounds").verdict, c.rounds()};
}

TEST(Sequential, StoppingAtAnyLookKeepsFalseAlarmsBelowTheStatedRate) {
  // A/A with min_effect 0, so that every look is a chance for a false alarm
  // and `same` can never end a comparison early; against peeking at the
  // same looks at the unadjusted level, which the adjustment is for.
  SequentialOptions o;
  o.confidence = 0.9;
  o.min_effect = 0;
  o.max_rounds = 300;
  const double alpha = 1 - o.confidence;
  const int trials = 1000;
  for (const auto& [name, noise] : noise_shapes()) {
    std::mt19937_64 rng(777);
    int adjusted = 0, naive = 0;
    for (int t = 0; t < trials; ++t) {
      SequentialComparison c(o);
      std::vector<double> units;
      double pending = 0;
      bool naive_alarm = false, adjusted_alarm = false;
      for (uint32_t r = 0; r < o.max_rounds; ++r) {
        const double b = noise(rng), a = noise(rng);
        c.add_round(b, a);
        if (r % 2 == 0) {
          pending = std::log(a / b);
        } else {
          units.push_back((pending + std::log(a / b)) / 2);
        }
        if (!c.at_look()) continue;
        const Decision d = c.decide();
        adjusted_alarm = adjusted_alarm || d.verdict == Verdict::Slower || d.verdict == Verdict::Faster;
        const auto r10 = signed_rank_interval(units, alpha);
        naive_alarm = naive_alarm || (r10 && (r10->low > 0 || r10->high < 0));
      }
      adjusted += adjusted_alarm;
      naive += naive_alarm;
    }
    const double sd = std::sqrt(alpha * (1 - alpha) / trials);
    EXPECT_LE(double(adjusted) / trials, alpha + 3 * sd) << name;
    // Peeking without the adjustment breaks the promise: the test can fail.
    EXPECT_GT(double(naive) / trials, alpha + 3 * sd) << name;
  }
}

SequentialOptions farm_defaults() {
  SequentialOptions o;  // compare's defaults for a 10-job suite
  o.confidence = 0.99;
  o.jobs = 10;
  o.min_effect = 0.01;
  o.max_rounds = 1000;
  return o;
}

TEST(Sequential, FindsAThreePercentSlowdownAndNeverCallsItFaster) {
  const SequentialOptions o = farm_defaults();
  for (const auto& [name, noise] : noise_shapes()) {
    std::mt19937_64 rng(4242);
    int slower = 0, faster = 0;
    const int trials = 200;
    for (int t = 0; t < trials; ++t) {
      const SimulatedRun run = simulate(o, 1.03, noise, rng);
      slower += run.verdict == Verdict::Slower;
      faster += run.verdict == Verdict::Faster;
    }
    EXPECT_GE(slower, trials * 95 / 100) << name;
    EXPECT_EQ(faster, 0) << name;
  }
}

TEST(Sequential, TenPercentFasterIsAlwaysFound) {
  const SequentialOptions o = farm_defaults();
  for (const auto& [name, noise] : noise_shapes()) {
    std::mt19937_64 rng(99);
    for (int t = 0; t < 100; ++t) EXPECT_EQ(simulate(o, 1 / 1.1, noise, rng).verdict, Verdict::Faster) << name;
  }
}

TEST(Sequential, IdenticalSidesEndSameNeverSlowerOrFaster) {
  const SequentialOptions o = farm_defaults();
  for (const auto& [name, noise] : noise_shapes()) {
    std::mt19937_64 rng(2024);
    int same = 0;
    const int trials = 200;
    for (int t = 0; t < trials; ++t) {
      const Verdict v = simulate(o, 1.0, noise, rng).verdict;
      EXPECT_NE(v, Verdict::Slower) << name;
      EXPECT_NE(v, Verdict::Faster) << name;
      same += v == Verdict::Same;
    }
    EXPECT_GE(same, trials * 95 / 100) << name;
  }
}

TEST(Sequential, AnOrderEffectCancelsInsideEachPairOfRounds) {
  // Whichever side runs second is 5% faster (a warm cache): without pairing
  // AB with BA that would be a large spread or a bias.
  const SequentialOptions o = farm_defaults();
  std::mt19937_64 rng(5);
  for (int t = 0; t < 100; ++t) {
    const SimulatedRun run = simulate(o, 1.0, lognormal(0.01), rng, 0.95);
    EXPECT_EQ(run.verdict, Verdict::Same);
  }
  for (int t = 0; t < 100; ++t) EXPECT_EQ(simulate(o, 1.03, lognormal(0.01), rng, 0.95).verdict, Verdict::Slower);
}

TEST(Sequential, ExactCountsDecideAfterTheFirstPair) {
  SequentialOptions o = farm_defaults();
  o.exact = true;
  for (auto [ratio, expected] : {std::pair{1.03, Verdict::Slower}, {1.0, Verdict::Same}, {0.9, Verdict::Faster},
                                 {1.005, Verdict::Same}}) {
    SequentialComparison c(o);
    c.add_round(1000, 1000 * ratio);
    c.add_round(1000, 1000 * ratio);
    ASSERT_TRUE(c.at_look());
    const Decision d = c.decide();
    EXPECT_EQ(d.verdict, expected) << ratio;
    ASSERT_TRUE(d.ratio);
    EXPECT_NEAR(d.ratio->estimate, ratio, 1e-12);
    EXPECT_EQ(d.ratio->low, d.ratio->high);
  }
  // An "exact" metric that varies is judged like any other.
  SequentialComparison c(o);
  c.add_round(1000, 1030);
  c.add_round(1000, 1031);  // the second round of the first pair differs
  ASSERT_TRUE(c.at_look());
  EXPECT_EQ(c.decide().verdict, Verdict::Inconclusive);
}

TEST(Sequential, ConcludingWithoutAVerdictSaysWhy) {
  SequentialOptions o = farm_defaults();
  SequentialComparison c(o);
  std::mt19937_64 rng(1);
  for (int r = 0; r < 12; ++r) c.add_round(1, 1.01 * lognormal(0.05)(rng));
  const Decision d = c.conclude("max time 60 s reached");
  EXPECT_EQ(d.verdict, Verdict::Inconclusive);
  EXPECT_NE(d.reason.find("max time 60 s reached"), std::string::npos) << d.reason;
  EXPECT_EQ(d.rounds, 12u);
}

// --- processes that differ ----------------------------------------------------

// Two processes of one binary are not alike: each runs a few percent
// faster or slower than another for seconds at a time (measured here: one
// A/A pair of workers held +1.8% over 400 rounds, t = 7.2 by its own
// units). Simulated: each pair of processes has its own offset of the log
// ratio, drawn anew for every pair (sd `process_sd`), which wanders slowly
// while the pair lives (AR(1), `wander_sd` stationary, per-round
// correlation 0.98), under lognormal noise per side.
struct ProcessPairs {
  double process_sd = 0.01, wander_sd = 0.005, round_sd = 0.03;
  std::mt19937_64 rng{31337};
  double offset = 0, wander = 0;
  void new_pair() {
    offset = std::normal_distribution<double>(0, process_sd)(rng);
    wander = std::normal_distribution<double>(0, wander_sd)(rng);
  }
  // The next round's log ratio: the truth plus the pair's offset, plus noise.
  double round(double true_log_ratio) {
    const double phi = 0.98;
    wander = phi * wander + std::normal_distribution<double>(0, wander_sd * std::sqrt(1 - phi * phi))(rng);
    const double noise = std::normal_distribution<double>(0, round_sd)(rng) -
                         std::normal_distribution<double>(0, round_sd)(rng);
    return true_log_ratio + offset + wander + noise;
  }
};

// One comparison: with `rounds_per_pair` 0 one pair of processes serves
// every round and each unit is a sample (the method before samples by
// process); else the pair is replaced after that many rounds and each pair
// gives one sample.
Verdict compare_processes(SequentialOptions o, double ratio, uint32_t rounds_per_pair, ProcessPairs& sim) {
  o.process_samples = rounds_per_pair > 0;
  SequentialComparison c(o);
  sim.new_pair();
  for (uint32_t r = 1; r <= o.max_rounds; ++r) {
    c.add_round(1, std::exp(sim.round(std::log(ratio))));
    if (rounds_per_pair && r % rounds_per_pair == 0) {
      c.end_sample();
      sim.new_pair();
    }
    if (c.at_look()) {
      const Decision d = c.decide();
      if (d.verdict != Verdict::Inconclusive) return d.verdict;
    }
  }
  return c.conclude("max rounds").verdict;
}

TEST(ProcessSamples, SamplesEndWhereTheCallerSaysAndAnOddRoundIsLeftOut) {
  SequentialOptions o;
  o.process_samples = true;
  SequentialComparison c(o);
  for (int r = 0; r < 6; ++r) c.add_round(1, 1.1);
  EXPECT_EQ(c.samples(), 0u) << "no sample ends by itself";
  c.end_sample();
  EXPECT_EQ(c.samples(), 1u);
  c.end_sample();
  EXPECT_EQ(c.samples(), 1u) << "an empty sample is none";
  c.add_round(1, 1.2);
  c.end_sample();
  EXPECT_EQ(c.samples(), 1u) << "one round is not a unit";
  c.add_round(1, 1.2);
  c.end_sample();
  EXPECT_EQ(c.samples(), 2u);
  // Without process samples every unit is one.
  SequentialComparison units(SequentialOptions{});
  for (int r = 0; r < 6; ++r) units.add_round(1, 1.1);
  EXPECT_EQ(units.samples(), 3u);
}

TEST(ProcessSamples, KeepTheFalseAlarmRateWhereOnePairOfProcessesDoesNot) {
  // A/A at 99% for one job, min effect 1%, up to 240 rounds; a new pair of
  // processes every 8 rounds, against one pair for all of them.
  SequentialOptions o;
  o.confidence = 0.99;
  o.min_effect = 0.01;
  o.max_rounds = 240;
  const double alpha = 1 - o.confidence;
  const int trials = 1000;
  ProcessPairs sim;
  int one_pair = 0, fresh_pairs = 0;
  for (int t = 0; t < trials; ++t) {
    const Verdict a = compare_processes(o, 1.0, 0, sim), b = compare_processes(o, 1.0, 8, sim);
    one_pair += a == Verdict::Slower || a == Verdict::Faster;
    fresh_pairs += b == Verdict::Slower || b == Verdict::Faster;
  }
  const double sd = std::sqrt(alpha * (1 - alpha) / trials);
  std::printf("false alarms in %d A/A comparisons: one pair of processes %d (%.1f%%), a new pair every 8 rounds %d "
              "(%.1f%%); stated at most %.0f%%\n",
              trials, one_pair, 100.0 * one_pair / trials, fresh_pairs, 100.0 * fresh_pairs / trials, alpha * 100);
  EXPECT_GT(double(one_pair) / trials, alpha + 3 * sd) << "the violation is there: the old unit fails";
  EXPECT_LE(double(fresh_pairs) / trials, alpha + 3 * sd);
}

TEST(ProcessSamples, StillFindAFivePercentSlowdown) {
  SequentialOptions o;
  o.confidence = 0.99;
  o.min_effect = 0.01;
  o.max_rounds = 240;
  const int trials = 300;
  ProcessPairs sim;
  int slower = 0, faster = 0;
  for (int t = 0; t < trials; ++t) {
    const Verdict v = compare_processes(o, 1.05, 8, sim);
    slower += v == Verdict::Slower;
    faster += v == Verdict::Faster;
  }
  std::printf("+5%% with a new pair of processes every 8 rounds: slower in %d of %d (%.1f%%), faster in %d\n",
              slower, trials, 100.0 * slower / trials, faster);
  EXPECT_GE(slower, trials * 90 / 100);
  EXPECT_EQ(faster, 0);
}

}  // namespace
}  // namespace gene::coordinator
