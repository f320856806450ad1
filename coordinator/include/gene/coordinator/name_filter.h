// Matching job names against a user's regular expression (`--filter`,
// `history --job`): RE2 syntax, partial match, in time linear in the name
// whatever the pattern, since a pattern may come from any submitter.
#pragma once

#include <absl/status/statusor.h>

#include <memory>
#include <optional>
#include <string>

namespace re2 {
class RE2;
}

namespace gene::coordinator {

// The longest pattern accepted (checked before compiling it).
inline constexpr size_t kMaxFilterLength = 1024;

class NameFilter {
 public:
  // INVALID_ARGUMENT when the pattern is too long or not a valid RE2
  // expression (RE2's words). An empty pattern matches every name.
  static absl::StatusOr<NameFilter> compile(const std::string& pattern);

  bool matches(const std::string& name) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;  // null: match everything
};

}  // namespace gene::coordinator
