// Manifests: arbitrary bytes are read as a suite manifest whose files come
// from a map (what a submitter sends the coordinator). load_manifest must
// never crash, hang or leak; when it refuses, it says why, in at most
// kMaxDiagnostics + 1 messages; when it accepts, the suite is within the
// limits every later step relies on (names, job count, job names).
#include <cstddef>
#include <cstdint>
#include <string>

#include "gene/coordinator/manifest.h"
#include "gene/coordinator/suite_runner.h"
#include "gene/farm_text.h"

using namespace gene::coordinator;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FileResolver files = map_file_resolver({{"p.gene", "(var n 1)\nn\n"},
                                                       {"../vm_internals/tco.gene", "0\n"},
                                                       {"bad.gene", "\xff"}});
  static const ManifestOptions options{std::vector<std::string>{"instructions", "frames_per_second", "cpu_seconds"}};
  const std::string text(reinterpret_cast<const char*>(data), size);
  ManifestResult r = load_manifest("suites/fuzz.yaml", text, files, options);
  if (!r.suite) {
    check(!r.errors.empty() && r.errors.size() <= kMaxDiagnostics + 1 && r.problems >= r.errors.size() - 1);
    for (const auto& d : r.errors) check(!d.message.empty());
    return 0;
  }
  check(r.errors.empty() && r.problems == 0);
  const Suite& s = *r.suite;
  check(!s.name.empty() && s.name.size() <= kMaxSuiteNameBytes && gene::farm::is_valid_utf8(s.name));
  check(!s.jobs.empty() && s.jobs.size() <= 10000);
  for (const Job& j : s.jobs) {
    check(j.benchmark < s.benchmarks.size());
    check(gene::farm::is_valid_utf8(j.name));
    for (unsigned char c : j.name) check(c >= 0x20 && c != 0x7f);  // control characters escaped
  }
  for (const Benchmark& b : s.benchmarks) check(gene::farm::is_valid_utf8(b.program));
  // Planning with a filter never fails on a valid suite except by matching nothing.
  absl::StatusOr<Plan> plan = plan_jobs(s, PlanOptions{});
  check(plan.ok() && plan->jobs.size() == s.jobs.size());
  return 0;
}
