#include "gene/coordinator/name_filter.h"

#include <re2/re2.h>

namespace gene::coordinator {

absl::StatusOr<NameFilter> NameFilter::compile(const std::string& pattern) {
  NameFilter f;
  f.pattern_ = pattern;
  if (pattern.empty()) return f;
  if (pattern.size() > kMaxFilterLength)
    return absl::InvalidArgumentError("regular expression longer than " + std::to_string(kMaxFilterLength) +
                                      " characters");
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);  // bounds the compiled program and its DFA cache
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) return absl::InvalidArgumentError(re->error());
  f.re_ = std::move(re);
  return f;
}

bool NameFilter::matches(const std::string& name) const { return !re_ || RE2::PartialMatch(name, *re_); }

}  // namespace gene::coordinator
