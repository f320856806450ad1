#include "gene/coordinator/worker_pool.h"

#include <arpa/inet.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "gene/coordinator/worker_connection.h"
#include "gene/farm_security.h"
#include "health_check.h"

namespace gene::coordinator {

namespace {

using Clock = std::chrono::steady_clock;

// Results carry every repetition's statistics: far above a request's size.
constexpr int kMaxResultBytes = 64 << 20;

bool valid_port(const std::string& digits, int& port) {
  if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(digits);
  return port > 0 && port <= 65535;
}

}  // namespace

// A RunJob call in flight, cancelled when its worker is marked down or the
// pool stops.
struct WorkerPool::Call {
  grpc::ClientContext* context;
};

struct WorkerPool::Worker {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Worker::Stub> stub;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
  // Guarded by the pool's mutex.
  bool checked = false;    // health asked at least once
  bool healthy = false;    // last checks succeeded
  bool described = false;  // Describe answered since it last came up
  bool gone = false;       // no longer among the names DNS returns
  int failures = 0;
  v1::WorkerInfo info;
  std::string last_error;
  uint32_t running = 0;
  Clock::time_point busy_until{};
  Clock::time_point last_assigned{};
  std::vector<Call*> calls;
  std::thread monitor;

  uint32_t capacity() const { return std::max<uint32_t>(1, info.max_concurrent()); }
  std::map<std::string, std::string> labels() const { return {info.labels().begin(), info.labels().end()}; }
};

struct WorkerPool::Waiter {
  const Selectors* selectors;
  HostSlot* slot;
  Worker* assigned = nullptr;
};

WorkerTargets parse_worker_targets(const std::string& workers) {
  WorkerTargets t;
  const std::string dns = "dns:///";
  if (workers.rfind(dns, 0) == 0) {
    std::string rest = workers.substr(dns.size());
    size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || !valid_port(rest.substr(colon + 1), t.dns_port)) {
      t.error = "--workers dns:///NAME:PORT wants a name and a port, not \"" + workers + "\"";
      return t;
    }
    t.dns_name = rest.substr(0, colon);
    return t;
  }
  size_t start = 0;
  while (start <= workers.size()) {
    size_t comma = workers.find(',', start);
    std::string a = workers.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? workers.size() + 1 : comma + 1;
    size_t b = a.find_first_not_of(" \t"), e = a.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    a = a.substr(b, e - b + 1);
    size_t colon = a.rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0 || !valid_port(a.substr(colon + 1), port)) {
      t.error = "--workers wants HOST:PORT[,HOST:PORT...] or dns:///NAME:PORT; \"" + a + "\" has no valid port";
      return t;
    }
    if (std::find(t.addresses.begin(), t.addresses.end(), a) == t.addresses.end()) t.addresses.push_back(a);
  }
  if (t.addresses.empty()) t.error = "--workers names no worker";
  return t;
}

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(std::move(options)) {
  if (!options_.credentials) options_.credentials = grpc::InsecureChannelCredentials();
}

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::create(WorkerPoolOptions options) {
  WorkerTargets targets = parse_worker_targets(options.workers);
  if (!targets.error.empty()) return absl::InvalidArgumentError(targets.error);
  std::unique_ptr<WorkerPool> pool(new WorkerPool(std::move(options)));
  pool->targets_ = targets;
  if (!targets.dns_name.empty()) {
    pool->resolve_dns();
    pool->dns_thread_ = std::thread([p = pool.get()] { p->dns_loop(); });
  } else {
    std::lock_guard lock(pool->mu_);
    for (const auto& a : targets.addresses) pool->add_worker_locked(a);
  }
  return pool;
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& w : workers_)
      for (Call* c : w->calls) c->context->TryCancel();
  }
  cv_.notify_all();
  if (dns_thread_.joinable()) dns_thread_.join();
  for (auto& w : workers_)
    if (w->monitor.joinable()) w->monitor.join();
}

void WorkerPool::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

