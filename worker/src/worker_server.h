// A running worker: the gRPC server with the Worker and health services,
// and the metrics endpoint when asked for. The `worker` binary and the
// in-process tests both start workers through this.
#pragma once

#include "gene/listen_address.h"
#include <grpcpp/server.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <memory>
#include <string>

#include "farm.pb.h"
#include "gene/farm_security.h"
#include "job_admission.h"

namespace gene::farm {

class JobAdmission;
class WorkerMetrics;
class WorkerService;

// Requests larger than this are refused by gRPC itself (RESOURCE_EXHAUSTED):
// room for a 4 MiB program and its parameters, not for abuse.
inline constexpr int kMaxReceiveMessageBytes = 8 << 20;

struct WorkerConfig {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 = any free port
  std::string name;                    // "" = this host's name
  std::string host_name;               // the `host` label; "" = this host's name
  std::map<std::string, std::string> labels;
  int metrics_port = -1;      // -1 = no metrics; 0 = any free port; on the --listen host
  std::string metrics_listen;  // HOST:PORT for /metrics instead; "" = as metrics_port says
  uint32_t max_concurrent = 1;
  std::string token;  // "" = no auth
  TlsFiles tls;       // all empty = plaintext
  // The most heap a request may ask for (vm.max_heap_bytes; 0 asks for
  // the default, 1 GiB, or the cap when it is lower). More is INVALID_ARGUMENT.
  uint64_t max_heap_cap = uint64_t(1) << 30;
  OverrunGrace grace;
  // Called (from the watchdog thread) once a job cannot be stopped, after
  // health turned NOT_SERVING. The binary logs and exits; null: only that.
  std::function<void(const std::string& why)> on_wedged;
};

class WorkerServer {
 public:
  // Starts serving. INVALID_ARGUMENT for a bad setting (address, TLS
  // files, limits), FAILED_PRECONDITION for an unreadable TLS file,
  // UNAVAILABLE when an address cannot be bound.
  static absl::StatusOr<std::unique_ptr<WorkerServer>> start(const WorkerConfig& config);
  ~WorkerServer();

  // HOST:PORT with the port actually bound.
  const std::string& address() const { return address_; }
  // HOST:PORT of /metrics, or "" without metrics.
  const std::string& metrics_address() const { return metrics_address_; }
  // What Describe answers.
  const v1::WorkerInfo& info() const;

  // Stops cleanly: health turns NOT_SERVING, new jobs are refused, running
  // jobs are interrupted and report CANCELLED to their callers, calls get
  // `grace` to end before they are cancelled, and every job thread is
  // gone when this returns. Idempotent.
  void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  WorkerServer();

  // Declared in the order they are built; destroyed in reverse.
  std::unique_ptr<WorkerMetrics> metrics_;
  std::unique_ptr<JobAdmission> admission_;
  std::unique_ptr<WorkerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_, metrics_address_;
  bool stopped_ = false;
  // Gives overrunning jobs' slots back, and turns the worker NOT_SERVING
  // when one cannot be stopped.
  std::thread watchdog_;
  std::mutex watchdog_mu_;
  std::condition_variable watchdog_cv_;
  bool watchdog_stop_ = false;
  void watch(std::function<void(const std::string&)> on_wedged);
};

}  // namespace gene::farm
