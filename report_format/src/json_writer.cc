#include "gene/report/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace gene::report {

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

std::string json_number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  double x = *v;
  if (x == std::floor(x) && std::fabs(x) <= 9007199254740992.0) return std::to_string(int64_t(x));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  if (ec != std::errc()) return "null";
  return std::string(buf, end);
}

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * open_.size(), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (open_.empty()) return;
  Open& o = open_.back();
  if (o.inline_container) {
    if (o.has_member) out_ += ", ";
  } else {
    if (o.has_member) out_ += ',';
    newline();
  }
  o.has_member = true;
}

JsonWriter& JsonWriter::begin_object(bool inline_object) {
  before_value();
  out_ += '{';
  open_.push_back({false, inline_object});
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  Open o = open_.back();
  open_.pop_back();
  if (o.has_member && !o.inline_container) newline();
  out_ += bracket;
  return *this;
}

JsonWriter& JsonWriter::end_object() { return close('}'); }

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  open_.push_back({false, false});
  return *this;
}

JsonWriter& JsonWriter::end_array() { return close(']'); }

JsonWriter& JsonWriter::inline_array(const std::vector<double>& values) {
  before_value();
  out_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out_ += ',';
    out_ += json_number(values[i]);
  }
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  out_ += json_quote(name);
  out_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  before_value();
  out_ += json_quote(s);
  return *this;
}

JsonWriter& JsonWriter::number(std::optional<double> v) {
  before_value();
  out_ += json_number(v);
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

std::string JsonWriter::str() const { return open_.empty() ? out_ + "\n" : out_; }

}  // namespace gene::report
