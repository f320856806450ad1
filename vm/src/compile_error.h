#pragma once

#include <string>

#include "gene/ast.h"

namespace gene {

// Malformed special forms are found before anything runs, like reading errors.
struct CompileError {
  SourcePos pos;
  std::string message;
};

}  // namespace gene
