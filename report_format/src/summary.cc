#include "gene/report/summary.h"

#include <algorithm>
#include <cmath>

namespace gene::report {

std::optional<Summary> summarize(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  Summary s;
  const size_t n = values.size();
  s.count = n;
  s.min = values.front();
  s.max = values.back();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / double(n);
  if (n > 1) {
    double squares = 0;
    for (double v : values) squares += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(squares / double(n - 1));
  }
  if (n == 1)
    s.cv = 0;
  else if (s.mean != 0 && std::isfinite(s.stddev / std::fabs(s.mean)))
    s.cv = s.stddev / std::fabs(s.mean);
  return s;
}

std::optional<double> median_of(const std::vector<std::optional<double>>& values) {
  std::vector<double> present;
  for (const auto& v : values)
    if (v) present.push_back(*v);
  auto s = summarize(std::move(present));
  if (!s) return std::nullopt;
  return s->median;
}

}  // namespace gene::report
