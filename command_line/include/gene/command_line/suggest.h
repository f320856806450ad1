// Usage errors, alike on every binary: exit status 2, and a suggestion for
// a mistyped command or option ("did you mean 'submit'?").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gene::command_line {

// The exit status of every usage error (bad option, bad value, unknown
// command) on gene, worker and coordinator.
inline constexpr int kUsageError = 2;

// Edit distance (insertions, deletions, substitutions and swaps of two
// neighbours each count 1) between two words.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is near enough to be what was
// meant: at most a third of the word's length away (at least 1, at most 3),
// and no other candidate as near. Leading dashes count like any letter.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" for the closest match, or "" when there is none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace gene::command_line
