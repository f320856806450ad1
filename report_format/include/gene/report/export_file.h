// Where every report a command exports goes (`--json OUT`, `--html OUT` of
// gene and coordinator): OUT is a file, or `-` for stdout.
//
// An export is checked before the work that fills it starts, so that an
// unwritable path costs nothing (a usage error, exit 2), and it is written
// whole or not at all: into a temporary file beside OUT, renamed over OUT
// once complete. A failed command or a full disk never leaves an empty or
// half-written OUT behind, and readers of OUT never see a partial file.
// Files that cannot be replaced by a rename (devices, pipes) are written in
// place.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace gene::report {

// OK when `path` can be written: `-`, or a file in an existing directory
// that lets this process create files, which is not a directory itself and,
// when it exists, may be written. Leaves nothing behind.
absl::Status check_export_path(const std::string& path);

// Writes `text` to `path` (`-`: to stdout) as described above. The error
// reads "cannot write PATH: REASON".
absl::Status write_export(const std::string& path, std::string_view text);

}  // namespace gene::report
