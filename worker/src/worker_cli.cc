#include "worker_cli.h"

#include <CLI/CLI.hpp>
#include <re2/re2.h>
#include <fstream>
#include <iostream>

#include "absl/status/status.h"

#include "gene/command_line/cli11_errors.h"
#include "gene/machine_info.h"

namespace gene::farm {

namespace {

int usage_error(const std::string& message) {
  std::cerr << "worker: " << message << "\nRun with --help for more information.\n";
  return command_line::kUsageError;
}

int usage_error(const absl::Status& status) { return usage_error(std::string(status.message())); }

// INVALID_ARGUMENT unless every k=v is a new, well-formed, non-implicit label.
absl::Status parse_labels(const std::vector<std::string>& pairs, std::map<std::string, std::string>& labels) {
  static const RE2 key_syntax("[A-Za-z_][A-Za-z0-9_]*");
  for (const auto& pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos) return absl::InvalidArgumentError("--label wants K=V, not \"" + pair + "\"");
    std::string key = pair.substr(0, eq), value = pair.substr(eq + 1);
    if (!RE2::FullMatch(key, key_syntax))
      return absl::InvalidArgumentError("label name \"" + key + "\" must match [A-Za-z_][A-Za-z0-9_]*");
    for (const char* implicit : kImplicitLabels)
      if (key == implicit) return absl::InvalidArgumentError("label " + key + " is implicit: the worker sets it itself");
    if (!labels.emplace(key, value).second) return absl::InvalidArgumentError("label " + key + " is given twice");
  }
  return absl::OkStatus();
}

// OK when every given TLS file can be read.
absl::Status check_tls_files(const TlsFiles& tls) {
  if (!tls.enabled()) return absl::OkStatus();
  if (tls.cert.empty() || tls.key.empty()) return absl::InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
  for (auto [flag, path] : {std::pair<const char*, const std::string*>{"--tls-cert", &tls.cert},
                            {"--tls-key", &tls.key},
                            {"--tls-ca", &tls.ca}})
    if (!path->empty() && !std::ifstream(*path))
      return absl::FailedPreconditionError(std::string(flag) + ": cannot read " + *path);
  return absl::OkStatus();
}

}  // namespace

int parse_worker_command_line(int argc, char** argv, WorkerCommandLine& out) {
  CLI::App app(
      "Gene benchmark farm worker: runs benchmark jobs on the embedded Gene VM over gRPC.\n"
      "Prints `listening on HOST:PORT` (and `metrics on HOST:PORT`) first; stops cleanly on\n"
      "SIGTERM or SIGINT. The token comes from --token-file, else GENE_FARM_TOKEN.",
      "worker");
  WorkerConfig& c = out.config;
  c.listen.clear();
  std::vector<std::string> labels;
  std::string token_file;
  app.add_option("--listen", c.listen, "Address to serve on, HOST:PORT (port 0: any free port)")
      ->type_name("HOST:PORT");
  app.add_option("--name", c.name, "Worker name in Describe and results (default: host name)")->type_name("NAME");
  app.set_version_flag("--version", version_text("worker"), "Print the build (version, commit, build id, compiler, flags) and exit");
  app.add_option("--label", labels,
                 "Hardware label k=v, repeatable (arch, cpu_model, cores, host, vm_commit, vm_build_id are implicit)")
      ->type_name("K=V")
      ->allow_extra_args(false);
  app.add_option("--host-name", c.host_name,
                 "The machine's name in the implicit `host` label (default: the host name; on Kubernetes, the node's)")
      ->type_name("NAME");
  app.add_option("--metrics-port", c.metrics_port, "Serve Prometheus /metrics on PORT (0: any free port)")
      ->type_name("PORT")
      ->check(CLI::Range(0, 65535).description(""));
  app.add_option("--metrics-listen", c.metrics_listen,
                 "Or serve /metrics on this address, e.g. 127.0.0.1:9101 (port 0: any free port)")
      ->type_name("HOST:PORT");
  app.add_option("--max-concurrent", c.max_concurrent,
                 "Jobs run at once (1-1024); more are refused with RESOURCE_EXHAUSTED")
      ->type_name("N")
      ->check(CLI::Range(1, 1024).description(""))
      ->default_val(1);
  app.add_option("--max-heap-cap", c.max_heap_cap,
                 "The most heap a job may ask for, e.g. 512MiB, 4GiB (default 1GiB); more is refused")
      ->type_name("SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->default_str("1GiB");
  app.add_option("--token-file", token_file, "File holding the farm's shared token (else GENE_FARM_TOKEN)")
      ->type_name("FILE");
  app.add_option("--tls-cert", c.tls.cert, "Server certificate chain (PEM); enables TLS")->type_name("FILE");
  app.add_option("--tls-key", c.tls.key, "Server private key (PEM)")->type_name("FILE");
  app.add_option("--tls-ca", c.tls.ca, "CA (PEM) that client certificates must be signed by (mTLS)")->type_name("FILE");
  app.add_flag("--describe", out.describe,
               "Print this worker's Describe answer (hardware, build, labels, hardware counters) and exit");
  app.add_flag("--json", out.json, "With --describe: print it as protobuf JSON");
  if (auto status = command_line::parse_command_line(app, argc, argv, "worker")) return *status;
  if (absl::Status e = parse_labels(labels, c.labels); !e.ok()) return usage_error(e);
  if (out.json && !out.describe) return usage_error("--json goes with --describe");
  if (out.describe) return -1;
  std::string host;
  int port = 0;
  if (c.listen.empty()) return usage_error("--listen is required");
  if (!split_host_port(c.listen, host, port)) return usage_error("--listen wants HOST:PORT, not \"" + c.listen + "\"");
  // A bad --metrics-listen is a usage error (2), not a failure to bind (1).
  if (auto bind = metrics_bind_address(host, c.metrics_listen, c.metrics_port); !bind.ok())
    return usage_error(bind.status());
  if (absl::Status e = check_tls_files(c.tls); !e.ok()) return usage_error(e);
  absl::StatusOr<std::string> token = load_token(token_file);
  if (!token.ok()) return usage_error(token.status());
  c.token = *std::move(token);
  return -1;
}

}  // namespace gene::farm
