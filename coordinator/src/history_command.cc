// `coordinator history`: reads the results store (never writes it) and
// prints its runs as a table, and as JSON and an HTML page when asked.
#include <cstdio>

#include "gene/coordinator/commands.h"
#include "gene/coordinator/history.h"
#include "gene/coordinator/results.h"
#include "gene/report/export_file.h"

namespace gene::coordinator {

namespace {

void print_error(const std::string& message) { std::fprintf(stderr, "error: %s\n", message.c_str()); }

bool write_file(const std::string& path, const std::string& text) {
  absl::Status written = report::write_export(path, text);
  if (!written.ok()) print_error(std::string(written.message()));
  return written.ok();
}

}  // namespace

int run_history(const HistoryOptions& o) {
  for (const std::string* out : {&o.json_out, &o.html_out})
    if (absl::Status writable = report::check_export_path(*out); !out->empty() && !writable.ok()) {
      print_error(std::string(writable.message()));
      return kExitUnusable;
    }
  std::string error;
  std::string path = o.store.empty() ? default_store_path(error) : o.store;
  if (path.empty()) {
    print_error(error);
    return kExitUnusable;
  }
  if (path == kNoStore) {
    print_error("history reads a results store: give --store PATH");
    return kExitUnusable;
  }
  auto store = ResultsStore::open(path, ResultsStore::Access::ReadOnly, error);
  if (!store) {
    print_error(error);
    return kExitUnusable;
  }
  HistoryQuery query{o.suite, o.job, o.last};
  auto runs = load_history(*store, query, error);
  if (!runs) {
    print_error(error);
    return kExitUnusable;
  }
  std::FILE* table_out = o.json_out == "-" || o.html_out == "-" ? stderr : stdout;
  if (runs->empty()) {
    std::string what = o.suite.empty() ? "" : " of suite " + o.suite;
    if (!o.job.empty()) what += " with a job matching '" + o.job + "'";
    std::fprintf(table_out, "no runs%s in %s\n", what.c_str(), path.c_str());
  } else {
    std::fputs(format_history(*runs).c_str(), table_out);
  }
  std::fflush(table_out);
  if (!o.json_out.empty() && !write_file(o.json_out, history_json(*runs, path))) return kExitUnusable;
  if (!o.html_out.empty() && !write_file(o.html_out, history_html(*runs, path))) return kExitUnusable;
  return 0;
}

}  // namespace gene::coordinator
