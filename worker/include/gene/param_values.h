// A job's parameters travel typed (ParamValue: int, float, string, bool,
// nil), so that only the VM knows Gene literal syntax: the worker hands it
// each value typed (gene::ParamValue, no text between them), and the
// coordinator only shows them.
#pragma once

#include <string>

#include "farm.pb.h"

namespace gene::farm {

// The value as job labels, stored runs and tables show it: a string as it
// is, an int in decimal, a float in the shortest digits that read back as
// the same double (".0" added when that has neither fraction nor
// exponent, an exponent without '+': 1000.0, 1e20), true or false, nil;
// "" for a value without a kind.
std::string param_text(const v1::ParamValue& value);

}  // namespace gene::farm
