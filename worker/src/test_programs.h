// Gene programs and requests shared by the worker's tests.
#pragma once

#include <string>

#include "farm.pb.h"

namespace gene::farm::testing {

// fib(n) by naive recursion; fib 15 = 610.
inline const char* const kFib =
    "(fn fib n (if (n < 2) n else ((fib (n - 1)) + (fib (n - 2)))))\n"
    "(fib n)\n";
// Fails at line 2, column 2.
inline const char* const kTypeError = "(var x 1)\n(x + nil)\n";
// Runs until stopped.
inline const char* const kForever = "(loop)\n";

inline v1::JobRequest fib_job(int n, uint32_t repetitions) {
  v1::JobRequest r;
  r.set_job_id("fib/n:" + std::to_string(n));
  r.set_program(kFib);
  r.set_file_name("fib.gene");
  (*r.mutable_params())["n"] = std::to_string(n);
  r.set_repetitions(repetitions);
  r.set_timeout_seconds(30);
  return r;
}

inline v1::JobRequest program_job(const std::string& program, double timeout_seconds = 10) {
  v1::JobRequest r;
  r.set_job_id("job");
  r.set_program(program);
  r.set_file_name("test.gene");
  r.set_repetitions(1);
  r.set_timeout_seconds(timeout_seconds);
  return r;
}

}  // namespace gene::farm::testing
