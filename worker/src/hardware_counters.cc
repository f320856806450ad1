#include "hardware_counters.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

namespace gene::farm {

namespace {

constexpr uint64_t kEvents[] = {PERF_COUNT_HW_INSTRUCTIONS, PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_BRANCH_MISSES,
                                PERF_COUNT_HW_CACHE_MISSES};
static_assert(std::size(kEvents) == std::size(kHardwareCountNames));

// One hardware event counting the calling thread in user space, created
// disabled. Returns the fd, or -1 with errno set.
int open_event(uint64_t config) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = config;
  attr.disabled = 1;
  attr.exclude_kernel = 1;  // the program's work, not the kernel's
  attr.exclude_hv = 1;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  // pid 0, cpu -1: this thread, on whichever CPU it runs.
  return int(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

std::string errno_text(int error) {
  const char* name = strerrorname_np(error);
  return std::string(name ? name : "errno " + std::to_string(error)) + " (" + std::strerror(error) + ")";
}

std::string paranoid_level() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  in >> level;
  return level.empty() ? "unknown" : level;
}

// Opens every event into `fds`; returns the status text.
std::string open_all(int (&fds)[4]) {
  std::string opened, missing;
  int first_error = 0;
  const char* first_failed = nullptr;
  for (size_t i = 0; i < std::size(kEvents); ++i) {
    fds[i] = open_event(kEvents[i]);
    if (fds[i] >= 0) {
      opened += (opened.empty() ? "" : ", ") + std::string(kHardwareCountNames[i]);
      continue;
    }
    int error = errno;
    if (!first_failed) first_error = error, first_failed = kHardwareCountNames[i];
    missing += (missing.empty() ? "" : "; ") + std::string(kHardwareCountNames[i]) + ": " + errno_text(error);
  }
  if (opened.empty())
    return "unavailable: perf_event_open(" + std::string(first_failed) + ") failed with " + errno_text(first_error) +
           ": " + explain_perf_error(first_error);
  return "available: " + opened + " (user space, the job's thread)" +
         (missing.empty() ? "" : "; missing: " + missing);
}

}  // namespace

std::string explain_perf_error(int error) {
  switch (error) {
    case ENOENT:
    case EOPNOTSUPP:
      return "this CPU, or the virtual machine the worker runs in, exposes no hardware performance counters "
             "(no PMU); on a virtual machine, enable the virtual PMU";
    case ENODEV:
      return "the kernel has no PMU driver for this CPU";
    case EACCES:
    case EPERM:
      return "not permitted: perf_event_paranoid is " + paranoid_level() +
             " (counting one's own thread needs 2 or less, or CAP_PERFMON), or a seccomp profile (a container "
             "runtime's default) blocks perf_event_open";
    case ENOSYS:
      return "this kernel was built without perf events";
    case EBUSY:
      return "another user holds the PMU exclusively";
    case EMFILE:
    case ENFILE:
      return "too many open files";
    default:
      return "the kernel refused the event";
  }
}

std::string hardware_counters_status() {
  int fds[4];
  std::string status = open_all(fds);
  for (int fd : fds)
    if (fd >= 0) close(fd);
  return status;
}

HardwareCounters::HardwareCounters() { status_ = open_all(fds_); }

HardwareCounters::~HardwareCounters() {
  for (int fd : fds_)
    if (fd >= 0) close(fd);
}

bool HardwareCounters::available() const {
  for (int fd : fds_)
    if (fd >= 0) return true;
  return false;
}

void HardwareCounters::start() {
  for (int fd : fds_) {
    if (fd < 0) continue;
    ioctl(fd, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
  }
}

std::vector<std::pair<std::string, double>> HardwareCounters::stop() {
  for (int fd : fds_)
    if (fd >= 0) ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
  std::vector<std::pair<std::string, double>> counts;
  for (size_t i = 0; i < std::size(fds_); ++i) {
    struct {
      uint64_t value, time_enabled, time_running;
    } reading{};
    if (fds_[i] < 0 || read(fds_[i], &reading, sizeof reading) != ssize_t(sizeof reading)) continue;
    if (reading.time_running == 0) continue;  // never on the PMU: no count to give
    double value = double(reading.value);
    if (reading.time_running < reading.time_enabled)
      value *= double(reading.time_enabled) / double(reading.time_running);
    counts.emplace_back(kHardwareCountNames[i], value);
  }
  return counts;
}

}  // namespace gene::farm
