#include "json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace gene::coordinator {

std::string JsonWriter::escape(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * has_items_.size(), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_items_.empty()) {
    if (has_items_.back()) out_ += ',';
    has_items_.back() = true;
    newline();
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  bool items = has_items_.back();
  has_items_.pop_back();
  if (items) newline();
  out_ += '}';
  if (has_items_.empty()) out_ += '\n';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  bool items = has_items_.back();
  has_items_.pop_back();
  if (items) newline();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::key(const std::string& k) {
  before_value();
  out_ += escape(k) + ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(const std::string& v) {
  before_value();
  out_ += escape(v);
  return *this;
}

JsonWriter& JsonWriter::number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return null();
  before_value();
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *v);
  std::string s(buf, ec == std::errc() ? end : buf);
  // Integral values print as integers ("5"), which JSON readers take as numbers alike.
  out_ += s;
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t v) {
  before_value();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

}  // namespace gene::coordinator
