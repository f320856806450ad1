// What `coordinator submit` prints: the summary table on stdout (each job,
// its key statistics, each target ✓/✗ with its margin) and the numbers'
// human formats shared with the progress display.
#pragma once

#include <string>

#include "gene/coordinator/results.h"
#include "gene/coordinator/text_columns.h"  // display_width, pad_right, pad_left: table columns
#include "gene/report/durations.h"

namespace gene::coordinator {

// The summary of a finished suite, ending with a verdict line.
std::string format_summary(const v1::SuiteResult& result);

// 1.5 → "1.500 s", 0.0021 → "2.100 ms", 3e-7 → "300.0 ns": the one duration
// format of every binary.
using report::format_seconds;
// Three significant digits: 12345678 → "1.23e+07", 0.8 → "0.8".
std::string format_number(double value);
// 75 → "1:15", 3725 → "1:02:05".
std::string format_clock(double seconds);

}  // namespace gene::coordinator
