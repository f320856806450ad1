#include "cli_options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "gene/command_line/suggest.h"

namespace gene::cli {

namespace {

const std::vector<std::string> kCommands = {"run", "eval", "disasm", "bench"};
// Every option, for `--opt=value` and for suggesting what a mistyped one meant.
const std::vector<std::string> kValueOptions = {"--param",      "--trace-limit", "--json",        "--timeout",
                                                "--max-heap",   "--max-depth",   "--max-output",  "--gc-young",
                                                "--gc-old-ratio", "--repetitions", "--warmup"};
const std::vector<std::string> kFlagOptions = {"-O0",       "-O1",      "-O2",     "--no-fold", "--no-dce", "--no-inline",
                                               "--no-superinstructions", "--no-tco", "--verify-bytecode", "--stats", "--profile",
                                               "--trace", "--help"};

bool is_one_of(const std::string& word, const std::vector<std::string>& words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// `--opt=value` becomes `--opt value` for the options that take a value;
// `--flag=...` is a usage error.
std::vector<std::string> split_option_values(std::vector<std::string> args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    size_t eq = a.find('=');
    if (i == 0 || a.rfind("--", 0) != 0 || eq == std::string::npos) {
      out.push_back(a);
      continue;
    }
    std::string name = a.substr(0, eq);
    if (is_one_of(name, kFlagOptions)) usage_error(name + " takes no value");
    if (!is_one_of(name, kValueOptions)) {
      out.push_back(a);  // reported as unknown below
      continue;
    }
    out.push_back(name);
    out.push_back(a.substr(eq + 1));
  }
  return out;
}

std::vector<std::string> all_options() {
  std::vector<std::string> all = kValueOptions;
  all.insert(all.end(), kFlagOptions.begin(), kFlagOptions.end());
  return all;
}

constexpr const char* kUsage = R"(gene — the Gene VM

usage:
  gene run FILE [options]        run a program; prints only what it prints
  gene eval 'CODE' [options]     run CODE and print its value
  gene disasm FILE [options]     print the bytecode listing (-O…, --no-…)
  gene bench FILE [options] [--repetitions N] [--warmup N]
                                 time N fresh runs after warm-up runs
  gene --version | --help

options (those that take a value accept --opt=value as well as --opt value):
  --param k=v            bind top-level k before the program runs (repeatable);
                         v is read as a Gene literal (int, float, "string",
                         true, false, nil), anything else as a string
  -O0 | -O1 | -O2        optimization level (default -O2)
  --no-fold --no-dce --no-inline --no-superinstructions
                         turn one optimization pass off
  --no-tco               calls in tail position take a new frame (at every level
                         they reuse the caller's, as the language promises)
  --stats                print the VM statistics table to stderr
  --profile              also collect the instruction mix and hotspots
  --trace                print each executed instruction to stderr
  --trace-limit N        stop tracing after N instructions (default 10000)
  --json OUT             write value, error and statistics as JSON to OUT (- = stdout);
                         for bench, Google Benchmark's JSON format
  --timeout SECONDS      stop the program with "timeout" after SECONDS (bench: per run)
  --max-heap BYTES       heap limit ("out of memory" past it); suffixes KiB MiB GiB
  --max-depth N          call depth limit (default 100000)
  --max-output BYTES     output limit
  --gc-young N           cycle candidates buffered before a young collection (default 256)
  --gc-old-ratio R       full collection once the candidates promoted since the last one
                         reach R times what it examined, and --gc-young (default 0.25)

bench options:
  --repetitions N        timed runs (default 5, at least 1)
  --warmup N             untimed runs before them (default 1)

environment: GENE_TRACE=1 acts as --trace, GENE_PROFILE=1 as --profile.
exit status: 0 ok, 1 program error, 2 usage error or unreadable file.
)";

bool parse_uint(const std::string& text, uint64_t& out) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno || *end) return false;
  out = v;
  return true;
}

bool parse_bytes(const std::string& text, uint64_t& out) {
  static const std::pair<const char*, uint64_t> suffixes[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"KB", 1000}, {"MB", 1000000},
      {"GB", 1000000000}, {"K", 1ull << 10},     {"M", 1ull << 20},   {"G", 1ull << 30}};
  for (auto& [suffix, scale] : suffixes) {
    size_t n = std::strlen(suffix);
    if (text.size() > n && text.compare(text.size() - n, n, suffix) == 0) {
      uint64_t v;
      if (!parse_uint(text.substr(0, text.size() - n), v) || v > UINT64_MAX / scale) return false;
      out = v * scale;
      return true;
    }
  }
  return parse_uint(text, out);
}

bool env_is_1(const char* name) {
  const char* v = std::getenv(name);
  return v && std::strcmp(v, "1") == 0;
}

}  // namespace

void usage_error(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n(run `gene --help` for usage)\n", message.c_str());
  std::exit(gene::command_line::kUsageError);
}

