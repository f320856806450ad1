// A small streaming JSON writer, pretty-printed as Google Benchmark does
// (two-space indent), writing non-finite numbers as null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gene::coordinator {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(const std::string& k);

  JsonWriter& string(const std::string& v);
  JsonWriter& number(std::optional<double> v);  // null when absent or not finite
  JsonWriter& integer(int64_t v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();

  JsonWriter& member(const std::string& k, const std::string& v) { return key(k).string(v); }
  JsonWriter& member(const std::string& k, const char* v) { return key(k).string(v); }
  JsonWriter& member_number(const std::string& k, std::optional<double> v) { return key(k).number(v); }
  JsonWriter& member_integer(const std::string& k, int64_t v) { return key(k).integer(v); }
  JsonWriter& member_bool(const std::string& k, bool v) { return key(k).boolean(v); }

  const std::string& str() const { return out_; }

  static std::string escape(const std::string& s);

 private:
  void before_value();
  void newline();

  std::string out_;
  std::vector<bool> has_items_;  // per open container: written an item yet?
  bool after_key_ = false;
};

}  // namespace gene::coordinator