WorkerPool::Worker& WorkerPool::add_worker_locked(const std::string& address) {
  auto w = std::make_unique<Worker>();
  w->address = address;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxResultBytes);
  // Reconnect quickly to a worker that comes back (gRPC's default backoff
  // reaches two minutes).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // One connection per worker address, not shared with other channels.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  w->channel = grpc::CreateCustomChannel(address, options_.credentials, args);
  w->stub = v1::Worker::NewStub(w->channel);
  w->health = grpc::health::v1::Health::NewStub(w->channel);
  Worker& ref = *w;
  workers_.push_back(std::move(w));
  ref.monitor = std::thread([this, &ref] { monitor(ref); });
  return ref;
}

void WorkerPool::resolve_dns() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(targets_.dns_name.c_str(), nullptr, &hints, &res);
  std::set<std::string> found;
  if (rc == 0) {
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      char host[INET6_ADDRSTRLEN] = {};
      if (ai->ai_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, host, sizeof host);
        found.insert(std::string(host) + ":" + std::to_string(targets_.dns_port));
      } else if (ai->ai_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr, host, sizeof host);
        found.insert("[" + std::string(host) + "]:" + std::to_string(targets_.dns_port));
      }
    }
    freeaddrinfo(res);
  }
  std::lock_guard lock(mu_);
  if (rc != 0) {
    log("cannot resolve " + targets_.dns_name + ": " + gai_strerror(rc));
    return;  // keep what we knew
  }
  for (auto& w : workers_) {
    bool now_gone = !found.count(w->address);
    if (now_gone != w->gone) log("worker " + w->address + (now_gone ? " left" : " came back into") + " DNS");
    w->gone = now_gone;
    found.erase(w->address);
  }
  for (const auto& a : found) {
    log("worker " + a + " found in DNS");
    add_worker_locked(a);
  }
  cv_.notify_all();
}

void WorkerPool::dns_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.dns_interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    resolve_dns();
    lock.lock();
  }
}

void WorkerPool::mark_down_locked(Worker& w, const std::string& error) {
  w.last_error = error;
  if (w.healthy) log("worker " + w.address + " is down: " + error);
  w.healthy = false;
  w.described = false;  // describe again when it is back: it may be another process
  w.failures = std::max(w.failures, options_.failures_before_down);
  for (Call* c : w.calls) c->context->TryCancel();
  cv_.notify_all();
}

void WorkerPool::monitor(Worker& w) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    bool need_describe = !w.described;
    lock.unlock();
    HealthAnswer health = check_health(*w.health, "", options_.rpc_deadline, options_.token);
    std::optional<v1::WorkerInfo> info;
    grpc::Status describe_status;
    bool serving = health.serving_ok();
    if (serving && need_describe) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + options_.rpc_deadline);
      gene::farm::add_bearer_token(ctx, options_.token);
      v1::WorkerInfo answer;
      describe_status = w.stub->Describe(&ctx, v1::DescribeRequest(), &answer);
      if (describe_status.ok()) info = std::move(answer);
    }
    lock.lock();
    if (stopping_) break;
    if (!serving) {
      std::string error = health.status.ok() ? "health check says NOT_SERVING"
                                             : "health check failed: " + grpc_status_text(health.status);
      ++w.failures;
      w.last_error = error;
      if (!w.checked) log("worker " + w.address + " is down: " + error);
      if (w.failures >= options_.failures_before_down || !w.checked) mark_down_locked(w, error);
    } else {
      w.failures = 0;
      if (need_describe && !info) {
        w.last_error = "Describe failed: " + grpc_status_text(describe_status);
        if (w.healthy || !w.checked) log("worker " + w.address + ": " + w.last_error);
        w.healthy = false;
      } else {
        if (info) {
          w.info = std::move(*info);
          w.described = true;
          log("worker " + w.address + " is ready: " + w.info.name() + " (" + format_labels(w.labels()) + ")");
        }
        w.healthy = true;
        w.last_error.clear();
      }
    }
    w.checked = true;
    cv_.notify_all();
    cv_.wait_for(lock, options_.check_interval, [&] { return stopping_; });
  }
}

