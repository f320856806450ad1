#include "gene/coordinator/paired_comparison.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <map>
#include <mutex>
#include <utility>

namespace gene::coordinator {

namespace {

// Up to this many values the signed-rank distribution is computed exactly
// (O(n^3 / 2) work, a few milliseconds, cached); beyond it the normal
// approximation is closer than the data's own departures from the model.
constexpr size_t kExactUpTo = 300;

// Units before the first look, whatever the level allows: fewer say little
// about the shape of the noise.
constexpr uint32_t kMinFirstLook = 5;
// Each look after the first comes after this many times the units.
constexpr double kLookGrowth = 1.5;

// The null distribution of W+ for n values: P(W+ = s) for s = 0 .. n(n+1)/2.
// Each rank k is in W+ with probability 1/2, independently.
std::vector<double> signed_rank_pmf(size_t n) {
  const size_t max_sum = n * (n + 1) / 2;
  std::vector<double> p(max_sum + 1, 0.0);
  p[0] = 1;
  size_t reach = 0;
  for (size_t k = 1; k <= n; ++k) {
    reach += k;
    for (size_t s = reach; s >= k; --s) p[s] = 0.5 * (p[s] + p[s - k]);
    for (size_t s = 0; s < k && s <= reach; ++s) p[s] *= 0.5;
  }
  return p;
}

}  // namespace

int64_t detail::exact_critical_value(size_t n, double alpha) {
  const std::vector<double> p = signed_rank_pmf(n);
  double cdf = 0;
  int64_t t = -1;
  for (size_t s = 0; s < p.size(); ++s) {
    cdf += p[s];
    if (cdf > alpha / 2) break;
    t = int64_t(s);
  }
  return t;
}

int64_t detail::normal_critical_value(size_t n, double alpha) {
  const double nn = double(n);
  const double mean = nn * (nn + 1) / 4;
  const double sd = std::sqrt(nn * (nn + 1) * (2 * nn + 1) / 24);
  const double z = boost::math::quantile(boost::math::normal(), alpha / 2);  // < 0
  // P(W+ <= t) ~ Phi((t + 0.5 - mean) / sd) <= alpha / 2 (continuity-corrected).
  return int64_t(std::floor(mean + z * sd - 0.5));
}

namespace {

// The k-th smallest (0-based) of `v`, reordering it.
double kth(std::vector<double>& v, size_t k) {
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k];
}

std::string percent(double ratio) {
  char buf[32];
  snprintf(buf, sizeof buf, "%+.2f%%", (ratio - 1) * 100);
  return buf;
}

std::string fixed(double v, int digits) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string describe(const Interval& r) {
  return "[" + fixed(r.low, 4) + ", " + fixed(r.high, 4) + "]";
}

}  // namespace

const char* verdict_word(Verdict verdict) {
  switch (verdict) {
    case Verdict::Slower:
      return "slower";
    case Verdict::Faster:
      return "faster";
    case Verdict::Same:
      return "same";
    case Verdict::Inconclusive:
      break;
  }
  return "inconclusive";
}

double signed_rank_cdf(size_t n, int64_t t) {
  if (t < 0) return 0;
  const std::vector<double> p = signed_rank_pmf(n);
  double cdf = 0;
  for (size_t s = 0; s < p.size() && int64_t(s) <= t; ++s) cdf += p[s];
  return std::min(cdf, 1.0);
}

int64_t signed_rank_critical_value(size_t n, double alpha) {
  if (n == 0 || !(alpha > 0)) return -1;
  if (n > kExactUpTo) return std::max<int64_t>(-1, detail::normal_critical_value(n, alpha));
  // Looks ask for the same few (n, alpha) again and again.
  static std::mutex mu;
  static std::map<std::pair<size_t, double>, int64_t> cache;
  const auto key = std::make_pair(n, alpha);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  const int64_t t = detail::exact_critical_value(n, alpha);
  std::lock_guard<std::mutex> lock(mu);
  cache.emplace(key, t);
  return t;
}

std::optional<Interval> signed_rank_interval(std::vector<double> x, double alpha) {
  const size_t n = x.size();
  const int64_t t = signed_rank_critical_value(n, alpha);
  if (t < 0) return std::nullopt;
  // The Walsh averages: the signed-rank statistic counts those above a
  // hypothesised centre, so the interval is bounded by their order statistics.
  std::vector<double> walsh;
  walsh.reserve(n * (n + 1) / 2);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < n; ++j) walsh.push_back((x[i] + x[j]) / 2);
  const size_t m = walsh.size();
  Interval r;
  r.low = kth(walsh, size_t(t));
  r.high = kth(walsh, m - 1 - size_t(t));
  r.estimate = m % 2 ? kth(walsh, m / 2) : (kth(walsh, m / 2 - 1) + kth(walsh, m / 2)) / 2;
  return r;
}

Verdict verdict_for(const Interval& ratio, double min_effect) {
  const double up = 1 + min_effect, down = 1 / up;
  if (ratio.low > 1 && ratio.estimate >= up) return Verdict::Slower;
  if (ratio.high < 1 && ratio.estimate <= down) return Verdict::Faster;
  if (ratio.low >= down && ratio.high <= up) return Verdict::Same;
  return Verdict::Inconclusive;
}

