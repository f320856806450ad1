// Human-readable numbers for the `gene` CLI's tables: counts with
// thousands separators, seconds and rates with SI prefixes, bytes with
// binary prefixes, ratios as percentages with the raw value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gene/report/durations.h"

namespace gene::cli {

// How a statistic is shown, decided from its name (its suffix).
enum class Unit { Count, Seconds, Rate, Ratio, Bytes };
Unit unit_of(std::string_view statistic_name);

std::string format_count(double v);     // 10,000,023
using report::format_seconds;           // 850.0 ns, 12.30 us, 46.37 ms, 1.234 s
std::string format_rate(double per_s);  // 215.7 M/s
std::string format_ratio(double r);     // 99.95% (0.999512)
std::string format_bytes(double b);     // 64 B, 1.50 MiB (1,572,864 B)

// The statistic formatted by its unit; "n/a" when absent.
std::string format_statistic(std::string_view name, std::optional<double> v);

}  // namespace gene::cli
