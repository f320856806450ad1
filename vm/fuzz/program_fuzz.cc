// Whole pipeline: arbitrary bytes are read, compiled and run under tight
// limits. Whatever the program does, run_program must return (with a value
// or an error), never crash, hang past its deadline or leak.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gene/vm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  gene::RunOptions options;
  options.timeout_seconds = 0.05;
  options.max_heap_bytes = 8u << 20;
  options.max_depth = 2000;
  options.max_output_bytes = 1u << 16;
  options.output = [](std::string_view) {};
  // Alternate optimization levels so both code paths are exercised.
  options.optimizer = gene::OptimizerOptions::for_level(size % 2 == 0 ? 2 : 0);
  gene::RunResult r = gene::run_program(source, "fuzz.gene", {}, options);
  // An error always says where and what; a success always has a value text.
  if (!r.ok() && r.message.empty()) std::abort();
  if (r.ok() && r.value.empty()) std::abort();
  return 0;
}