void WorkerPool::wait_for_first_round(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] {
    return stopping_ || std::all_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->checked; });
  });
}

bool WorkerPool::usable_locked(const Worker& w) const { return w.healthy && w.described && !w.gone; }

v1::WorkerState WorkerPool::state_locked(const Worker& w) const {
  if (!usable_locked(w)) return v1::WORKER_STATE_DOWN;
  if (w.running >= w.capacity() || Clock::now() < w.busy_until) return v1::WORKER_STATE_BUSY;
  return v1::WORKER_STATE_READY;
}

std::vector<v1::WorkerStatus> WorkerPool::statuses() {
  std::lock_guard lock(mu_);
  std::vector<v1::WorkerStatus> out;
  for (const auto& w : workers_) {
    v1::WorkerStatus s;
    s.set_address(w->address);
    s.set_state(state_locked(*w));
    *s.mutable_info() = w->info;
    s.set_last_error(w->gone ? "no longer in DNS" : w->last_error);
    s.set_running_jobs(w->running);
    out.push_back(std::move(s));
  }
  return out;
}

WorkerPool::Counts WorkerPool::counts() {
  std::lock_guard lock(mu_);
  Counts c;
  for (const auto& w : workers_) {
    switch (state_locked(*w)) {
      case v1::WORKER_STATE_READY: ++c.ready; break;
      case v1::WORKER_STATE_BUSY: ++c.busy; break;
      default: ++c.down; break;
    }
  }
  return c;
}

std::string WorkerPool::describe_workers_locked() const {
  if (workers_.empty())
    return targets_.dns_name.empty() ? "no workers configured"
                                     : "DNS name " + targets_.dns_name + " resolves to no worker";
  std::string s;
  for (const auto& w : workers_) {
    s += s.empty() ? "" : "; ";
    s += w->address;
    if (usable_locked(*w))
      s += " (" + w->info.name() + ": " + format_labels(w->labels()) + ")";
    else
      s += " (down" + (w->last_error.empty() ? std::string() : ": " + w->last_error) + ")";
  }
  return "the workers are " + s;
}

absl::Status WorkerPool::check_selectors(const Selectors& selectors) {
  std::lock_guard lock(mu_);
  for (const auto& w : workers_)
    if (usable_locked(*w) && selectors_match(selectors, w->labels())) return absl::OkStatus();
  return absl::FailedPreconditionError(describe_workers_locked());
}

std::vector<std::string> WorkerPool::statistic_names() {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& w : workers_)
    if (w->described)
      for (const auto& n : w->info.statistic_names())
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  return names;
}

size_t WorkerPool::parallelism() {
  std::lock_guard lock(mu_);
  std::map<std::string, size_t> by_host;
  for (const auto& w : workers_)
    if (!w->gone) by_host[host_of_locked(*w)] += w->capacity();
  size_t n = 0;
  for (const auto& [host, capacity] : by_host) n += std::min<size_t>(capacity, options_.jobs_per_host);
  return std::max<size_t>(n, 1);
}

