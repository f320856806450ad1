// Runs one farm job (a JobRequest) on the embedded Gene VM, in this
// process: the worker serves it over gRPC, and the coordinator's local mode
// calls it directly. This header deliberately exposes only the generated
// proto types, so callers never depend on the VM's headers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>

#include "farm.pb.h"

namespace gene::farm {


// Bounds on what a job may ask for; requests beyond them are malformed.
inline constexpr size_t kMaxProgramBytes = 4u << 20;
inline constexpr size_t kMaxJobIdBytes = 256;
inline constexpr size_t kMaxFileNameBytes = 1024;
inline constexpr size_t kMaxParams = 256;
inline constexpr size_t kMaxParamTextBytes = 64u << 10;
inline constexpr uint32_t kMaxRepetitions = 10000;
inline constexpr uint32_t kMaxWarmup = 10000;
inline constexpr double kMaxTimeoutSeconds = 86400;
inline constexpr uint64_t kMaxHeapBytesLimit = uint64_t(1) << 40;
inline constexpr uint32_t kMaxDepthLimit = 10'000'000;
inline constexpr uint64_t kMaxOutputBytesLimit = 64u << 20;
inline constexpr double kMaxMinTimeSeconds = 86400;

// What a request leaves at 0 / absent gets these.
inline constexpr double kDefaultTimeoutSeconds = 60;
inline constexpr uint64_t kDefaultMaxHeapBytes = uint64_t(1) << 30;
inline constexpr uint64_t kDefaultMaxOutputBytes = 1u << 20;
inline constexpr uint32_t kDefaultOptimizeLevel = 2;
// How much of a run's output a result keeps (JobResult.output).
inline constexpr size_t kKeptOutputBytes = 64u << 10;

// Receives every event of a job as it happens: accepted, each repetition
// done, and finally the result. Called on the thread running the job.
using JobEventSink = std::function<void(const v1::JobEvent&)>;

class JobRunner {
 public:
  // `worker_name` goes into every result and acceptance ("local" in local mode).
  explicit JobRunner(std::string worker_name = "local");

  // Runs the job to its end and returns its result, which is also the last
  // event sent to `on_event`: warm-ups, calibration (request.min_time_seconds),
  // the measured repetitions (k runs each, reported as per-run means with
  // the thread's context switches and hardware counts), then the profile
  // run when asked for. Never throws for anything the request or the
  // program does: a malformed request is a PROGRAM_ERROR result saying why
  // (and sends no `accepted`), a failing program is a result.
  // Setting `cancel` from another thread stops the job at the VM's next
  // safepoint with JOB_STATUS_CANCELLED.
  v1::JobResult run(const v1::JobRequest& request, const std::atomic<bool>& cancel,
                    const JobEventSink& on_event = {}) const;

  const std::string& worker_name() const { return worker_name_; }

 private:
  std::string worker_name_;
};

// OK when `request` is well formed, else INVALID_ARGUMENT saying why; the
// worker answers the call with this message.
absl::Status validate_job_request(const v1::JobRequest& request);

// Every statistic name a repetition may report: the embedded VM's
// statistics, then the hardware counts (cpu_instructions, ...), which are
// present only where the kernel allows them. For validating target names.
std::vector<std::string> statistic_names();

// The statistics among those that are exact: deterministic counts,
// identical on every run of one build and one program (as the VM declares
// them).
std::vector<std::string> exact_statistic_names();

// The status's lower-case label: "ok", "program_error", ... (metrics, reports).
std::string job_status_label(v1::JobStatus status);

}  // namespace gene::farm
