// The worker pool against real workers served in this process on 127.0.0.1.
#include "gene/coordinator/worker_pool.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#include "gene/coordinator/coordinator_service.h"
#include "worker_server.h"

namespace gene::coordinator {
namespace {

using namespace std::chrono_literals;

// Counts to n: about 7 instructions per step, so at most ~10 ms per million
// steps on a fast VM.
const char* const kCount = "(var n 10) (var i 0) (while (i < n) (i = (i + 1))) i\n";

std::unique_ptr<gene::farm::WorkerServer> start_worker(const std::string& name,
                                                       std::map<std::string, std::string> labels = {},
                                                       const std::string& token = "",
                                                       const std::string& host_name = "") {
  gene::farm::WorkerConfig config;
  config.name = name;
  config.host_name = host_name;
  config.labels = std::move(labels);
  config.token = token;
  auto w = gene::farm::WorkerServer::start(config);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.ok() ? *std::move(w) : nullptr;
}

std::unique_ptr<WorkerPool> make_pool(const std::string& workers, const std::string& token = "",
                                      std::chrono::milliseconds grace = 3000ms, uint32_t jobs_per_host = 1,
                                      std::chrono::milliseconds check_interval = 200ms) {
  WorkerPoolOptions o;
  o.workers = workers;
  o.jobs_per_host = jobs_per_host;
  o.token = token;
  o.check_interval = check_interval;
  o.rpc_deadline = 1000ms;
  o.no_worker_grace = grace;
  absl::StatusOr<std::unique_ptr<WorkerPool>> pool = WorkerPool::create(o);
  EXPECT_TRUE(pool.ok()) << pool.status();
  (*pool)->wait_for_first_round(5s);
  return std::move(*pool);
}

v1::JobRequest count_job(const std::string& id, int64_t n, uint32_t repetitions = 1) {
  v1::JobRequest r;
  r.set_job_id(id);
  r.set_program(kCount);
  r.set_file_name("count.gene");
  (*r.mutable_params())["n"] = std::to_string(n);
  r.set_repetitions(repetitions);
  r.set_timeout_seconds(30);
  r.set_expect(std::to_string(n));
  return r;
}

// Waits until `worker` takes a job again, its one slot free (it refuses
// with RESOURCE_EXHAUSTED while a job holds the slot); false after `bound`.
bool wait_until_free(const std::string& worker, std::chrono::seconds bound) {
  auto stub = v1::Worker::NewStub(grpc::CreateChannel(worker, grpc::InsecureChannelCredentials()));
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < give_up) {
    grpc::ClientContext context;
    auto reader = stub->RunJob(&context, count_job("probe", 10));
    v1::JobEvent e;
    while (reader->Read(&e)) {
    }
    grpc::Status s = reader->Finish();
    if (s.ok()) return true;
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(WorkerTargets, Parse) {
  auto t = parse_worker_targets("a:1, b:2,a:1");
  EXPECT_EQ(t.error, "");
  EXPECT_EQ(t.addresses, (std::vector<std::string>{"a:1", "b:2"}));
  auto d = parse_worker_targets("dns:///workers.farm.svc:7070");
  EXPECT_EQ(d.dns_name, "workers.farm.svc");
  EXPECT_EQ(d.dns_port, 7070);
  EXPECT_NE(parse_worker_targets("a").error, "");
  EXPECT_NE(parse_worker_targets("a:99999").error, "");
  EXPECT_NE(parse_worker_targets("").error, "");
  EXPECT_NE(parse_worker_targets("dns:///noport").error, "");
}

TEST(WorkerPool, DescribesAndMatchesLabels) {
  auto fast = start_worker("fast", {{"class", "fast"}});
  auto slow = start_worker("slow", {{"class", "slow"}});
  auto pool = make_pool(fast->address() + "," + slow->address());
  auto statuses = pool->statuses();
  ASSERT_EQ(statuses.size(), 2u);
  for (const auto& s : statuses) EXPECT_EQ(s.state(), v1::WORKER_STATE_READY) << s.last_error();
  EXPECT_TRUE(pool->check_selectors({{"class", "fast"}}).ok());
  absl::Status unmatched = pool->check_selectors({{"class", "gpu"}});
  EXPECT_EQ(unmatched.code(), absl::StatusCode::kFailedPrecondition);
  std::string why(unmatched.message());
  EXPECT_NE(why.find("the workers are"), std::string::npos) << why;
  EXPECT_NE(why.find("class=slow"), std::string::npos) << why;
  EXPECT_FALSE(pool->statistic_names().empty());
  EXPECT_EQ(pool->parallelism(), 1u);  // both on this machine: one job at a time

  Cancellation cancel;
  auto out = pool->run(count_job("j", 1000), {{"class", "slow"}}, {}, cancel);
  EXPECT_EQ(out.result.status(), v1::JOB_STATUS_OK) << out.result.error_message();
  EXPECT_EQ(out.worker.name(), "slow");
  EXPECT_EQ(out.attempts, 1u);
}

TEST(WorkerPool, SuiteSpreadsOverTwoWorkers) {
  auto a = start_worker("a");
  auto b = start_worker("b");
  auto pool = make_pool(a->address() + "," + b->address());
  Suite s;
  s.name = "spread";
  Benchmark bench;
  bench.name = "count";
  bench.program = kCount;
  bench.settings.repetitions = 2;
  bench.settings.warmup = 0;
  s.benchmarks.push_back(bench);
  for (int i = 1; i <= 6; ++i) {
    Job j;
    j.name = "count/n:" + std::to_string(i * 200000);
    v1::ParamValue value;
    value.set_int_value(i * 200000);
    j.params.push_back({"n", std::to_string(i * 200000), value});
    j.expect = std::to_string(i * 200000);
    s.jobs.push_back(j);
  }
  Cancellation cancel;
  v1::SuiteResult r = run_suite(s, *plan_jobs(s, {}), {}, *pool, {}, cancel);
  ASSERT_EQ(r.jobs_size(), 6);
  for (const auto& j : r.jobs()) {
    EXPECT_EQ(j.result().status(), v1::JOB_STATUS_OK) << j.result().error_message();
    EXPECT_EQ(j.result().repetitions_size(), 2);
  }
  EXPECT_EQ(r.workers_size(), 2);
}

TEST(WorkerPool, JobLostWithItsWorkerRerunsElsewhere) {
  auto a = start_worker("a");
  auto b = start_worker("b");
  auto pool = make_pool(a->address() + "," + b->address());
  std::promise<std::string> first_worker;
  std::vector<std::pair<std::string, uint32_t>> starts;
  auto started = [&](const std::string& worker, uint32_t attempt) {
    starts.emplace_back(worker, attempt);
    if (attempt == 1) first_worker.set_value(worker);
  };
  Cancellation cancel;
  auto running =
      std::async(std::launch::async, [&] { return pool->run(count_job("lost", 40000000, 4), {}, started, cancel); });
  // Accepted: the victim runs the job (four runs of ~0.3 s), which is lost
  // with it from here on, whichever run it has reached.
  std::string victim = first_worker.get_future().get();
  (victim == "a" ? a : b)->shutdown(0ms);
  auto out = running.get();
  EXPECT_EQ(out.result.status(), v1::JOB_STATUS_OK) << out.result.error_message();
  EXPECT_EQ(out.result.repetitions_size(), 4);  // the lost attempt's repetitions are gone
  EXPECT_EQ(out.attempts, 2u);
  EXPECT_NE(out.worker.name(), victim);
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[1].second, 2u);
  // The victim is down now.
  for (const auto& s : pool->statuses()) {
    if (s.info().name() == victim) {
      EXPECT_EQ(s.state(), v1::WORKER_STATE_DOWN);
    }
  }
}

// Two workers on one host; the first job runs until cancelled. Returns the
// second job's outcome and whether it started while the first still ran.
struct SideBySide {
  JobExecutor::Outcome first, second;
  bool second_started_beside_first = false;
};
// `expected`: whether the second may start beside the first. It is waited
// for generously when it may; when it may not, for long enough that it
// would have been sent (a second and a half).
SideBySide run_side_by_side(WorkerPool& pool, bool expected) {
  SideBySide r;
  Cancellation cancel_first, cancel_second;
  std::promise<void> first_started, second_started;
  auto first = std::async(std::launch::async, [&] {
    return pool.run(count_job("first", 100000000000), {}, [&](const std::string&, uint32_t) { first_started.set_value(); },
                    cancel_first);
  });
  first_started.get_future().wait();
  auto second = std::async(std::launch::async, [&] {
    return pool.run(count_job("second", 1000), {},
                    [&](const std::string&, uint32_t) { second_started.set_value(); }, cancel_second);
  });
  r.second_started_beside_first =
      second_started.get_future().wait_for(expected ? 30s : 1500ms) == std::future_status::ready;
  cancel_first.cancel();
  r.first = first.get();
  r.second = second.get();
  return r;
}

// Cancelling a job reaches its worker at once, not at the pool's next
// health check of it (once a minute here).
TEST(WorkerPool, CancellingARunningJobReachesTheWorkerAtOnce) {
  auto w = start_worker("w");
  auto pool = make_pool(w->address(), "", 3000ms, 1, 60s);
  Cancellation cancel;
  std::promise<void> started;
  v1::JobRequest forever = count_job("forever", 100000000000);  // over an hour
  forever.set_timeout_seconds(3600);
  auto run = std::async(std::launch::async, [&] {
    return pool->run(forever, {}, [&](const std::string&, uint32_t) { started.set_value(); }, cancel);
  });
  started.get_future().wait();
  const auto cancelled_at = std::chrono::steady_clock::now();
  cancel.cancel();
  ASSERT_EQ(run.wait_for(30s), std::future_status::ready) << "the job was not cancelled";
  EXPECT_EQ(run.get().result.status(), v1::JOB_STATUS_CANCELLED);
  ASSERT_TRUE(wait_until_free(w->address(), 30s)) << "the worker still runs the job";
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 5s);
}

TEST(WorkerPool, OneJobPerHostByDefault) {
  auto a = start_worker("a"), b = start_worker("b");
  auto pool = make_pool(a->address() + "," + b->address());
  SideBySide r = run_side_by_side(*pool, false);
  EXPECT_FALSE(r.second_started_beside_first);  // b was idle, but its host was not
  EXPECT_EQ(r.first.result.status(), v1::JOB_STATUS_CANCELLED);
  EXPECT_EQ(r.second.result.status(), v1::JOB_STATUS_OK) << r.second.result.error_message();
  EXPECT_EQ(r.first.jobs_beside_on_host, 0u);
  EXPECT_EQ(r.second.jobs_beside_on_host, 0u);
}

TEST(WorkerPool, JobsPerHostAllowsMoreAndSaysSo) {
  auto a = start_worker("a"), b = start_worker("b");
  auto pool = make_pool(a->address() + "," + b->address(), "", 3000ms, 2);
  EXPECT_EQ(pool->parallelism(), 2u);
  SideBySide r = run_side_by_side(*pool, true);
  EXPECT_TRUE(r.second_started_beside_first);
  EXPECT_EQ(r.second.result.status(), v1::JOB_STATUS_OK) << r.second.result.error_message();
  EXPECT_EQ(r.first.jobs_beside_on_host, 1u);
  EXPECT_EQ(r.second.jobs_beside_on_host, 1u);
}

TEST(WorkerPool, WorkersOnDifferentHostsRunAtOnce) {
  auto a = start_worker("a", {}, "", "node-1"), b = start_worker("b", {}, "", "node-2");
  auto pool = make_pool(a->address() + "," + b->address());
  EXPECT_EQ(pool->parallelism(), 2u);
  SideBySide r = run_side_by_side(*pool, true);
  EXPECT_TRUE(r.second_started_beside_first);
  EXPECT_EQ(r.second.jobs_beside_on_host, 0u);  // beside it, but on another machine
  EXPECT_EQ(r.second.worker.labels().at("host"), r.second.worker.name() == "a" ? "node-1" : "node-2");
}

TEST(WorkerPool, NoWorkerWhenNoneIsUp) {
  auto w = start_worker("gone");
  std::string address = w->address();
  w.reset();  // nothing listens there now
  auto pool = make_pool(address, "", 500ms);
  std::string why(pool->check_selectors({}).message());
  EXPECT_NE(why.find("down"), std::string::npos) << why;
  Cancellation cancel;
  auto out = pool->run(count_job("j", 10), {}, {}, cancel);
  EXPECT_EQ(out.result.status(), v1::JOB_STATUS_NO_WORKER);
  EXPECT_NE(out.result.error_message().find("no healthy worker matches"), std::string::npos)
      << out.result.error_message();
}

TEST(WorkerPool, BusyWorkerIsWaitedFor) {
  auto w = start_worker("only");
  auto pool = make_pool(w->address());
  // Someone else (another coordinator) occupies the worker's only slot.
  auto channel = grpc::CreateChannel(w->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::Worker::NewStub(channel);
  grpc::ClientContext other;
  auto reader = stub->RunJob(&other, count_job("other", 40000000));
  v1::JobEvent e;
  ASSERT_TRUE(reader->Read(&e));
  ASSERT_TRUE(e.has_accepted());
  Cancellation cancel;
  auto out = pool->run(count_job("mine", 1000), {}, {}, cancel);
  EXPECT_EQ(out.result.status(), v1::JOB_STATUS_OK) << out.result.error_message();
  EXPECT_EQ(out.attempts, 1u);
  while (reader->Read(&e)) {
  }
  EXPECT_TRUE(reader->Finish().ok());
}

TEST(WorkerPool, WrongTokenIsExplained) {
  auto w = start_worker("guarded", {}, "s3cret");
  auto pool = make_pool(w->address(), "wrong");
  std::string why(pool->check_selectors({}).message());
  EXPECT_NE(why.find("UNAUTHENTICATED"), std::string::npos) << why;
  auto good = make_pool(w->address(), "s3cret");
  EXPECT_TRUE(good->check_selectors({}).ok());
}

// --- pairs for compare ---------------------------------------------------------

TEST(WorkerPoolPairs, PairsTwoWorkersOnOneHostByTheirLabels) {
  auto a = start_worker("a", {{"side", "a"}}, "", "node-1");
  auto b_far = start_worker("b-far", {{"side", "b"}}, "", "node-2");
  auto b = start_worker("b", {{"side", "b"}}, "", "node-1");
  auto pool = make_pool(a->address() + "," + b_far->address() + "," + b->address());
  EXPECT_TRUE(pool->check_pair({{"side", "a"}}, {{"side", "b"}}).ok());
  EXPECT_EQ(pool->pair_hosts({{"side", "a"}}, {{"side", "b"}}), 1u);
  Cancellation cancel;
  auto acquired = pool->acquire_pair({{"side", "a"}}, {{"side", "b"}}, cancel);
  ASSERT_TRUE(acquired.ok()) << acquired.status();
  std::unique_ptr<SidePairLease> lease = *std::move(acquired);
  EXPECT_EQ(lease->baseline().info().name(), "a");
  EXPECT_EQ(lease->candidate().info().name(), "b") << "the b on a's host, not the one on node-2";
  v1::JobResult r = lease->candidate().run(count_job("pair-1", 1000), cancel);
  EXPECT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error_message();
  EXPECT_EQ(r.worker(), "b");
}

TEST(WorkerPoolPairs, NoPairOnOneHostIsExplained) {
  auto a = start_worker("a", {{"side", "a"}}, "", "node-1");
  auto c = start_worker("c", {{"side", "c"}}, "", "node-2");
  auto pool = make_pool(a->address() + "," + c->address(), "", 300ms);
  absl::Status paired = pool->check_pair({{"side", "a"}}, {{"side", "c"}});
  EXPECT_EQ(paired.code(), absl::StatusCode::kFailedPrecondition);
  std::string why(paired.message());
  EXPECT_NE(why.find("no pair of workers on one host matches the baseline (side=a) and the candidate (side=c)"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("host=node-2"), std::string::npos) << "says what the workers offer: " << why;
  Cancellation cancel;
  auto none = pool->acquire_pair({{"side", "a"}}, {{"side", "c"}}, cancel);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("no pair of workers"), std::string::npos) << none.status();
  cancel.cancel();
  EXPECT_EQ(pool->acquire_pair({{"side", "a"}}, {{"side", "a"}}, cancel).status().code(), absl::StatusCode::kCancelled);
}

TEST(WorkerPoolPairs, OneWorkerServesBothSidesWhenItAloneMatches) {
  auto w = start_worker("solo");
  auto pool = make_pool(w->address());
  Cancellation cancel;
  auto acquired = pool->acquire_pair({}, {}, cancel);
  ASSERT_TRUE(acquired.ok()) << acquired.status();
  std::unique_ptr<SidePairLease> lease = *std::move(acquired);
  EXPECT_EQ(lease->baseline().info().name(), "solo");
  EXPECT_EQ(lease->candidate().info().name(), "solo");
  EXPECT_EQ(lease->baseline().run(count_job("solo-1", 100), cancel).status(), v1::JOB_STATUS_OK);
  EXPECT_EQ(lease->candidate().run(count_job("solo-2", 100), cancel).status(), v1::JOB_STATUS_OK);
}

TEST(WorkerPoolPairs, APairHoldsItsHostLikeOneJob) {
  auto a = start_worker("a", {{"side", "a"}}), b = start_worker("b", {{"side", "b"}});
  auto pool = make_pool(a->address() + "," + b->address());
  Cancellation cancel;
  auto acquired = pool->acquire_pair({{"side", "a"}}, {{"side", "b"}}, cancel);
  ASSERT_TRUE(acquired.ok()) << acquired.status();
  std::unique_ptr<SidePairLease> lease = *std::move(acquired);
  Cancellation never;
  auto job = std::async(std::launch::async, [&] { return pool->run(count_job("suite-job", 1000), {}, {}, never); });
  EXPECT_EQ(job.wait_for(500ms), std::future_status::timeout) << "a suite's job waits while the pair holds the host";
  lease.reset();
  EXPECT_EQ(job.get().result.status(), v1::JOB_STATUS_OK);
}

TEST(WorkerPoolPairs, CancellingStopsARunningCallAtOnce) {
  auto w = start_worker("solo");
  auto pool = make_pool(w->address());
  Cancellation cancel;
  auto acquired = pool->acquire_pair({}, {}, cancel);
  ASSERT_TRUE(acquired.ok()) << acquired.status();
  std::unique_ptr<SidePairLease> lease = *std::move(acquired);
  v1::JobRequest forever = count_job("long", 2000000000);  // minutes of counting
  forever.set_timeout_seconds(600);
  auto run = std::async(std::launch::async, [&] { return lease->baseline().run(forever, cancel); });
  std::this_thread::sleep_for(300ms);
  cancel.cancel();
  ASSERT_EQ(run.wait_for(20s), std::future_status::ready) << "the call was not cancelled";
  EXPECT_EQ(run.get().status(), v1::JOB_STATUS_CANCELLED);
}

// A CoordinatorService served on 127.0.0.1 in this process over one worker
// ("w"), with a client stub; it logs into `log`.
struct ServedCoordinator {
  explicit ServedCoordinator(std::chrono::milliseconds check_interval = 200ms)
      : worker(start_worker("w")),
        pool(make_pool(worker->address(), "", 3000ms, 1, check_interval)),
        service(*pool, "", nullptr, [this](const std::string& line) {
          std::lock_guard lock(log_mu);
          log.push_back(line);
        }) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(kMaxSubmitBytes);
    server = builder.BuildAndStart();
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(kMaxSubmitBytes);
    stub = v1::Coordinator::NewStub(grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                                              grpc::InsecureChannelCredentials(), args));
  }
  ~ServedCoordinator() { server->Shutdown(); }
  std::vector<std::string> lines() {
    std::lock_guard lock(log_mu);
    return log;
  }

