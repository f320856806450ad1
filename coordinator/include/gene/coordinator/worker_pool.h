// The coordinator's view of its remote workers: health-checked
// (grpc.health.v1) and described (Describe) continuously, and handed out one
// job at a time (up to each worker's max_concurrent) to jobs whose hardware
// selectors they match. A worker that dies, hangs or becomes unreachable
// mid-job is marked down and the job reruns from the start on another
// (at most max_attempts attempts; the lost attempt's repetitions are
// discarded). A worker answering RESOURCE_EXHAUSTED is busy, not dead: the
// job waits and tries again. Timed jobs disturb each other on one machine,
// so at most `jobs_per_host` jobs run at once on the workers that share a
// `host` label (their address's host when they have none), and each
// outcome says how many ran beside it there.
#pragma once

#include <grpcpp/security/credentials.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "farm.grpc.pb.h"
#include "gene/coordinator/cancellation.h"
#include "gene/coordinator/compare_rounds.h"
#include "gene/coordinator/suite_runner.h"

namespace gene::coordinator {

struct WorkerPoolOptions {
  // `host:port,host:port,...` or `dns:///name:port` (every address the name
  // resolves to is a worker; re-resolved while running).
  std::string workers;
  std::shared_ptr<grpc::ChannelCredentials> credentials;  // nullptr: plaintext
  std::string token;                                      // "" = no auth
  std::chrono::milliseconds check_interval{1000};         // health checks, per worker
  std::chrono::milliseconds rpc_deadline{2000};           // health and Describe calls
  int failures_before_down = 2;                           // consecutive failed checks
  std::chrono::milliseconds no_worker_grace{10000};       // a job waits this long for a matching worker to come back
  std::chrono::milliseconds busy_backoff{300};            // after RESOURCE_EXHAUSTED
  std::chrono::milliseconds dns_interval{5000};
  uint32_t max_attempts = 3;
  uint32_t jobs_per_host = 1;                   // jobs at once on one host (`serve --jobs-per-host`)
  double job_deadline_slack_seconds = 30;       // beyond the job's own timeout, before the worker counts as hung
  std::function<void(const std::string&)> log;  // one line per event worth telling an operator
};

// The targets of a --workers value, or an error.
struct WorkerTargets {
  std::vector<std::string> addresses;  // host:port
  std::string dns_name;                // set for dns:///name:port
  int dns_port = 0;
  std::string error;
};
WorkerTargets parse_worker_targets(const std::string& workers);

class WorkerPool final : public JobExecutor {
 public:
  // INVALID_ARGUMENT when --workers is malformed.
  static absl::StatusOr<std::unique_ptr<WorkerPool>> create(WorkerPoolOptions options);
  ~WorkerPool() override;

  // Waits until every known worker has been checked once (or `timeout`).
  void wait_for_first_round(std::chrono::milliseconds timeout);

  std::vector<v1::WorkerStatus> statuses();
  struct Counts {
    size_t ready = 0, busy = 0, down = 0;
  };
  Counts counts();

  Outcome run(const v1::JobRequest& request, const Selectors& selectors, const StartedCallback& started,
              Cancellation& cancel) override;
  absl::Status check_selectors(const Selectors& selectors) override;
  std::vector<std::string> statistic_names() override;
  size_t parallelism() override;

  // `compare`'s pairs: a usable worker matching `baseline` and one matching
  // `candidate` on the same host (`host` label), held together until the
  // lease is destroyed. The pair takes one of the host's job slots (its
  // sides run in turn, never at once), and waits while suites' jobs hold
  // the workers. Two distinct workers when the pool has them; else one
  // worker matching both selectors serves both sides. CANCELLED when
  // cancelled; check_pair's FAILED_PRECONDITION when no pair has matched
  // for no_worker_grace. A pair's calls are cancelled at once through the
  // Cancellation passed to their run(); a lost worker fails the call (no
  // retry: rounds on another host would not pair with the ones run).
  absl::StatusOr<std::unique_ptr<SidePairLease>> acquire_pair(const Selectors& baseline, const Selectors& candidate,
                                                              Cancellation& cancel);
  // OK when some pair of usable workers on one host matches, else
  // FAILED_PRECONDITION saying why not, with what the workers offer.
  absl::Status check_pair(const Selectors& baseline, const Selectors& candidate);
  // Hosts with a matching pair: how many jobs' rounds may run at once.
  size_t pair_hosts(const Selectors& baseline, const Selectors& candidate);

 private:
  class PairLease;
  class PairSide;
  struct Worker;
  struct Waiter;
  struct Call;
  // A job holding a worker: on which host, and the most jobs beside it there.
  struct HostSlot {
    std::string host;
    uint32_t max_beside = 0;
  };
  enum class AttemptEnd { Done, Busy, Rejected, Unauthenticated, Cancelled, Lost };
  struct Attempt {
    AttemptEnd end = AttemptEnd::Lost;
    bool accepted = false;
    v1::JobResult result;
    std::string error;
  };

  explicit WorkerPool(WorkerPoolOptions options);
  Worker& add_worker_locked(const std::string& address);
  void monitor(Worker& w);
  void resolve_dns();
  void dns_loop();
  // A free worker matching `selectors`, its host's slot taken in `slot`;
  // CANCELLED once `cancel` rises or the pool stops, UNAVAILABLE (saying
  // why) when none has matched for no_worker_grace.
  absl::StatusOr<Worker*> acquire(const Selectors& selectors, Cancellation& cancel, HostSlot& slot);
  // Wakes every wait on cv_ (a Cancellation raised).
  void wake_waiters();
  void release(Worker& w, HostSlot& slot);
  void assign_locked();
  std::string host_of_locked(const Worker& w) const;
  void leave_host_locked(HostSlot& slot);
  bool usable_locked(const Worker& w) const;
  v1::WorkerState state_locked(const Worker& w) const;
  void mark_down_locked(Worker& w, const std::string& error);
  std::string describe_workers_locked() const;
  // One RunJob call; raising `cancel` cancels it at once.
  Attempt attempt(Worker& w, const v1::JobRequest& request, uint32_t number, const StartedCallback& started,
                  Cancellation& cancel);
  // A matching pair on one host, free now when `free_now` (else merely usable).
  std::optional<std::pair<Worker*, Worker*>> find_pair_locked(const Selectors& baseline, const Selectors& candidate,
                                                              bool free_now) const;
  bool free_locked(const Worker& w) const;
  void release_pair(Worker& b, Worker& c, HostSlot& slot);
  v1::JobResult run_on(Worker& w, const v1::JobRequest& request, Cancellation& cancel);
  void log(const std::string& line) const;

  WorkerPoolOptions options_;
  WorkerTargets targets_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // worker state changed / a waiter may proceed
  std::vector<std::unique_ptr<Worker>> workers_;
  std::list<Waiter*> waiters_;
  std::map<std::string, std::vector<HostSlot*>> host_slots_;  // running jobs by host
  bool stopping_ = false;
  std::thread dns_thread_;
};

}  // namespace gene::coordinator
