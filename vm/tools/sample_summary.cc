#include "sample_summary.h"

#include <algorithm>
#include <cmath>

namespace gene::cli {

Summary summarize(std::vector<double> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / double(n);
  if (n > 1) {
    double sq = 0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sq / double(n - 1));
  }
  if (n == 1) s.cv = 0;
  else if (s.mean != 0 && std::isfinite(s.stddev / s.mean)) s.cv = s.stddev / s.mean;
  return s;
}

std::optional<double> median_of(const std::vector<std::optional<double>>& values) {
  std::vector<double> present;
  for (auto& v : values)
    if (v && std::isfinite(*v)) present.push_back(*v);
  if (present.empty()) return std::nullopt;
  return summarize(std::move(present)).median;
}

}  // namespace gene::cli
