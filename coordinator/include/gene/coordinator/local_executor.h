// Local mode's executor: runs each job in this process through the worker's
// job-runner library, one at a time, on this machine, whose labels (arch,
// cpu_model, cores) the hardware selectors are checked against.
#pragma once

#include "gene/coordinator/suite_runner.h"
#include "gene/job_runner.h"

namespace gene::coordinator {

class LocalExecutor final : public JobExecutor {
 public:
  LocalExecutor();

  Outcome run(const v1::JobRequest& request, const Selectors& selectors, const StartedCallback& started,
              Cancellation& cancel) override;
  absl::Status check_selectors(const Selectors& selectors) override;
  std::vector<std::string> statistic_names() override;
  size_t parallelism() override { return 1; }  // jobs on one machine would disturb each other's timings

  const v1::WorkerInfo& info() const { return info_; }

 private:
  gene::farm::JobRunner runner_;
  v1::WorkerInfo info_;
};

}  // namespace gene::coordinator
