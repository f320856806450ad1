// RunJob requests: arbitrary bytes are parsed as a JobRequest (as gRPC would
// hand it to the worker), validated as the worker does, and run by the job
// runner with its limits shrunk to a 50 ms deadline, an 8 MiB heap and two
// repetitions. It must never crash or leak, must always return a result that
// protobuf can send, and must refuse (PROGRAM_ERROR, "invalid job: …")
// exactly the requests validation refuses.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "gene/job_runner.h"

namespace v1 = gene::farm::v1;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::JobRequest request;
  if (!request.ParseFromArray(data, int(size))) return 0;  // gRPC would refuse it
  // Tiny limits, so that each input runs in milliseconds. Zero means "the
  // default" (60 s, 1 GiB) and is replaced too; out-of-range values stay,
  // for validation to refuse.
  auto shrink = [](auto value, auto small, auto limit) { return value == 0 || value <= limit ? small : value; };
  request.set_timeout_seconds(shrink(request.timeout_seconds(), 0.05, gene::farm::kMaxTimeoutSeconds));
  request.set_min_time_seconds(std::min(request.min_time_seconds(), 0.01));
  request.set_repetitions(std::min(request.repetitions(), 2u));
  request.set_warmup(std::min(request.warmup(), 1u));
  v1::VmOptions* vm = request.mutable_vm();
  vm->set_max_heap_bytes(shrink(vm->max_heap_bytes(), uint64_t(8) << 20, gene::farm::kMaxHeapBytesLimit));
  vm->set_max_output_bytes(shrink(vm->max_output_bytes(), uint64_t(64) << 10, gene::farm::kMaxOutputBytesLimit));
  if (vm->max_depth() == 0 || vm->max_depth() > 2000) vm->set_max_depth(2000);

  const bool invalid = !gene::farm::validate_job_request(request).ok();
  static const gene::farm::JobRunner runner("fuzz");
  std::atomic<bool> cancel{false};
  size_t events = 0;
  v1::JobResult result = runner.run(request, cancel, [&](const v1::JobEvent&) { ++events; });
  check(result.status() != v1::JOB_STATUS_UNSPECIFIED);
  check(events >= 1);
  if (invalid) check(result.status() == v1::JOB_STATUS_PROGRAM_ERROR && events == 1);
  if (result.status() != v1::JOB_STATUS_OK) check(!result.error_message().empty());
  // What the worker would send must be sendable: protobuf refuses strings
  // that are not UTF-8 when the client parses them.
  std::string wire;
  check(result.SerializeToString(&wire));
  v1::JobResult back;
  check(back.ParseFromString(wire));
  return 0;
}
