// A finished comparison in the results store: a run per side, of its own
// suite and build, whose jobs are the rounds (each round's repetition of
// that side a repetition, judged like a submit's: medians, targets, noise),
// and the verdicts on the candidate's run against the baseline's
// (`comparisons.source` "compare"). `history` then lists both builds' runs
// side by side; `submit --baseline` may judge later runs against them.
#pragma once

#include <string>

#include "farm.pb.h"
#include "gene/coordinator/manifest.h"
#include "gene/coordinator/results_store.h"

namespace gene::coordinator {

// One side's suite as compared: the manifest's text (for its hash) and the
// loaded suite.
struct ComparedSuite {
  const Suite* suite = nullptr;
  std::string manifest_text;
};

// Records `result` (whose jobs carry each side's rounds) and sets its
// `store`, `baseline_run` and `candidate_run`; what could not be recorded
// goes to `store_errors`. `mode` is "local" or "remote".
void record_comparison(ResultsStore& store, const ComparedSuite& baseline, const ComparedSuite& candidate,
                       const std::string& mode, v1::CompareResult& result);

}  // namespace gene::coordinator
