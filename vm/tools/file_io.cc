#include "file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_options.h"

namespace gene::cli {

std::string read_source_file(const std::string& path) {
  // A directory opens as a stream on Linux and reads as nothing: refuse it.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) usage_error("cannot read " + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) usage_error("cannot read " + path + ": " + std::strerror(errno));
  return ss.str();
}

void write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fflush(stdout);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out || !(out << text) || !out.flush()) usage_error("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace gene::cli
