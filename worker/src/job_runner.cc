// A job = warm-ups then measured repetitions, each one run_program() call in
// a fresh VM, all under one deadline. Everything that can go wrong becomes
// a JobResult: the caller (a gRPC stream or local mode) always gets one.
#include "gene/job_runner.h"

#include <time.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <new>

#include "gene/vm.h"
#include "utf8.h"

namespace gene::farm {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU time of the calling thread: the VM runs on it alone, so this is the
// run's CPU time even when other jobs share the process.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

v1::JobStatus status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::None:
      return v1::JOB_STATUS_OK;
    case ErrorKind::Timeout:
      return v1::JOB_STATUS_TIMEOUT;
    case ErrorKind::Interrupted:
      return v1::JOB_STATUS_CANCELLED;
    case ErrorKind::ResourceLimit:
      return v1::JOB_STATUS_RESOURCE_LIMIT;
    case ErrorKind::Usage:  // a parameter the program cannot take
    case ErrorKind::Read:
    case ErrorKind::Runtime:
      break;
  }
  return v1::JOB_STATUS_PROGRAM_ERROR;
}

std::string check_utf8(std::string_view what, std::string_view text) {
  return is_valid_utf8(text) ? "" : std::string(what) + " is not valid UTF-8";
}

std::string plural(uint64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

std::string format_seconds(double s) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// The request's VM settings, with the worker's defaults for what it left out.
RunOptions run_options_for(const v1::JobRequest& request, const std::atomic<bool>& cancel) {
  const v1::VmOptions& vm = request.vm();
  RunOptions o;
  o.optimizer =
      OptimizerOptions::for_level(vm.has_optimize_level() ? int(vm.optimize_level()) : int(kDefaultOptimizeLevel));
  o.max_heap_bytes = vm.max_heap_bytes() ? vm.max_heap_bytes() : kDefaultMaxHeapBytes;
  if (vm.max_depth()) o.max_depth = vm.max_depth();
  o.max_output_bytes = vm.max_output_bytes() ? vm.max_output_bytes() : kDefaultMaxOutputBytes;
  o.profile = vm.profile();
  o.interrupt = &cancel;
  return o;
}

void fill_repetition(const Stats& stats, v1::Repetition& rep) {
  auto& statistics = *rep.mutable_statistics();
  for (const auto& [name, value] : stats.scalars())
    if (value && std::isfinite(*value)) statistics[name] = *value;  // absent ratios stay absent
  for (const auto& op : stats.instruction_mix) {
    auto* out = rep.add_instruction_mix();
    out->set_opcode(op.opcode);
    out->set_count(op.count);
    out->set_share(op.share);
  }
  for (const auto& h : stats.hotspots) {
    auto* out = rep.add_hotspots();
    out->set_function(sanitize_utf8(h.function));
    out->set_line(h.line);
    out->set_instructions(h.instructions);
  }
}

}  // namespace

