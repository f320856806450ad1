// Reading a suite manifest. yaml-cpp gives a node tree with marks; this
// walks it once, checking every key, type and value against the schema
// (docs/coordinator.md "Suite manifests") and collecting every problem with
// its place instead of stopping at the first.
#include "gene/coordinator/manifest.h"

#include <re2/re2.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "gene/coordinator/report.h"
#include "gene/farm_text.h"
#include "gene/job_runner.h"  // the request limits (constants only)

namespace gene::coordinator {

namespace fs = std::filesystem;
using gene::farm::kEchoedTextBytes;
using gene::farm::printable;

std::string Diagnostic::str() const {
  std::string s = file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s + ": " + message;
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string s;
  for (const auto& d : diagnostics) s += d.str() + "\n";
  return s;
}

bool Target::holds(double v) const {
  if (op == ">") return v > threshold;
  if (op == ">=") return v >= threshold;
  if (op == "<") return v < threshold;
  if (op == "<=") return v <= threshold;
  if (op == "==") return v == threshold;
  if (op == "!=") return v != threshold;
  return false;
}

namespace {

// Limits shared with the worker's request validation (worker/job_runner.h).
constexpr uint32_t kMaxRepetitions = 10000;
constexpr uint32_t kMaxWarmup = 10000;
constexpr double kMaxTimeoutSeconds = 86400;
constexpr uint64_t kMaxHeapBytes = uint64_t(1) << 40;
constexpr uint32_t kMaxDepth = 10'000'000;
constexpr size_t kMaxProgramBytes = 4u << 20;
constexpr size_t kMaxJobs = 10000;
// Gene ints are signed 48-bit.
constexpr long long kGeneIntMax = (1LL << 47) - 1;
constexpr long long kGeneIntMin = -(1LL << 47);

const std::vector<std::string> kTopKeys = {"suite", "description", "defaults", "hardware", "targets", "benchmarks"};
const std::vector<std::string> kSettingKeys = {"repetitions", "warmup",    "timeout", "min_time",
                                               "optimize",    "max_heap",  "max_depth", "profile"};
const std::vector<std::string> kBenchmarkOnlyKeys = {"name", "file", "params", "expect", "targets", "hardware"};

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? sep : "") + items[i];
  return s;
}

enum class ScalarKind { Null, Bool, Int, Float, String };

// A YAML scalar with the type YAML 1.2's core schema gives it: plain
// scalars are resolved (`30` is an int, `true` a bool, `~` null), quoted
// ones are strings, and explicit `!!str`/`!!int`/… tags are honoured.
struct TypedScalar {
  ScalarKind kind = ScalarKind::String;
  std::string text;
  bool boolean = false;
  long long integer = 0;
  double number = 0;
  std::string error;  // a tag or value that cannot be resolved
};

// RE2: linear in the text whatever it holds (std::regex recurses per
// character and overflowed the stack on long names).
const RE2 kIntDecimal("[-+]?[0-9]+");
const RE2 kIntOctal("0o[0-7]+");
const RE2 kIntHex("0x[0-9a-fA-F]+");
const RE2 kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
const RE2 kInf("[-+]?\\.(inf|Inf|INF)");
const RE2 kNan("\\.(nan|NaN|NAN)");

bool parse_int(const std::string& t, long long& out) {
  try {
    size_t used = 0;
    if (RE2::FullMatch(t, kIntDecimal))
      out = std::stoll(t, &used, 10);
    else if (RE2::FullMatch(t, kIntOctal))
      out = std::stoll(t.substr(2), &used, 8), used += 2;
    else if (RE2::FullMatch(t, kIntHex))
      out = std::stoll(t.substr(2), &used, 16), used += 2;
    else
      return false;
    return used == t.size();
  } catch (...) {
    return false;
  }
}

bool parse_float(const std::string& t, double& out) {
  if (RE2::FullMatch(t, kInf)) {
    out = t[0] == '-' ? -INFINITY : INFINITY;
    return true;
  }
  if (RE2::FullMatch(t, kNan)) {
    out = NAN;
    return true;
  }
  if (!RE2::FullMatch(t, kFloat)) return false;
  out = std::strtod(t.c_str(), nullptr);
  return true;
}

TypedScalar classify(const YAML::Node& node) {
  TypedScalar s;
  if (node.IsNull()) {
    s.kind = ScalarKind::Null;
    return s;
  }
  s.text = node.Scalar();
  const std::string& tag = node.Tag();
  const std::string core = "tag:yaml.org,2002:";
  auto as = [&](ScalarKind kind) {
    s.kind = kind;
    return s;
  };
  if (tag == "!" || tag == core + "str") return as(ScalarKind::String);
  bool plain = tag == "?" || tag.empty();
  const std::string& t = s.text;
  if ((plain || tag == core + "null") && (t == "null" || t == "Null" || t == "NULL" || t == "~" || t.empty()))
    return as(ScalarKind::Null);
  if (plain || tag == core + "bool") {
    if (t == "true" || t == "True" || t == "TRUE") return s.boolean = true, as(ScalarKind::Bool);
    if (t == "false" || t == "False" || t == "FALSE") return s.boolean = false, as(ScalarKind::Bool);
  }
  if (plain || tag == core + "int") {
    if (parse_int(t, s.integer)) return as(ScalarKind::Int);
    if (RE2::FullMatch(t, kIntDecimal)) {
      s.error = "integer " + t + " is out of range";
      return as(ScalarKind::Int);
    }
  }
  if (plain || tag == core + "float") {
    if (parse_float(t, s.number)) return as(ScalarKind::Float);
  }
  if (plain) return as(ScalarKind::String);
  s.error = "cannot read '" + t + "' as " + tag;
  return as(ScalarKind::String);
}

