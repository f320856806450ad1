// Whole pipeline: arbitrary bytes are read, compiled and run under tight
// limits (a 100 ms deadline, an 8 MiB heap, depth 2000, 64 KiB of output).
// Whatever the program does, run_program must return with a value or an
// error — never crash, leak or hang — and must return on time: a run still
// going, or ending, more than a second past its deadline is a finding, as
// is any error without a message or success without a value.
//
// Overshooting is judged on the wall clock by a watchdog thread (a wedged
// run never returns to be judged), and confirmed on the fuzzing thread's
// CPU time, so that a fuzzer descheduled on a busy machine is not reported.
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "gene/vm.h"

namespace {

constexpr double kDeadlineSeconds = 0.1;
constexpr double kOvershootSeconds = 1.0;

double seconds_of(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// The run in progress, as the watchdog sees it.
struct RunWatch {
  clockid_t cpu_clock;                  // the fuzzing thread's CPU clock
  std::atomic<double> wall_start{-1};   // CLOCK_MONOTONIC seconds; -1 when no run
  std::atomic<double> cpu_start{0};
};

bool overshot(double wall, double cpu) {
  return wall > kDeadlineSeconds + kOvershootSeconds && cpu > kDeadlineSeconds + kOvershootSeconds / 2;
}

[[noreturn]] void report(double wall, double cpu, const char* what) {
  std::fprintf(stderr, "program_fuzz: %s: %.2f s (%.2f s of CPU) against a deadline of %.2f s\n", what, wall, cpu,
               kDeadlineSeconds);
  std::abort();
}

RunWatch& watch() {
  static RunWatch* w = [] {
    auto* rw = new RunWatch;
    pthread_getcpuclockid(pthread_self(), &rw->cpu_clock);
    std::thread([rw] {
      for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        double start = rw->wall_start.load();
        if (start < 0) continue;
        double wall = seconds_of(CLOCK_MONOTONIC) - start;
        double cpu = seconds_of(rw->cpu_clock) - rw->cpu_start.load();
        if (overshot(wall, cpu) && rw->wall_start.load() == start) report(wall, cpu, "a run is still going");
      }
    }).detach();
    return rw;
  }();
  return *w;
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
  // Every function the compiler makes must pass the bytecode verifier.
  options.optimizer.verify = true;

  RunWatch& w = watch();
  double cpu0 = seconds_of(w.cpu_clock), wall0 = seconds_of(CLOCK_MONOTONIC);
  w.cpu_start = cpu0;
  w.wall_start = wall0;
  gene::RunResult r = gene::run_program(source, "fuzz.gene", {}, options);
  w.wall_start = -1;
  double wall = seconds_of(CLOCK_MONOTONIC) - wall0, cpu = seconds_of(w.cpu_clock) - cpu0;
  if (overshot(wall, cpu)) report(wall, cpu, "a run ended late");

  // An error always says where and what; a success always has a value text.
  if (!r.ok() && r.message.empty()) std::abort();
  if (r.message.rfind("internal error", 0) == 0) std::abort();
  if (r.ok() && r.value.empty()) std::abort();
  return 0;
}
