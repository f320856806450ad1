// `coordinator compare --html OUT`: one self-contained page (inline CSS
// and SVG; no scripts, no external files) for a CompareResult: the two
// builds, a summary table, and per job both sides' per-round values as a
// strip plot with their medians, and the ratio with its interval on a log
// axis against the ±min-effect band, coloured by verdict.
#pragma once

#include <string>

#include "farm.pb.h"

namespace gene::coordinator {

std::string comparison_html(const farm::v1::CompareResult& result, const std::string& date);

}  // namespace gene::coordinator
