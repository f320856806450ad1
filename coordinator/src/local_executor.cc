#include "gene/coordinator/local_executor.h"

#include "gene/machine_info.h"

namespace gene::coordinator {

LocalExecutor::LocalExecutor() : runner_("local"), info_(gene::farm::describe_this_machine("local", {}, 1)) {}

JobExecutor::Outcome LocalExecutor::run(const v1::JobRequest& request, const Selectors& selectors,
                                        const StartedCallback& started, Cancellation& cancel) {
  Outcome out;
  out.worker = info_;
  std::map<std::string, std::string> labels(info_.labels().begin(), info_.labels().end());
  if (!selectors_match(selectors, labels)) {
    out.result.set_job_id(request.job_id());
    out.result.set_status(v1::JOB_STATUS_NO_WORKER);
    out.result.set_error_message("this machine (" + format_labels(labels) + ") does not match " +
                                 format_labels(selectors));
    out.worker = {};
    return out;
  }
  out.attempts = 1;
  out.result = runner_.run(request, cancel.flag(), [&](const v1::JobEvent& e) {
    if (e.has_accepted() && started) started(info_.name(), 1);
  });
  return out;
}

absl::Status LocalExecutor::check_selectors(const Selectors& selectors) {
  std::map<std::string, std::string> labels(info_.labels().begin(), info_.labels().end());
  if (selectors_match(selectors, labels)) return absl::OkStatus();
  return absl::FailedPreconditionError("this machine (local mode) has " + format_labels(labels));
}

std::vector<std::string> LocalExecutor::statistic_names() { return gene::farm::statistic_names(); }

}  // namespace gene::coordinator