const char* describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return "nothing";
    case YAML::NodeType::Scalar: break;
  }
  switch (classify(node).kind) {
    case ScalarKind::Null: return "nothing";
    case ScalarKind::Bool: return "a boolean";
    case ScalarKind::Int: return "an integer";
    case ScalarKind::Float: return "a number";
    case ScalarKind::String: break;
  }
  return "a string";
}

// A key of a map with its value and both places.
struct Entry {
  std::string key;
  YAML::Mark key_mark;
  YAML::Node value;
  // Where to point at the value: its own mark, or the key's for an empty value.
  YAML::Mark value_mark() const {
    YAML::Mark m = value.Mark();
    return (value.IsNull() || m.line < 0) ? key_mark : m;
  }
};

class ManifestReader {
 public:
  ManifestReader(const std::string& path, const FileResolver& files, const ManifestOptions& options,
                 std::vector<Diagnostic>& errors)
      : path_(path), files_(files), options_(options), errors_(errors) {}

  std::optional<Suite> read(const std::string& text);

 private:
  void error(const YAML::Mark& mark, const std::string& message) {
    add({path_, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0, message});
  }
  // Every problem counts; only the first kMaxDiagnostics are kept, so that
  // 200,000 bad keys cost 200,000 counts, not 200,000 messages.
  void add(Diagnostic d) {
    if (problems_++ < kMaxDiagnostics) errors_.push_back(std::move(d));
  }
  bool full() const { return problems_ >= kMaxDiagnostics; }

 public:
  size_t problems() const { return problems_; }

 private:

  // The entries of a map node, in order, with non-scalar and duplicate keys
  // reported (and dropped) and keys outside `allowed` reported.
  std::vector<Entry> entries(const YAML::Node& map, const std::string& where, const std::vector<std::string>* allowed);
  bool expect_map(const Entry& e);

  std::optional<uint32_t> read_uint(const Entry& e, long long lo, long long hi);
  void read_setting(const Entry& e, RunSettings& s);
  RunSettings read_settings_map(const Entry& e, RunSettings base);
  std::map<std::string, std::string> read_hardware(const Entry& e, std::map<std::string, std::string> base);
  std::vector<Target> read_targets(const Entry& e, std::vector<Target> base);
  std::optional<JobParam> read_param_value(const std::string& name, const YAML::Node& node, const YAML::Mark& mark);
  void read_benchmark(const YAML::Node& node, size_t index, Suite& suite, const RunSettings& defaults,
                      const std::vector<Target>& targets, const std::map<std::string, std::string>& hardware,
                      std::map<std::string, int>& names);

  const std::string& path_;
  const FileResolver& files_;
  const ManifestOptions& options_;
  std::vector<Diagnostic>& errors_;
  size_t problems_ = 0;
  // Where the min_time in force was set (the defaults', or the benchmark's).
  std::optional<YAML::Mark> min_time_mark_, defaults_min_time_mark_;
};

std::vector<Entry> ManifestReader::entries(const YAML::Node& map, const std::string& where,
                                           const std::vector<std::string>* allowed) {
  std::vector<Entry> out;
  std::map<std::string, int> seen;  // key → line first seen
  for (auto it = map.begin(); it != map.end(); ++it) {
    // Copies: the iterator's pair is a temporary (Nodes are handles, cheap to copy).
    YAML::Node k = it->first;
    if (full()) {  // count the problem without the cost of describing it
      if (!k.IsScalar() || !seen.emplace(k.Scalar(), 0).second ||
          (allowed && std::find(allowed->begin(), allowed->end(), k.Scalar()) == allowed->end())) {
        ++problems_;
        continue;
      }
      out.push_back({k.Scalar(), k.Mark(), it->second});
      continue;
    }
    if (!k.IsScalar()) {
      error(k.Mark(), "a key in " + where + " must be a plain name, not " + describe(k));
      continue;
    }
    std::string key = k.Scalar();
    if (auto [pos, fresh] = seen.emplace(key, k.Mark().line + 1); !fresh) {
      error(k.Mark(),
            "duplicate key '" + printable(key) + "' in " + where + " (first at line " + std::to_string(pos->second) + ")");
      continue;
    }
    if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      error(k.Mark(), "unknown key '" + printable(key) + "' in " + where + suggestion(printable(key), *allowed) +
                          "; expected one of: " + join(*allowed, ", "));
      continue;
    }
    out.push_back({key, k.Mark(), it->second});
  }
  return out;
}

bool ManifestReader::expect_map(const Entry& e) {
  if (e.value.IsMap()) return true;
  error(e.value_mark(), "'" + e.key + "' must be a map, not " + describe(e.value));
  return false;
}