  std::unique_ptr<gene::farm::WorkerServer> worker;
  std::unique_ptr<WorkerPool> pool;
  std::mutex log_mu;
  std::vector<std::string> log;
  CoordinatorService service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::Coordinator::Stub> stub;
};

// A submitter that cancels its call, or whose deadline passes, cancels the
// suite at once: the job it has running on a worker stops there within
// seconds, long before the pool's next health check (once a minute here).
TEST(CoordinatorService, SubmitterGoneStopsItsRunningJobAtOnce) {
  ServedCoordinator c(60s);
  v1::SubmitRequest req;
  req.set_manifest("suite: endless\ndefaults: {repetitions: 1, warmup: 0, min_time: 0, timeout: 10m}\n"
                   "benchmarks: [{name: a, file: a.gene, params: {n: 100000000000}}]\n");  // over an hour
  (*req.mutable_files())["a.gene"] = kCount;

  for (bool by_deadline : {false, true}) {
    SCOPED_TRACE(by_deadline ? "deadline passed" : "call cancelled");
    grpc::ClientContext ctx;
    if (by_deadline) ctx.set_deadline(std::chrono::system_clock::now() + 4s);
    auto reader = c.stub->Submit(&ctx, req);
    v1::SubmitEvent e;
    bool started = false;
    while (!started && reader->Read(&e)) started = e.has_job_started();
    ASSERT_TRUE(started) << "the job never started";
    std::chrono::steady_clock::time_point gone;
    if (by_deadline) {
      while (reader->Read(&e)) {
      }
      gone = std::chrono::steady_clock::now();
    } else {
      gone = std::chrono::steady_clock::now();
      ctx.TryCancel();
    }
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), by_deadline ? grpc::StatusCode::DEADLINE_EXCEEDED : grpc::StatusCode::CANCELLED);
    ASSERT_TRUE(wait_until_free(c.worker->address(), 30s)) << "the job still runs 30 s after its submitter went";
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - gone).count();
    EXPECT_LT(seconds, 5) << "the worker's job ran on for " << seconds << " s after its submitter went away";
    std::printf("%s: the worker was free %.2f s later\n", by_deadline ? "deadline passed" : "call cancelled",
                seconds);
  }
  c.server->Shutdown();
  const std::vector<std::string> log = c.lines();
  EXPECT_EQ(std::count_if(log.begin(), log.end(),
                          [](const std::string& l) { return l.find("suite endless: cancelled") != std::string::npos; }),
            2)
      << ::testing::PrintToString(log);
}