SequentialComparison::SequentialComparison(SequentialOptions options) : options_(options) {
  options_.jobs = std::max<size_t>(options_.jobs, 1);
  const double alpha = std::clamp(1 - options_.confidence, 1e-12, 0.5) / double(options_.jobs);
  const uint32_t max_units = options_.max_rounds / 2;  // samples: at most one per unit
  // The looks depend on the per-look level (the first look comes when an
  // interval can exist at all), which depends on their number: iterate to
  // the fixed point, keeping the larger count if it oscillates.
  size_t count = 1;
  for (int i = 0; i < 16; ++i) {
    const double a = alpha / double(count);
    uint32_t first = kMinFirstLook;
    while (signed_rank_critical_value(first, a) < 0) ++first;
    std::vector<uint32_t> looks;
    for (double u = first; u <= max_units; u = std::ceil(u * kLookGrowth)) looks.push_back(uint32_t(u));
    const size_t needed = looks.size() + 1;  // + the final look when rounds stop early
    looks_ = std::move(looks);
    if (needed <= count) break;
    count = needed;
  }
  alpha_per_look_ = alpha / double(count);
  // An exact count that repeats exactly needs no interval: a look after the
  // first unit can only decide on that (no interval exists so early), so it
  // spends none of the error rate.
  if (options_.exact && (looks_.empty() || looks_.front() > 1)) looks_.insert(looks_.begin(), 1);
}

void SequentialComparison::add_round(double baseline, double candidate) {
  log_ratios_.push_back(std::log(candidate / baseline));
  if (!options_.process_samples && log_ratios_.size() % 2 == 0) sample_ends_.push_back(log_ratios_.size());
}

void SequentialComparison::end_sample() {
  if (!options_.process_samples) return;
  const size_t start = sample_ends_.empty() ? 0 : sample_ends_.back();
  if (log_ratios_.size() >= start + 2) sample_ends_.push_back(log_ratios_.size());
}

std::vector<double> SequentialComparison::sample_values(bool with_partial_sample) const {
  // A sample is the mean of its units (pairs of rounds, one AB and one BA).
  auto mean_of_units = [&](size_t begin, size_t end) {
    const size_t pairs = (end - begin) / 2;
    double sum = 0;
    for (size_t i = begin; i < begin + 2 * pairs; ++i) sum += log_ratios_[i];
    return sum / double(2 * pairs);
  };
  std::vector<double> v;
  v.reserve(sample_ends_.size() + 1);
  size_t begin = 0;
  for (size_t end : sample_ends_) {
    v.push_back(mean_of_units(begin, end));
    begin = end;
  }
  if (with_partial_sample && log_ratios_.size() >= begin + 2) v.push_back(mean_of_units(begin, log_ratios_.size()));
  return v;
}

bool SequentialComparison::at_look() const {
  if (log_ratios_.empty() || sample_ends_.empty() || sample_ends_.back() != log_ratios_.size()) return false;
  return std::binary_search(looks_.begin(), looks_.end(), uint32_t(sample_ends_.size()));
}

Decision SequentialComparison::decide_now(bool with_partial_sample) const {
  Decision d;
  d.rounds = rounds();
  const std::vector<double> u = sample_values(with_partial_sample);
  d.samples = uint32_t(u.size());
  if (u.empty()) {
    d.reason = "no complete pair of rounds";
    return d;
  }
  std::optional<Interval> log_interval;
  const double first = log_ratios_.front();
  if (options_.exact &&
      std::all_of(log_ratios_.begin(), log_ratios_.end(), [&](double v) { return v == first; })) {
    log_interval = Interval{first, first, first};
    d.confidence = 1;
  } else {
    log_interval = signed_rank_interval(u, alpha_per_look_);
    d.confidence = 1 - alpha_per_look_;
  }
  if (!log_interval) {
    d.reason = "too few " + std::string(options_.process_samples ? "pairs of processes" : "rounds") + " for a " +
               fixed(d.confidence * 100, 3) + "% interval";
    return d;
  }
  d.ratio = Interval{std::exp(log_interval->estimate), std::exp(log_interval->low), std::exp(log_interval->high)};
  d.verdict = verdict_for(*d.ratio, options_.min_effect);
  const std::string effect = percent(1 + options_.min_effect);
  switch (d.verdict) {
    case Verdict::Slower:
      d.reason = "interval " + describe(*d.ratio) + " lies above 1 and the estimate " + percent(d.ratio->estimate) +
                 " is at least " + effect;
      break;
    case Verdict::Faster:
      d.reason = "interval " + describe(*d.ratio) + " lies below 1 and the estimate " + percent(d.ratio->estimate) +
                 " is at least " + effect + " faster";
      break;
    case Verdict::Same:
      d.reason = "interval " + describe(*d.ratio) + " lies within " + effect.substr(1) + " either way";
      break;
    case Verdict::Inconclusive:
      d.reason = "interval " + describe(*d.ratio) + " is neither above 1, below 1, nor within " +
                 effect.substr(1) + " either way";
      break;
  }
  return d;
}

Decision SequentialComparison::decide() const { return decide_now(false); }

Decision SequentialComparison::conclude(const std::string& why) const {
  // The unfinished sample counts too: it is as independent of the others as
  // a complete one, only noisier, and symmetric all the same.
  Decision d = decide_now(true);
  if (d.verdict == Verdict::Inconclusive) d.reason = why + ": " + d.reason;
  return d;
}

}  // namespace gene::coordinator