std::string validate_job_request(const v1::JobRequest& request) {
  if (request.job_id().empty()) return "job_id is missing";
  if (request.job_id().size() > kMaxJobIdBytes)
    return "job_id is longer than " + std::to_string(kMaxJobIdBytes) + " bytes";
  if (request.program().empty()) return "program is missing";
  if (request.program().size() > kMaxProgramBytes)
    return "program is " + std::to_string(request.program().size()) + " bytes; the limit is " +
           std::to_string(kMaxProgramBytes) + " (4 MiB)";
  if (request.file_name().size() > kMaxFileNameBytes)
    return "file_name is longer than " + std::to_string(kMaxFileNameBytes) + " bytes";
  if (request.params_size() > int(kMaxParams)) return "more than " + std::to_string(kMaxParams) + " params";
  // Over gRPC protobuf has already refused non-UTF-8 strings; local mode
  // hands us whatever it read, so check again.
  for (auto [what, text] : {std::pair<const char*, const std::string*>{"job_id", &request.job_id()},
                            {"program", &request.program()},
                            {"file_name", &request.file_name()},
                            {"expect", &request.expect()}})
    if (auto e = check_utf8(what, *text); !e.empty()) return e;
  for (const auto& [name, text] : request.params()) {
    if (name.empty()) return "a parameter has an empty name";
    if (!is_valid_utf8(name)) return "a parameter name is not valid UTF-8";
    if (!is_valid_utf8(text)) return "parameter " + name + ": value is not valid UTF-8";
    if (text.size() > kMaxParamTextBytes)
      return "parameter " + name + ": value is longer than " + std::to_string(kMaxParamTextBytes) + " bytes";
  }
  if (request.repetitions() < 1) return "repetitions must be at least 1";
  if (request.repetitions() > kMaxRepetitions) return "repetitions must be at most " + std::to_string(kMaxRepetitions);
  if (request.warmup() > kMaxWarmup) return "warmup must be at most " + std::to_string(kMaxWarmup);
  double t = request.timeout_seconds();
  if (!std::isfinite(t) || t < 0 || t > kMaxTimeoutSeconds)
    return "timeout_seconds must be between 0 (default) and " + std::to_string(int(kMaxTimeoutSeconds));
  const v1::VmOptions& vm = request.vm();
  if (vm.has_optimize_level() && vm.optimize_level() > 2) return "vm.optimize_level must be 0, 1 or 2";
  if (vm.max_heap_bytes() > kMaxHeapBytesLimit) return "vm.max_heap_bytes must be at most 1 TiB";
  if (vm.max_depth() > kMaxDepthLimit) return "vm.max_depth must be at most " + std::to_string(kMaxDepthLimit);
  if (vm.max_output_bytes() > kMaxOutputBytesLimit) return "vm.max_output_bytes must be at most 64 MiB";
  return "";
}

namespace {

// How a job ended.
struct Ending {
  v1::JobStatus status = v1::JOB_STATUS_OK;
  std::string message;
};

// The runs of one well-formed job, filling `result` as they complete.
class JobRuns {
 public:
  JobRuns(const v1::JobRequest& request, const std::atomic<bool>& cancel, Clock::time_point start,
          v1::JobResult& result, const JobEventSink& on_event)
      : request_(request),
        cancel_(cancel),
        result_(result),
        on_event_(on_event),
        timeout_(request.timeout_seconds() > 0 ? request.timeout_seconds() : kDefaultTimeoutSeconds),
        deadline_(start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_))),
        file_name_(request.file_name().empty() ? "job.gene" : request.file_name()),
        options_(run_options_for(request, cancel)) {
    for (const auto& [name, text] : request.params()) params_.push_back({name, text});
    options_.output = [this](std::string_view s) {  // kept for diagnosis, never printed
      if (output_.size() < kKeptOutputBytes) output_.append(s.substr(0, kKeptOutputBytes - output_.size()));
    };
  }

  Ending run_all() {
    for (uint32_t i = 0; i < request_.warmup() + request_.repetitions(); ++i)
      if (Ending e = run_one(i); e.status != v1::JOB_STATUS_OK) return e;
    return {};
  }

 private:
  // Warm-up or repetition `i` (warm-ups first).
  Ending run_one(uint32_t i) {
    const uint32_t warmup = request_.warmup(), repetitions = request_.repetitions();
    const bool measured = i >= warmup;
    auto which = [&] {
      return measured ? "repetition " + std::to_string(i - warmup + 1) + " of " + std::to_string(repetitions)
                      : "warm-up " + std::to_string(i + 1) + " of " + std::to_string(warmup);
    };
    auto deadline_passed = [&] {
      return "the job's deadline of " + format_seconds(timeout_) + " (covering " + plural(warmup, "warm-up") + " and " +
             plural(repetitions, "repetition") + ") passed during " + which();
    };
    if (cancel_.load()) return {v1::JOB_STATUS_CANCELLED, "cancelled before " + which()};
    const double remaining = seconds_between(Clock::now(), deadline_);
    if (remaining <= 0) return {v1::JOB_STATUS_TIMEOUT, deadline_passed()};
    options_.timeout_seconds = remaining;

    output_.clear();
    const Clock::time_point wall0 = Clock::now();
    const double cpu0 = thread_cpu_seconds();
    RunResult run = run_program(request_.program(), file_name_, params_, options_);
    const double cpu = thread_cpu_seconds() - cpu0;
    const double wall = seconds_between(wall0, Clock::now());
    result_.set_output(output_);

    if (!run.ok()) {
      result_.set_error_line(run.line);
      result_.set_error_column(run.column);
      v1::JobStatus status = status_for(run.error_kind);
      if (status == v1::JOB_STATUS_TIMEOUT) return {status, deadline_passed()};
      if (status == v1::JOB_STATUS_CANCELLED) return {status, "cancelled during " + which()};
      return {status, run.error + " (" + which() + ")"};
    }
    if (request_.has_expect() && run.value != request_.expect())
      return {v1::JOB_STATUS_WRONG_VALUE,
              "value " + run.value + ", expected " + request_.expect() + " (" + which() + ")"};
    result_.set_value(sanitize_utf8(run.value));
    if (!measured) return {};

    v1::Repetition* rep = result_.add_repetitions();
    rep->set_wall_seconds(wall);
    rep->set_cpu_seconds(cpu);
    fill_repetition(run.stats, *rep);
    if (on_event_) {
      v1::JobEvent event;
      auto* done = event.mutable_repetition_done();
      done->set_index(i - warmup);
      done->set_wall_seconds(wall);
      done->set_cpu_seconds(cpu);
      on_event_(event);
    }
    return {};
  }

  const v1::JobRequest& request_;
  const std::atomic<bool>& cancel_;
  v1::JobResult& result_;
  const JobEventSink& on_event_;
  const double timeout_;
  const Clock::time_point deadline_;
  const std::string file_name_;
  std::vector<Param> params_;
  RunOptions options_;
  std::string output_;
};

}  // namespace