std::optional<uint32_t> ManifestReader::read_uint(const Entry& e, long long lo, long long hi) {
  if (!e.value.IsScalar()) {
    error(e.value_mark(), "'" + e.key + "' must be an integer, not " + describe(e.value));
    return std::nullopt;
  }
  TypedScalar s = classify(e.value);
  if (s.kind != ScalarKind::Int || !s.error.empty()) {
    error(e.value_mark(), "'" + e.key + "' must be an integer, not " + describe(e.value) + " ('" + printable(s.text) + "')");
    return std::nullopt;
  }
  if (s.integer < lo || s.integer > hi) {
    error(e.value_mark(),
          "'" + e.key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " + printable(s.text));
    return std::nullopt;
  }
  return uint32_t(s.integer);
}

void ManifestReader::read_setting(const Entry& e, RunSettings& s) {
  const std::string& k = e.key;
  if (k == "repetitions") {
    if (auto v = read_uint(e, 1, kMaxRepetitions)) s.repetitions = *v;
  } else if (k == "warmup") {
    if (auto v = read_uint(e, 0, kMaxWarmup)) s.warmup = *v;
  } else if (k == "optimize") {
    if (auto v = read_uint(e, 0, 2)) s.optimize = *v;
  } else if (k == "max_depth") {
    if (auto v = read_uint(e, 1, kMaxDepth)) s.max_depth = *v;
  } else if (k == "timeout") {
    std::optional<double> d;
    if (e.value.IsScalar()) d = parse_duration(e.value.Scalar());
    if (!d) {
      std::string got = e.value.IsScalar() ? "'" + printable(e.value.Scalar()) + "'" : describe(e.value);
      error(e.value_mark(),
            "bad duration " + got + " for 'timeout': expected a number with a unit, e.g. 500ms, 30s, 1m30s");
    } else if (*d <= 0 || *d > kMaxTimeoutSeconds) {
      error(e.value_mark(), "'timeout' must be more than 0 and at most 24h, not " + e.value.Scalar());
    } else {
      s.timeout_seconds = *d;
    }
  } else if (k == "min_time") {
    // A duration, or a bare 0: calibration off.
    std::optional<double> d;
    if (e.value.IsScalar()) d = e.value.Scalar() == "0" ? std::optional<double>(0) : parse_duration(e.value.Scalar());
    if (!d) {
      std::string got = e.value.IsScalar() ? "'" + printable(e.value.Scalar()) + "'" : describe(e.value);
      error(e.value_mark(), "bad duration " + got +
                                " for 'min_time': expected 0 (off) or a number with a unit, e.g. 100ms, 0.5s");
    } else if (*d < 0 || *d > kMaxTimeoutSeconds) {
      error(e.value_mark(), "'min_time' must be between 0 and 24h, not " + e.value.Scalar());
    } else {
      s.min_time_seconds = *d;
      min_time_mark_ = e.value_mark();
    }
  } else if (k == "max_heap") {
    std::optional<uint64_t> b;
    if (e.value.IsScalar()) b = parse_size(e.value.Scalar());
    if (!b) {
      std::string got = e.value.IsScalar() ? "'" + printable(e.value.Scalar()) + "'" : describe(e.value);
      error(e.value_mark(), "bad size " + got + " for 'max_heap': expected bytes, e.g. 64MiB, 512KiB, 1GiB");
    } else if (*b == 0 || *b > kMaxHeapBytes) {
      error(e.value_mark(), "'max_heap' must be more than 0 and at most 1TiB, not " + e.value.Scalar());
    } else {
      s.max_heap_bytes = *b;
    }
  } else if (k == "profile") {
    TypedScalar t;
    if (e.value.IsScalar()) t = classify(e.value);
    if (!e.value.IsScalar() || t.kind != ScalarKind::Bool)
      error(e.value_mark(), "'profile' must be true or false, not " + std::string(describe(e.value)));
    else
      s.profile = t.boolean;
  }
}

RunSettings ManifestReader::read_settings_map(const Entry& e, RunSettings base) {
  if (!expect_map(e)) return base;
  for (const Entry& s : entries(e.value, "'defaults'", &kSettingKeys)) read_setting(s, base);
  return base;
}

std::map<std::string, std::string> ManifestReader::read_hardware(const Entry& e,
                                                                 std::map<std::string, std::string> base) {
  if (!expect_map(e)) return base;
  for (const Entry& h : entries(e.value, "'hardware'", nullptr)) {
    if (!h.value.IsScalar() || classify(h.value).kind == ScalarKind::Null) {
      error(h.value_mark(), "hardware selector '" + printable(h.key) + "' must be a single value, not " + describe(h.value));
      continue;
    }
    base[h.key] = h.value.Scalar();
  }
  return base;
}

std::vector<Target> ManifestReader::read_targets(const Entry& e, std::vector<Target> base) {
  if (!expect_map(e)) return base;
  for (const Entry& t : entries(e.value, "'targets'", nullptr)) {
    bool ok = true;
    if (options_.statistic_names) {
      const auto& names = *options_.statistic_names;
      if (std::find(names.begin(), names.end(), t.key) == names.end()) {
        error(t.key_mark, "unknown statistic '" + printable(t.key) + "' in 'targets'" + suggestion(printable(t.key), names));
        ok = false;
      }
    }
    std::optional<std::pair<std::string, double>> parsed;
    if (t.value.IsScalar()) parsed = parse_target(t.value.Scalar());
    if (!parsed) {
      std::string got = t.value.IsScalar() ? "'" + printable(t.value.Scalar()) + "'" : describe(t.value);
      error(t.value_mark(), "bad target " + got + " for '" + printable(t.key) +
                                "': expected \"OP NUMBER\" with OP one of > >= < <= == != (e.g. \"> 1e6\")");
      ok = false;
    }
    if (!ok) continue;
    Target target{t.key, parsed->first, parsed->second};
    auto it = std::find_if(base.begin(), base.end(), [&](const Target& b) { return b.statistic == t.key; });
    if (it != base.end())
      *it = target;
    else
      base.push_back(target);
  }
  return base;
}

std::optional<JobParam> ManifestReader::read_param_value(const std::string& name, const YAML::Node& node,
                                                         const YAML::Mark& mark) {
  if (!node.IsScalar() && !node.IsNull()) {
    error(mark,
          "parameter '" + name + "' values must be scalars (number, string, boolean, null), not " + describe(node));
    return std::nullopt;
  }
  TypedScalar s = classify(node);
  if (!s.error.empty()) {
    error(mark, "parameter '" + name + "': " + printable(s.error));
    return std::nullopt;
  }
  JobParam p{name, s.text, {}};
  switch (s.kind) {
    case ScalarKind::Null:
      p.value.mutable_nil_value();
      if (p.text.empty()) p.text = "nil";
      break;
    case ScalarKind::Bool: p.value.set_bool_value(s.boolean); break;
    case ScalarKind::Int:
      if (s.integer < kGeneIntMin || s.integer > kGeneIntMax) {
        error(mark, "parameter '" + name + "': " + printable(s.text) + " is outside Gene's 48-bit integer range");
        return std::nullopt;
      }
      p.value.set_int_value(s.integer);
      break;
    case ScalarKind::Float:
      if (!std::isfinite(s.number)) {
        error(mark, "parameter '" + name + "': " + printable(s.text) + " has no Gene literal (only finite numbers do)");
        return std::nullopt;
      }
      p.value.set_float_value(s.number);
      break;
    case ScalarKind::String:
      if (s.text.size() > gene::farm::kMaxParamTextBytes) {
        error(mark, "parameter '" + name + "': the value is " + std::to_string(s.text.size()) + " bytes; at most " +
                        std::to_string(gene::farm::kMaxParamTextBytes));
        return std::nullopt;
      }
      p.value.set_string_value(s.text);
      break;
  }
  return p;
}

const RE2 kSuiteName("[a-z0-9_]+");
const RE2 kBenchmarkName("[A-Za-z0-9_.-]+");
const RE2 kParamName("[^\\s=/:,\\x00-\\x1f\\x7f]+");

// OK when `value` can be a name; else INVALID_ARGUMENT showing it: too
// long (checked first), or not `syntax`.
absl::Status check_name(const YAML::Node& value, size_t max_bytes, const RE2& syntax) {
  if (!value.IsScalar()) return absl::InvalidArgumentError(describe(value));
  const std::string& name = value.Scalar();
  if (name.size() > max_bytes)
    return absl::InvalidArgumentError("'" + printable(name, 40) + "' (" + std::to_string(name.size()) +
                                      " bytes; at most " + std::to_string(max_bytes) + ")");
  if (!RE2::FullMatch(name, syntax)) return absl::InvalidArgumentError("'" + printable(name) + "'");
  return absl::OkStatus();
}

void ManifestReader::read_benchmark(const YAML::Node& node, size_t index, Suite& suite, const RunSettings& defaults,
                                    const std::vector<Target>& suite_targets,
                                    const std::map<std::string, std::string>& suite_hardware,
                                    std::map<std::string, int>& names) {
  const std::string where = "benchmark " + std::to_string(index + 1);
  if (!node.IsMap()) {
    error(node.Mark(), where + " must be a map with 'name' and 'file', not " + describe(node));
    return;
  }
  std::vector<std::string> allowed = kBenchmarkOnlyKeys;
  allowed.insert(allowed.end(), kSettingKeys.begin(), kSettingKeys.end());
  std::vector<Entry> es = entries(node, where, &allowed);
  auto find = [&](const char* key) -> const Entry* {
    for (const Entry& e : es)
      if (e.key == key) return &e;
    return nullptr;
  };

  Benchmark b;
  b.settings = defaults;
  min_time_mark_ = defaults_min_time_mark_;
  b.targets = suite_targets;
  b.hardware = suite_hardware;
  bool ok = true;

  if (const Entry* e = find("name")) {
    if (absl::Status name = check_name(e->value, kMaxNameBytes, kBenchmarkName); !name.ok()) {
      error(e->value_mark(),
            "bad benchmark name " + std::string(name.message()) + ": use letters, digits, '_', '.' and '-'");
      ok = false;
    } else {
      b.name = e->value.Scalar();
      if (auto [pos, fresh] = names.emplace(b.name, e->value_mark().line + 1); !fresh) {
        error(e->value_mark(),
              "duplicate benchmark name '" + b.name + "' (first at line " + std::to_string(pos->second) + ")");
        ok = false;
      }
    }
  } else {
    error(node.Mark(), where + " has no 'name'");
    ok = false;
  }

  if (const Entry* e = find("file")) {
    if (!e->value.IsScalar() || classify(e->value).kind == ScalarKind::Null) {
      error(e->value_mark(), "'file' must be a path, not " + std::string(describe(e->value)));
      ok = false;
    } else {
      b.file = e->value.Scalar();
      absl::Status spelling = check_file_spelling(b.file);
      FileContent content;
      if (spelling.ok())
        content = files_(b.file);
      else
        content.error = std::string(spelling.message());
      if (content.text && !gene::farm::is_valid_utf8(*content.text)) {
        content.text.reset();
        content.error = "not valid UTF-8 (a program is UTF-8 text)";
      }
      if (!content.text) {
        error(e->value_mark(), "file '" + printable(b.file) + "': " + printable(content.error, 2 * kEchoedTextBytes));
        ok = false;
      } else {
        b.program = std::move(*content.text);
        fs::path dir = fs::path(path_).parent_path();
        b.display_path = (dir / b.file).lexically_normal().generic_string();
      }
    }
  } else {
    error(node.Mark(), where + (b.name.empty() ? "" : " ('" + b.name + "')") + " has no 'file'");
    ok = false;
  }

  for (const Entry& e : es)
    if (std::find(kSettingKeys.begin(), kSettingKeys.end(), e.key) != kSettingKeys.end()) read_setting(e, b.settings);
  if (const Entry* e = find("targets")) b.targets = read_targets(*e, b.targets);
  if (const Entry* e = find("hardware")) b.hardware = read_hardware(*e, b.hardware);
  // One measured repetition alone must fit the job's deadline.
  if (b.settings.min_time_seconds >= b.settings.timeout_seconds)
    error(min_time_mark_.value_or(node.Mark()),
          "'min_time' (" + format_seconds(b.settings.min_time_seconds) + ") must be shorter than 'timeout' (" +
              format_seconds(b.settings.timeout_seconds) + ") in " + where +
              (b.name.empty() ? "" : " ('" + b.name + "')"));

  // Parameters: each a scalar (one value) or a non-empty list of scalars.
  struct ParamValues {
    std::string name;
    bool listed = false;
    std::vector<JobParam> values;
  };
  std::vector<ParamValues> params;
  if (const Entry* e = find("params")) {
    if (expect_map(*e)) {
      for (const Entry& p : entries(e->value, "'params'", nullptr)) {
        if (p.key.size() > kMaxNameBytes || !RE2::FullMatch(p.key, kParamName)) {
          error(p.key_mark, "bad parameter name '" + printable(p.key, 40) + "' (" + std::to_string(p.key.size()) +
                                " bytes): at most " + std::to_string(kMaxNameBytes) +
                                " bytes, no spaces, control characters, '=', '/', ':' or ','");
          ok = false;
          continue;
        }
        ParamValues pv{p.key, p.value.IsSequence(), {}};
        if (p.value.IsSequence()) {
          if (p.value.size() == 0) {
            error(p.value_mark(), "parameter '" + p.key + "' has an empty list of values");
            ok = false;
            continue;
          }
          std::set<std::string> seen;
          for (const auto& v : p.value) {
            auto jp = read_param_value(p.key, v, v.IsNull() ? p.value_mark() : v.Mark());
            if (!jp) {
              ok = false;
              continue;
            }
            if (!seen.insert(jp->text).second) {
              error(v.Mark(), "parameter '" + p.key + "' lists " + printable(jp->text) + " twice");
              ok = false;
              continue;
            }
            pv.values.push_back(*jp);
          }
        } else {
          auto jp = read_param_value(p.key, p.value, p.value_mark());
          if (!jp) {
            ok = false;
            continue;
          }
          pv.values.push_back(*jp);
        }
        params.push_back(std::move(pv));
      }
    } else {
      ok = false;
    }
  }

  // Expected values: one for every job, or per value of the one listed parameter.
  std::optional<std::string> expect_all;
  std::map<std::string, std::string> expect_by_value;
  std::string expect_param;
  if (const Entry* e = find("expect")) {
    if (e->value.IsMap()) {
      std::vector<const ParamValues*> listed;
      for (const auto& p : params)
        if (p.listed) listed.push_back(&p);
      if (listed.size() != 1) {
        error(e->value_mark(),
              "a per-value 'expect' needs exactly one parameter with a list of values (this benchmark has " +
                  std::to_string(listed.size()) + ")");
        ok = false;
      } else {
        expect_param = listed[0]->name;
        for (const Entry& x : entries(e->value, "'expect'", nullptr)) {
          bool known = std::any_of(listed[0]->values.begin(), listed[0]->values.end(),
                                   [&](const JobParam& v) { return v.text == x.key; });
          if (!known) {
            std::vector<std::string> texts;
            for (const auto& v : listed[0]->values) texts.push_back(v.text);
            error(x.key_mark, "'expect' has a value for " + expect_param + "=" + printable(x.key) + ", which '" +
                                  expect_param + "' does not list (it lists " + printable(join(texts, ", ")) + ")");
            ok = false;
          } else if (!x.value.IsScalar() || classify(x.value).kind == ScalarKind::Null) {
            error(x.value_mark(), "an expected value must be a scalar, not " + std::string(describe(x.value)));
            ok = false;
          } else {
            expect_by_value[x.key] = x.value.Scalar();
          }
        }
      }
    } else if (e->value.IsScalar() && classify(e->value).kind != ScalarKind::Null) {
      expect_all = e->value.Scalar();
    } else {
      error(e->value_mark(), "'expect' must be a value or a map from parameter values to values, not " +
                                 std::string(describe(e->value)));
      ok = false;
    }
  }

  if (!ok) return;

  // The cartesian product in manifest order, the last parameter varying fastest.
  size_t count = 1;  // saturates just above the limit: aliases make huge lists cheap to write
  for (const auto& p : params) count = std::min(count * p.values.size(), kMaxJobs + 1);
  if (count + suite.jobs.size() > kMaxJobs) {
    error(node.Mark(), "benchmark '" + b.name + "' expands to " + (count > kMaxJobs ? "more than " : "") +
                           std::to_string(std::min(count, kMaxJobs)) + " jobs; a suite may have at most " +
                           std::to_string(kMaxJobs) + " in all");
    return;
  }
  size_t bench_index = suite.benchmarks.size();
  std::vector<size_t> pick(params.size(), 0);
  for (size_t n = 0; n < count; ++n) {
    Job job;
    job.benchmark = bench_index;
    job.name = b.name;
    for (size_t i = 0; i < params.size(); ++i) {
      const JobParam& v = params[i].values[pick[i]];
      job.params.push_back(v);
      // Names are printed in tables and logs: a value's control characters are escaped.
      job.name += "/" + v.name + ":" + printable(v.text, std::string::npos);
      if (v.name == expect_param) {
        if (auto it = expect_by_value.find(v.text); it != expect_by_value.end()) job.expect = it->second;
      }
    }
    if (expect_all) job.expect = expect_all;
    suite.jobs.push_back(std::move(job));
    for (size_t i = params.size(); i-- > 0;) {
      if (++pick[i] < params[i].values.size()) break;
      pick[i] = 0;
    }
  }
  suite.benchmarks.push_back(std::move(b));
}

std::optional<YAML::Mark> stray_comma(const std::string& text);

// yaml-cpp 0.7 has inputs on which its parser never ends, emitting node
// after node (the fuzzer keeps finding new ones: a ',' after a tag, an
// anchor or a NUL). Every well-formed document has fewer events than twice
// its bytes, so a first pass that only counts events, and stops past that
// budget, bounds the parse whatever the bug; the real parse follows.
class EventBudget : public YAML::EventHandler {
 public:
  struct Spent {};
  explicit EventBudget(size_t events) : left_(events) {}
  const YAML::Mark& mark() const { return mark_; }

  void OnDocumentStart(const YAML::Mark& m) override { spend(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { spend(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { spend(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { spend(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    spend(m);
  }
  void OnSequenceEnd() override { spend(mark_); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    spend(m);
  }
  void OnMapEnd() override { spend(mark_); }

 private:
  void spend(const YAML::Mark& m) {
    mark_ = m;
    if (left_ == 0) throw Spent{};
    --left_;
  }
  size_t left_;
  YAML::Mark mark_;
};

// True when the parse ends within its budget (or fails: the real parse
// reports that failure the same way).
bool parse_ends(const std::string& text, YAML::Mark& where) {
  std::istringstream in(text);
  EventBudget budget(2 * text.size() + 64);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(budget)) {
    }
  } catch (const EventBudget::Spent&) {
    where = budget.mark();
    return false;
  } catch (const YAML::Exception&) {
  }
  return true;
}

std::optional<Suite> ManifestReader::read(const std::string& text) {
  // Lengths and encoding first: nothing is parsed that would be refused.
  if (text.size() > kMaxManifestBytes) {
    add({path_, 0, 0,
         "the manifest is " + std::to_string(text.size()) + " bytes; at most " + std::to_string(kMaxManifestBytes)});
    return std::nullopt;
  }
  // Protobuf refuses non-UTF-8 strings, so a coordinator could not take it;
  // refused here the same way in both modes.
  if (size_t bad = gene::farm::first_invalid_utf8(text); bad != text.size()) {
    size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    line_start = line_start == std::string::npos || bad == 0 ? 0 : line_start + 1;
    add({path_, int(std::count(text.begin(), text.begin() + long(bad), '\n')) + 1, int(bad - line_start) + 1,
         "the manifest is not valid UTF-8 (byte 0x" + printable(text.substr(bad, 1)).substr(2) + ")"});
    return std::nullopt;
  }
  if (auto comma = stray_comma(text)) {
    error(*comma, "YAML syntax error: ',' cannot start a value here (write \",\" for a comma)");
    return std::nullopt;
  }
  // YAML allows no control characters but tab and line breaks (and NEL);
  // yaml-cpp 0.7 can loop forever on some of them (a NUL before a ',').
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0 &&
              static_cast<unsigned char>(text[i + 1]) != 0x85;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f || c1) {
      size_t line_start = i == 0 ? std::string::npos : text.rfind('\n', i - 1);
      line_start = line_start == std::string::npos ? 0 : line_start + 1;
      add({path_, int(std::count(text.begin(), text.begin() + long(i), '\n')) + 1, int(i - line_start) + 1,
           "the manifest contains the control character " + printable(text.substr(i, c1 ? 2 : 1)) +
               ", which YAML does not allow"});
      return std::nullopt;
    }
  }
  if (YAML::Mark where; !parse_ends(text, where)) {
    error(where, "YAML syntax error: the YAML reader does not end on this input (it keeps making nodes past "
                 "twice the manifest's size in bytes)");
    return std::nullopt;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's parser recurses once per level and stops itself at a
    // fixed depth, before the stack runs out.
    error(e.mark, "YAML nested more than " + std::to_string(e.depth()) + " levels deep");
    return std::nullopt;
  } catch (const YAML::ParserException& e) {
    error(e.mark, "YAML syntax error: " + e.msg);
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    error(e.mark, "YAML error: " + e.msg);
    return std::nullopt;
  }
  if (docs.empty() || docs[0].IsNull()) {
    add({path_, 1, 1, "empty manifest: expected a map with 'suite' and 'benchmarks'"});
    return std::nullopt;
  }
  if (docs.size() > 1) error(docs[1].Mark(), "a manifest holds one YAML document; this is a second one");
  const YAML::Node& root = docs[0];
  if (!root.IsMap()) {
    error(root.Mark(), std::string("a manifest must be a map with 'suite' and 'benchmarks', not ") + describe(root));
    return std::nullopt;
  }

  const size_t errors_before = errors_.size();
  Suite suite;
  suite.manifest_path = path_;
  std::vector<Entry> es = entries(root, "the manifest", &kTopKeys);
  auto find = [&](const char* key) -> const Entry* {
    for (const Entry& e : es)
      if (e.key == key) return &e;
    return nullptr;
  };

  if (const Entry* e = find("suite")) {
    if (e->value.IsScalar() && e->value.Scalar().size() > kMaxSuiteNameBytes) {
      error(e->value_mark(), "suite name is " + std::to_string(e->value.Scalar().size()) + " bytes; at most " +
                                 std::to_string(kMaxSuiteNameBytes) + " (it names every job)");
    } else if (absl::Status name = check_name(e->value, kMaxSuiteNameBytes, kSuiteName); !name.ok()) {
      error(e->value_mark(), "bad suite name " + std::string(name.message()) +
                                 ": use lower-case letters, digits and '_' ([a-z0-9_]+)");
    } else {
      suite.name = e->value.Scalar();
    }
  } else {
    add({path_, root.Mark().line + 1, root.Mark().column + 1, "missing required key 'suite'"});
  }
  if (const Entry* e = find("description")) {
    if (!e->value.IsScalar())
      error(e->value_mark(), "'description' must be text, not " + std::string(describe(e->value)));
    else
      suite.description = e->value.Scalar();
  }
  RunSettings defaults;
  if (const Entry* e = find("defaults")) defaults = read_settings_map(*e, defaults);
  defaults_min_time_mark_ = min_time_mark_;
  std::map<std::string, std::string> hardware;
  if (const Entry* e = find("hardware")) hardware = read_hardware(*e, hardware);
  std::vector<Target> targets;
  if (const Entry* e = find("targets")) targets = read_targets(*e, targets);

  if (const Entry* e = find("benchmarks")) {
    if (!e->value.IsSequence()) {
      error(e->value_mark(), "'benchmarks' must be a list, not " + std::string(describe(e->value)));
    } else if (e->value.size() == 0) {
      error(e->value_mark(), "'benchmarks' is empty: a suite needs at least one benchmark");
    } else {
      std::map<std::string, int> names;
      for (size_t i = 0; i < e->value.size(); ++i)
        read_benchmark(e->value[i], i, suite, defaults, targets, hardware, names);
    }
  } else {
    add({path_, root.Mark().line + 1, root.Mark().column + 1, "missing required key 'benchmarks'"});
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return suite;
}

// yaml-cpp 0.7 loops forever, allocating, on a ',' that starts a token at
// the start of a line in block context (`,`, `- a\n,`, `--- ,`, `&x ,`).
// Such a line is a syntax error in any case: its place, or nullopt. Lines
// of block scalars (`|`, `>`) are text and are skipped.
std::optional<YAML::Mark> stray_comma(const std::string& text) {
  size_t block_indent = std::string::npos;  // inside a block scalar: lines indented more than this
  int line = 0;
  for (size_t start = 0; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view l(text.data() + start, end - start);
    const size_t next = end + 1;
    size_t i = 0;
    if (line == 0 && l.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a byte order mark
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    if (block_indent != std::string::npos) {
      if (i == l.size() || i > block_indent) {
        start = next;
        continue;
      }
      block_indent = std::string::npos;
    }
    const size_t indent = i;
    auto indicator = [&](size_t k) { return k + 1 >= l.size() || l[k + 1] == ' ' || l[k + 1] == '\t'; };
    for (;;) {
      if (i < l.size() && (l[i] == '-' || l[i] == '?' || l[i] == ':') && indicator(i)) {
        ++i;
      } else if (i + 3 <= l.size() && i == 0 && (l.substr(0, 3) == "---" || l.substr(0, 3) == "...") &&
                 indicator(2)) {
        i += 3;
      } else if (i < l.size() && (l[i] == '&' || l[i] == '!' || l[i] == '*')) {
        // yaml-cpp ends an anchor, tag or alias at a ',' too, then loops on it.
        while (i < l.size() && l[i] != ' ' && l[i] != '\t' && l[i] != ',') ++i;
      } else {
        break;
      }
      while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    }
    if (i < l.size() && l[i] == ',') {
      YAML::Mark m;
      m.line = line;
      m.column = int(i);
      return m;
    }
    // A block scalar's header ends its line: `key: |`, `- >-`, `|2`.
    size_t last = l.find_last_not_of(" \t\r");
    if (last != std::string_view::npos) {
      size_t h = last;
      while (h > 0 && (std::isdigit(static_cast<unsigned char>(l[h])) || l[h] == '-' || l[h] == '+')) --h;
      if ((l[h] == '|' || l[h] == '>') && (h == 0 || l[h - 1] == ' ' || l[h - 1] == '\t')) block_indent = indent;
    }
    start = next;
  }
  return std::nullopt;
}

// `path` is inside `root` (both absolute and normalized).
bool is_within(const fs::path& path, const fs::path& root) {
  auto r = root.begin(), p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace

absl::Status check_file_spelling(const std::string& file) {
  if (file.empty()) return absl::InvalidArgumentError("empty file name");
  if (file.find('\0') != std::string::npos) return absl::InvalidArgumentError("file name contains a NUL byte");
  fs::path p(file);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory())
    return absl::InvalidArgumentError("must be relative to the manifest's directory, not absolute");
  // The manifest's directory, seen from the suite's tree root, is one name.
  fs::path within = (fs::path("suite_dir") / p).lexically_normal();
  if (within.empty() || *within.begin() == "..")
    return absl::InvalidArgumentError(
        "escapes the suite's directory tree (files must stay under the manifest directory's parent)");
  if (!within.has_filename()) return absl::InvalidArgumentError("names a directory, not a file");
  return absl::OkStatus();
}

FileResolver disk_file_resolver(const fs::path& manifest_path) {
  std::error_code ec;
  fs::path dir = fs::absolute(manifest_path, ec).parent_path();
  fs::path root = dir.parent_path();
  return [dir, root](const std::string& file) -> FileContent {
    std::error_code ec;
    fs::path full = (dir / file).lexically_normal();
    if (!fs::exists(full, ec)) return {std::nullopt, "no such file (" + full.string() + ")"};
    if (!fs::is_regular_file(full, ec)) return {std::nullopt, "not a regular file (" + full.string() + ")"};
    fs::path real = fs::weakly_canonical(full, ec);
    fs::path real_root = fs::weakly_canonical(root, ec);
    if (ec || !is_within(real, real_root))
      return {std::nullopt, "escapes the suite's directory tree through a symbolic link (" + real.string() + ")"};
    if (fs::file_size(full, ec) > kMaxProgramBytes) return {std::nullopt, "larger than 4 MiB"};
    std::ifstream in(full, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) return {std::nullopt, "cannot be read (" + full.string() + ")"};
    return {text.str(), ""};
  };
}

FileResolver map_file_resolver(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& file) -> FileContent {
    auto it = files.find(file);
    if (it == files.end()) return {std::nullopt, "not among the files the submitter sent"};
    if (it->second.size() > kMaxProgramBytes) return {std::nullopt, "larger than 4 MiB"};
    return {it->second, ""};
  };
}

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

ManifestResult load_manifest(const std::string& manifest_path, const std::string& text, const FileResolver& files,
                             const ManifestOptions& options) {
  ManifestResult result;
  ManifestReader reader(manifest_path, files, options, result.errors);
  auto suite = reader.read(text);
  // Report in the order they appear in the file, whatever order they were found in.
  std::stable_sort(result.errors.begin(), result.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  result.problems = reader.problems();
  if (result.problems > result.errors.size())
    result.errors.push_back({manifest_path, 0, 0,
                             "and " + std::to_string(result.problems - result.errors.size()) + " more problems"});
  if (result.problems == 0) result.suite = std::move(suite);
  return result;
}

std::optional<double> parse_duration(const std::string& text) {
  static const RE2 part("([0-9]+(?:\\.[0-9]+)?)(ms|us|h|m|s)");
  static const std::vector<std::string> order = {"h", "m", "s", "ms", "us"};
  static const std::map<std::string, double> scale = {{"h", 3600}, {"m", 60}, {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}};
  if (text.empty()) return std::nullopt;
  double total = 0;
  size_t next_unit = 0;  // units must come in `order`, each at most once
  re2::StringPiece rest(text);
  std::string number, unit;
  while (!rest.empty()) {
    if (!RE2::Consume(&rest, part, &number, &unit)) return std::nullopt;
    auto pos = std::find(order.begin() + long(next_unit), order.end(), unit);
    if (pos == order.end()) return std::nullopt;
    next_unit = size_t(pos - order.begin()) + 1;
    total += std::strtod(number.c_str(), nullptr) * scale.at(unit);
  }
  return total;
}

std::optional<uint64_t> parse_size(const std::string& text) {
  static const RE2 size("([0-9]+(\\.[0-9]+)?) ?(B|KiB|MiB|GiB|TiB|kB|KB|MB|GB|TB)?");
  static const std::map<std::string, double> scale = {
      {"", 1},     {"B", 1},    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
      {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6},     {"GB", 1e9},        {"TB", 1e12}};
  std::string number, fraction, unit;
  if (text.size() > 64 || !RE2::FullMatch(text, size, &number, &fraction, &unit)) return std::nullopt;
  if (!fraction.empty() && unit.empty()) return std::nullopt;  // fractional bytes
  double v = std::strtod(number.c_str(), nullptr) * scale.at(unit);
  if (v >= 9.2e18) return std::nullopt;
  return uint64_t(std::llround(v));
}

std::optional<std::pair<std::string, double>> parse_target(const std::string& text) {
  static const RE2 target(
      "\\s*(>=|<=|==|!=|>|<)\\s*([-+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\\s*");
  std::string op, number;
  if (!RE2::FullMatch(text, target, &op, &number)) return std::nullopt;
  double v = std::strtod(number.c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return std::make_pair(op, v);
}

bool selectors_match(const std::map<std::string, std::string>& selectors,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selectors) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

std::string format_labels(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(k + "=" + v);
  return parts.empty() ? "(none)" : join(parts, ", ");
}

}  // namespace gene::coordinator
