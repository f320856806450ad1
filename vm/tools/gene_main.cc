// The `gene` command line: run, eval, disasm and bench Gene programs.
// Exit status: 0 ok, 1 program error (reading or running), 2 usage error
// or unreadable file. docs/cli.md describes every command and option.
#include "bench_command.h"
#include "cli_options.h"
#include "run_command.h"

int main(int argc, char** argv) {
  using namespace gene::cli;
  CliOptions cli = parse_cli(argc, argv);
  if (cli.command == "disasm") return disasm_command(cli);
  if (cli.command == "bench") return bench_command(cli);
  return run_command(cli);
}
