#include "file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli_options.h"
#include "gene/report/export_file.h"

namespace gene::cli {

std::string read_source_file(const std::string& path) {
  // A directory opens as a stream on Linux and reads as nothing: refuse it.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) usage_error("cannot read " + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("cannot read " + path + ": " + std::strerror(errno));
  // Read in pieces up to the limit: the path may be a device that never ends.
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, size_t(in.gcount()));
    if (text.size() > kMaxSourceBytes)
      usage_error("cannot read " + path + ": a program is at most " + std::to_string(kMaxSourceBytes >> 20) + " MiB");
  }
  if (in.bad()) usage_error("cannot read " + path + ": " + std::strerror(errno));
  return text;
}

void check_output(const std::string& path) {
  if (absl::Status status = report::check_export_path(path); !status.ok()) usage_error(std::string(status.message()));
}

void write_output(const std::string& path, const std::string& text) {
  if (absl::Status status = report::write_export(path, text); !status.ok()) usage_error(std::string(status.message()));
}

}  // namespace gene::cli
