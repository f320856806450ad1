// Parsing with CLI11 the way every farm binary reports usage errors: one
// line naming what was wrong, a suggestion for a mistyped subcommand or
// option ("did you mean 'submit'?"), and exit status 2. Header only: the
// binaries that use CLI11 (worker, coordinator) link it themselves.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "gene/command_line/suggest.h"

namespace gene::command_line {

namespace detail {

inline std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options())
    for (const auto& name : opt->get_lnames()) names.push_back("--" + name);
  return names;
}

inline const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (; app; app = app->get_parent())
    if (const CLI::Option* opt = app->get_option_no_throw(name)) return opt;
  return nullptr;
}

inline CLI::App* find_subcommand(CLI::App& app, const std::string& name) {
  auto found = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); });
  return found.empty() ? nullptr : found.front();
}

}  // namespace detail

// What was mistyped in argv, with a suggestion, or "" when the words are
// all known (the error is then in a value, which CLI11's message names).
inline std::string unknown_word_in(CLI::App& app, int argc, const char* const* argv) {
  CLI::App* current = &app;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-') {
      size_t eq = arg.find('=');
      std::string name = arg.substr(0, eq);
      const CLI::Option* opt = detail::find_option(current, name);
      if (!opt) {
        // CLI11 reads -abc as flags -a -b -c; only long names are suggested.
        if (name.rfind("--", 0) != 0) return "unknown option '" + name + "'";
        return "unknown option '" + name + "'" + did_you_mean(name, detail::option_names(*current));
      }
      if (eq == std::string::npos && opt->get_type_size_max() > 0) ++i;  // its value
      continue;
    }
    auto subcommands = current->get_subcommands([](CLI::App*) { return true; });
    if (subcommands.empty()) continue;  // a positional argument
    if (CLI::App* sub = detail::find_subcommand(*current, arg)) {
      current = sub;
      continue;
    }
    std::vector<std::string> names;
    for (CLI::App* sub : subcommands) names.push_back(sub->get_name());
    return "unknown command '" + arg + "'" + did_you_mean(arg, names);
  }
  return "";
}

// Parses argv into `app`. Returns the status to exit with when the program
// should stop here (0 after --help or --version; kUsageError after a usage
// error, reported on stderr as "PROGRAM: MESSAGE"), nullopt to go on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv, const std::string& program) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = unknown_word_in(app, argc, argv);
    if (message.empty()) message = e.what();
    std::cerr << program << ": " << message << "\nRun with --help for more information.\n";
    return kUsageError;
  }
}

}  // namespace gene::command_line
