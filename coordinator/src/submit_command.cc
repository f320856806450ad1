// `coordinator submit`: validate the manifest here (every problem at once,
// with places), then run the suite in this process (local mode) or on a
// coordinator, showing progress; then the summary table, the JSON file, the
// Pushgateway, and the exit status. Both modes consume the same SubmitEvent
// stream and the same SuiteResult, so their outputs have the same shape.
#include <grpcpp/client_context.h>

#include <atomic>
#include <chrono>
#include <cstdio>

#include "command_support.h"
#include "gene/report/export_file.h"
#include "farm.grpc.pb.h"
#include "gene/coordinator/baseline.h"
#include "gene/coordinator/benchmark_json.h"
#include "gene/coordinator/commands.h"
#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/local_executor.h"
#include "gene/coordinator/progress.h"
#include "gene/coordinator/report.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/run_recorder.h"
#include "gene/farm_text.h"

namespace gene::coordinator {

namespace {

// A suite run by a coordinator: its events, or how it failed.
struct RemoteRun {
  std::optional<v1::SuiteResult> result;
  int exit_status = 0;  // when !result
};

RemoteRun submit_remote(const SubmitOptions& o, const Suite& suite, const std::string& manifest_text,
                        const std::string& token, ProgressDisplay& progress, const std::optional<BaselineSpec>& baseline,
                        const BaselineOptions& baseline_options) {
  RemoteRun run;
  auto channel = coordinator_channel(o.coordinator, o.tls);
  if (!channel.ok()) {
    print_error(channel.status());
    run.exit_status = kExitUnusable;
    return run;
  }
  auto stub = v1::Coordinator::NewStub(*channel);

  v1::SubmitRequest request;
  request.set_manifest(manifest_text);
  // Protobuf refuses a string that is not UTF-8 (the manifest and its
  // programs were checked when they were read; a path may be anything).
  request.set_manifest_path(gene::farm::sanitize_utf8(o.manifest));
  for (const auto& b : suite.benchmarks) (*request.mutable_files())[b.file] = b.program;
  if (o.repetitions) request.set_repetitions(*o.repetitions);
  if (o.min_time) request.set_min_time_seconds(*o.min_time);
  request.set_filter(o.filter);
  if (baseline) {
    request.set_baseline(baseline->text);
    request.set_min_effect(baseline_options.min_effect);
  }

  grpc::ClientContext context;
  gene::farm::add_bearer_token(context, token);
  // Fail fast when nothing listens, rather than wait for it to appear.
  context.set_wait_for_ready(false);
  auto reader = stub->Submit(&context, request);
  v1::SubmitEvent event;
  while (reader->Read(&event)) {
    if (event.has_result())
      run.result = event.result();
    else
      progress.on_event(event);
  }
  grpc::Status status = reader->Finish();
  progress.finish();
  if (status.ok() && run.result) return run;
  run.result.reset();
  run.exit_status = kExitUnusable;
  print_coordinator_failure(status, {o.coordinator, "the suite", o.manifest, "run suites"});
  return run;
}

// The results store of a submit and its baseline, settled before anything
// runs (every problem is exit 2).
struct SubmitStore {
  std::unique_ptr<ResultsStore> store;  // null: nothing recorded here
  std::optional<BaselineSpec> baseline;
};

bool open_submit_store(const SubmitOptions& o, bool local, const std::string& suite, SubmitStore& out) {
  // Remote runs are recorded by the coordinator's store; --store PATH adds
  // a copy here.
  absl::StatusOr<std::string> where =
      o.store.empty() ? (local ? default_store_path() : std::string(kNoStore)) : o.store;
  if (!where.ok()) {
    print_error(where.status());
    return false;
  }
  const std::string& path = *where;
  if (!o.baseline.empty()) {
    absl::StatusOr<BaselineSpec> baseline = parse_baseline(o.baseline);
    if (!baseline.ok()) {
      print_error(baseline.status());
      return false;
    }
    out.baseline = *std::move(baseline);
    if (local && path == kNoStore) {
      print_error("--baseline judges against a results store: drop --store none");
      return false;
    }
  }
  if (path == kNoStore) return true;
  auto opened = ResultsStore::open(path, ResultsStore::Access::ReadWrite);
  if (!opened.ok()) {
    print_error(opened.status());
    return false;
  }
  out.store = *std::move(opened);
  if (!out.store->schema_note().empty() && out.store->schema_note() != "created")
    std::fprintf(stderr, "note: results store %s: %s\n", path.c_str(), out.store->schema_note().c_str());
  if (local && out.baseline) {
    if (absl::Status checked = check_baseline(*out.store, *out.baseline, suite); !checked.ok()) {
      print_error(checked);
      return false;
    }
  }
  return true;
}

}  // namespace

int run_submit(const SubmitOptions& o) {
  absl::StatusOr<std::string> read = read_manifest_text(o.manifest);
  if (!read.ok()) {
    print_error(read.status());
    return kExitUnusable;
  }
  const std::string& manifest_text = *read;
  absl::StatusOr<std::string> token = gene::farm::load_token(o.token_file);
  if (!token.ok()) {
    print_error(token.status());
    return kExitUnusable;
  }
  const bool local = o.coordinator.empty();
  std::unique_ptr<LocalExecutor> executor;
  ManifestOptions manifest_options;
  if (local) {
    executor = std::make_unique<LocalExecutor>();
    manifest_options.statistic_names = executor->statistic_names();
  }
  // Distributed mode checks statistic names on the coordinator, against its workers.
  ManifestResult manifest = load_manifest(o.manifest, manifest_text, disk_file_resolver(o.manifest), manifest_options);
  if (!manifest.suite) return report_manifest_errors(o.manifest, manifest);
  const Suite& suite = *manifest.suite;
  PlanOptions plan_options{o.repetitions, o.filter, o.min_time};
  absl::StatusOr<Plan> planned = plan_jobs(suite, plan_options);
  if (!planned.ok()) {
    print_error(planned.status());
    return kExitUnusable;
  }
  const Plan& plan = *planned;
  if (local) {
    if (absl::Status matched = check_plan_selectors(suite, plan, *executor); !matched.ok()) {
      print_error(matched);
      return kExitUnusable;
    }
  }
  if (!check_outputs({o.json_out})) return kExitUnusable;  // before anything runs, not after it
  SubmitStore stored;
  if (!open_submit_store(o, local, suite.name, stored)) return kExitUnusable;
  BaselineOptions baseline_options;
  baseline_options.min_effect = o.min_effect;
  // Started now, also for a remote run's copy, recorded once it has finished.
  const RunStart run_start{suite.name, manifest_hash(manifest_text, suite), local ? "local" : "remote",
                           run_options_text(o.filter, o.repetitions, o.min_time), uint32_t(plan.jobs.size()),
                           utc_now()};

  std::FILE* table_out = o.json_out == "-" ? stderr : stdout;
  ProgressDisplay progress(stderr, ProgressDisplay::is_terminal(stderr));
  std::optional<v1::SuiteResult> result;
  std::unique_ptr<RunRecorder> recorder;
  RunRecord record;
  FarmMetrics metrics;
  // The run's row in this store; false (said) when the store refuses it.
  auto begin_recording = [&] {
    absl::StatusOr<std::unique_ptr<RunRecorder>> begun = RunRecorder::begin(*stored.store, run_start);
    if (!begun.ok()) {
      print_error(begun.status());
      return false;
    }
    recorder = *std::move(begun);
    return true;
  };
  if (local) {
    if (stored.store) {
      if (!begin_recording()) return kExitUnusable;
    }
    Cancellation cancel;
    auto on_job = [&](const v1::JobOutcome& job, const v1::WorkerInfo& worker) {
      metrics.job_finished(suite.name, job);
      if (recorder) recorder->record(job, worker);
    };
    result = run_suite(
        suite, plan, plan_options, *executor, [&](const v1::SubmitEvent& e) { progress.on_event(e); }, cancel, on_job);
    progress.finish();
    if (recorder) {
      recorder->finish(false);
      if (stored.baseline) {
        record.baseline = stored.baseline->text;
        if (auto comparisons = recorder->judge(*stored.baseline, *result, baseline_options))
          record.comparisons = std::move(*comparisons);
      }
    }
  } else {
    RemoteRun run = submit_remote(o, suite, manifest_text, *token, progress, stored.baseline, baseline_options);
    if (!run.result) return run.exit_status;
    result = std::move(run.result);
    for (const auto& job : result->jobs()) metrics.job_finished(suite.name, job);
    if (stored.baseline) {
      record.baseline = stored.baseline->text;
      for (const auto& c : result->comparisons()) record.comparisons.push_back(comparison_from_proto(c));
    }
    if (stored.store) {
      // A copy of what the coordinator ran, recorded now that it has finished.
      if (!begin_recording()) return kExitUnusable;
      recorder->record_all(*result);
      recorder->finish(false);
      if (!record.comparisons.empty()) {
        // The coordinator's run ids mean nothing in this store.
        std::vector<Comparison> copied = record.comparisons;
        for (auto& c : copied) c.baseline_run.reset();
        if (absl::Status recorded = stored.store->record_comparisons(recorder->run_id(), "baseline", copied);
            !recorded.ok())
          print_error(recorded);
      }
    }
  }

  std::fputs(format_summary(*result).c_str(), table_out);
  if (record.baseline) std::fputs(format_verdicts(record.comparisons, *stored.baseline).c_str(), table_out);
  if (recorder) {
    record.store = stored.store->path();
    record.run_id = recorder->run_id();
    std::fprintf(table_out, "stored: run %lld in %s\n", static_cast<long long>(recorder->run_id()),
                 stored.store->path().c_str());
  }
  if (!local && result->run_id() > 0) {
    std::fprintf(table_out, "stored: run %lld in %s on the coordinator\n", static_cast<long long>(result->run_id()),
                 result->store().c_str());
    if (!recorder) {
      record.store = result->store();
      record.run_id = result->run_id();
    }
  }
  std::fflush(table_out);
  int status = exit_status(*result);
  if (status != kExitUnusable && any_slower(record.comparisons)) status = kExitMissed;
  for (const auto& job : result->jobs())
    if (job.result().status() == v1::JOB_STATUS_NO_WORKER) {
      print_error("job " + job.job_name() + ": " + job.result().error_message());
      break;
    }
  std::vector<std::string> store_failures(result->store_errors().begin(), result->store_errors().end());
  if (recorder)
    for (const auto& failure : recorder->failures()) store_failures.push_back(failure);
  for (const auto& failure : store_failures) {
    print_error(failure);
    status = kExitUnusable;
  }

  if (!o.json_out.empty()) {
    absl::Status written =
        report::write_export(o.json_out, benchmark_json(*result, o.executable, report::collect_host_context(), record));
    if (!written.ok()) {
      print_error(written);
      return kExitUnusable;
    }
  }
  if (!o.pushgateway.empty()) {
    metrics.suite_finished(*result,
                           std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (record.baseline) metrics.comparisons_judged(*result, record.comparisons);
    if (absl::Status pushed = push_to_gateway(o.pushgateway, suite.name, metrics.registry()); !pushed.ok()) {
      print_error(pushed);
      return kExitUnusable;
    }
  }
  return status;
}

}  // namespace gene::coordinator
