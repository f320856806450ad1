// The Worker gRPC service (callback API): Describe answers the machine's
// WorkerInfo; RunJob checks the caller and the request, then hands the job
// to a RunJobReactor. Auth is checked here, in each handler, because an
// AuthMetadataProcessor only runs on TLS connections and the token must
// also guard plaintext ones.
#pragma once

#include <string>

#include "farm.grpc.pb.h"
#include "gene/job_runner.h"
#include "job_admission.h"

namespace gene::farm {

class WorkerMetrics;

class WorkerService final : public v1::Worker::CallbackService {
 public:
  // `token` empty: no auth. `metrics` may be null. `admission` must outlive
  // every job this service starts.
  // Requests asking for more heap than `max_heap_cap` are refused.
  WorkerService(v1::WorkerInfo info, std::string token, JobAdmission& admission, WorkerMetrics* metrics,
                uint64_t max_heap_cap = uint64_t(1) << 30);

  grpc::ServerUnaryReactor* Describe(grpc::CallbackServerContext* context, const v1::DescribeRequest* request,
                                     v1::WorkerInfo* response) override;
  grpc::ServerWriteReactor<v1::JobEvent>* RunJob(grpc::CallbackServerContext* context,
                                                 const v1::JobRequest* request) override;

  const v1::WorkerInfo& info() const { return info_; }

 private:
  const v1::WorkerInfo info_;
  const std::string token_;
  const JobRunner runner_;
  JobAdmission& admission_;
  WorkerMetrics* const metrics_;
  const uint64_t max_heap_cap_;
};

}  // namespace gene::farm
