#include "gene/param_values.h"

#include <charconv>
#include <system_error>

namespace gene::farm {

namespace {

std::string float_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (auto plus = s.find("e+"); plus != std::string::npos) s.erase(plus + 1, 1);
  // Only finite values are carried; "inf" and "nan" are left as they are.
  if (s.find_first_of(".ein") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

std::string param_text(const v1::ParamValue& value) {
  switch (value.kind_case()) {
    case v1::ParamValue::kIntValue: return std::to_string(value.int_value());
    case v1::ParamValue::kFloatValue: return float_text(value.float_value());
    case v1::ParamValue::kStringValue: return value.string_value();
    case v1::ParamValue::kBoolValue: return value.bool_value() ? "true" : "false";
    case v1::ParamValue::kNilValue: return "nil";
    case v1::ParamValue::KIND_NOT_SET: break;
  }
  return "";
}

}  // namespace gene::farm
