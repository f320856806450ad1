// Reading programs and writing reports for the `gene` CLI.
#pragma once

#include <cstddef>
#include <string>

namespace gene::cli {

// A program's text is read before any limit of the run applies, and its
// syntax tree takes many times its size: larger files are refused.
inline constexpr size_t kMaxSourceBytes = size_t(64) << 20;

// The whole file; an unreadable file or one over kMaxSourceBytes is a
// usage error (exit 2).
std::string read_source_file(const std::string& path);

// Checks, before a run, that --json OUT can be written; a usage error
// (exit 2) when it cannot.
void check_output(const std::string& path);

// Writes `text` to `path`, or to stdout when path is "-", whole or not at
// all (gene/report/export_file.h); a file that cannot be written is a usage
// error (exit 2).
void write_output(const std::string& path, const std::string& text);

}  // namespace gene::cli
