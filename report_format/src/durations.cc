#include "gene/report/durations.h"

#include <cmath>
#include <cstdio>

namespace gene::report {

std::string four_digits(double v) {
  char buf[64];
  if (std::fabs(v) >= 1000)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%#.4g", v);
  return buf;
}

std::string format_seconds(double s) {
  if (!std::isfinite(s)) return "n/a";
  const double a = std::fabs(s);
  if (a == 0) return "0 s";
  // Scaled first, so that a value that rounds up to the next unit shows in it.
  if (a < 999.95e-9) return four_digits(s * 1e9) + " ns";
  if (a < 999.95e-6) return four_digits(s * 1e6) + " us";
  if (a < 999.95e-3) return four_digits(s * 1e3) + " ms";
  return four_digits(s) + " s";
}

}  // namespace gene::report
