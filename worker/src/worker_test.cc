// The worker's gRPC service, started in-process on 127.0.0.1:0 and called
// with a real gRPC client.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "job_admission.h"
#include "test_programs.h"
#include "worker_server.h"
#include "worker_test_client.h"

namespace gene::farm {
namespace {

using namespace testing;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<WorkerServer> start_worker(WorkerConfig config = {}) {
  config.listen = "127.0.0.1:0";
  if (config.name.empty()) config.name = "test-worker";
  auto server = WorkerServer::start(config);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// Reads the stream up to the `accepted` event: the job is then running.
bool read_accepted(grpc::ClientReader<v1::JobEvent>& reader) {
  v1::JobEvent event;
  return reader.Read(&event) && event.has_accepted();
}

TEST(WorkerService, DescribeReportsHardwareBuildLabelsAndStatistics) {
  WorkerConfig config;
  config.labels = {{"class", "fast"}};
  config.max_concurrent = 2;
  auto server = start_worker(config);
  ASSERT_TRUE(server);
  v1::WorkerInfo info;
  ASSERT_TRUE(WorkerClient(server->address()).describe(info).ok());
  EXPECT_EQ(info.name(), "test-worker");
  EXPECT_GT(info.cores(), 0u);
  EXPECT_GT(info.memory_bytes(), 0u);
  EXPECT_FALSE(info.cpu_model().empty());
  EXPECT_FALSE(info.arch().empty());
  EXPECT_FALSE(info.kernel().empty());
  EXPECT_FALSE(info.vm().version().empty());
  EXPECT_FALSE(info.vm().commit().empty());
  EXPECT_FALSE(info.vm().compiler().empty());
  EXPECT_EQ(info.labels().at("class"), "fast");
  EXPECT_EQ(info.labels().at("arch"), info.arch());
  EXPECT_EQ(info.labels().at("cores"), std::to_string(info.cores()));
  EXPECT_EQ(info.labels().count("cpu_model"), 1u);
  EXPECT_EQ(info.max_concurrent(), 2u);
  EXPECT_GE(info.statistic_names_size(), 30);
  std::printf("Describe answered:\n%s", info.DebugString().c_str());
}

TEST(WorkerService, RunsACorrectProgram) {
  auto server = start_worker();
  ASSERT_TRUE(server);
  v1::JobRequest request = fib_job(15, 3);
  request.set_warmup(1);
  request.set_expect("610");
  JobCall call = WorkerClient(server->address()).run_job(request);
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  ASSERT_EQ(call.events.size(), 5u);  // accepted, 3 × repetition_done, result
  EXPECT_TRUE(call.events[0].has_accepted());
  EXPECT_EQ(call.events[0].accepted().worker(), "test-worker");
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(call.events[size_t(i)].has_repetition_done());
  v1::JobResult result = call.result();
  ASSERT_EQ(result.status(), v1::JOB_STATUS_OK) << result.error_message();
  EXPECT_EQ(result.value(), "610");
  EXPECT_EQ(result.job_id(), "fib/n:15");
  EXPECT_EQ(result.worker(), "test-worker");
  ASSERT_EQ(result.repetitions_size(), 3);
  for (const auto& rep : result.repetitions()) {
    EXPECT_GT(rep.wall_seconds(), 0);
    EXPECT_GT(rep.statistics().at("instructions"), 0);
    EXPECT_GT(rep.statistics().at("frames_allocated"), 0);
    EXPECT_EQ(rep.statistics().count("tco_success_rate"), 0u);  // fib makes no tail calls: absent
  }
}

TEST(WorkerService, FailingProgramIsAResult) {
  auto server = start_worker();
  ASSERT_TRUE(server);
  WorkerClient client(server->address());
  JobCall call = client.run_job(program_job(kTypeError));
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(call.result().status(), v1::JOB_STATUS_PROGRAM_ERROR);
  EXPECT_NE(call.result().error_message().find("test.gene:2:"), std::string::npos) << call.result().error_message();
  // The worker is still there.
  EXPECT_EQ(client.run_job(fib_job(10, 1)).result().status(), v1::JOB_STATUS_OK);
}

TEST(WorkerService, OverDeadlineProgramTimesOut) {
  auto server = start_worker();
  ASSERT_TRUE(server);
  auto start = Clock::now();
  JobCall call = WorkerClient(server->address()).run_job(program_job(kForever, 0.3));
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(call.result().status(), v1::JOB_STATUS_TIMEOUT);
  EXPECT_LT(seconds_since(start), 3.0);
}

TEST(WorkerService, MalformedRequestsAreInvalidArgument) {
  auto server = start_worker();
  ASSERT_TRUE(server);
  WorkerClient client(server->address());
  v1::JobRequest empty = fib_job(5, 1);
  empty.clear_program();
  v1::JobRequest no_id = fib_job(5, 1);
  no_id.clear_job_id();
  v1::JobRequest no_reps = fib_job(5, 1);
  no_reps.set_repetitions(0);
  v1::JobRequest huge = program_job(std::string(5u << 20, ' ') + "1");
  v1::JobRequest absurd = fib_job(5, 1);
  absurd.mutable_vm()->set_max_heap_bytes(uint64_t(1) << 50);
  for (const auto& [request, reason] :
       std::vector<std::pair<v1::JobRequest, std::string>>{{empty, "program is missing"},
                                                           {no_id, "job_id is missing"},
                                                           {no_reps, "repetitions must be at least 1"},
                                                           {huge, "the limit is 4194304"},
                                                           {absurd, "max_heap_bytes"}}) {
    JobCall call = client.run_job(request);
    EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << reason;
    EXPECT_NE(call.status.error_message().find(reason), std::string::npos) << call.status.error_message();
    EXPECT_TRUE(call.events.empty());
  }
  EXPECT_EQ(client.run_job(fib_job(10, 1)).result().status(), v1::JOB_STATUS_OK);
}

TEST(WorkerService, OversizedAndNonUtf8MessagesAreRefusedByGrpc) {
  auto server = start_worker();
  ASSERT_TRUE(server);
  WorkerClient client(server->address());
  // Beyond the 8 MiB receive cap, gRPC refuses the message itself.
  JobCall too_big = client.run_job(program_job(std::string(9u << 20, ' ') + "1"));
  EXPECT_EQ(too_big.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << too_big.status.error_message();
  // A proto3 string must be UTF-8: protobuf refuses to parse the request
  // before the service sees it (the client library logs a complaint).
  v1::JobRequest bad_name = fib_job(5, 1);
  (*bad_name.mutable_params())["n\xff\xfe"] = "1";
  JobCall bad = client.run_job(bad_name);
  EXPECT_FALSE(bad.status.ok());
  EXPECT_TRUE(bad.events.empty());
  std::printf("non-UTF-8 parameter name: status %d \"%s\"\n", int(bad.status.error_code()),
              bad.status.error_message().c_str());
  EXPECT_EQ(client.run_job(fib_job(10, 1)).result().status(), v1::JOB_STATUS_OK);
}

TEST(WorkerService, TokenIsRequiredWhenConfigured) {
  WorkerConfig config;
  config.token = "s3cret-token";
  auto server = start_worker(config);
  ASSERT_TRUE(server);
  v1::WorkerInfo info;
  EXPECT_EQ(WorkerClient(server->address()).describe(info).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(WorkerClient(server->address(), "wrong").describe(info).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(WorkerClient(server->address(), "s3cret-token-").describe(info).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  JobCall job = WorkerClient(server->address(), "wrong").run_job(fib_job(10, 1));
  EXPECT_EQ(job.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(job.events.empty());

  WorkerClient good(server->address(), "s3cret-token");
  EXPECT_TRUE(good.describe(info).ok());
  EXPECT_EQ(good.run_job(fib_job(10, 1)).result().status(), v1::JOB_STATUS_OK);

  // Health stays open for probes that hold no token.
  for (const char* service : {"", "gene.farm.v1.Worker"}) {
    grpc::health::v1::HealthCheckResponse health;
    ASSERT_TRUE(WorkerClient(server->address()).health(health, service).ok()) << service;
    EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

TEST(WorkerService, CancelledCallStopsTheJob) {
  auto server = start_worker();  // one job at a time
  ASSERT_TRUE(server);
  WorkerClient client(server->address());
  {
    grpc::ClientContext context;
    client.prepare(context);
    auto reader = client.stub().RunJob(&context, program_job(kForever, 60));
    ASSERT_TRUE(read_accepted(*reader));
    context.TryCancel();
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // The slot frees only when the VM has stopped, so the next job running
  // soon proves the endless one was stopped.
  auto start = Clock::now();
  JobCall next;
  do {
    next = client.run_job(fib_job(10, 1));
    if (next.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (seconds_since(start) < 5);
  ASSERT_TRUE(next.status.ok()) << next.status.error_message();
  EXPECT_EQ(next.result().status(), v1::JOB_STATUS_OK);
  EXPECT_LT(seconds_since(start), 2.0);
}

TEST(WorkerService, HeapBeyondTheCapIsRefused) {
  WorkerConfig config;
  config.max_heap_cap = 64u << 20;
  auto server = start_worker(config);
  ASSERT_TRUE(server);
  WorkerClient client(server->address());
  v1::JobRequest request = fib_job(5, 1);
  request.mutable_vm()->set_max_heap_bytes(uint64_t(1) << 40);  // 1 TiB
  JobCall refused = client.run_job(request);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.status.error_message().find("at most 67108864 (--max-heap-cap)"), std::string::npos)
      << refused.status.error_message();
  request.mutable_vm()->set_max_heap_bytes(32u << 20);
  EXPECT_EQ(client.run_job(request).result().status(), v1::JOB_STATUS_OK);
  // The default (1 GiB) is above this cap: a request that leaves it runs under the cap.
  v1::JobRequest hungry = program_job("(var xs []) (var i 0) (while true (xs = [xs i i i i i i i i]) (i += 1))", 20);
  JobCall capped = client.run_job(hungry);
  EXPECT_EQ(capped.result().status(), v1::JOB_STATUS_RESOURCE_LIMIT) << capped.result().error_message();
}

TEST(WorkerService, ClientThatNeverReadsGetsTheResultWithBoundedProgress) {
  auto server = start_worker();  // one job at a time
  ASSERT_TRUE(server);
  WorkerClient prober(server->address());
  // A client whose transport takes little before its reader reads: the
  // worker's writes then wait, as for a client that has stopped reading.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 65536);
  auto stub = v1::Worker::NewStub(grpc::CreateCustomChannel(server->address(), grpc::InsecureChannelCredentials(), args));
  v1::JobRequest request = fib_job(1, 10000);
  request.set_min_time_seconds(0);
  request.set_warmup(0);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auto reader = stub->RunJob(&context, request);
  // Not reading: the job runs to its end all the same, and frees its slot.
  auto start = Clock::now();
  JobCall next;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    next = prober.run_job(fib_job(1, 1));
  } while (next.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && seconds_since(start) < 60);
  ASSERT_TRUE(next.status.ok()) << next.status.error_message();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  size_t progress = 0;
  v1::JobResult result;
  v1::JobEvent event;
  while (reader->Read(&event)) {
    if (event.has_repetition_done()) ++progress;
    if (event.has_result()) result = event.result();
  }
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(result.status(), v1::JOB_STATUS_OK);
  EXPECT_EQ(result.repetitions_size(), 10000);  // the result is never dropped, nor any repetition in it
  EXPECT_LT(progress, 10000u);  // progress the client was too slow for was dropped (the rest sat in TCP buffers)
  std::printf("a client that never read: %zu of 10000 progress events kept\n", progress);
}

TEST(JobAdmission, AJobPastItsDeadlineGivesItsSlotBackThenWedgesTheWorker) {
  OverrunGrace grace{std::chrono::milliseconds(200), std::chrono::milliseconds(300)};
  JobAdmission admission(1, nullptr, grace);
  std::atomic<bool> stuck{false}, next{false};
  ASSERT_TRUE(admission.admit(&stuck, std::chrono::milliseconds(100)).ok());
  EXPECT_EQ(admission.admit(&next, std::chrono::seconds(60)).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(admission.check_overruns(), "");
  EXPECT_FALSE(stuck);
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // deadline + overrun grace passed
  EXPECT_EQ(admission.check_overruns(), "");
  EXPECT_TRUE(stuck);  // told again to stop
  ASSERT_TRUE(admission.admit(&next, std::chrono::seconds(60)).ok());  // its slot is back
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // and the stop grace: it ignores its flag
  EXPECT_NE(admission.check_overruns().find("ignores its interrupt"), std::string::npos);
  // A job that ends late after all counts once.
  admission.job_done(&stuck, v1::JOB_STATUS_TIMEOUT, 1);
  admission.job_done(&next, v1::JOB_STATUS_OK, 1);
  std::atomic<bool> third{false};
  EXPECT_TRUE(admission.admit(&third, std::chrono::seconds(60)).ok());
  admission.job_done(&third, v1::JOB_STATUS_OK, 1);
  admission.thread_done();
  admission.thread_done();
  admission.thread_done();
}

TEST(WorkerService, SecondJobBeyondMaxConcurrentIsRefused) {
  auto server = start_worker();  // --max-concurrent 1
  ASSERT_TRUE(server);
  WorkerClient first(server->address()), second(server->address());
  grpc::ClientContext context;
  first.prepare(context);
  auto reader = first.stub().RunJob(&context, program_job(kForever, 60));
  ASSERT_TRUE(read_accepted(*reader));

  auto start = Clock::now();
  JobCall refused = second.run_job(fib_job(10, 1));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.status.error_message();
  EXPECT_LT(seconds_since(start), 1.0);  // refused at once, not queued
  v1::WorkerInfo info;
  EXPECT_TRUE(second.describe(info).ok());  // Describe is never refused for being busy

  context.TryCancel();
  reader->Finish();
}

TEST(WorkerService, JobsRunBesideEachOtherSaySo) {
  WorkerConfig config;
  config.max_concurrent = 2;
  auto server = start_worker(config);
  ASSERT_TRUE(server);
  WorkerClient first(server->address()), second(server->address());
  grpc::ClientContext context;
  first.prepare(context);
  auto reader = first.stub().RunJob(&context, program_job(kForever, 60));
  ASSERT_TRUE(read_accepted(*reader));
  JobCall beside = second.run_job(fib_job(10, 1));  // while the endless job runs
  ASSERT_TRUE(beside.status.ok()) << beside.status.error_message();
  EXPECT_EQ(beside.result().status(), v1::JOB_STATUS_OK);
  EXPECT_EQ(beside.result().conditions().jobs_beside(), 1u);
  context.TryCancel();
  reader->Finish();
  // Alone again once the cancelled job has stopped (at its next safepoint,
  // after the client has already seen the cancel): none beside it.
  JobCall alone;
  for (auto start = Clock::now(); seconds_since(start) < 5;) {
    alone = second.run_job(fib_job(10, 1));
    if (alone.status.ok() && alone.result().conditions().jobs_beside() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(alone.status.ok()) << alone.status.error_message();
  EXPECT_EQ(alone.result().conditions().jobs_beside(), 0u);
}

TEST(WorkerService, ShutdownInterruptsTheRunningJobAndReportsIt) {
  auto server = start_worker();
  ASSERT_TRUE(server);
  WorkerClient client(server->address());
  grpc::ClientContext context;
  client.prepare(context);
  auto reader = client.stub().RunJob(&context, program_job(kForever, 60));
  ASSERT_TRUE(read_accepted(*reader));
  std::thread stopper([&] { server->shutdown(std::chrono::seconds(3)); });
  v1::JobEvent event;
  v1::JobResult result;
  while (reader->Read(&event))
    if (event.has_result()) result = event.result();
  EXPECT_TRUE(reader->Finish().ok());
  stopper.join();
  EXPECT_EQ(result.status(), v1::JOB_STATUS_CANCELLED);
  EXPECT_NE(result.error_message().find("shutting down"), std::string::npos) << result.error_message();
}

// GET /metrics over a plain socket.
std::string fetch_metrics(const std::string& address) {
  std::string host;
  int port = 0;
  if (!split_host_port(address, host, port)) return "";
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(port));
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    std::string request = "GET /metrics HTTP/1.0\r\nHost: " + address + "\r\n\r\n";
    if (write(fd, request.data(), request.size()) == ssize_t(request.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, size_t(n));
    }
  }
  close(fd);
  return response;
}

TEST(WorkerService, ServesMetrics) {
  WorkerConfig config;
  config.metrics_port = 0;
  auto server = start_worker(config);
  ASSERT_TRUE(server);
  ASSERT_FALSE(server->metrics_address().empty());
  WorkerClient client(server->address());
  EXPECT_EQ(client.run_job(fib_job(10, 1)).result().status(), v1::JOB_STATUS_OK);
  EXPECT_EQ(client.run_job(program_job(kTypeError)).result().status(), v1::JOB_STATUS_PROGRAM_ERROR);
  std::string metrics = fetch_metrics(server->metrics_address());
  for (const char* line :
       {"gene_worker_jobs_total{status=\"ok\"} 1", "gene_worker_jobs_total{status=\"program_error\"} 1",
        "gene_worker_jobs_total{status=\"timeout\"} 0", "gene_worker_job_duration_seconds_count 2",
        "gene_worker_busy 0", "gene_build_info{"})
    EXPECT_NE(metrics.find(line), std::string::npos) << line << "\n" << metrics;
}

// A self-signed certificate for 127.0.0.1, made with the openssl tool.
struct Certificate {
  std::filesystem::path dir, cert, key;
  bool make() {
    dir = std::filesystem::temp_directory_path() / ("worker_test_tls_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
        " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
        key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
  }
  ~Certificate() { std::filesystem::remove_all(dir); }
};

TEST(WorkerService, MutualTls) {
  Certificate certificate;
  // scripts/install-deps installs openssl: without it this test fails, never skips.
  ASSERT_TRUE(certificate.make()) << "openssl could not make a certificate (is the openssl tool installed?)";
  WorkerConfig config;
  // The self-signed certificate is its own CA: clients must present it.
  config.tls = {certificate.cert.string(), certificate.key.string(), certificate.cert.string()};
  auto server = start_worker(config);
  ASSERT_TRUE(server);

  TlsFiles client_files{certificate.cert.string(), certificate.key.string(), certificate.cert.string()};
  auto credentials = make_channel_credentials(client_files);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  v1::WorkerInfo info;
  grpc::Status with_cert = WorkerClient(server->address(), "", *credentials).describe(info);
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_message();

  TlsFiles no_client_cert{"", "", certificate.cert.string()};
  auto anonymous = make_channel_credentials(no_client_cert);
  ASSERT_TRUE(anonymous.ok()) << anonymous.status();
  EXPECT_FALSE(WorkerClient(server->address(), "", *anonymous).describe(info).ok());
  EXPECT_FALSE(WorkerClient(server->address()).describe(info).ok());  // plaintext
}

TEST(FarmSecurity, LoadsTheTokenFromAFileOrTheEnvironment) {
  unsetenv(kTokenEnvVar);
  EXPECT_EQ(load_token("").value_or("?"), "");  // auth off
  setenv(kTokenEnvVar, "from-env", 1);
  EXPECT_EQ(load_token("").value_or("?"), "from-env");
  auto file = std::filesystem::temp_directory_path() / ("worker_test_token_" + std::to_string(getpid()));
  std::ofstream(file) << "  from-file\n";
  EXPECT_EQ(load_token(file.string()).value_or("?"), "from-file");  // the file wins
  std::ofstream(file) << "two words\n";
  absl::StatusOr<std::string> spaced = load_token(file.string());
  EXPECT_EQ(spaced.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(spaced.status().message().find("must be printable ASCII without spaces"), std::string::npos)
      << spaced.status();
  std::ofstream(file) << " \n";
  EXPECT_EQ(load_token(file.string()).status().message(), "the token in " + file.string() + " is empty");
  std::filesystem::remove(file);
  absl::StatusOr<std::string> missing = load_token(file.string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(missing.status().message(), "cannot read " + file.string());
  unsetenv(kTokenEnvVar);
}

TEST(FarmSecurity, MetricsBindAddress) {
  absl::StatusOr<BindAddress> plain = metrics_bind_address("localhost", "", 9100);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 9100);
  absl::StatusOr<BindAddress> named = metrics_bind_address("0.0.0.0", "[::1]:0", -1);
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->host, "[::1]");
  EXPECT_EQ(named->port, 0);
  EXPECT_EQ(metrics_bind_address("h", "127.0.0.1:1", 2).status().message(),
            "give --metrics-port or --metrics-listen, not both");
  EXPECT_EQ(metrics_bind_address("h", "127.0.0.1", -1).status().message(),
            "--metrics-listen wants HOST:PORT, not \"127.0.0.1\"");
  EXPECT_EQ(metrics_bind_address("h", "example.org:9", -1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gene::farm
