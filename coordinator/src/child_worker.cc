#include "gene/coordinator/child_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

namespace gene::coordinator {

namespace {

// How long a worker may take to print its `listening on` line.
constexpr int kStartTimeoutMs = 15000;
// How much of a worker's stderr an error message quotes.
constexpr size_t kLogTailBytes = 4096;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// An errno failure as a Status: "WHAT: strerror".
absl::Status errno_status(const std::string& what) { return absl::UnavailableError(errno_text(what.c_str())); }

// 32 random bytes as hex, from the kernel's generator.
bool random_token(std::string& token) {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += size_t(n);
  }
  static const char hex[] = "0123456789abcdef";
  token.clear();
  for (unsigned char b : bytes) token += hex[b >> 4], token += hex[b & 15];
  return true;
}

absl::Status write_private_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("cannot create " + path);
  absl::Status written = write(fd, text.data(), text.size()) == ssize_t(text.size())
                             ? absl::OkStatus()
                             : errno_status("cannot write " + path);
  close(fd);
  return written;
}

// Reads one line from `fd` within `timeout_ms`; false on EOF, error or timeout.
bool read_line(int fd, int timeout_ms, std::string& line) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  line.clear();
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, int(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
    if (line.size() < 4096) line += c;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrivateDir>> PrivateDir::make(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + ".XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) return errno_status("cannot make a private directory " + pattern);  // mode 0700
  return std::unique_ptr<PrivateDir>(new PrivateDir(buf.data()));
}

PrivateDir::~PrivateDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

int comparison_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
  for (int cpu = CPU_SETSIZE - 1; cpu >= 0; --cpu)
    if (CPU_ISSET(cpu, &set)) return cpu;
  return -1;
}

absl::StatusOr<std::unique_ptr<ChildWorker>> ChildWorker::start(const std::string& binary, const std::string& name,
                                                                const PrivateDir& dir, int cpu) {
  std::unique_ptr<ChildWorker> w(new ChildWorker);
  w->name_ = name;
  if (!random_token(w->token_)) return errno_status("no random token");
  const std::string token_path = dir.path() + "/" + name + ".token";
  w->log_path_ = dir.path() + "/" + name + ".log";
  if (absl::Status written = write_private_file(token_path, w->token_ + "\n"); !written.ok()) return written;
  int log_fd = open(w->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) return errno_status("cannot create " + w->log_path_);
  // Read through our own descriptor, so that the file may go at once.
  w->log_fd_ = open(w->log_path_.c_str(), O_RDONLY | O_CLOEXEC);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    absl::Status failed = errno_status("pipe");
    close(log_fd);
    return failed;
  }
  // Everything the child needs is ready before fork: between fork and exec
  // only async-signal-safe calls are allowed.
  std::vector<std::string> args = {binary, "--listen", "127.0.0.1:0", "--name", name, "--token-file", token_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The kernel copies the arguments and the environment to the top of the
  // stack, so their length moves every stack address of the worker: two
  // workers whose names and paths differ by a few bytes would get their
  // own stack alignment, a steady difference of a few percent that no
  // number of rounds averages out. A padding variable brings both to the
  // same length (as long as their arguments stay under kLayoutBytes).
  constexpr size_t kLayoutBytes = 4096;
  size_t arg_bytes = 0;
  for (const auto& a : args) arg_bytes += a.size() + 1;
  const std::string pad_name = "GENE_LAYOUT_PAD=";
  std::string pad = pad_name + std::string(arg_bytes + pad_name.size() + 1 < kLayoutBytes
                                               ? kLayoutBytes - arg_bytes - pad_name.size() - 1
                                               : 0,
                                           'x');
  std::vector<char*> envp;
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, pad_name.c_str(), pad_name.size()) != 0) envp.push_back(*e);
  envp.push_back(pad.data());
  envp.push_back(nullptr);
  cpu_set_t pinned;
  CPU_ZERO(&pinned);
  if (cpu >= 0) CPU_SET(cpu, &pinned);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    absl::Status failed = errno_status("fork");
    close(out[0]), close(out[1]), close(log_fd);
    return failed;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(out[1], 1);
    dup2(log_fd, 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the parent blocks SIGINT/SIGTERM for its signal thread
    signal(SIGPIPE, SIG_DFL);
    // The same layout in every process of one binary (as `setarch -R`):
    // two workers of one build then differ in nothing, where address
    // randomization would give each its own code and heap alignment, a
    // difference of a percent or so that no number of rounds averages out.
    if (cpu >= 0) sched_setaffinity(0, sizeof pinned, &pinned);
    const int persona = personality(0xffffffff);
    if (persona != -1) personality(static_cast<unsigned long>(persona) | ADDR_NO_RANDOMIZE);
    execve(argv[0], argv.data(), envp.data());
    const char msg[] = "cannot execute the worker binary\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so that it holds before the child gets to it
  close(out[1]);
  close(log_fd);
  w->pid_ = pid;
  w->stdout_fd_ = out[0];
  std::string line;
  const std::string prefix = "listening on ";
  if (!read_line(w->stdout_fd_, kStartTimeoutMs, line) || line.rfind(prefix, 0) != 0) {
    w->stop(2);
    std::string tail = w->log_tail();
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
    return absl::UnavailableError("the worker " + binary + " did not start" +
                                  (line.empty() ? std::string() : " (it printed '" + line + "')") +
                                  (tail.empty() ? std::string() : ": " + tail));
  }
  w->address_ = line.substr(prefix.size());
  // The worker has read its token and holds its log open: neither file
  // needs a name any more, so nothing is left behind even if this process
  // is killed.
  unlink(token_path.c_str());
  unlink(w->log_path_.c_str());
  return w;
}

bool ChildWorker::stop(double grace_seconds) {
  if (pid_ <= 0 || reaped_) return true;
  bool clean = true;
  kill(pid_, SIGTERM);
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(grace_seconds));
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      clean = false;
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reaped_ = true;
  if (stdout_fd_ >= 0) close(stdout_fd_), stdout_fd_ = -1;
  return clean;
}

ChildWorker::~ChildWorker() {
  stop();
  if (log_fd_ >= 0) close(log_fd_);
}

std::string ChildWorker::log_tail() const {
  struct stat st {};
  if (log_fd_ < 0 || fstat(log_fd_, &st) != 0) return "";
  const off_t size = st.st_size, start = size > off_t(kLogTailBytes) ? size - off_t(kLogTailBytes) : 0;
  std::string text(size_t(size - start), '\0');
  ssize_t n = pread(log_fd_, text.data(), text.size(), start);
  text.resize(n > 0 ? size_t(n) : 0);
  return text;
}

std::string sibling_worker_path() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "worker";
  const std::filesystem::path worker = self.parent_path() / "worker";
  // Relative to the current directory when below it (`build/bin/worker`): shorter in reports.
  const std::filesystem::path near = std::filesystem::proximate(worker, ec);
  if (!ec && !near.empty() && *near.begin() != "..") return near.string();
  return worker.string();
}

}  // namespace gene::coordinator
