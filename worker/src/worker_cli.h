// The `worker` command line: flags → WorkerConfig.
#pragma once

#include "worker_server.h"

namespace gene::farm {

struct WorkerCommandLine {
  WorkerConfig config;
  bool describe = false;  // --describe: print this worker's WorkerInfo and exit
  bool json = false;      // with --describe: as protobuf JSON instead of words
};

// Parses argv into `out`. Returns -1 to go on, else the exit status to
// leave with: 0 after --help or --version, 2 after a usage error (message on stderr).
int parse_worker_command_line(int argc, char** argv, WorkerCommandLine& out);

}  // namespace gene::farm
