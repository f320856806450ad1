#include "gene/coordinator/comparison.h"

#include <cstdio>

namespace gene::coordinator {

std::string format_exact_differences(const Comparison& c) {
  std::string out;
  for (const auto& [name, ratio] : c.exact) {
    if (ratio && *ratio == 1) continue;
    std::string change = "new";
    if (ratio) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%+.2f%%", (*ratio - 1) * 100);
      change = buf;
    }
    out += (out.empty() ? "" : ", ") + name + " " + change;
  }
  return out;
}

void write_comparison(report::JsonWriter& j, const Comparison& c) {
  j.begin_object();
  j.member("name", c.name).member("metric", c.metric).member("verdict", verdict_word(c.verdict));
  j.member_number("ratio", c.ratio).member_number("ci_low", c.ci_low).member_number("ci_high", c.ci_high);
  j.member_integer("rounds", c.rounds).member_number("seconds", c.seconds);
  j.member_number("baseline_median", c.baseline_median).member_number("candidate_median", c.candidate_median);
  j.key("exact").begin_object();
  for (const auto& [name, ratio] : c.exact) j.member_number(name, ratio);
  j.end_object();
  j.member("reason", c.reason);
  if (c.confidence) j.member_number("confidence", c.confidence);
  if (!c.error.empty()) j.member("error", c.error);
  if (c.baseline_run) j.member_integer("baseline_run", *c.baseline_run);
  if (c.history_runs) j.member_integer("history_runs", *c.history_runs);
  if (c.threshold) j.member_number("threshold", c.threshold);
  if (!c.baseline_values.empty() || !c.candidate_values.empty()) {
    j.key("baseline_values").inline_array(c.baseline_values);
    j.key("candidate_values").inline_array(c.candidate_values);
  }
  j.end_object();
}

void write_build(report::JsonWriter& j, const ComparedBuild& b) {
  j.begin_object();
  j.member("version", b.version).member("commit", b.commit).member_bool("dirty", b.dirty);
  j.member("build_id", b.build_id).member("compiler", b.compiler).member("flags", b.flags);
  j.member("worker", b.worker).member("host", b.host).member("options", b.options).member("side", b.side);
  j.end_object();
}

}  // namespace gene::coordinator
