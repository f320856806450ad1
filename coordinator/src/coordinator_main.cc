// coordinator submit suite.yaml [...] | coordinator compare suite.yaml [...]
// | coordinator serve --listen ADDR --workers ... [...] | coordinator workers --coordinator ADDR
// | coordinator history [--store PATH] [...]
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>

#include "gene/command_line/cli11_errors.h"
#include "gene/coordinator/commands.h"
#include "gene/coordinator/manifest.h"
#include "gene/machine_info.h"


namespace {

// A CLI11 validator for durations (`500ms`, `30s`, `1m30s`).
struct DurationValidator : CLI::Validator {
  DurationValidator() {
    name_ = "DURATION";
    func_ = [](const std::string& s) {
      return gene::coordinator::parse_duration(s) ? std::string() : "not a duration (e.g. 500ms, 30s, 1m30s): " + s;
    };
  }
};

// Durations, or a bare 0 (`--min-time 0`: calibration off).
struct ZeroOrDurationValidator : CLI::Validator {
  ZeroOrDurationValidator() {
    name_ = "DURATION";
    func_ = [](const std::string& s) {
      if (s == "0") return std::string();
      auto d = gene::coordinator::parse_duration(s);
      if (!d) return "not a duration (e.g. 100ms, 0.5s) nor 0: " + s;
      return *d <= 86400 ? std::string() : "at most 24h: " + s;
    };
  }
};

// A fraction as `1%` or `0.01`, in [0, 1]; nullopt otherwise.
std::optional<double> parse_fraction(const std::string& s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  bool percent = s.back() == '%';
  std::string number = percent ? s.substr(0, s.size() - 1) : s;
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(v)) return std::nullopt;
  if (percent) v = std::round(v / 100 * 1e12) / 1e12;  // 99.9% is 0.999, not 0.9990000000000001
  if (v < 0 || v > 1) return std::nullopt;
  return v;
}

struct FractionValidator : CLI::Validator {
  FractionValidator() {
    name_ = "PERCENT";
    func_ = [](const std::string& s) {
      return parse_fraction(s) ? std::string() : "not a share between 0% and 100% (e.g. 1% or 0.01): " + s;
    };
  }
};

const char* const kStoreHelp =
    "Results store (SQLite): a path, or none to record nothing (default: $XDG_DATA_HOME/gene-farm/results.sqlite, "
    "else ~/.local/share/gene-farm/results.sqlite)";

std::chrono::milliseconds to_ms(const std::string& duration) {
  return std::chrono::milliseconds(int64_t(*gene::coordinator::parse_duration(duration) * 1000));
}

void add_security_flags(CLI::App& app, std::string& token_file, gene::farm::TlsFiles& tls) {
  app.add_option("--token-file", token_file, "File holding the farm's token (else GENE_FARM_TOKEN; none: no auth)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", tls.cert, "PEM certificate to present (TLS)")->check(CLI::ExistingFile);
  app.add_option("--tls-key", tls.key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);
  app.add_option("--tls-ca", tls.ca, "PEM CA to verify the peer with (a server then requires client certificates)")
      ->check(CLI::ExistingFile);
}

