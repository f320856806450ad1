// Local mode's pairs of real worker processes (the `worker` beside this
// test binary): a renewal replaces both processes and stops the old ones,
// and a pair that could not be started again is an error for the next
// job, not a crash.
#include "local_pairs.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>

namespace gene::coordinator {
namespace {

bool process_exists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

TEST(LocalPairs, RenewingStartsTwoFreshWorkersAndStopsTheOldOnes) {
  const std::string worker = sibling_worker_path();
  absl::StatusOr<LocalPair> started = LocalPair::start(worker, worker, -1);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalPair pair = *std::move(started);
  const pid_t old_b = pair.baseline.process->pid(), old_c = pair.candidate.process->pid();
  EXPECT_EQ(pair.baseline.connection->info().name(), "baseline");
  EXPECT_EQ(pair.candidate.connection->info().name(), "candidate");

  LocalPairs pairs(pair, worker, worker, -1);
  Cancellation cancel;
  auto lease = pairs.acquire(ComparedJob{}, cancel);
  ASSERT_TRUE(lease.ok()) << lease.status();
  ASSERT_TRUE((*lease)->renewable());
  ASSERT_TRUE((*lease)->renew().ok());
  EXPECT_EQ(pairs.renewals(), 1);
  EXPECT_NE(pair.baseline.process->pid(), old_b);
  EXPECT_NE(pair.candidate.process->pid(), old_c);
  EXPECT_FALSE(process_exists(old_b));
  EXPECT_FALSE(process_exists(old_c));
  // The lease names the new pair, which answers.
  EXPECT_EQ(&(*lease)->baseline(), pair.baseline.connection.get());
  EXPECT_TRUE(pair.baseline.connection->describe(10).ok());
  const pid_t b = pair.baseline.process->pid(), c = pair.candidate.process->pid();
  pair.stop();
  EXPECT_FALSE(process_exists(b));
  EXPECT_FALSE(process_exists(c));
}

TEST(LocalPairs, APairThatCannotBeStartedAgainIsTheNextJobsError) {
  const std::string worker = sibling_worker_path();
  absl::StatusOr<LocalPair> started = LocalPair::start(worker, worker, -1);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalPair pair = *std::move(started);
  // The candidate's binary is gone by the time the pair is renewed.
  LocalPairs pairs(pair, worker, "/nonexistent/worker", -1);
  Cancellation cancel;
  auto lease = pairs.acquire(ComparedJob{}, cancel);
  ASSERT_TRUE(lease.ok()) << lease.status();
  absl::Status renewed = (*lease)->renew();
  EXPECT_FALSE(renewed.ok());
  EXPECT_NE(std::string(renewed.message()).find("candidate"), std::string::npos) << renewed;
  lease->reset();
  auto next = pairs.acquire(ComparedJob{}, cancel);
  ASSERT_FALSE(next.ok());
  EXPECT_NE(std::string(next.status().message()).find("starting a fresh pair of workers"), std::string::npos)
      << next.status();
  pair.stop();
}

}  // namespace
}  // namespace gene::coordinator
