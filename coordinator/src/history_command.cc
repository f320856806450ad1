// `coordinator history`: reads the results store (never writes it) and
// prints its runs as a table, and as JSON and an HTML page when asked.
#include <cstdio>

#include "command_support.h"
#include "gene/report/export_file.h"
#include "gene/coordinator/commands.h"
#include "gene/coordinator/history.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {

int run_history(const HistoryOptions& o) {
  if (!check_outputs({o.json_out, o.html_out})) return kExitUnusable;  // before the store is read
  absl::StatusOr<std::string> where = o.store.empty() ? default_store_path() : o.store;
  if (!where.ok()) {
    print_error(where.status());
    return kExitUnusable;
  }
  const std::string& path = *where;
  if (path == kNoStore) {
    print_error("history reads a results store: give --store PATH");
    return kExitUnusable;
  }
  absl::StatusOr<std::unique_ptr<ResultsStore>> store = ResultsStore::open(path, ResultsStore::Access::ReadOnly);
  if (!store.ok()) {
    print_error(store.status());
    return kExitUnusable;
  }
  HistoryQuery query{o.suite, o.job, o.last};
  auto runs = load_history(**store, query);
  if (!runs.ok()) {
    print_error(runs.status());
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
  for (const auto& [out, text] : {std::pair{o.json_out, o.json_out.empty() ? "" : history_json(*runs, path)},
                                   std::pair{o.html_out, o.html_out.empty() ? "" : history_html(*runs, path)}}) {
    if (out.empty()) continue;
    if (absl::Status written = report::write_export(out, text); !written.ok()) {
      print_error(written);
      return kExitUnusable;
    }
  }
  return 0;
}

}  // namespace gene::coordinator