JobRunner::JobRunner(std::string worker_name) : worker_name_(std::move(worker_name)) {}

v1::JobResult JobRunner::run(const v1::JobRequest& request, const std::atomic<bool>& cancel,
                             const JobEventSink& on_event) const {
  const Clock::time_point start = Clock::now();
  v1::JobResult result;
  result.set_job_id(sanitize_utf8(request.job_id()));
  result.set_worker(worker_name_);

  Ending ending;
  if (std::string invalid = validate_job_request(request); !invalid.empty()) {
    ending = {v1::JOB_STATUS_PROGRAM_ERROR, "invalid job: " + invalid};  // no `accepted`: it never started
  } else {
    try {
      if (on_event) {
        v1::JobEvent event;
        event.mutable_accepted()->set_job_id(result.job_id());
        event.mutable_accepted()->set_worker(worker_name_);
        on_event(event);
      }
      ending = JobRuns(request, cancel, start, result, on_event).run_all();
    } catch (const std::bad_alloc&) {
      ending = {v1::JOB_STATUS_RESOURCE_LIMIT, "out of memory (the host could not allocate)"};
    } catch (const std::exception& e) {
      ending = {v1::JOB_STATUS_PROGRAM_ERROR, std::string("internal error: ") + e.what()};
    }
  }
  // The result is sent once, outside the try: a sink that throws on it
  // cannot make the job end twice.
  result.set_status(ending.status);
  result.set_error_message(sanitize_utf8(ending.message));
  result.set_job_seconds(seconds_between(start, Clock::now()));
  if (on_event) {
    v1::JobEvent event;
    *event.mutable_result() = result;
    on_event(event);
  }
  return result;
}

std::vector<std::string> statistic_names() { return Stats::names(); }

std::string job_status_label(v1::JobStatus status) {
  std::string name = v1::JobStatus_Name(status);
  const std::string_view prefix = "JOB_STATUS_";
  if (name.rfind(prefix, 0) != 0) return "unspecified";
  name.erase(0, prefix.size());
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace gene::farm