// What `coordinator submit` would refuse before sending, sent straight to
// the service by a client of its own: the coordinator answers each quickly
// and clearly, and still runs a good suite afterwards.
TEST(CoordinatorService, SurvivesHostileRequests) {
  ServedCoordinator c;
  auto submit = [&](const std::string& manifest, const std::string& filter = "",
                    const std::string& path = "suites/x.yaml") {
    v1::SubmitRequest req;
    req.set_manifest_path(path);
    req.set_manifest(manifest);
    req.set_filter(filter);
    (*req.mutable_files())["a.gene"] = "1";
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 60s);
    auto reader = c.stub->Submit(&ctx, req);
    v1::SubmitEvent e;
    while (reader->Read(&e)) {
    }
    return reader->Finish();
  };
  const std::string body = "\nbenchmarks: [{name: a, file: a.gene, repetitions: 1, warmup: 0, expect: 1}]\n";
  auto start = std::chrono::steady_clock::now();

  grpc::Status s = submit("suite: " + std::string(100000, 'a') + body);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("suite name is 100000 bytes; at most 128"), std::string::npos);
  EXPECT_LT(s.error_message().size(), 300u);

  std::string keys = "suite: x\n";
  for (int i = 0; i < 200000; ++i) keys += "k" + std::to_string(i) + ": 1\n";
  s = submit(keys + body.substr(1));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message().substr(0, 300);
  // As many as fit in a status (a header: 8 KiB at most for a client), then the count of the rest.
  EXPECT_LT(s.error_message().size(), 4096u);
  EXPECT_NE(s.error_message().find("suites/x.yaml:2:1: unknown key 'k0'"), std::string::npos);
  EXPECT_NE(s.error_message().find(" more problems"), std::string::npos);

  std::string ab;
  for (int i = 0; i < 30000; ++i) ab += "ab";
  s = submit("suite: x\nbenchmarks: [{name: a, file: a.gene, params: {v: '" + ab + "c'}}]\n", "(a|b)+$");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("matches no job"), std::string::npos);
  s = submit("suite: x\nbenchmarks: [{name: a, file: a.gene, params: {v: '" + std::string(5000, 'a') + "'}}]\n",
             "(a|a)*b");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = submit("suite: x" + body, "(a)\\1");  // not RE2: refused with RE2's reason
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("bad --filter regular expression"), std::string::npos);

  s = submit(",i3te");  // yaml-cpp 0.7 would loop forever on it
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = submit("suite: x\nx: " + std::string(100000, '[') + body);
  EXPECT_NE(s.error_message().find("nested"), std::string::npos) << s.error_message().substr(0, 200);

  s = submit("suite: x\nbenchmarks: [{name: a, file: \"\\e[2Jb.gene\"}]\n", "", "\x1b]0;title\x07x.yaml");
  EXPECT_EQ(s.error_message().find('\x1b'), std::string::npos);
  EXPECT_NE(s.error_message().find("\\x1b]0;title\\x07x.yaml:2:"), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("file '\\x1b[2Jb.gene'"), std::string::npos) << s.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 60s);

  // Still serving.
  s = submit("suite: x" + body);
  EXPECT_TRUE(s.ok()) << s.error_message();
  for (const auto& line : c.lines()) EXPECT_EQ(line.find('\x1b'), std::string::npos);
}

