// `worker` processes started and owned by this one (`compare`'s local
// mode): each listens on 127.0.0.1 port 0 with a fresh random token from
// a file in a private directory (unlinked once the worker has read it), in
// its own process group (so a Ctrl-C on the terminal reaches only this
// process, which then stops the workers cleanly), and dies with this
// process even when it is SIGKILLed (PR_SET_PDEATHSIG), with address
// randomization off (two processes of one binary lay out alike) and,
// when asked, pinned to one CPU. Stopped on destruction: SIGTERM, a wait,
// then SIGKILL.
#pragma once

#include <sys/types.h>

#include <absl/status/statusor.h>

#include <memory>
#include <string>

namespace gene::coordinator {

// A directory only this user can read (0700), removed with its contents on
// destruction.
class PrivateDir {
 public:
  // An error when it cannot be made.
  static absl::StatusOr<std::unique_ptr<PrivateDir>> make(const std::string& prefix);
  ~PrivateDir();
  const std::string& path() const { return path_; }

 private:
  explicit PrivateDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

class ChildWorker {
 public:
  // Starts `binary` named `name`, its token and log in `dir`, and waits for
  // its `listening on HOST:PORT` line. Must be called from the thread that
  // lives as long as the process (the main thread): the kernel sends the
  // death signal when the thread that forked a child ends. An error (with
  // the worker's own words when it said why) on failure. `cpu` >= 0 pins
  // the worker to that CPU.
  static absl::StatusOr<std::unique_ptr<ChildWorker>> start(const std::string& binary, const std::string& name,
                                                            const PrivateDir& dir, int cpu);
  ~ChildWorker();
  ChildWorker(const ChildWorker&) = delete;
  ChildWorker& operator=(const ChildWorker&) = delete;

  // SIGTERM (the worker shuts down cleanly, cancelling its job), waits up
  // to `grace_seconds`, then SIGKILL. Idempotent. Returns false when it
  // had to be killed.
  bool stop(double grace_seconds = 10);

  const std::string& address() const { return address_; }
  const std::string& token() const { return token_; }
  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  // What the worker wrote on stderr so far (the last few KiB).
  std::string log_tail() const;

 private:
  ChildWorker() = default;

  std::string name_, address_, token_, log_path_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int log_fd_ = -1;  // the worker's stderr, read through our own descriptor
  bool reaped_ = false;
};

// The CPU both sides of a local comparison are pinned to: the last one
// this process may run on (`taskset` the command to choose another); -1
// when the mask cannot be read.
int comparison_cpu();

// The `worker` binary beside this process's executable.
std::string sibling_worker_path();

}  // namespace gene::coordinator
