// UTF-8 checks for text that goes into proto3 `string` fields: protobuf
// refuses to parse a message whose strings are not UTF-8, so a single bad
// byte in a program's value or error would break the whole result stream.
#pragma once

#include <string>
#include <string_view>

namespace gene::farm {

bool is_valid_utf8(std::string_view s);

// `s` with every invalid sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

}  // namespace gene::farm
