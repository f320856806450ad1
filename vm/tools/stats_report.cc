#include "stats_report.h"

#include <cmath>
#include <map>
#include <string_view>

#include "gene/report/json_writer.h"
#include "units.h"

namespace gene::cli {

namespace {

// The table's groups, in order; a statistic belongs to the first group
// whose predicate accepts its name.
struct Group {
  const char* title;
  bool (*holds)(std::string_view name);
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

const Group kGroups[] = {
    {"execution",
     [](std::string_view n) { return n == "instructions" || n == "execution_seconds" || n == "instructions_per_second"; }},
    {"frames & calls",
     [](std::string_view n) {
       return starts_with(n, "frame") || starts_with(n, "tail_call") || n == "tco_success_rate" ||
              n == "max_stack_depth";
     }},
    {"memory",
     [](std::string_view n) {
       return n == "allocations" || n == "bytes_allocated" || starts_with(n, "object_pool") || starts_with(n, "heap") ||
              starts_with(n, "gc_") || starts_with(n, "rc_") || starts_with(n, "memory_");
     }},
    {"optimizer",
     [](std::string_view n) {
       return n == "constants_folded" || n == "instructions_eliminated" || n == "calls_inlined";
     }},
};

// The upstream Gene VM performance targets (docs/cli.md "Reading the statistics").
struct Target {
  const char* statistic;
  const char* text;  // as written in manifests
  bool greater;
  double bound;
};
const Target kTargets[] = {
    {"frames_per_second", "> 1e6", true, 1e6},
    {"frame_pool_hit_rate", "> 0.80", true, 0.80},
    {"instructions_per_second", "> 1e7", true, 1e7},
    {"tco_success_rate", "> 0.95", true, 0.95},
    {"memory_overhead_ratio", "< 0.20", false, 0.20},
};

std::string target_note(const std::string& name, std::optional<double> v) {
  for (auto& t : kTargets) {
    if (name != t.statistic) continue;
    if (!v) return std::string("(target ") + t.text + ": does not apply)";
    bool met = t.greater ? *v > t.bound : *v < t.bound;
    return std::string(met ? "\u2713" : "\u2717") + " target " + t.text;
  }
  return "";
}

}  // namespace

void print_stats_table(std::FILE* out, const Scalars& scalars) {
  constexpr int kGroupCount = sizeof kGroups / sizeof kGroups[0];
  std::vector<std::vector<size_t>> rows(kGroupCount + 1);  // the last: other
  for (size_t i = 0; i < scalars.size(); ++i) {
    int g = 0;
    while (g < kGroupCount && !kGroups[g].holds(scalars[i].first)) ++g;
    rows[g].push_back(i);
  }
  bool first = true;
  for (int g = 0; g <= kGroupCount; ++g) {
    if (rows[g].empty()) continue;
    std::fprintf(out, "%s%s\n", first ? "" : "\n", g < kGroupCount ? kGroups[g].title : "other");
    first = false;
    for (size_t i : rows[g]) {
      auto& [name, value] = scalars[i];
      std::string text = format_statistic(name, value);
      std::string note = target_note(name, value);
      if (note.empty()) std::fprintf(out, "  %-30s %s\n", name.c_str(), text.c_str());
      else std::fprintf(out, "  %-30s %-24s %s\n", name.c_str(), text.c_str(), note.c_str());
    }
  }
}

void print_profile(std::FILE* out, const gene::Stats& stats) {
  if (stats.instruction_mix.empty() && stats.hotspots.empty()) return;
  uint64_t total = 0;
  for (auto& m : stats.instruction_mix) total += m.count;
  std::fprintf(out, "\ninstruction mix (%s instructions)\n", format_count(double(total)).c_str());
  std::fprintf(out, "  %-24s %15s %7s\n", "opcode", "count", "share");
  for (auto& m : stats.instruction_mix)
    std::fprintf(out, "  %-24s %15s %6.2f%%\n", m.opcode.c_str(), format_count(double(m.count)).c_str(),
                 m.share * 100);
  if (!stats.time_by_opcode_class.empty()) {
    std::fprintf(out, "\ntime by opcode class\n");
    std::fprintf(out, "  %-24s %15s %7s\n", "class", "seconds", "share");
    for (auto& c : stats.time_by_opcode_class)
      std::fprintf(out, "  %-24s %15.6f %6.2f%%\n", c.op_class.c_str(), c.seconds, c.share * 100);
  }
  auto share = [&](uint64_t n) { return total ? 100.0 * double(n) / double(total) : 0.0; };
  std::fprintf(out, "\nhotspots: functions by instructions executed\n");
  std::fprintf(out, "  %-24s %15s %7s\n", "function", "instructions", "share");
  for (auto& h : stats.hotspots)
    if (h.line == 0)
      std::fprintf(out, "  %-24s %15s %6.2f%%\n", h.function.c_str(), format_count(double(h.instructions)).c_str(),
                   share(h.instructions));
  std::fprintf(out, "\nhotspots: source lines by instructions executed\n");
  std::fprintf(out, "  %-24s %15s %7s\n", "function:line", "instructions", "share");
  for (auto& h : stats.hotspots)
    if (h.line != 0) {
      std::string where = h.function + ":" + std::to_string(h.line);
      std::fprintf(out, "  %-24s %15s %6.2f%%\n", where.c_str(), format_count(double(h.instructions)).c_str(),
                   share(h.instructions));
    }
}

std::string run_json(const gene::RunResult& r) {
  report::JsonWriter j;
  j.begin_object();
  if (r.ok()) j.member("value", r.value);
  else j.key("value").null();
  if (r.ok()) j.key("error").null();
  else j.member("error", r.error);
  for (auto& [name, value] : r.stats.scalars()) j.member_number(name, value);
  if (!r.stats.instruction_mix.empty() || !r.stats.hotspots.empty()) {
    j.key("instruction_mix").begin_array();
    for (auto& m : r.stats.instruction_mix)
      j.begin_object(true).member("opcode", m.opcode).member_number("count", double(m.count)).member_number("share", m.share).end_object();
    j.end_array();
    j.key("hotspots").begin_array();
    for (auto& h : r.stats.hotspots)
      j.begin_object(true)
          .member("function", h.function)
          .member_integer("line", h.line)
          .member_number("instructions", double(h.instructions))
          .end_object();
    j.end_array();
    j.key("time_by_opcode_class").begin_array();
    for (auto& c : r.stats.time_by_opcode_class)
      j.begin_object(true)
          .member("class", c.op_class)
          .member_number("seconds", c.seconds)
          .member_number("share", c.share)
          .end_object();
    j.end_array();
  }
  j.end_object();
  return j.str();
}

}  // namespace gene::cli