CliOptions parse_cli(int argc, char** argv) {
  CliOptions cli;
  cli.program_name = argc > 0 ? argv[0] : "gene";
  std::vector<std::string> args = split_option_values({argv + 1, argv + argc});
  if (args.empty()) usage_error("missing command");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, stdout);
    std::exit(0);
  }
  if (args[0] == "--version") {
    std::puts(gene::version_text("gene").c_str());
    std::exit(0);
  }
  cli.command = args[0];
  if (cli.command != "run" && cli.command != "eval" && cli.command != "disasm" && cli.command != "bench")
    usage_error("unknown command '" + cli.command + "'" + gene::command_line::did_you_mean(cli.command, kCommands));
  const bool bench = cli.command == "bench";
  int level = 2;
  bool no_fold = false, no_dce = false, no_inline = false, no_super = false, no_tco = false, verify = false;
  auto value_of = [&](size_t& i, const std::string& flag) -> std::string {
    if (i + 1 >= args.size()) usage_error(flag + " needs a value");
    return args[++i];
  };
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    uint64_t n;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--param") {
      std::string kv = value_of(i, a);
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) usage_error("--param takes k=v, got '" + kv + "'");
      cli.params.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
    } else if (a == "-O0" || a == "-O1" || a == "-O2") {
      level = a[2] - '0';
    } else if (a == "--no-fold") {
      no_fold = true;
    } else if (a == "--no-dce") {
      no_dce = true;
    } else if (a == "--no-inline") {
      no_inline = true;
    } else if (a == "--no-superinstructions") {
      no_super = true;
    } else if (a == "--no-tco") {
      no_tco = true;
    } else if (a == "--verify-bytecode") {  // for the tests: not in --help
      verify = true;
    } else if (a == "--stats") {
      cli.stats = true;
    } else if (a == "--profile") {
      cli.run.profile = true;
    } else if (a == "--trace") {
      cli.run.trace = true;
    } else if (a == "--trace-limit") {
      if (!parse_uint(value_of(i, a), n)) usage_error("--trace-limit takes a count");
      cli.run.trace_limit = n;
    } else if (a == "--json") {
      cli.json_out = value_of(i, a);
      if (cli.json_out.empty()) usage_error("--json needs a file name (or - for stdout)");
    } else if (a == "--timeout") {
      std::string v = value_of(i, a);
      char* end = nullptr;
      double s = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(s > 0) || !std::isfinite(s))
        usage_error("--timeout takes a positive number of seconds");
      cli.run.timeout_seconds = s;
    } else if (a == "--max-heap") {
      if (!parse_bytes(value_of(i, a), n) || n == 0) usage_error("--max-heap takes a size in bytes (e.g. 64MiB)");
      cli.run.max_heap_bytes = n;
    } else if (a == "--max-depth") {
      if (!parse_uint(value_of(i, a), n) || n == 0 || n > 10000000) usage_error("--max-depth takes a count");
      cli.run.max_depth = uint32_t(n);
    } else if (a == "--max-output") {
      if (!parse_bytes(value_of(i, a), n) || n == 0) usage_error("--max-output takes a size in bytes");
      cli.run.max_output_bytes = n;
    } else if (a == "--gc-young") {
      if (!parse_uint(value_of(i, a), n) || n == 0 || n > 100000000) usage_error("--gc-young takes a count of at least 1");
      cli.run.gc_young_threshold = uint32_t(n);
    } else if (a == "--gc-old-ratio") {
      std::string v = value_of(i, a);
      char* end = nullptr;
      double r = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(r >= 0) || r > 1e6) usage_error("--gc-old-ratio takes a number of at least 0");
      cli.run.gc_old_ratio = r;
    } else if (a == "--repetitions" || a == "--warmup") {
      if (!bench) usage_error(a + " is an option of gene bench");
      std::string v = value_of(i, a);
      if (!parse_uint(v, n) || n > 1000000 || (a == "--repetitions" && n == 0))
        usage_error(a + (a == "--repetitions" ? " takes a count of at least 1" : " takes a count"));
      (a == "--repetitions" ? cli.repetitions : cli.warmup) = n;
    } else if (a.size() > 1 && a[0] == '-') {
      usage_error("unknown option '" + a + "'" +
                  gene::command_line::did_you_mean(a.substr(0, a.find('=')), all_options()));
    } else if (cli.target.empty()) {
      cli.target = a;
    } else {
      usage_error("unexpected argument '" + a + "'");
    }
  }
  if (cli.target.empty()) usage_error(cli.command == "eval" ? "eval needs CODE" : cli.command + " needs FILE");
  auto& o = cli.run.optimizer;
  o = gene::OptimizerOptions::for_level(level);
  if (no_fold) o.fold = false;
  if (no_dce) o.dce = false;
  if (no_inline) o.inline_calls = false;
  if (no_super) o.superinstructions = false;
  if (no_tco) o.tco = false;
  if (verify) o.verify = true;
  if (env_is_1("GENE_TRACE")) cli.run.trace = true;
  if (env_is_1("GENE_PROFILE")) cli.run.profile = true;
  return cli;
}

}  // namespace gene::cli
