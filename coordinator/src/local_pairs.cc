#include "local_pairs.h"

namespace gene::coordinator {

namespace {

// How long a worker that has just started may take to answer Describe.
constexpr double kDescribeSeconds = 10;

}  // namespace

absl::StatusOr<LocalPair> LocalPair::start(const std::string& baseline_path, const std::string& candidate_path,
                                           int cpu) {
  absl::StatusOr<std::unique_ptr<PrivateDir>> dir = PrivateDir::make("gene-compare");
  if (!dir.ok()) return dir.status();
  LocalPair pair;
  for (auto [side, path, name] : {std::tuple{&pair.baseline, &baseline_path, "baseline"},
                                  {&pair.candidate, &candidate_path, "candidate"}}) {
    auto started = ChildWorker::start(*path, name, **dir, cpu);
    if (!started.ok()) {
      pair.stop();
      return absl::Status(started.status().code(), std::string(name) + ": " + std::string(started.status().message()));
    }
    side->process = *std::move(started);
  }
  dir->reset();  // the workers have read their tokens: nothing needs the files
  for (LocalSide* side : {&pair.baseline, &pair.candidate}) {
    side->connection = std::make_unique<WorkerConnection>(side->process->address(), side->process->token());
    if (absl::Status described = side->connection->describe(kDescribeSeconds); !described.ok()) {
      pair.stop();
      return described;
    }
  }
  return pair;
}

void LocalPair::stop() {
  // Connections go before the workers stop: a worker waits for open ones.
  baseline.connection.reset();
  candidate.connection.reset();
  if (baseline.process) baseline.process->stop();
  if (candidate.process) candidate.process->stop();
}

struct LocalPairs::Lease final : SidePairLease {
  explicit Lease(LocalPairs& pairs) : pairs(pairs) {}
  CompareSideRunner& baseline() override { return *pairs.pair_.baseline.connection; }
  CompareSideRunner& candidate() override { return *pairs.pair_.candidate.connection; }
  bool renewable() const override { return true; }
  absl::Status renew() override { return pairs.renew(); }
  LocalPairs& pairs;
};

absl::StatusOr<std::unique_ptr<SidePairLease>> LocalPairs::acquire(const ComparedJob&, Cancellation& cancel) {
  // A renewal that failed during the job before left no pair: start one,
  // or say why this job cannot be compared either.
  if (!pair_.baseline.connection || !pair_.candidate.connection) {
    if (cancel.cancelled()) return absl::CancelledError("cancelled");
    if (absl::Status renewed = renew(); !renewed.ok())
      return absl::Status(renewed.code(), "starting a fresh pair of workers: " + std::string(renewed.message()));
  }
  return std::unique_ptr<SidePairLease>(std::make_unique<Lease>(*this));
}

absl::Status LocalPairs::renew() {
  pair_.stop();
  absl::StatusOr<LocalPair> fresh = LocalPair::start(baseline_path_, candidate_path_, cpu_);
  if (!fresh.ok()) return fresh.status();
  pair_ = *std::move(fresh);
  ++renewals_;
  return absl::OkStatus();
}

}  // namespace gene::coordinator
