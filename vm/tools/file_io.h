// Reading programs and writing reports for the `gene` CLI.
#pragma once

#include <string>

namespace gene::cli {

// The whole file; an unreadable file is a usage error (exit 2).
std::string read_source_file(const std::string& path);

// Writes `text` to `path`, or to stdout when path is "-"; a file that
// cannot be written is a usage error (exit 2).
void write_output(const std::string& path, const std::string& text);

}  // namespace gene::cli
