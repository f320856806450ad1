// The `gene` command line: run, eval and disasm Gene programs.
// Exit status: 0 ok, 1 program error (reading or running), 2 usage.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gene/vm.h"

namespace {

constexpr const char* kUsage = R"(gene — the Gene VM

usage:
  gene run FILE [options]        run a program; prints only what it prints
  gene eval 'CODE' [options]     run CODE and print its value
  gene disasm FILE [-O0|-O1|-O2] print the bytecode listing
  gene --version | --help

options:
  --param k=v            bind top-level k before the program runs (repeatable);
                         v is read as a Gene literal (int, float, "string",
                         true, false, nil), anything else as a string
  -O0 | -O1 | -O2        optimization level (default -O2)
  --no-fold --no-dce --no-inline --no-superinstructions
                         turn one optimization pass off
  --stats                print the VM statistics table to stderr
  --profile              also collect the instruction mix and hotspots
  --trace                print each executed instruction to stderr
  --trace-limit N        stop tracing after N instructions (default 10000)
  --json OUT             write value, error and statistics as JSON to OUT (- = stdout)
  --timeout SECONDS      stop the program with "timeout" after SECONDS
  --max-heap BYTES       heap limit ("out of memory" past it); suffixes KiB MiB GiB
  --max-depth N          call depth limit (default 100000)
  --max-output BYTES     output limit

environment: GENE_TRACE=1 acts as --trace, GENE_PROFILE=1 as --profile.
exit status: 0 ok, 1 program error, 2 usage error or unreadable file.
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "error: %s\n(run `gene --help` for usage)\n", message.c_str());
  std::exit(2);
}

bool parse_uint(const std::string& text, uint64_t& out) {
  if (text.empty() || text[0] == '-') return false;
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
      if (!parse_uint(text.substr(0, text.size() - n), v)) return false;
      out = v * scale;
      return true;
    }
  }
  return parse_uint(text, out);
}

struct Cli {
  std::string command;
  std::string target;  // FILE or CODE
  std::vector<gene::Param> params;
  gene::RunOptions run;
  bool stats = false;
  std::string json_out;
};

Cli parse_args(int argc, char** argv) {
  Cli cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) usage_error("missing command");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, stdout);
    std::exit(0);
  }
  if (args[0] == "--version") {
    auto b = gene::build_info();
    std::printf("gene %s (commit %s, %s, %s)\n", b.version.c_str(), b.commit.c_str(), b.compiler.c_str(),
                b.build_type.c_str());
    std::exit(0);
  }
  cli.command = args[0];
  if (cli.command != "run" && cli.command != "eval" && cli.command != "disasm")
    usage_error("unknown command '" + cli.command + "'");
  int level = 2;
  bool no_fold = false, no_dce = false, no_inline = false, no_super = false;
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
    } else if (a == "--param" || a.rfind("--param=", 0) == 0) {
      std::string kv = a == "--param" ? value_of(i, a) : a.substr(8);
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
    } else if (a == "--timeout") {
      std::string v = value_of(i, a);
      char* end = nullptr;
      double s = std::strtod(v.c_str(), &end);
      if (*end || !(s > 0) || !std::isfinite(s)) usage_error("--timeout takes a positive number of seconds");
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
    } else if (a.size() > 1 && a[0] == '-') {
      usage_error("unknown option '" + a + "'");
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
  if (const char* t = std::getenv("GENE_TRACE"); t && std::strcmp(t, "1") == 0) cli.run.trace = true;
  if (const char* p = std::getenv("GENE_PROFILE"); p && std::strcmp(p, "1") == 0) cli.run.profile = true;
  return cli;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

std::string json_number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  char buf[64];
  if (*v == std::floor(*v) && std::fabs(*v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", *v);
  else std::snprintf(buf, sizeof buf, "%.9g", *v);
  return buf;
}

std::string stats_json(const gene::RunResult& r) {
  std::string j = "{\n  \"value\": " + (r.ok() ? json_string(r.value) : std::string("null")) + ",\n  \"error\": " +
                  (r.ok() ? std::string("null") : json_string(r.error));
  for (auto& [name, value] : r.stats.scalars()) j += ",\n  " + json_string(name) + ": " + json_number(value);
  if (!r.stats.instruction_mix.empty()) {
    j += ",\n  \"instruction_mix\": [";
    bool first = true;
    for (auto& m : r.stats.instruction_mix) {
      j += std::string(first ? "" : ",") + "\n    {\"opcode\": " + json_string(m.opcode) +
           ", \"count\": " + std::to_string(m.count) + ", \"share\": " + json_number(m.share) + "}";
      first = false;
    }
    j += "\n  ],\n  \"hotspots\": [";
    first = true;
    for (auto& h : r.stats.hotspots) {
      j += std::string(first ? "" : ",") + "\n    {\"function\": " + json_string(h.function) +
           ", \"line\": " + std::to_string(h.line) + ", \"instructions\": " + std::to_string(h.instructions) + "}";
      first = false;
    }
    j += "\n  ]";
  }
  return j + "\n}\n";
}

void print_stats_table(const gene::RunResult& r) {
  std::fprintf(stderr, "%-34s %s\n", "statistic", "value");
  for (auto& [name, value] : r.stats.scalars()) {
    std::string text = value ? json_number(value) : "-";
    if (value && *value != std::floor(*value)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", *value);
      text = buf;
    }
    std::fprintf(stderr, "%-34s %s\n", name.c_str(), text.c_str());
  }
  if (!r.stats.instruction_mix.empty()) {
    std::fprintf(stderr, "\ninstruction mix\n");
    for (auto& m : r.stats.instruction_mix)
      std::fprintf(stderr, "  %-16s %14llu  %5.1f%%\n", m.opcode.c_str(), (unsigned long long)m.count,
                   m.share * 100);
    std::fprintf(stderr, "\nhotspots (instructions executed)\n");
    for (auto& h : r.stats.hotspots) {
      std::string where = h.line ? h.function + " line " + std::to_string(h.line) : h.function + " (total)";
      std::fprintf(stderr, "  %-30s %14llu\n", where.c_str(), (unsigned long long)h.instructions);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli = parse_args(argc, argv);
  if (cli.command == "disasm") {
    std::string listing, error;
    if (!gene::disassemble(read_file(cli.target), cli.target, cli.run.optimizer, listing, error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return 1;
    }
    std::fputs(listing.c_str(), stdout);
    return 0;
  }
  std::string source = cli.command == "eval" ? cli.target : read_file(cli.target);
  std::string name = cli.command == "eval" ? "<eval>" : cli.target;
  gene::RunResult r = gene::run_program(source, name, cli.params, cli.run);
  std::fflush(stdout);
  if (r.error_kind == gene::ErrorKind::Usage) usage_error(r.error);
  if (cli.command == "eval" && r.ok()) std::printf("%s\n", r.value.c_str());
  std::fflush(stdout);
  if (!r.ok()) std::fprintf(stderr, "error: %s\n", r.error.c_str());
  if (cli.stats || cli.run.profile) print_stats_table(r);
  if (!cli.json_out.empty()) {
    std::string j = stats_json(r);
    if (cli.json_out == "-") {
      std::fputs(j.c_str(), stdout);
    } else {
      std::ofstream out(cli.json_out, std::ios::binary);
      if (!out || !(out << j)) usage_error("cannot write " + cli.json_out);
    }
  }
  return r.ok() ? 0 : 1;
}
