// The one summary of a sample of measurements, used by every report
// (`gene bench`, `coordinator submit`, the tables, the metrics, the noise
// flag), so that two reports of the same numbers always agree.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace gene::report {

// Aggregates of a sample, as Google Benchmark computes them: `stddev` is the
// sample standard deviation (n - 1; 0 for one value); `cv` = stddev / |mean|,
// 0 for one value, absent when the mean is 0.
struct Summary {
  size_t count = 0;
  double median = 0, mean = 0, stddev = 0, min = 0, max = 0;
  std::optional<double> cv;
};

// Above this coefficient of variation a measurement is too noisy to trust
// (gene bench warns; the farm flags the job noisy).
inline constexpr double kNoisyCv = 0.10;

// nullopt for an empty sample. Values that are not finite are left out.
std::optional<Summary> summarize(std::vector<double> values);

// The median of the values that are present and finite; absent when none is.
std::optional<double> median_of(const std::vector<std::optional<double>>& values);

}  // namespace gene::report
