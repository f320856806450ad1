// Whole pipeline: arbitrary bytes are read, compiled and run under tight
// limits (a 100 ms deadline, an 8 MiB heap, depth 2000, 64 KiB of output).
// Whatever the program does, run_program must return with a value or an
// error — never crash, leak or hang — and must return on time: a run that
// ends more than a second past its deadline is a finding, as is any error
// without a message or success without a value. Overshooting is judged on
// the wall clock, and confirmed on the thread's CPU time so that a
// fuzzing process descheduled on a busy machine is not reported.
#include <time.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gene/vm.h"

namespace {

constexpr double kDeadlineSeconds = 0.1;
constexpr double kOvershootSeconds = 1.0;

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  gene::RunOptions options;
  options.timeout_seconds = kDeadlineSeconds;
  options.max_heap_bytes = 8u << 20;
  options.max_depth = 2000;
  options.max_output_bytes = 1u << 16;
  options.output = [](std::string_view) {};
  // Alternate optimization levels so both code paths are exercised.
  options.optimizer = gene::OptimizerOptions::for_level(size % 2 == 0 ? 2 : 0);

  auto wall0 = std::chrono::steady_clock::now();
  double cpu0 = thread_cpu_seconds();
  gene::RunResult r = gene::run_program(source, "fuzz.gene", {}, options);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  double cpu = thread_cpu_seconds() - cpu0;

  if (wall > kDeadlineSeconds + kOvershootSeconds && cpu > kDeadlineSeconds + kOvershootSeconds / 2) {
    std::fprintf(stderr, "program_fuzz: the run took %.2f s (%.2f s of CPU) against a deadline of %.2f s: %s\n",
                 wall, cpu, kDeadlineSeconds, r.ok() ? "ok" : r.error.c_str());
    std::abort();
  }
  // An error always says where and what; a success always has a value text.
  if (!r.ok() && r.message.empty()) std::abort();
  if (r.ok() && r.value.empty()) std::abort();
  return 0;
}
