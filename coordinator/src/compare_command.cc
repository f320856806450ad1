// `coordinator compare`: validate the sides, the settings and the
// manifests here (every problem before anything runs), then compare in
// local mode (two child worker processes this command starts and stops)
// or on a coordinator (its Compare call); then the table, the JSON, the
// HTML page and the exit status, from the same CompareResult either way.
#include <grpcpp/client_context.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "command_support.h"
#include "gene/report/export_file.h"
#include "gene/report/host_context.h"
#include "farm.grpc.pb.h"
#include "gene/coordinator/child_worker.h"
#include "gene/coordinator/commands.h"
#include "gene/coordinator/compare_html.h"
#include "gene/coordinator/compare_plan.h"
#include "gene/coordinator/compare_progress.h"
#include "gene/coordinator/compare_report.h"
#include "gene/coordinator/compare_rounds.h"
#include "gene/coordinator/compare_store.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/progress.h"
#include "gene/coordinator/results.h"
#include "gene/coordinator/worker_connection.h"
#include "interrupt_watch.h"
#include "local_pairs.h"

namespace gene::coordinator {

namespace {

// A manifest read and checked; `files` holds its programs by `file` as written.
struct LoadedSuite {
  std::string path, text;
  std::optional<Suite> suite;
};

// Reads and validates a manifest; on failure prints why and sets `status`.
bool load_suite(const std::string& path, const ManifestOptions& options, LoadedSuite& out, int& status) {
  out.path = path;
  absl::StatusOr<std::string> text = read_manifest_text(path);
  if (!text.ok()) {
    print_error(text.status());
    status = kExitUnusable;
    return false;
  }
  out.text = std::move(*text);
  ManifestResult m = load_manifest(path, out.text, disk_file_resolver(path), options);
  if (!m.suite) {
    status = report_manifest_errors(path, m);
    return false;
  }
  out.suite = std::move(m.suite);
  return true;
}

v1::CompareSettings settings_from(const CompareOptions& o) {
  v1::CompareSettings s = default_compare_settings();
  s.set_metric(o.metric);
  s.set_min_effect(o.min_effect);
  s.set_confidence(o.confidence);
  s.set_max_seconds(o.max_seconds);
  s.set_max_rounds(o.max_rounds);
  s.set_filter(o.filter);
  if (o.min_time) s.set_min_time_seconds(*o.min_time);
  return s;
}

// Output of a finished comparison; returns the exit status.
int report(const CompareOptions& o, const v1::CompareResult& result, int interrupted_by) {
  std::FILE* table_out = o.json_out == "-" ? stderr : stdout;
  std::fputs(format_comparison_table(result).c_str(), table_out);
  std::fflush(table_out);
  const std::string date = report::iso_date();
  bool stored = true;
  for (const auto& failure : result.store_errors()) {
    print_error(failure);
    stored = false;
  }
  for (const auto& [path, text] : {std::pair{o.json_out, o.json_out.empty() ? "" : comparison_json(result, date)},
                                    std::pair{o.html_out, o.html_out.empty() ? "" : comparison_html(result, date)}}) {
    if (path.empty()) continue;
    if (absl::Status written = report::write_export(path, text); !written.ok()) {
      print_error(written);
      return kExitUnusable;
    }
  }
  if (interrupted_by) return 128 + interrupted_by;
  if (!stored) return kExitUnusable;
  return compare_exit_status(result);
}

// The results store a comparison records into, settled before anything
// runs: a bad one is an error now, not after minutes of rounds.
bool open_compare_store(const CompareOptions& o, bool distributed, std::unique_ptr<ResultsStore>& store) {
  // With --coordinator the coordinator's own store records the comparison;
  // a path here keeps a copy.
  absl::StatusOr<std::string> where =
      o.store.empty() ? (distributed ? std::string(kNoStore) : default_store_path()) : o.store;
  if (!where.ok()) {
    print_error(std::string(where.status().message()) + " (or pass --store PATH, or --store none)");
    return false;
  }
  const std::string& path = *where;
  if (path == kNoStore) return true;
  auto opened = ResultsStore::open(path, ResultsStore::Access::ReadWrite);
  if (!opened.ok()) {
    print_error(opened.status());
    return false;
  }
  store = *std::move(opened);
  if (!store->schema_note().empty() && store->schema_note() != "created")
    std::fprintf(stderr, "note: results store %s: %s\n", path.c_str(), store->schema_note().c_str());
  return true;
}

ComparedSuite compared(const LoadedSuite& s) { return {&*s.suite, s.text}; }

// FAILED_PRECONDITION unless every job's selectors match the side's worker.
absl::Status check_local_selectors(const ComparePlan& plan, const v1::WorkerInfo& b, const v1::WorkerInfo& c) {
  const std::map<std::string, std::string> bl(b.labels().begin(), b.labels().end()),
      cl(c.labels().begin(), c.labels().end());
  for (const ComparedJob& job : plan.jobs) {
    if (!selectors_match(job.baseline_selectors, bl))
      return absl::FailedPreconditionError(
          "job " + job.name + " asks for " + format_labels(job.baseline_selectors) +
          ", which the baseline's worker (this machine, local mode) does not have: " + format_labels(bl));
    if (!selectors_match(job.candidate_selectors, cl))
      return absl::FailedPreconditionError(
          "job " + job.name + " asks for " + format_labels(job.candidate_selectors) +
          ", which the candidate's worker (this machine, local mode) does not have: " + format_labels(cl));
  }
  return absl::OkStatus();
}

std::vector<std::string> names_of(const v1::WorkerInfo& w) {
  return {w.statistic_names().begin(), w.statistic_names().end()};
}

int compare_local(const CompareOptions& o, const SideSpec& bs, const SideSpec& cs, const LoadedSuite& base,
                  const LoadedSuite* cand, const ComparePlan& plan, ResultsStore* store, Cancellation& cancel,
                  InterruptWatch& watch) {
  // Started from this (the main) thread: see ChildWorker::start. Both on
  // one CPU: a CPU busier than another (interrupts, other tasks) then
  // slows both sides alike instead of the one the scheduler keeps there.
  const int cpu = comparison_cpu();
  absl::StatusOr<LocalPair> started = LocalPair::start(bs.worker_path, cs.worker_path, cpu);
  if (!started.ok()) {
    print_error(started.status());
    return kExitUnusable;
  }
  LocalPair pair = *std::move(started);
  std::fprintf(stderr, "local mode: workers %s (baseline, pid %d) and %s (candidate, pid %d)%s\n",
               pair.baseline.process->address().c_str(), int(pair.baseline.process->pid()),
               pair.candidate.process->address().c_str(), int(pair.candidate.process->pid()),
               cpu >= 0 ? (", both on CPU " + std::to_string(cpu)).c_str() : "");
  WorkerConnection &b = *pair.baseline.connection, &c = *pair.candidate.connection;
  // Targets and the metric against what each side's VM reports.
  for (auto [loaded, info] : {std::pair{&base, &b.info()}, {cand, &c.info()}}) {
    if (!loaded) continue;
    ManifestOptions options;
    options.statistic_names = names_of(*info);
    ManifestResult m = load_manifest(loaded->path, loaded->text, disk_file_resolver(loaded->path), options);
    if (!m.suite) return report_manifest_errors(loaded->path, m);
  }
  if (absl::Status checked = check_metric(plan.settings.metric(), {names_of(b.info()), names_of(c.info())});
      !checked.ok()) {
    print_error(checked);
    return kExitUnusable;
  }
  if (absl::Status matched = check_local_selectors(plan, b.info(), c.info()); !matched.ok()) {
    print_error("no worker matches: " + std::string(matched.message()));
    return kExitUnusable;
  }
  if (cancel.cancelled()) return 128 + watch.signal();

  LocalPairs pairs(pair, bs.worker_path, cs.worker_path, cpu);
  CompareProgress progress(stderr, ProgressDisplay::is_terminal(stderr));
  v1::CompareResult result =
      run_comparison(plan, pairs, [&](const v1::CompareEvent& e) { progress.on_event(e); }, cancel);
  progress.finish();
  // Stop the workers before writing anything: they must not outlive a
  // failure to write.
  pair.stop();
  if (store) record_comparison(*store, compared(base), compared(cand ? *cand : base), "local", result);
  return report(o, result, watch.signal());
}

void add_files(const Suite& suite, google::protobuf::Map<std::string, std::string>& files) {
  for (const auto& b : suite.benchmarks) files[b.file] = b.program;
}

int compare_remote(const CompareOptions& o, const SideSpec& bs, const SideSpec& cs, const LoadedSuite& base,
                   const LoadedSuite* cand, const v1::CompareSettings& settings, ResultsStore* store,
                   Cancellation& cancel, InterruptWatch& watch) {
  absl::StatusOr<std::string> token = gene::farm::load_token(o.token_file);
  if (!token.ok()) {
    print_error(token.status());
    return kExitUnusable;
  }
  auto channel = coordinator_channel(o.coordinator, o.tls);
  if (!channel.ok()) {
    print_error(channel.status());
    return kExitUnusable;
  }
  auto stub = v1::Coordinator::NewStub(*channel);
  v1::CompareRequest request;
  request.set_manifest(base.text);
  request.set_manifest_path(base.path);
  add_files(*base.suite, *request.mutable_files());
  if (cand) {
    request.set_candidate_manifest(cand->text);
    request.set_candidate_manifest_path(cand->path);
    add_files(*cand->suite, *request.mutable_candidate_files());
  }
  *request.mutable_baseline() = bs.side;
  *request.mutable_candidate() = cs.side;
  *request.mutable_settings() = settings;
  request.set_keep_rounds(store != nullptr);

  grpc::ClientContext context;
  gene::farm::add_bearer_token(context, *token);
  context.set_wait_for_ready(false);  // fail fast when nothing listens
  Cancellation::Guard guard(cancel, context);
  CompareProgress progress(stderr, ProgressDisplay::is_terminal(stderr));
  auto reader = stub->Compare(&context, request);
  std::optional<v1::CompareResult> result;
  v1::CompareEvent event;
  while (reader->Read(&event)) {
    if (event.has_result())
      result = std::move(*event.mutable_result());
    else
      progress.on_event(event);
  }
  grpc::Status status = reader->Finish();
  progress.finish();
  if (status.ok() && result) {
    if (store) {
      // A copy here, besides the coordinator's own record; the only record
      // when the coordinator keeps none.
      v1::CompareResult copy = *result;
      copy.clear_store_errors();
      record_comparison(*store, compared(base), compared(cand ? *cand : base), "remote", copy);
      const bool recorded = copy.baseline_run() && copy.candidate_run();
      if (result->store().empty()) {
        result->set_store(copy.store());
        result->set_baseline_run(copy.baseline_run());
        result->set_candidate_run(copy.candidate_run());
      } else if (recorded) {
        std::fprintf(stderr, "copy: runs %lld (baseline) and %lld (candidate) in %s\n",
                     static_cast<long long>(copy.baseline_run()), static_cast<long long>(copy.candidate_run()),
                     store->path().c_str());
      }
      for (const auto& failure : copy.store_errors()) *result->add_store_errors() = failure;
    }
    return report(o, *result, watch.signal());
  }
  if (cancel.cancelled()) {
    print_error("interrupted: the coordinator stops the rounds");
    return 128 + watch.signal();
  }
  print_coordinator_failure(status, {o.coordinator, "the comparison", "the comparison", "compare"});
  return kExitUnusable;
}

}  // namespace

int run_compare(const CompareOptions& o) {
  // Before any thread exists: every thread inherits the blocked signals.
  Cancellation cancel;
  InterruptWatch watch(cancel);

  const bool distributed = !o.coordinator.empty();
  std::string error;
  auto side = [&](const std::string& text, const char* which) -> std::optional<SideSpec> {
    const std::string written = text.empty() ? (distributed ? "" : sibling_worker_path()) : text;
    if (written.empty()) {  // distributed default: any worker
      SideSpec any;
      return any;
    }
    absl::StatusOr<SideSpec> spec = parse_side(written, distributed);
    if (!spec.ok()) {
      error = "--" + std::string(which) + ": " + std::string(spec.status().message());
      return std::nullopt;
    }
    if (!distributed && access(spec->worker_path.c_str(), X_OK) != 0) {
      error = "--" + std::string(which) + ": no worker binary at " + spec->worker_path +
              (text.empty() ? " (the default, beside this coordinator: build it, or name one with --" +
                                  std::string(which) + " PATH)"
                            : "");
      return std::nullopt;
    }
    return *std::move(spec);
  };
  auto refuse = [](const std::string& why) {
    print_error(why);
    return kExitUnusable;
  };
  std::optional<SideSpec> bs = side(o.baseline, "baseline");
  if (!bs) return refuse(error);
  std::optional<SideSpec> cs = side(o.candidate, "candidate");
  if (!cs) return refuse(error);

  const v1::CompareSettings settings = settings_from(o);
  if (absl::Status checked = check_compare_settings(settings); !checked.ok())
    return refuse(std::string(checked.message()));

  // Target names are checked against the sides' workers once they are
  // known; everything else now, before anything starts.
  int status = 0;
  LoadedSuite base, cand;
  if (!load_suite(o.manifest, {}, base, status)) return status;
  const bool two_suites = !o.candidate_manifest.empty();
  if (two_suites && !load_suite(o.candidate_manifest, {}, cand, status)) return status;
  absl::StatusOr<ComparePlan> plan =
      plan_comparison(*base.suite, two_suites ? &*cand.suite : nullptr, bs->side, cs->side, settings);
  if (!plan.ok()) return refuse(std::string(plan.status().message()));

  if (!check_outputs({o.json_out, o.html_out})) return kExitUnusable;  // before any round, not after them
  std::unique_ptr<ResultsStore> store;
  if (!open_compare_store(o, distributed, store)) return kExitUnusable;

  if (distributed)
    return compare_remote(o, *bs, *cs, base, two_suites ? &cand : nullptr, settings, store.get(), cancel, watch);
  return compare_local(o, *bs, *cs, base, two_suites ? &cand : nullptr, *plan, store.get(), cancel, watch);
}

}  // namespace gene::coordinator
