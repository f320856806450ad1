// `coordinator serve`: the Coordinator and health services on --listen, the
// worker pool behind them, /metrics on --metrics-port or --metrics-listen,
// the results store on --store (each finished job recorded as it arrives).
// Prints `listening on HOST:PORT` (and `metrics on HOST:PORT`) first, logs to
// stderr, and stops cleanly on SIGINT or SIGTERM.
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <prometheus/exposer.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

#include "command_support.h"
#include "gene/coordinator/commands.h"
#include "gene/listen_address.h"
#include "gene/coordinator/coordinator_service.h"
#include "gene/coordinator/farm_metrics.h"
#include "gene/coordinator/results_store.h"
#include "gene/coordinator/worker_pool.h"

namespace gene::coordinator {

namespace {

// A timestamped line on stderr; lines from several threads do not interleave.
void log_line(const std::string& line) {
  static std::mutex mu;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(mu);
  std::fprintf(stderr, "%s %s\n", stamp, line.c_str());
  std::fflush(stderr);
}



}  // namespace

int run_serve(const ServeOptions& o) {
  // Signals are taken by sigwait below, not by whichever thread they hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::string host, error;
  int port = 0;
  if (!farm::split_host_port(o.listen, host, port)) {
    print_error("--listen wants HOST:PORT, not \"" + o.listen + "\"");
    return 2;
  }
  absl::StatusOr<farm::BindAddress> metrics_bind = farm::metrics_bind_address(host, o.metrics_listen, o.metrics_port);
  if (!metrics_bind.ok()) {
    print_error(metrics_bind.status());
    return 2;
  }
  const std::string& metrics_host = metrics_bind->host;
  const int metrics_port = metrics_bind->port;
  absl::StatusOr<std::string> token = gene::farm::load_token(o.token_file);
  if (!token.ok()) {
    print_error(token.status());
    return 2;
  }
  auto server_credentials = gene::farm::make_server_credentials(o.tls);
  if (!server_credentials.ok()) {
    print_error(server_credentials.status());
    return 2;
  }
  WorkerPoolOptions pool_options;
  pool_options.workers = o.workers;
  auto channel_credentials = gene::farm::make_channel_credentials(o.tls);
  if (!channel_credentials.ok()) {
    print_error(channel_credentials.status());
    return 2;
  }
  pool_options.credentials = *std::move(channel_credentials);
  pool_options.token = *token;
  pool_options.check_interval = o.check_interval;
  pool_options.no_worker_grace = o.no_worker_grace;
  pool_options.max_attempts = o.max_attempts;
  pool_options.jobs_per_host = o.jobs_per_host;
  pool_options.log = log_line;
  // The results store, opened before serving: a bad one stops the start.
  std::unique_ptr<ResultsStore> store;
  absl::StatusOr<std::string> store_path = o.store.empty() ? default_store_path() : o.store;
  if (!store_path.ok()) {
    print_error(store_path.status());
    return 2;
  }
  if (*store_path != kNoStore) {
    auto opened = ResultsStore::open(*store_path, ResultsStore::Access::ReadWrite);
    if (!opened.ok()) {
      print_error(opened.status());
      return 2;
    }
    store = *std::move(opened);
  }
  absl::StatusOr<std::unique_ptr<WorkerPool>> created = WorkerPool::create(pool_options);
  if (!created.ok()) {
    print_error(std::string(created.status().message()));
    return 2;
  }
  std::unique_ptr<WorkerPool> pool = std::move(*created);

  std::unique_ptr<FarmMetrics> metrics;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<prometheus::Collectable> workers_gauge;
  std::string metrics_address;
  if (metrics_port >= 0) {
    metrics = std::make_unique<FarmMetrics>();
    try {
      exposer = std::make_unique<prometheus::Exposer>(metrics_host + ":" + std::to_string(metrics_port), 2);
    } catch (const std::exception& e) {
      print_error("cannot serve metrics on " + metrics_host + ":" + std::to_string(metrics_port) + ": " + e.what());
      return 2;
    }
    exposer->RegisterCollectable(metrics->registry());
    workers_gauge = make_workers_collectable([p = pool.get()] {
      auto c = p->counts();
      return WorkerCounts{c.ready, c.busy, c.down};
    });
    exposer->RegisterCollectable(workers_gauge);
    auto ports = exposer->GetListeningPorts();
    metrics_address = metrics_host + ":" + std::to_string(ports.empty() ? metrics_port : ports.front());
  }

  CoordinatorService service(*pool, *token, metrics.get(), log_line, store.get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(o.listen, *server_credentials, &bound_port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(kMaxSubmitBytes);
  // Submitters ping to notice a vanished coordinator; allow it.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC turns SO_REUSEPORT on by default: a second coordinator on a taken
  // port would then share it and take half the submits. It must fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    print_error("cannot listen on " + o.listen + " (in use, or not an address of this machine)");
    return 1;
  }
  std::printf("listening on %s:%d\n", host.c_str(), bound_port);
  if (!metrics_address.empty()) std::printf("metrics on %s\n", metrics_address.c_str());
  std::fflush(stdout);
  if (store)
    log_line("results store " + store->path() + " (schema version " + std::to_string(store->schema_version()) +
             (store->schema_note().empty() ? "" : ", " + store->schema_note()) + ")");
  else
    log_line("no results store (--store none): runs are not recorded");

  int sig = 0;
  sigwait(&signals, &sig);
  log_line(std::string("stopping (") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ")");
  server->GetHealthCheckService()->Shutdown();
  // Running suites and comparisons get two seconds, then are cancelled
  // (OnCancel): their submitters get an error, not a hang.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  service.cancel_running_calls();  // and wait until none uses the pool
  server.reset();
  exposer.reset();  // before the pool its workers gauge asks
  pool.reset();
  return 0;
}

}  // namespace gene::coordinator
