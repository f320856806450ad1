// Summary statistics over repetitions, computed as Google Benchmark does
// (sample standard deviation; cv = stddev / mean), so that `gene bench`
// aggregates match what its tools expect.
#pragma once

#include <optional>
#include <vector>

namespace gene::cli {

struct Summary {
  double median = 0, mean = 0, stddev = 0, min = 0, max = 0;
  std::optional<double> cv;  // stddev / mean; absent when the mean is 0
};

// `values` must not be empty. One value: stddev 0, cv 0.
Summary summarize(std::vector<double> values);

// The median of the values that are present; absent when none is.
std::optional<double> median_of(const std::vector<std::optional<double>>& values);

}  // namespace gene::cli