int run(int argc, char** argv) {
  CLI::App app{"Gene benchmark farm coordinator: runs suite manifests on workers, judges targets, exports results"};
  app.set_version_flag("--version", gene::farm::version_text("coordinator"),
                       "Print the build (version, commit, build id, compiler, flags) and exit");
  app.require_subcommand(1);
  app.footer(
      "Exit status of submit: 0 all targets met, 1 a target missed, a job failed or a --baseline\n"
      "verdict is slower, 2 bad manifest, store or usage, no matching worker, or farm unreachable.");

  gene::coordinator::SubmitOptions submit;
  submit.executable = argc > 0 ? argv[0] : "coordinator";
  CLI::App* submit_cmd = app.add_subcommand(
      "submit", "Run a suite: on a coordinator with --coordinator, else locally in this process (local mode)");
  submit_cmd->add_option("suite", submit.manifest, "Suite manifest (YAML)")->required();
  submit_cmd->add_option("--coordinator", submit.coordinator,
                         "HOST:PORT of a coordinator (without it: local mode, no servers)");
  submit_cmd->add_option("--json", submit.json_out, "Write Google Benchmark JSON to this file ('-' = stdout)");
  submit_cmd->add_option("--pushgateway", submit.pushgateway,
                         "Push the gene_bench_* series to this Prometheus Pushgateway (http://HOST:PORT)");
  uint32_t repetitions = 0;
  submit_cmd->add_option("--repetitions", repetitions, "Override every benchmark's repetitions")
      ->check(CLI::Range(1, 10000));
  std::string min_time;
  submit_cmd
      ->add_option("--min-time", min_time,
                   "Override every benchmark's min_time: the least time of one measured repetition (0: one run each)")
      ->check(ZeroOrDurationValidator())
      ->type_name("DURATION");
  submit_cmd->add_option("--filter", submit.filter,
                         "Run only jobs whose name (e.g. fib/n:30) matches this regular expression (RE2 syntax)");
  submit_cmd->add_option("--store", submit.store,
                         std::string(kStoreHelp) +
                             "; with --coordinator the coordinator's store records the run, and a path here keeps a "
                             "copy")
      ->type_name("PATH|none");
  submit_cmd
      ->add_option("--baseline", submit.baseline,
                   "Judge the run against stored runs of this suite on the same hardware class: latest, a run id "
                   "(coordinator history lists them) or a VM commit; a slower verdict exits 1")
      ->type_name("RUN|latest|COMMIT");
  std::string min_effect = "1%";
  submit_cmd
      ->add_option("--min-effect", min_effect,
                   "With --baseline: the least change of CPU time called slower or faster, above the stored noise")
      ->check(FractionValidator())
      ->capture_default_str();
  add_security_flags(*submit_cmd, submit.token_file, submit.tls);

  gene::coordinator::CompareOptions compare;
  std::string compare_min_effect = "1%", confidence = "99%", max_time = "60s", compare_min_time;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare",
      "Compare two builds in interleaved rounds: slower, faster, same or inconclusive per job, with confidence");
  compare_cmd->add_option("suite", compare.manifest, "Suite manifest (YAML) of the baseline, and of the candidate")
      ->required();
  compare_cmd->add_option("--candidate-suite", compare.candidate_manifest,
                          "Run this manifest on the candidate side instead (jobs match by name, e.g. fib/n:30)");
  compare_cmd
      ->add_option("--baseline", compare.baseline,
                   "Baseline side: a worker binary PATH[,optimize=N,max_heap=SIZE,max_depth=N] (default: the worker "
                   "beside this coordinator); with --coordinator, label:K=V[,K=V...]")
      ->type_name("SIDE");
  compare_cmd->add_option("--candidate", compare.candidate, "Candidate side, as --baseline")->type_name("SIDE");
  compare_cmd
      ->add_option("--coordinator", compare.coordinator,
                   "HOST:PORT of a coordinator: it pairs a baseline and a candidate worker on one host")
      ->type_name("HOST:PORT");
  compare_cmd
      ->add_option("--min-effect", compare_min_effect, "Smallest change called slower or faster; within it is the same")
      ->check(FractionValidator())
      ->type_name("PERCENT")
      ->capture_default_str();
  compare_cmd
      ->add_option("--confidence", confidence, "Confidence for all jobs together (adjusted for their number)")
      ->check(FractionValidator())
      ->type_name("PERCENT")
      ->capture_default_str();
  compare_cmd->add_option("--max-time", max_time, "Most time per job before it ends inconclusive")
      ->check(DurationValidator())
      ->type_name("DURATION")
      ->capture_default_str();
  compare_cmd->add_option("--max-rounds", compare.max_rounds, "Most rounds per job")
      ->check(CLI::Range(2, 100000))
      ->capture_default_str();
  compare_cmd
      ->add_option("--metric", compare.metric,
                   "What is compared: cpu (CPU time per run), wall, or a statistic such as instructions")
      ->type_name("METRIC")
      ->capture_default_str();
  compare_cmd
      ->add_option("--min-time", compare_min_time,
                   "Override every benchmark's min_time: the least time of one side's repetition in a round")
      ->check(ZeroOrDurationValidator())
      ->type_name("DURATION");
  compare_cmd->add_option("--filter", compare.filter,
                          "Compare only jobs whose name (e.g. fib/n:30) matches this regular expression (RE2 syntax)");
  compare_cmd->add_option("--json", compare.json_out, "Write the comparisons as JSON to this file ('-' = stdout)");
  compare_cmd->add_option("--html", compare.html_out,
                          "Write a self-contained HTML page (both sides' values, each ratio with its interval)");
  compare_cmd
      ->add_option("--store", compare.store,
                   std::string(kStoreHelp) +
                       "; records a run per side and the verdicts; with --coordinator the coordinator's store "
                       "records them, and a path here keeps a copy")
      ->type_name("PATH|none");
  add_security_flags(*compare_cmd, compare.token_file, compare.tls);
  compare_cmd->footer(
      "Exit status: 0 no job slower and none failed, 1 a job slower or failed, 2 bad input or farm\n"
      "unreachable, 130 interrupted (Ctrl-C: the rounds stop and the workers are stopped cleanly).");

  gene::coordinator::ServeOptions serve;
  std::string check_interval = "1s", no_worker_grace = "10s";
  CLI::App* serve_cmd = app.add_subcommand("serve", "Serve the Coordinator gRPC service in front of workers");
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to serve on (port 0: any free port)")->required();
  serve_cmd->add_option("--workers", serve.workers, "Workers: HOST:PORT[,HOST:PORT...] or dns:///NAME:PORT")
      ->required();
  serve_cmd
      ->add_option("--metrics-port", serve.metrics_port, "Serve Prometheus /metrics on this port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve_cmd
      ->add_option("--metrics-listen", serve.metrics_listen,
                   "Or serve /metrics on this address, e.g. 127.0.0.1:9100 (port 0: any free port)")
      ->type_name("HOST:PORT");
  serve_cmd->add_option("--check-interval", check_interval, "Time between health checks of each worker")
      ->check(DurationValidator())
      ->capture_default_str();
  serve_cmd
      ->add_option("--no-worker-grace", no_worker_grace,
                   "How long a job waits for a matching worker to come back before it fails with no_worker")
      ->check(DurationValidator())
      ->capture_default_str();
  serve_cmd->add_option("--max-attempts", serve.max_attempts, "Attempts per job when workers are lost")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  serve_cmd
      ->add_option("--jobs-per-host", serve.jobs_per_host,
                   "Jobs run at once on one machine (workers sharing a `host` label); more disturb each other's timings")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  serve_cmd
      ->add_option("--store", serve.store,
                   std::string(kStoreHelp) + "; each finished job is recorded as it arrives")
      ->type_name("PATH|none");
  add_security_flags(*serve_cmd, serve.token_file, serve.tls);

  gene::coordinator::HistoryOptions history;
  CLI::App* history_cmd =
      app.add_subcommand("history", "List the runs a results store holds, newest first, with each job's median "
                                    "CPU time and its change from the run before");
  history_cmd->add_option("--store", history.store, "Results store (SQLite) to read (default: local mode's)")
      ->type_name("PATH");
  history_cmd->add_option("--suite", history.suite, "Only runs of this suite");
  history_cmd->add_option("--job", history.job,
                          "Only jobs whose name (e.g. fib/n:30) matches this regular expression (RE2 syntax)");
  history_cmd->add_option("--last", history.last, "Only the newest N runs (with a matching job)")
      ->check(CLI::Range(1, 1000000));
  history_cmd->add_option("--json", history.json_out, "Write the runs as JSON to this file ('-' = stdout)");
  history_cmd->add_option("--html", history.html_out,
                          "Write a self-contained HTML page with a plot per job to this file");

  gene::coordinator::WorkersOptions workers;
  CLI::App* workers_cmd = app.add_subcommand("workers", "List a coordinator's workers and their state");
  workers_cmd->add_option("--coordinator", workers.coordinator, "HOST:PORT of the coordinator")->required();
  add_security_flags(*workers_cmd, workers.token_file, workers.tls);

  if (auto status = gene::command_line::parse_command_line(app, argc, argv, "coordinator")) return *status;
  if (*submit_cmd) {
    if (repetitions) submit.repetitions = repetitions;
    if (!min_time.empty()) submit.min_time = min_time == "0" ? 0.0 : *gene::coordinator::parse_duration(min_time);
    submit.min_effect = *parse_fraction(min_effect);
    return gene::coordinator::run_submit(submit);
  }
  if (*history_cmd) return gene::coordinator::run_history(history);
  if (*compare_cmd) {
    compare.min_effect = *parse_fraction(compare_min_effect);
    compare.confidence = *parse_fraction(confidence);
    compare.max_seconds = *gene::coordinator::parse_duration(max_time);
    if (!compare_min_time.empty())
      compare.min_time = compare_min_time == "0" ? 0.0 : *gene::coordinator::parse_duration(compare_min_time);
    return gene::coordinator::run_compare(compare);
  }
  if (*workers_cmd) return gene::coordinator::run_workers(workers);
  serve.check_interval = to_ms(check_interval);
  serve.no_worker_grace = to_ms(no_worker_grace);
  return gene::coordinator::run_serve(serve);
}

}  // namespace

int main(int argc, char** argv) {
  // The last line of defence: a command that runs out of memory says so and
  // exits 1 rather than aborting (RPC handlers catch their own).
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("coordinator: out of memory\n", stderr);
    return 1;
  }
}
