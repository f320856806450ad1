// A job = warm-ups, calibration, then measured repetitions of k runs each,
// every run one run_program() call in a fresh VM, all under one deadline;
// then, when asked for, one profiled run apart. Everything that can go
// wrong becomes a JobResult: the caller (a gRPC stream or local mode)
// always gets one.
#include "gene/job_runner.h"

#include <sched.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <new>

#include "calibration.h"
#include "gene/vm.h"
#include "hardware_counters.h"
#include "machine_facts.h"
#include "thread_usage.h"
#include "gene/farm_text.h"
#include "gene/report/durations.h"

namespace gene::farm {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
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

absl::Status check_utf8(std::string_view what, std::string_view text) {
  if (is_valid_utf8(text)) return absl::OkStatus();
  return absl::InvalidArgumentError(std::string(what) + " is not valid UTF-8");
}

std::string plural(uint64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

using report::format_seconds;

// The request's VM settings, with the worker's defaults for what it left
// out. The profiler stays off: only the separate profile run turns it on.
RunOptions run_options_for(const v1::JobRequest& request, const std::atomic<bool>& cancel) {
  const v1::VmOptions& vm = request.vm();
  RunOptions o;
  o.optimizer =
      OptimizerOptions::for_level(vm.has_optimize_level() ? int(vm.optimize_level()) : int(kDefaultOptimizeLevel));
  o.max_heap_bytes = vm.max_heap_bytes() ? vm.max_heap_bytes() : kDefaultMaxHeapBytes;
  if (vm.max_depth()) o.max_depth = vm.max_depth();
  o.max_output_bytes = vm.max_output_bytes() ? vm.max_output_bytes() : kDefaultMaxOutputBytes;
  o.profile = false;
  o.interrupt = &cancel;
  return o;
}

// The machine as the job finds it (the jobs beside it are the worker's to add).
v1::JobConditions conditions_now() {
  v1::JobConditions c;
  double load[1];
  if (getloadavg(load, 1) == 1) c.set_load_average(load[0]);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  c.set_machine_cpus(online > 0 ? uint32_t(online) : 0);
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  CpuFrequencyPolicy policy = read_cpu_frequency_policy("", cpus);
  c.set_cpu_governor(policy.governor);
  c.set_cpu_boost(policy.boost);
  return c;
}

// Per-run means of a repetition's statistics, in the VM's order.
class StatisticMeans {
 public:
  void add(const std::string& name, double value) {
    auto [it, fresh] = sums_.try_emplace(name, 0.0, 0);
    if (fresh) order_.push_back(name);
    it->second.first += value;
    ++it->second.second;
  }
  void add_run(const Stats& stats) {
    for (const auto& [name, value] : stats.scalars())
      if (value && std::isfinite(*value)) add(name, *value);  // absent ratios stay absent
  }
  void write(google::protobuf::Map<std::string, double>& out) const {
    for (const auto& name : order_) {
      const auto& [sum, count] = sums_.at(name);
      out[name] = sum / double(count);
    }
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::pair<double, uint32_t>> sums_;
};

void fill_profile(const Stats& stats, double wall, v1::JobProfile& profile) {
  profile.set_wall_seconds(wall);
  for (const auto& op : stats.instruction_mix) {
    auto* out = profile.add_instruction_mix();
    out->set_opcode(op.opcode);
    out->set_count(op.count);
    out->set_share(op.share);
  }
  for (const auto& h : stats.hotspots) {
    auto* out = profile.add_hotspots();
    out->set_function(sanitize_utf8(h.function));
    out->set_line(h.line);
    out->set_instructions(h.instructions);
  }
}

}  // namespace

absl::Status validate_job_request(const v1::JobRequest& request) {
  if (request.job_id().empty()) return absl::InvalidArgumentError("job_id is missing");
  if (request.job_id().size() > kMaxJobIdBytes)
    return absl::InvalidArgumentError("job_id is longer than " + std::to_string(kMaxJobIdBytes) + " bytes");
  if (request.program().empty()) return absl::InvalidArgumentError("program is missing");
  if (request.program().size() > kMaxProgramBytes)
    return absl::InvalidArgumentError("program is " + std::to_string(request.program().size()) +
                                      " bytes; the limit is " + std::to_string(kMaxProgramBytes) + " (4 MiB)");
  if (request.file_name().size() > kMaxFileNameBytes)
    return absl::InvalidArgumentError("file_name is longer than " + std::to_string(kMaxFileNameBytes) + " bytes");
  size_t param_names = size_t(request.typed_params_size());
  for (const auto& [name, text] : request.params())
    if (!request.typed_params().count(name)) ++param_names;
  if (param_names > kMaxParams)
    return absl::InvalidArgumentError("more than " + std::to_string(kMaxParams) + " params");
  // Over gRPC protobuf has already refused non-UTF-8 strings; local mode
  // hands us whatever it read, so check again.
  for (auto [what, text] : {std::pair<const char*, const std::string*>{"job_id", &request.job_id()},
                            {"program", &request.program()},
                            {"file_name", &request.file_name()},
                            {"expect", &request.expect()}})
    if (absl::Status e = check_utf8(what, *text); !e.ok()) return e;
  for (const auto& [name, text] : request.params()) {
    if (name.empty()) return absl::InvalidArgumentError("a parameter has an empty name");
    if (!is_valid_utf8(name)) return absl::InvalidArgumentError("a parameter name is not valid UTF-8");
    if (!is_valid_utf8(text)) return absl::InvalidArgumentError("parameter " + name + ": value is not valid UTF-8");
    if (text.size() > kMaxParamTextBytes)
      return absl::InvalidArgumentError("parameter " + name + ": value is longer than " +
                                        std::to_string(kMaxParamTextBytes) + " bytes");
  }
  for (const auto& [name, value] : request.typed_params()) {
    if (name.empty()) return absl::InvalidArgumentError("a parameter has an empty name");
    if (!is_valid_utf8(name)) return absl::InvalidArgumentError("a parameter name is not valid UTF-8");
    switch (value.kind_case()) {
      case v1::ParamValue::KIND_NOT_SET: return absl::InvalidArgumentError("parameter " + name + ": value has no type");
      case v1::ParamValue::kFloatValue:
        if (!std::isfinite(value.float_value()))
          return absl::InvalidArgumentError("parameter " + name + ": a float value must be finite");
        break;
      case v1::ParamValue::kStringValue:
        if (!is_valid_utf8(value.string_value()))
          return absl::InvalidArgumentError("parameter " + name + ": value is not valid UTF-8");
        if (value.string_value().size() > kMaxParamTextBytes)
          return absl::InvalidArgumentError("parameter " + name + ": value is longer than " +
                                            std::to_string(kMaxParamTextBytes) + " bytes");
        break;
      default: break;  // ints beyond Gene's 48 bits: the VM says so
    }
  }
  if (request.repetitions() < 1) return absl::InvalidArgumentError("repetitions must be at least 1");
  if (request.repetitions() > kMaxRepetitions)
    return absl::InvalidArgumentError("repetitions must be at most " + std::to_string(kMaxRepetitions));
  if (request.warmup() > kMaxWarmup)
    return absl::InvalidArgumentError("warmup must be at most " + std::to_string(kMaxWarmup));
  double t = request.timeout_seconds();
  if (!std::isfinite(t) || t < 0 || t > kMaxTimeoutSeconds)
    return absl::InvalidArgumentError("timeout_seconds must be between 0 (default) and " +
                                      std::to_string(int(kMaxTimeoutSeconds)));
  double m = request.min_time_seconds();
  if (!std::isfinite(m) || m < 0 || m > kMaxMinTimeSeconds)
    return absl::InvalidArgumentError("min_time_seconds must be between 0 (no calibration) and " +
                                      std::to_string(int(kMaxMinTimeSeconds)));
  if (request.iterations() > kMaxIterations)
    return absl::InvalidArgumentError("iterations must be at most " + std::to_string(kMaxIterations));
  const v1::VmOptions& vm = request.vm();
  if (vm.has_optimize_level() && vm.optimize_level() > 2)
    return absl::InvalidArgumentError("vm.optimize_level must be 0, 1 or 2");
  if (vm.max_heap_bytes() > kMaxHeapBytesLimit)
    return absl::InvalidArgumentError("vm.max_heap_bytes must be at most 1 TiB");
  if (vm.max_depth() > kMaxDepthLimit)
    return absl::InvalidArgumentError("vm.max_depth must be at most " + std::to_string(kMaxDepthLimit));
  if (vm.max_output_bytes() > kMaxOutputBytesLimit)
    return absl::InvalidArgumentError("vm.max_output_bytes must be at most 64 MiB");
  return absl::OkStatus();
}

namespace {

// A typed parameter as the VM's typed value, bound as it is (no Gene text
// between them). validate_job_request has refused a value without a kind.
ParamValue vm_value(const v1::ParamValue& value) {
  switch (value.kind_case()) {
    case v1::ParamValue::kIntValue: return int64_t(value.int_value());
    case v1::ParamValue::kFloatValue: return value.float_value();
    case v1::ParamValue::kStringValue: return value.string_value();
    case v1::ParamValue::kBoolValue: return value.bool_value();
    case v1::ParamValue::kNilValue:
    case v1::ParamValue::KIND_NOT_SET: break;
  }
  return NilParam{};
}

// How a job (or one run of it) ended.
struct Ending {
  v1::JobStatus status = v1::JOB_STATUS_OK;
  std::string message;
  bool ok() const { return status == v1::JOB_STATUS_OK; }
};

// Which run of the job, for messages (formatted only when one is needed).
struct Where {
  enum Kind { Warmup, Calibration, Repetition, Profile } kind;
  uint32_t index = 0, total = 0;  // 0-based warm-up, calibration run or repetition; how many
  uint32_t run = 0, runs = 1;     // 0-based run within a repetition; its runs (k)
};

// Wall and CPU time of a stretch of runs, paused while the runner does its
// own bookkeeping, so that only the runs are timed. Reading the thread's
// CPU clock is a system call (microseconds in a virtual machine): it is
// read once per stretch, never per run.
class RunTimer {
 public:
  void start() {
    wall0_ = Clock::now();
    cpu0_ = thread_cpu_seconds();
  }
  void pause() {
    cpu_ += thread_cpu_seconds() - cpu0_;
    wall_ += seconds_between(wall0_, Clock::now());
  }
  double wall() const { return wall_; }
  double cpu() const { return cpu_; }

 private:
  Clock::time_point wall0_;
  double cpu0_ = 0, wall_ = 0, cpu_ = 0;
};

// Runs a repetition keeps before folding their statistics into the means
// (the folding is paused out of the timing; this bounds the memory).
constexpr size_t kRunsPerFold = 1024;

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
        // Echoed in every program error: its control characters escaped.
        file_name_(request.file_name().empty() ? "job.gene" : printable(request.file_name(), kMaxFileNameBytes)),
        options_(run_options_for(request, cancel)) {
    // A typed value wins over the same name's text (farm.proto).
    for (const auto& [name, text] : request.params())
      if (!request.typed_params().count(name)) params_.push_back({name, text});
    for (const auto& [name, value] : request.typed_params()) params_.push_back({name, "", vm_value(value)});
    options_.output = [this](std::string_view s) {  // kept for diagnosis, never printed
      if (output_.size() < kKeptOutputBytes) output_.append(s.substr(0, kKeptOutputBytes - output_.size()));
    };
  }

  Ending run_all() {
    *result_.mutable_conditions() = conditions_now();
    Ending ending = run_phases();
    // What the last run printed and returned (kept once, not per run).
    result_.set_output(output_);
    if (have_value_) result_.set_value(sanitize_utf8(last_value_));
    return ending;
  }

 private:
  Ending run_phases() {
    double last_warmup = -1;
    for (uint32_t i = 0; i < request_.warmup(); ++i) {
      RunTimer timer;
      timer.start();
      Ending e = run_once({Where::Warmup, i, request_.warmup()});
      timer.pause();
      if (!e.ok()) return e;
      last_warmup = timer.wall();
    }
    if (Ending e = calibrate(last_warmup); !e.ok()) return e;
    for (uint32_t i = 0; i < request_.repetitions(); ++i)
      if (Ending e = measure(i); !e.ok()) return e;
    if (request_.vm().profile()) return profile();
    return {};
  }

  double remaining() const { return seconds_between(Clock::now(), deadline_); }

  std::string describe(const Where& w) const {
    switch (w.kind) {
      case Where::Warmup: return "warm-up " + std::to_string(w.index + 1) + " of " + std::to_string(w.total);
      case Where::Calibration: return "calibration run " + std::to_string(w.index + 1);
      case Where::Profile: return "the profile run";
      case Where::Repetition: break;
    }
    std::string s = "repetition " + std::to_string(w.index + 1) + " of " + std::to_string(w.total);
    if (w.runs > 1) s += " (run " + std::to_string(w.run + 1) + " of " + std::to_string(w.runs) + ")";
    return s;
  }

  std::string deadline_passed(const Where& w) const {
    return "the job's deadline of " + format_seconds(timeout_) + " (covering " +
           plural(request_.warmup(), "warm-up") + (request_.min_time_seconds() > 0 ? ", calibration" : "") + " and " +
           plural(request_.repetitions(), "repetition") +
           (k_ > 1 ? " of " + std::to_string(k_) + " runs each" : "") + ") passed during " + describe(w);
  }

  // One run in a fresh VM; its report stays in `run_`. Untimed: callers
  // time stretches of runs (RunTimer).
  Ending run_once(const Where& where, bool profile = false) {
    if (cancel_.load()) return {v1::JOB_STATUS_CANCELLED, "cancelled before " + describe(where)};
    const double left = remaining();
    if (left <= 0) return {v1::JOB_STATUS_TIMEOUT, deadline_passed(where)};
    options_.timeout_seconds = left;
    options_.profile = profile;
    output_.clear();
    run_ = run_program(request_.program(), file_name_, params_, options_);
    if (!run_.ok()) {
      result_.set_error_line(run_.line);
      result_.set_error_column(run_.column);
      v1::JobStatus status = status_for(run_.error_kind);
      if (status == v1::JOB_STATUS_TIMEOUT) return {status, deadline_passed(where)};
      if (status == v1::JOB_STATUS_CANCELLED) return {status, "cancelled during " + describe(where)};
      return {status, run_.error + " (" + describe(where) + ")"};
    }
    if (request_.has_expect() && run_.value != request_.expect())
      return {v1::JOB_STATUS_WRONG_VALUE,
              "value " + run_.value + ", expected " + request_.expect() + " (" + describe(where) + ")"};
    if (!have_value_ || run_.value != last_value_) last_value_ = run_.value;
    have_value_ = true;
    return {};
  }

  // Finds k (see Calibrator), starting from the last warm-up's time when
  // there was one; the batches it times are unmeasured, like warm-ups.
  Ending calibrate(double last_warmup) {
    v1::Calibration& c = *result_.mutable_calibration();
    const double min_time = request_.min_time_seconds();
    c.set_min_time_seconds(min_time);
    k_ = 1;
    if (request_.iterations() > 0) {  // the caller's count (compare: the same on both sides)
      k_ = request_.iterations();
      c.set_iterations(k_);
      return {};
    }
    if (min_time <= 0) {
      c.set_iterations(1);
      return {};
    }
    Calibrator calibrator(min_time, request_.repetitions());
    uint32_t runs = 0;
    if (last_warmup >= 0) calibrator.observe(1, last_warmup, remaining());
    while (!calibrator.done()) {
      const uint32_t batch = calibrator.next_batch();  // 1 first when no warm-up was timed
      RunTimer timer;
      timer.start();
      for (uint32_t i = 0; i < batch; ++i, ++runs)
        if (Ending e = run_once({Where::Calibration, runs}); !e.ok()) return e;
      timer.pause();
      calibrator.observe(batch, timer.wall(), remaining());
    }
    k_ = calibrator.iterations();
    c.set_iterations(k_);
    c.set_run_seconds(calibrator.run_seconds());
    c.set_runs(runs);
    c.set_limited_by_deadline(calibrator.limited_by_deadline());
    return {};
  }

  // Measured repetition `index`: k runs, reported as per-run means, with
  // the thread's context switches and hardware counts over all of them.
  Ending measure(uint32_t index) {
    StatisticMeans means;
    std::vector<Stats> held;  // runs not yet folded into `means`
    held.reserve(std::min<size_t>(k_, kRunsPerFold));
    RunTimer timer;
    const ThreadUsage usage0 = ThreadUsage::now();
    counters_.start();
    timer.start();
    for (uint32_t i = 0; i < k_; ++i) {
      if (Ending e = run_once({Where::Repetition, index, request_.repetitions(), i, k_}); !e.ok()) return e;
      held.push_back(std::move(run_.stats));
      if (held.size() == kRunsPerFold && i + 1 < k_) {
        timer.pause();
        for (const Stats& st : held) means.add_run(st);
        held.clear();
        timer.start();
      }
    }
    timer.pause();
    // The hardware counts cover the whole repetition: per run, like the rest.
    for (const auto& [name, count] : counters_.stop()) means.add(name, count / double(k_));
    const ThreadUsage usage1 = ThreadUsage::now();
    for (const Stats& st : held) means.add_run(st);

    v1::Repetition* rep = result_.add_repetitions();
    rep->set_wall_seconds(timer.wall() / double(k_));
    rep->set_cpu_seconds(timer.cpu() / double(k_));
    rep->set_iterations(k_);
    rep->set_involuntary_context_switches(usage1.involuntary_switches - usage0.involuntary_switches);
    rep->set_voluntary_context_switches(usage1.voluntary_switches - usage0.voluntary_switches);
    means.write(*rep->mutable_statistics());
    if (on_event_) {
      v1::JobEvent event;
      auto* done = event.mutable_repetition_done();
      done->set_index(index);
      done->set_wall_seconds(rep->wall_seconds());
      done->set_cpu_seconds(rep->cpu_seconds());
      done->set_iterations(k_);
      on_event_(event);
    }
    return {};
  }

  // One extra run with the profiler, after the measured ones.
  Ending profile() {
    RunTimer timer;
    timer.start();
    Ending e = run_once({Where::Profile}, true);
    timer.pause();
    if (!e.ok()) return e;
    fill_profile(run_.stats, timer.wall(), *result_.mutable_profile());
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
  RunResult run_;  // the last run's report
  std::string last_value_;
  bool have_value_ = false;
  uint32_t k_ = 1;
  HardwareCounters counters_;  // opened on the job's thread, which makes every run
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
  if (absl::Status invalid = validate_job_request(request); !invalid.ok()) {
    ending = {v1::JOB_STATUS_PROGRAM_ERROR, "invalid job: " + std::string(invalid.message())};  // no `accepted`: it never started
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

std::vector<std::string> statistic_names() {
  std::vector<std::string> names = Stats::names();
  for (const char* n : kHardwareCountNames) names.push_back(n);
  return names;
}

std::vector<std::string> exact_statistic_names() {
  std::vector<std::string> names;
  for (const StatisticInfo& s : Stats::catalog())
    if (s.exact) names.push_back(s.name);
  return names;
}

std::string job_status_label(v1::JobStatus status) {
  std::string name = v1::JobStatus_Name(status);
  const std::string_view prefix = "JOB_STATUS_";
  if (name.rfind(prefix, 0) != 0) return "unspecified";
  name.erase(0, prefix.size());
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace gene::farm
