// The real `worker` binary, end to end: start it, read its first lines,
// call it, stop it with SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "test_programs.h"
#include "worker_test_client.h"

namespace gene::farm {
namespace {

using namespace testing;

// A child process with its stdout on a pipe.
class Process {
 public:
  explicit Process(std::vector<std::string> args) {
    // Built before fork(): the child of a threaded process may only make
    // async-signal-safe calls, and malloc is not one.
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
  }

  // The next line of stdout, or "" after `seconds` or at its end.
  std::string read_line(double seconds = 10) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{stdout_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, int(left.count())) <= 0) return "";
      char buf[512];
      ssize_t n = read(stdout_, buf, sizeof buf);
      if (n <= 0) return "";
      buffer_.append(buf, size_t(n));
    }
  }

  // Exit status, or -1 when it has not exited after `seconds`.
  int wait_exit(double seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  bool exited_ = false;
  std::string buffer_;
};

std::string after(const std::string& line, const std::string& prefix) {
  return line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : "";
}

TEST(WorkerBinary, ServesUntilSigtermThenExitsCleanly) {
  Process worker({WORKER_BINARY, "--listen", "127.0.0.1:0", "--metrics-port", "0", "--label", "class=e2e", "--name",
                  "e2e-worker"});
  ASSERT_GT(worker.pid(), 0);
  std::string address = after(worker.read_line(), "listening on ");
  ASSERT_FALSE(address.empty());
  EXPECT_NE(address, "127.0.0.1:0");  // the real port
  EXPECT_FALSE(after(worker.read_line(), "metrics on 127.0.0.1:").empty());

  WorkerClient client(address);
  v1::WorkerInfo info;
  ASSERT_TRUE(client.describe(info).ok());
  EXPECT_EQ(info.name(), "e2e-worker");
  EXPECT_EQ(info.labels().at("class"), "e2e");
  EXPECT_EQ(client.run_job(fib_job(15, 1)).result().value(), "610");

  // SIGTERM while a job runs: the job is stopped and reported, then the
  // worker exits 0.
  grpc::ClientContext context;
  client.prepare(context);
  auto reader = client.stub().RunJob(&context, program_job(kForever, 60));
  v1::JobEvent event;
  ASSERT_TRUE(reader->Read(&event) && event.has_accepted());
  kill(worker.pid(), SIGTERM);
  v1::JobResult result;
  while (reader->Read(&event))
    if (event.has_result()) result = event.result();
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(result.status(), v1::JOB_STATUS_CANCELLED);
  EXPECT_EQ(worker.wait_exit(10), 0);
}

TEST(WorkerBinary, UsageErrorsExitTwo) {
  Process bad({WORKER_BINARY, "--listen", "no-port"});
  EXPECT_EQ(bad.wait_exit(10), 2);
  Process unknown({WORKER_BINARY, "--listen", "127.0.0.1:0", "--frobnicate"});
  EXPECT_EQ(unknown.wait_exit(10), 2);
  Process help({WORKER_BINARY, "--help"});
  EXPECT_NE(help.read_line().find("Gene benchmark farm worker"), std::string::npos);
  EXPECT_EQ(help.wait_exit(10), 0);
}

}  // namespace
}  // namespace gene::farm