TEST(CoordinatorService, RejectsBadManifestsWithPlaces) {
  ServedCoordinator c;
  auto& stub = c.stub;
  v1::SubmitRequest req;
  req.set_manifest_path("suites/x.yaml");
  req.set_manifest("suite: x\ntargets: {no_such_stat: \"> 1\"}\nbenchmarks: [{name: a, file: a.gene}]\n");
  (*req.mutable_files())["a.gene"] = "1";
  grpc::ClientContext ctx;
  auto reader = stub->Submit(&ctx, req);
  v1::SubmitEvent e;
  EXPECT_FALSE(reader->Read(&e));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "suites/x.yaml:2:11: unknown statistic 'no_such_stat' in 'targets'");

  // A good one runs, streams progress and ends with the result.
  req.set_manifest("suite: x\nbenchmarks: [{name: a, file: a.gene, repetitions: 2, warmup: 0, expect: 1}]\n");
  grpc::ClientContext ctx2;
  auto reader2 = stub->Submit(&ctx2, req);
  std::vector<v1::SubmitEvent> events;
  while (reader2->Read(&e)) events.push_back(e);
  ASSERT_TRUE(reader2->Finish().ok());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[0].has_accepted());
  EXPECT_TRUE(events[1].has_job_started());
  EXPECT_TRUE(events[2].has_job_finished());
  ASSERT_TRUE(events[3].has_result());
  EXPECT_TRUE(events[3].result().all_targets_met());
  EXPECT_EQ(events[3].result().jobs(0).result().repetitions_size(), 2);

  grpc::ClientContext ctx3;
  v1::ListWorkersResponse workers;
  ASSERT_TRUE(stub->ListWorkers(&ctx3, {}, &workers).ok());
  ASSERT_EQ(workers.workers_size(), 1);
  EXPECT_EQ(workers.workers(0).info().name(), "w");
}

}  // namespace
}  // namespace gene::coordinator
