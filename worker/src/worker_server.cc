#include "worker_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include "farm.grpc.pb.h"
#include "gene/machine_info.h"
#include "job_admission.h"
#include "gene/listen_address.h"
#include "worker_metrics.h"
#include "worker_service.h"

namespace gene::farm {


WorkerServer::WorkerServer() = default;

WorkerServer::~WorkerServer() { shutdown(std::chrono::milliseconds(0)); }

const v1::WorkerInfo& WorkerServer::info() const { return service_->info(); }

absl::StatusOr<std::unique_ptr<WorkerServer>> WorkerServer::start(const WorkerConfig& config) {
  std::string host;
  int port = 0;
  if (!split_host_port(config.listen, host, port))
    return absl::InvalidArgumentError("--listen wants HOST:PORT, not \"" + config.listen + "\"");
  if (config.max_concurrent < 1) return absl::InvalidArgumentError("--max-concurrent must be at least 1");
  auto credentials = make_server_credentials(config.tls);
  if (!credentials.ok()) return credentials.status();

  std::unique_ptr<WorkerServer> w(new WorkerServer());
  v1::WorkerInfo info =
      describe_this_machine(config.name.empty() ? this_host_name() : config.name, config.labels, config.max_concurrent,
                            config.host_name);
  absl::StatusOr<BindAddress> metrics_bind = metrics_bind_address(host, config.metrics_listen, config.metrics_port);
  if (!metrics_bind.ok()) return metrics_bind.status();
  if (metrics_bind->port >= 0) {
    absl::StatusOr<std::unique_ptr<WorkerMetrics>> metrics =
        WorkerMetrics::start(metrics_bind->host, metrics_bind->port, info.vm());
    if (!metrics.ok()) return metrics.status();
    w->metrics_ = *std::move(metrics);
    w->metrics_address_ = metrics_bind->host + ":" + std::to_string(w->metrics_->port());
  }
  if (config.max_heap_cap == 0) return absl::InvalidArgumentError("--max-heap-cap must be more than 0");
  w->admission_ = std::make_unique<JobAdmission>(config.max_concurrent, w->metrics_.get(), config.grace);
  w->service_ = std::make_unique<WorkerService>(std::move(info), config.token, *w->admission_, w->metrics_.get(),
                                                config.max_heap_cap);

  // The health service stays open to callers without the token: probes
  // (Kubernetes, the coordinator) learn only SERVING / NOT_SERVING.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen, *credentials, &bound_port);
  builder.RegisterService(w->service_.get());
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  // gRPC turns SO_REUSEPORT on by default: a second worker on a taken port
  // would then share it and take half its jobs. It must fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  w->server_ = builder.BuildAndStart();
  if (!w->server_ || bound_port == 0) {
    w->server_.reset();
    return absl::UnavailableError("cannot listen on " + config.listen +
                                  " (in use, or not an address of this machine)");
  }
  // "" (the server) is SERVING already; name the Worker service too, for
  // probes that ask for it.
  w->server_->GetHealthCheckService()->SetServingStatus(v1::Worker::service_full_name(), true);
  w->address_ = host + ":" + std::to_string(bound_port);
  w->watchdog_ = std::thread([p = w.get(), on_wedged = config.on_wedged] { p->watch(on_wedged); });
  return w;
}

void WorkerServer::watch(std::function<void(const std::string&)> on_wedged) {
  std::unique_lock lock(watchdog_mu_);
  while (!watchdog_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return watchdog_stop_; })) {
    std::string why = admission_->check_overruns();
    if (why.empty()) continue;
    // Never wedged and healthy: probes (the coordinator, Kubernetes) see
    // NOT_SERVING at once, and the binary exits so that it is replaced.
    server_->GetHealthCheckService()->SetServingStatus(false);
    if (on_wedged) on_wedged(why);
    return;
  }
}

void WorkerServer::shutdown(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  if (!server_) return;
  {
    std::lock_guard lock(watchdog_mu_);
    watchdog_stop_ = true;
  }
  watchdog_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING from now on
  admission_->shut_down();                       // first, so running jobs still reach their callers
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  admission_->wait_until_idle();
}

}  // namespace gene::farm
