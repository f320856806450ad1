#include "gene/report/export_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

namespace gene::report {

namespace {

namespace fs = std::filesystem;

absl::Status cannot_write(const std::string& path, const std::string& reason) {
  return absl::InvalidArgumentError("cannot write " + path + ": " + reason);
}

absl::Status cannot_write_errno(const std::string& path) { return cannot_write(path, std::strerror(errno)); }

// What a write to `path` really replaces: the file a symbolic link names,
// so that the link stays a link.
std::string target_of(const std::string& path) {
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(path, ec);
  return ec ? path : resolved.string();
}

std::string directory_of(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

bool is_special(const struct stat& st) { return !S_ISREG(st.st_mode); }

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    text.remove_prefix(size_t(n));
  }
  return true;
}

// A new, empty temporary file beside `target`: its descriptor and name.
// Made with the mode any new file gets (0666 less the umask).
int make_temporary(const std::string& target, std::string& name) {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".tmp-%d-%08x", int(::getpid()), unsigned(random()) ^ counter++);
    name = directory_of(target) + "/." + fs::path(target).filename().string() + suffix;
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

}  // namespace

absl::Status check_export_path(const std::string& path) {
  if (path == "-") return absl::OkStatus();
  if (path.empty()) return cannot_write(path, "no file name");
  const std::string target = target_of(path);
  struct stat st;
  if (::stat(target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return cannot_write(path, "is a directory");
    if (::access(target.c_str(), W_OK) != 0) return cannot_write_errno(path);
    if (is_special(st)) return absl::OkStatus();
  }
  std::string temporary;
  int fd = make_temporary(target, temporary);
  if (fd < 0) return cannot_write_errno(path);
  ::close(fd);
  ::unlink(temporary.c_str());
  return absl::OkStatus();
}

absl::Status write_export(const std::string& path, std::string_view text) {
  if (path == "-") {
    std::fflush(stdout);
    bool ok = std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
    if (std::fflush(stdout) != 0 || !ok) return cannot_write_errno("stdout");
    return absl::OkStatus();
  }
  if (path.empty()) return cannot_write(path, "no file name");
  const std::string target = target_of(path);
  struct stat st;
  if (::stat(target.c_str(), &st) == 0 && is_special(st)) {
    if (S_ISDIR(st.st_mode)) return cannot_write(path, "is a directory");
    int fd = ::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return cannot_write_errno(path);
    int error = write_all(fd, text) ? 0 : errno;
    if (::close(fd) != 0 && !error) error = errno;
    return error ? cannot_write(path, std::strerror(error)) : absl::OkStatus();
  }
  std::string temporary;
  int fd = make_temporary(target, temporary);
  if (fd < 0) return cannot_write_errno(path);
  int error = 0;
  if (!write_all(fd, text) || ::fsync(fd) != 0) error = errno ? errno : EIO;
  if (::close(fd) != 0 && !error) error = errno;
  if (!error && ::rename(temporary.c_str(), target.c_str()) != 0) error = errno;
  if (!error) return absl::OkStatus();
  ::unlink(temporary.c_str());
  return cannot_write(path, std::strerror(error));
}

}  // namespace gene::report
