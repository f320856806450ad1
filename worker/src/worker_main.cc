// `worker`: serves jobs until SIGTERM or SIGINT, then stops cleanly.
#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "gene/machine_info.h"
#include "worker_cli.h"
#include "worker_server.h"

namespace {

int print_description(const gene::farm::WorkerConfig& config, bool as_json) {
  auto info = gene::farm::describe_this_machine(config.name.empty() ? gene::farm::this_host_name() : config.name,
                                                config.labels, config.max_concurrent, config.host_name);
  if (!as_json) {
    std::cout << gene::farm::describe_text(info);
    return 0;
  }
  std::string json = gene::farm::describe_json(info);
  if (json.empty()) return 1;
  std::cout << json;
  return 0;
}

int run(int argc, char** argv) {
  gene::farm::WorkerCommandLine command_line;
  if (int status = gene::farm::parse_worker_command_line(argc, argv, command_line); status >= 0) return status;
  if (command_line.describe) return print_description(command_line.config, command_line.json);

  // The signals are taken by sigwait() below rather than by a handler
  // (which could do almost nothing safely). Blocked before gRPC starts its
  // threads, so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // A job that ignores its interrupt long past its deadline holds its
  // thread for good: better a fresh worker (Kubernetes or the operator
  // restarts it) than one that looks healthy and is not.
  command_line.config.on_wedged = [](const std::string& why) {
    std::cerr << "worker: " << why << "; health is NOT_SERVING; exiting (status 3) so that the worker is replaced"
              << std::endl;
    std::_Exit(3);
  };
  auto started = gene::farm::WorkerServer::start(command_line.config);
  if (!started.ok()) {
    std::cerr << "worker: " << started.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<gene::farm::WorkerServer> server = *std::move(started);
  std::cout << "listening on " << server->address() << "\n";
  if (!server->metrics_address().empty()) std::cout << "metrics on " << server->metrics_address() << "\n";
  std::cout.flush();

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "worker: " << strsignal(signal_number) << ": shutting down\n";
  server->shutdown();
  std::cerr << "worker: stopped\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Jobs catch their own; this is for the server itself.
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "worker: out of memory\n";
    return 1;
  }
}