std::string WorkerPool::host_of_locked(const Worker& w) const {
  auto it = w.info.labels().find("host");
  if (it != w.info.labels().end() && !it->second.empty()) return it->second;
  std::string host = w.address.substr(0, w.address.rfind(':'));  // a worker older than the `host` label
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

void WorkerPool::leave_host_locked(HostSlot& slot) {
  auto it = host_slots_.find(slot.host);
  if (it == host_slots_.end()) return;
  it->second.erase(std::remove(it->second.begin(), it->second.end(), &slot), it->second.end());
  if (it->second.empty()) host_slots_.erase(it);
}

void WorkerPool::assign_locked() {
  const auto now = Clock::now();
  for (Waiter* waiter : waiters_) {
    if (waiter->assigned) continue;
    Worker* best = nullptr;
    for (auto& w : workers_) {
      if (!usable_locked(*w) || w->running >= w->capacity() || now < w->busy_until) continue;
      if (!selectors_match(*waiter->selectors, w->labels())) continue;
      auto on_host = host_slots_.find(host_of_locked(*w));
      if (on_host != host_slots_.end() && on_host->second.size() >= options_.jobs_per_host) continue;
      // The least recently used first, so that jobs spread over the workers.
      if (!best || w->last_assigned < best->last_assigned) best = w.get();
    }
    if (best) {
      waiter->assigned = best;
      ++best->running;
      best->last_assigned = now;
      HostSlot& slot = *waiter->slot;
      slot.host = host_of_locked(*best);
      slot.max_beside = 0;
      auto& on_host = host_slots_[slot.host];
      on_host.push_back(&slot);
      for (HostSlot* s : on_host) s->max_beside = std::max(s->max_beside, uint32_t(on_host.size() - 1));
    }
  }
}

absl::StatusOr<WorkerPool::Worker*> WorkerPool::acquire(const Selectors& selectors, Cancellation& cancel,
                                                        HostSlot& slot) {
  Cancellation::Guard wake(cancel, [this] { wake_waiters(); });  // before the lock: see Cancellation::Guard
  std::unique_lock lock(mu_);
  Waiter me{&selectors, &slot};
  waiters_.push_back(&me);
  bool unmatched = false;  // since `unmatched_since`, no usable worker matched
  Clock::time_point unmatched_since{};
  std::string why_none;
  for (;;) {
    assign_locked();
    if (me.assigned || cancel.cancelled() || stopping_) break;
    bool any = std::any_of(workers_.begin(), workers_.end(),
                           [&](const auto& w) { return usable_locked(*w) && selectors_match(selectors, w->labels()); });
    if (any) {
      unmatched = false;
    } else if (!unmatched) {
      unmatched = true;
      unmatched_since = Clock::now();
    } else if (Clock::now() - unmatched_since >= options_.no_worker_grace) {
      why_none = "no healthy worker matches " + format_labels(selectors) + " (waited " +
                 std::to_string(options_.no_worker_grace.count() / 1000) + " s); " + describe_workers_locked();
      break;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  waiters_.remove(&me);
  if (me.assigned && (cancel.cancelled() || stopping_)) {
    --me.assigned->running;
    leave_host_locked(slot);
    me.assigned = nullptr;
  }
  cv_.notify_all();
  if (me.assigned) return me.assigned;
  if (!why_none.empty()) return absl::UnavailableError(why_none);
  return absl::CancelledError("the suite was cancelled");
}

void WorkerPool::wake_waiters() {
  std::lock_guard lock(mu_);  // a waiter is either before its check or inside its wait
  cv_.notify_all();
}

void WorkerPool::release(Worker& w, HostSlot& slot) {
  {
    std::lock_guard lock(mu_);
    --w.running;
    leave_host_locked(slot);
  }
  cv_.notify_all();
}

WorkerPool::Attempt WorkerPool::attempt(Worker& w, const v1::JobRequest& request, uint32_t number,
                                        const StartedCallback& started, Cancellation& cancel) {
  Attempt a;
  grpc::ClientContext context;
  double timeout = request.timeout_seconds() > 0 ? request.timeout_seconds() : 60;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(int64_t((timeout + options_.job_deadline_slack_seconds) * 1000)));
  gene::farm::add_bearer_token(context, options_.token);
  // Raising `cancel` cancels the call at once: the worker stops the job at
  // its VM's next safepoint.
  Cancellation::Guard guard(cancel, context);
  Call call{&context};
  std::string worker_name;
  {
    std::lock_guard lock(mu_);
    w.calls.push_back(&call);
    worker_name = w.info.name();
  }
  auto reader = w.stub->RunJob(&context, request);
  v1::JobEvent event;
  bool have_result = false;
  while (reader->Read(&event)) {
    if (event.has_accepted()) {
      a.accepted = true;
      if (started) started(worker_name, number);
    } else if (event.has_result()) {
      a.result = event.result();
      have_result = true;
    }
  }
  grpc::Status status = reader->Finish();
  {
    std::lock_guard lock(mu_);
    w.calls.erase(std::remove(w.calls.begin(), w.calls.end(), &call), w.calls.end());
  }
  if (status.ok() && have_result && a.result.job_id() == request.job_id()) {
    // A worker shutting down cancels its jobs: that is the worker lost, not the job.
    if (a.result.status() == v1::JOB_STATUS_CANCELLED && !cancel.cancelled()) {
      a.end = AttemptEnd::Lost;
      a.error = "the worker stopped the job (shutting down?)";
    } else {
      a.end = AttemptEnd::Done;
    }
    return a;
  }
  if (cancel.cancelled()) {
    a.end = AttemptEnd::Cancelled;
    return a;
  }
  switch (status.error_code()) {
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // gRPC's own message-size refusal is also RESOURCE_EXHAUSTED, but only
      // for requests far beyond what a manifest can produce.
      a.end = AttemptEnd::Busy;
      break;
    case grpc::StatusCode::INVALID_ARGUMENT: a.end = AttemptEnd::Rejected; break;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED: a.end = AttemptEnd::Unauthenticated; break;
    default: a.end = AttemptEnd::Lost; break;
  }
  a.error = status.ok() ? (have_result ? "the result names another job (" + a.result.job_id() + ")"
                                       : "the stream ended without a result")
                        : grpc_status_text(status);
  return a;
}

JobExecutor::Outcome WorkerPool::run(const v1::JobRequest& request, const Selectors& selectors,
                                     const StartedCallback& started, Cancellation& cancel) {
  Outcome out;
  out.result.set_job_id(request.job_id());
  std::string lost;  // what happened to lost attempts, for the final message
  uint32_t unaccepted_failures = 0;
  auto finish = [&](v1::JobStatus status, const std::string& message) {
    out.result.set_status(status);
    out.result.set_error_message(message);
    return out;
  };
  for (;;) {
    HostSlot slot;
    absl::StatusOr<Worker*> acquired = acquire(selectors, cancel, slot);
    if (!acquired.ok()) {
      if (absl::IsCancelled(acquired.status())) return finish(v1::JOB_STATUS_CANCELLED, "the suite was cancelled");
      return finish(v1::JOB_STATUS_NO_WORKER, std::string(acquired.status().message()) +
                                                  (lost.empty() ? "" : "; earlier attempts: " + lost));
    }
    Worker* w = *acquired;
    Attempt a = attempt(*w, request, out.attempts + 1, started, cancel);
    if (a.accepted) ++out.attempts;
    {
      std::lock_guard lock(mu_);
      out.worker = w->info;
      out.jobs_beside_on_host = slot.max_beside;
      switch (a.end) {
        case AttemptEnd::Busy: w->busy_until = Clock::now() + options_.busy_backoff; break;
        case AttemptEnd::Unauthenticated:
          w->described = false;  // unusable until Describe succeeds with our token
          w->last_error = "refused our token: " + a.error;
          log("worker " + w->address + " " + w->last_error);
          break;
        case AttemptEnd::Lost: mark_down_locked(*w, "lost a job: " + a.error); break;
        default: break;
      }
    }
    release(*w, slot);
    switch (a.end) {
      case AttemptEnd::Done:
        if (!a.accepted) out.attempts = std::max<uint32_t>(out.attempts, 1);
        out.result = std::move(a.result);
        return out;
      case AttemptEnd::Cancelled: return finish(v1::JOB_STATUS_CANCELLED, "the suite was cancelled");
      case AttemptEnd::Rejected:
        out.attempts = std::max<uint32_t>(out.attempts, 1);
        return finish(v1::JOB_STATUS_PROGRAM_ERROR, "worker " + out.worker.name() + " rejected the job: " + a.error);
      case AttemptEnd::Busy: continue;
      case AttemptEnd::Unauthenticated:
      case AttemptEnd::Lost: {
        std::string what = out.worker.name() + " (" + w->address + "): " + a.error;
        lost += (lost.empty() ? "" : "; ") + what;
        if (!a.accepted && ++unaccepted_failures < 3 * options_.max_attempts) continue;
        if (a.accepted) log("job " + request.job_id() + " lost with worker " + what);
        if (out.attempts >= options_.max_attempts || !a.accepted)
          return finish(v1::JOB_STATUS_WORKER_LOST,
                        "gave up after " + std::to_string(out.attempts) + " lost attempt(s): " + lost);
        continue;
      }
    }
  }
}

// --- pairs for compare -------------------------------------------------------

// One side of a pair: runs its requests on one worker of the pool.
class WorkerPool::PairSide final : public CompareSideRunner {
 public:
  PairSide(WorkerPool& pool, Worker& worker) : pool_(pool), worker_(worker) {
    std::lock_guard lock(pool_.mu_);
    info_ = worker_.info;
  }
  v1::JobResult run(const v1::JobRequest& request, Cancellation& cancel) override {
    return pool_.run_on(worker_, request, cancel);
  }
  const v1::WorkerInfo& info() const override { return info_; }

 private:
  WorkerPool& pool_;
  Worker& worker_;
  v1::WorkerInfo info_;
};

class WorkerPool::PairLease final : public SidePairLease {
 public:
  PairLease(WorkerPool& pool, Worker& b, Worker& c, std::unique_ptr<HostSlot> slot)
      : pool_(pool), b_(b), c_(c), slot_(std::move(slot)), baseline_(pool, b), candidate_(pool, c) {}
  ~PairLease() override { pool_.release_pair(b_, c_, *slot_); }
  CompareSideRunner& baseline() override { return baseline_; }
  CompareSideRunner& candidate() override { return candidate_; }

 private:
  WorkerPool& pool_;
  Worker &b_, &c_;
  std::unique_ptr<HostSlot> slot_;  // registered in the pool's host_slots_ while held
  PairSide baseline_, candidate_;
};

bool WorkerPool::free_locked(const Worker& w) const {
  return usable_locked(w) && w.running < w.capacity() && Clock::now() >= w.busy_until;
}

std::optional<std::pair<WorkerPool::Worker*, WorkerPool::Worker*>> WorkerPool::find_pair_locked(
    const Selectors& baseline, const Selectors& candidate, bool free_now) const {
  auto fits = [&](const Worker& w, const Selectors& s) {
    return (free_now ? free_locked(w) : usable_locked(w)) && selectors_match(s, w.labels());
  };
  auto host_has_room = [&](const std::string& host) {
    auto it = host_slots_.find(host);
    return !free_now || it == host_slots_.end() || it->second.size() < options_.jobs_per_host;
  };
  std::optional<std::pair<Worker*, Worker*>> best, shared;
  for (const auto& b : workers_) {
    if (!fits(*b, baseline) || !host_has_room(host_of_locked(*b))) continue;
    for (const auto& c : workers_) {
      if (!fits(*c, candidate) || host_of_locked(*c) != host_of_locked(*b)) continue;
      if (b.get() == c.get()) {
        if (!shared) shared = std::pair{b.get(), c.get()};
        continue;
      }
      // The least recently used pair first, so that comparisons spread.
      auto used = [](const std::pair<Worker*, Worker*>& p) {
        return std::max(p.first->last_assigned, p.second->last_assigned);
      };
      std::pair<Worker*, Worker*> candidate_pair{b.get(), c.get()};
      if (!best || used(candidate_pair) < used(*best)) best = candidate_pair;
    }
  }
  return best ? best : shared;
}

absl::Status WorkerPool::check_pair(const Selectors& baseline, const Selectors& candidate) {
  std::lock_guard lock(mu_);
  if (find_pair_locked(baseline, candidate, false)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "no pair of workers on one host matches the baseline (" +
      (baseline.empty() ? std::string("any worker") : format_labels(baseline)) + ") and the candidate (" +
      (candidate.empty() ? std::string("any worker") : format_labels(candidate)) + "): " + describe_workers_locked());
}

size_t WorkerPool::pair_hosts(const Selectors& baseline, const Selectors& candidate) {
  std::lock_guard lock(mu_);
  std::set<std::string> hosts;
  for (const auto& b : workers_)
    if (usable_locked(*b) && selectors_match(baseline, b->labels()))
      for (const auto& c : workers_)
        if (usable_locked(*c) && selectors_match(candidate, c->labels()) &&
            host_of_locked(*c) == host_of_locked(*b))
          hosts.insert(host_of_locked(*b));
  return std::max<size_t>(1, hosts.size());
}

absl::StatusOr<std::unique_ptr<SidePairLease>> WorkerPool::acquire_pair(const Selectors& baseline,
                                                                        const Selectors& candidate,
                                                                        Cancellation& cancel) {
  Cancellation::Guard wake(cancel, [this] { wake_waiters(); });  // before the lock: see Cancellation::Guard
  std::unique_lock lock(mu_);
  bool unmatched = false;
  Clock::time_point unmatched_since{};
  for (;;) {
    if (cancel.cancelled() || stopping_) return absl::CancelledError("the comparison was cancelled");
    assign_locked();  // suites' jobs waiting for a worker go first
    if (auto pair = find_pair_locked(baseline, candidate, true)) {
      auto [b, c] = *pair;
      const auto now = Clock::now();
      ++b->running;
      if (c != b) ++c->running;
      b->last_assigned = c->last_assigned = now;
      auto slot = std::make_unique<HostSlot>();
      slot->host = host_of_locked(*b);
      auto& on_host = host_slots_[slot->host];
      on_host.push_back(slot.get());
      for (HostSlot* s : on_host) s->max_beside = std::max(s->max_beside, uint32_t(on_host.size() - 1));
      lock.unlock();
      return std::unique_ptr<SidePairLease>(std::make_unique<PairLease>(*this, *b, *c, std::move(slot)));
    }
    if (find_pair_locked(baseline, candidate, false)) {
      unmatched = false;
    } else if (!unmatched) {
      unmatched = true;
      unmatched_since = Clock::now();
    } else if (Clock::now() - unmatched_since >= options_.no_worker_grace) {
      lock.unlock();
      return check_pair(baseline, candidate);
    }
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void WorkerPool::release_pair(Worker& b, Worker& c, HostSlot& slot) {
  {
    std::lock_guard lock(mu_);
    --b.running;
    if (&c != &b) --c.running;
    leave_host_locked(slot);
  }
  cv_.notify_all();
}

v1::JobResult WorkerPool::run_on(Worker& w, const v1::JobRequest& request, Cancellation& cancel) {
  // A worker busy with another coordinator's job is waited for a while.
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    Attempt a = attempt(w, request, 1, nullptr, cancel);
    if (a.end == AttemptEnd::Busy && Clock::now() < give_up && !cancel.cancelled()) {
      Cancellation::Guard wake(cancel, [this] { wake_waiters(); });  // before the lock: see Cancellation::Guard
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.busy_backoff, [&] { return cancel.cancelled() || stopping_; });
      continue;
    }
    if (a.end == AttemptEnd::Done) return std::move(a.result);
    std::lock_guard lock(mu_);
    v1::JobResult failed;
    failed.set_job_id(request.job_id());
    failed.set_worker(w.info.name());
    if (a.end == AttemptEnd::Cancelled || cancel.cancelled()) {
      failed.set_status(v1::JOB_STATUS_CANCELLED);
      failed.set_error_message("cancelled");
    } else if (a.end == AttemptEnd::Rejected) {
      failed.set_status(v1::JOB_STATUS_PROGRAM_ERROR);
      failed.set_error_message("worker " + w.info.name() + " rejected the job: " + a.error);
    } else {
      if (a.end == AttemptEnd::Lost) mark_down_locked(w, "lost a job: " + a.error);
      failed.set_status(v1::JOB_STATUS_WORKER_LOST);
      failed.set_error_message("worker " + w.info.name() + " (" + w.address + "): " +
                               (a.end == AttemptEnd::Busy ? "busy for 30 s (another coordinator's job?): " : "") +
                               a.error);
    }
    return failed;
  }
}

}  // namespace gene::coordinator
