#include "run_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "file_io.h"
#include "stats_report.h"

namespace gene::cli {

int run_command(const CliOptions& cli) {
  const bool eval = cli.command == "eval";
  std::string source = eval ? cli.target : read_source_file(cli.target);
  std::string name = eval ? "<eval>" : cli.target;
  if (!cli.json_out.empty()) check_output(cli.json_out);  // before the run, not after it
  // With --json -, stdout holds the JSON document alone: what the program
  // prints, and eval's value, go to stderr instead.
  const bool json_on_stdout = cli.json_out == "-";
  std::FILE* out = json_on_stdout ? stderr : stdout;
  gene::RunOptions options = cli.run;
  if (json_on_stdout) options.output = [](std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); };
  gene::RunResult r = gene::run_program(source, name, cli.params, options);
  std::fflush(stdout);
  if (r.error_kind == gene::ErrorKind::Usage) usage_error(r.error);
  if (eval && r.ok()) std::fprintf(out, "%s\n", r.value.c_str());
  if (std::fflush(out) != 0 && r.ok()) {
    r.error_kind = gene::ErrorKind::Runtime;
    r.error = name + ": cannot write the output: " + std::strerror(errno);
  }
  if (!r.ok()) std::fprintf(stderr, "error: %s\n", r.error.c_str());
  if (cli.stats || cli.run.profile) {
    std::fprintf(stderr, "%sstatistics\n\n", r.ok() ? "" : "\n");
    print_stats_table(stderr, r.stats.scalars());
    print_profile(stderr, r.stats);
  }
  if (!cli.json_out.empty()) write_output(cli.json_out, run_json(r));
  return r.ok() ? 0 : 1;
}

int disasm_command(const CliOptions& cli) {
  absl::StatusOr<std::string> listing = gene::disassemble(read_source_file(cli.target), cli.target, cli.run.optimizer);
  if (!listing.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(listing.status().message()).c_str());
    return 1;
  }
  std::fputs(listing->c_str(), stdout);
  return 0;
}

}  // namespace gene::cli
