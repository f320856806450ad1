// A small streaming JSON writer for the reports of `gene` and `coordinator`:
// pretty
// printed with two-space indentation, strings escaped, and every number
// that is absent or not finite written as null (JSON has no NaN).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gene::report {

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

// A number as JSON: integral values up to 2^53 without a fraction, other
// values in the shortest form that reads back exactly; null when `v` is
// absent or not finite.
std::string json_number(std::optional<double> v);

class JsonWriter {
 public:
  // Containers. Inside an object, call key() before each member.
  // An inline object is written on one line: {"a": 1, "b": 2}.
  JsonWriter& begin_object(bool inline_object = false);
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // An array of scalars on one line, like Google Benchmark's load_avg.
  JsonWriter& inline_array(const std::vector<double>& values);

  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view s);
  JsonWriter& number(std::optional<double> v);
  JsonWriter& integer(int64_t v);
  JsonWriter& boolean(bool b);
  JsonWriter& null();

  // Shorthands for a member: key + value.
  JsonWriter& member(std::string_view name, std::string_view s) { return key(name).string(s); }
  JsonWriter& member(std::string_view name, const char* s) { return key(name).string(s); }
  JsonWriter& member_number(std::string_view name, std::optional<double> v) { return key(name).number(v); }
  JsonWriter& member_integer(std::string_view name, int64_t v) { return key(name).integer(v); }
  JsonWriter& member_bool(std::string_view name, bool b) { return key(name).boolean(b); }

  // The document so far, with a final newline once every container is closed.
  std::string str() const;

 private:
  void before_value();
  void newline();
  JsonWriter& close(char bracket);

  std::string out_;
  struct Open {
    bool has_member = false;
    bool inline_container = false;
  };
  std::vector<Open> open_;  // one entry per open container
  bool after_key_ = false;
};

}  // namespace gene::report
