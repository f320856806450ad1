#include "units.h"

#include "gene/report/durations.h"

#include <cmath>
#include <cstdio>

namespace gene::cli {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Unit unit_of(std::string_view name) {
  if (ends_with(name, "_per_second")) return Unit::Rate;
  if (ends_with(name, "_seconds") || name.find("_seconds_") != std::string_view::npos) return Unit::Seconds;
  if (ends_with(name, "_ratio") || name.find("_rate") != std::string_view::npos) return Unit::Ratio;
  if (name.find("bytes") != std::string_view::npos) return Unit::Bytes;
  return Unit::Count;
}

std::string format_count(double v) {
  if (!std::isfinite(v)) return "n/a";
  if (std::fabs(v) >= 1e18) return report::four_digits(v);
  if (v != std::floor(v)) {
    if (std::fabs(v) < 1000) return report::four_digits(v);  // e.g. the median of 2 and 3 repetitions: 2.500
    v = std::round(v);
  }
  std::string digits = std::to_string((long long)std::fabs(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string format_rate(double r) {
  if (!std::isfinite(r)) return "n/a";
  double a = std::fabs(r);
  if (a == 0) return "0 /s";
  if (a >= 1e9) return report::four_digits(r / 1e9) + " G/s";
  if (a >= 1e6) return report::four_digits(r / 1e6) + " M/s";
  if (a >= 1e3) return report::four_digits(r / 1e3) + " k/s";
  return report::four_digits(r) + " /s";
}

std::string format_ratio(double r) {
  if (!std::isfinite(r)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f%% (%.6g)", r * 100, r);
  return buf;
}

std::string format_bytes(double b) {
  if (!std::isfinite(b)) return "n/a";
  double a = std::fabs(b);
  const char* prefix = nullptr;
  double scale = 1;
  if (a >= 1024.0 * 1024 * 1024) prefix = "GiB", scale = 1024.0 * 1024 * 1024;
  else if (a >= 1024.0 * 1024) prefix = "MiB", scale = 1024.0 * 1024;
  else if (a >= 1024) prefix = "KiB", scale = 1024;
  if (!prefix) return format_count(b) + " B";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %s", b / scale, prefix);
  return std::string(buf) + " (" + format_count(b) + " B)";
}

std::string format_statistic(std::string_view name, std::optional<double> v) {
  if (!v) return "n/a";
  switch (unit_of(name)) {
    case Unit::Seconds: return format_seconds(*v);
    case Unit::Rate: return format_rate(*v);
    case Unit::Ratio: return format_ratio(*v);
    case Unit::Bytes: return format_bytes(*v);
    case Unit::Count: return format_count(*v);
  }
  return "n/a";
}

}  // namespace gene::cli
