// The `gene` command line: run, eval, disasm and bench Gene programs.
// Exit status: 0 ok, 1 program error (reading or running), 2 usage error
// or unreadable file. docs/cli.md describes every command and option.
// It never ends by a signal or an abort: a closed pipe or a full disk is a
// write error, and memory that runs out where no heap limit counts it
// (a huge source file, a huge --param) is "out of memory".
#include <csignal>
#include <cstdio>
#include <new>
#include <stdexcept>

#include "bench_command.h"
#include "cli_options.h"
#include "run_command.h"

int main(int argc, char** argv) {
  using namespace gene::cli;
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    CliOptions cli = parse_cli(argc, argv);
    if (cli.command == "disasm") return disasm_command(cli);
    if (cli.command == "bench") return bench_command(cli);
    return run_command(cli);
  } catch (std::bad_alloc&) {
  } catch (std::length_error&) {
  }
  std::fflush(stdout);
  std::fputs("error: out of memory\n", stderr);
  return 1;
}
