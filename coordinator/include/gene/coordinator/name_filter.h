// Matching job names against a user's regular expression (`--filter`,
// `history --job`): RE2 syntax, partial match, in time linear in the name
// whatever the pattern, since a pattern may come from any submitter.
#pragma once

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
  // nullopt and `error` when the pattern is too long or not a valid RE2
  // expression. An empty pattern matches every name.
  static std::optional<NameFilter> compile(const std::string& pattern, std::string& error);

  bool matches(const std::string& name) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;  // null: match everything
};

}  // namespace gene::coordinator
