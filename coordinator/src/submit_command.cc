// `coordinator submit`: validate the manifest here (every problem at once,
// with places), then run the suite in this process (local mode) or on a
// coordinator, showing progress; then the summary table, the JSON file, the
// Pushgateway, and the exit status. Both modes consume the same SubmitEvent
// stream and the same SuiteResult, so their outputs have the same shape.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "farm.grpc.pb.h"
#include "gene/coordinator/benchmark_json.h"
#include "gene/coordinator/commands.h"
#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/local_executor.h"
#include "gene/coordinator/progress.h"
#include "gene/coordinator/report.h"

namespace gene::coordinator {

namespace {

void print_error(const std::string& message) { std::fprintf(stderr, "error: %s\n", message.c_str()); }

bool read_text(const std::string& path, std::string& text, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read manifest " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  text = s.str();
  return true;
}

int report_manifest_errors(const std::string& path, const std::vector<Diagnostic>& errors) {
  std::fputs(format_diagnostics(errors).c_str(), stderr);
  print_error(std::to_string(errors.size()) + " problem" + (errors.size() == 1 ? "" : "s") + " in " + path +
              "; nothing ran");
  return kExitUnusable;
}

// A suite run by a coordinator: its events, or how it failed.
struct RemoteRun {
  std::optional<v1::SuiteResult> result;
  int exit_status = 0;  // when !result
};

RemoteRun submit_remote(const SubmitOptions& o, const Suite& suite, const std::string& manifest_text,
                        const std::string& token, ProgressDisplay& progress) {
  RemoteRun run;
  std::string error;
  auto credentials = gene::farm::make_channel_credentials(o.tls, error);
  if (!credentials) {
    print_error(error);
    run.exit_status = kExitUnusable;
    return run;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);  // a SuiteResult holds every repetition
  // Notice a coordinator that vanished without closing the connection.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  auto channel = grpc::CreateCustomChannel(o.coordinator, credentials, args);
  auto stub = v1::Coordinator::NewStub(channel);

  v1::SubmitRequest request;
  request.set_manifest(manifest_text);
  request.set_manifest_path(o.manifest);
  for (const auto& b : suite.benchmarks) (*request.mutable_files())[b.file] = b.program;
  if (o.repetitions) request.set_repetitions(*o.repetitions);
  if (o.min_time) request.set_min_time_seconds(*o.min_time);
  request.set_filter(o.filter);

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
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      // The coordinator's own validation (statistic names of its workers).
      std::fprintf(stderr, "%s\n", status.error_message().c_str());
      print_error("the coordinator refused " + o.manifest + "; nothing ran");
      break;
    case grpc::StatusCode::FAILED_PRECONDITION: print_error(status.error_message()); break;
    case grpc::StatusCode::UNAVAILABLE:
      print_error("coordinator at " + o.coordinator + " is unreachable or went away: " + status.error_message());
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      print_error("the coordinator at " + o.coordinator + " refused our credentials: " + status.error_message() +
                  " (set --token-file or GENE_FARM_TOKEN)");
      break;
    case grpc::StatusCode::CANCELLED:
      print_error("the coordinator at " + o.coordinator +
                  " stopped the suite (shutting down?): " + status.error_message());
      break;
    case grpc::StatusCode::OK: print_error("the coordinator ended the suite without a result"); break;
    default:
      print_error("the coordinator at " + o.coordinator + " failed the suite: " + status.error_message() + " (status " +
                  std::to_string(int(status.error_code())) + ")");
  }
  return run;
}

}  // namespace

int run_submit(const SubmitOptions& o) {
  std::string manifest_text, error;
  if (!read_text(o.manifest, manifest_text, error)) {
    print_error(error);
    return kExitUnusable;
  }
  std::string token;
  if (!gene::farm::load_token(o.token_file, token, error)) {
    print_error(error);
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
  if (!manifest.suite) return report_manifest_errors(o.manifest, manifest.errors);
  const Suite& suite = *manifest.suite;
  PlanOptions plan_options{o.repetitions, o.filter, o.min_time};
  Plan plan = plan_jobs(suite, plan_options);
  if (!plan.error.empty()) {
    print_error(plan.error);
    return kExitUnusable;
  }

  std::FILE* table_out = o.json_out == "-" ? stderr : stdout;
  ProgressDisplay progress(stderr, ProgressDisplay::is_terminal(stderr));
  std::optional<v1::SuiteResult> result;
  FarmMetrics metrics;
  if (local) {
    if (std::string why = check_plan_selectors(suite, plan, *executor); !why.empty()) {
      print_error(why);
      return kExitUnusable;
    }
    std::atomic<bool> cancel{false};
    auto on_job = [&](const v1::JobOutcome& job) { metrics.job_finished(suite.name, job); };
    result = run_suite(
        suite, plan, plan_options, *executor, [&](const v1::SubmitEvent& e) { progress.on_event(e); }, cancel, on_job);
    progress.finish();
  } else {
    RemoteRun run = submit_remote(o, suite, manifest_text, token, progress);
    if (!run.result) return run.exit_status;
    result = std::move(run.result);
    for (const auto& job : result->jobs()) metrics.job_finished(suite.name, job);
  }

  std::fputs(format_summary(*result).c_str(), table_out);
  std::fflush(table_out);
  int status = exit_status(*result);
  for (const auto& job : result->jobs())
    if (job.result().status() == v1::JOB_STATUS_NO_WORKER) {
      print_error("job " + job.job_name() + ": " + job.result().error_message());
      break;
    }

  if (!o.json_out.empty()) {
    std::string json = benchmark_json(*result, o.executable, report::collect_host_context());
    if (o.json_out == "-") {
      std::fputs(json.c_str(), stdout);
      std::fflush(stdout);
    } else {
      std::ofstream out(o.json_out, std::ios::binary | std::ios::trunc);
      out << json;
      out.close();
      if (!out) {
        print_error("cannot write " + o.json_out + ": " + std::strerror(errno));
        return kExitUnusable;
      }
    }
  }
  if (!o.pushgateway.empty()) {
    metrics.suite_finished(*result,
                           std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (std::string why = push_to_gateway(o.pushgateway, suite.name, metrics.registry()); !why.empty()) {
      print_error(why);
      return kExitUnusable;
    }
  }
  return status;
}

}  // namespace gene::coordinator
