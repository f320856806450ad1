// Text from outside (programs, manifests, requests) on its way into proto3
// `string` fields, messages and logs. Protobuf refuses to parse a message
// whose strings are not UTF-8, so a single bad byte in a program's value or
// error would break the whole result stream; and a name echoed raw could
// carry terminal escapes into a user's terminal or a log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gene::farm {

bool is_valid_utf8(std::string_view s);

// `s` with every invalid sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

// The byte offset of the first invalid UTF-8 sequence, or s.size().
size_t first_invalid_utf8(std::string_view s);

// How much of a client's text a message or log line echoes.
inline constexpr size_t kEchoedTextBytes = 200;

// `s` made safe to echo into a message or log line (the one place that
// does it): control characters (C0, DEL, C1) and bytes that are not UTF-8
// become \xNN (\n, \t and \r stay visible as such), and text past
// `max_bytes` is cut at a character boundary and marked with its length.
std::string printable(std::string_view s, size_t max_bytes = kEchoedTextBytes);

}  // namespace gene::farm
