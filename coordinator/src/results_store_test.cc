#include "gene/coordinator/results_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store_schema.h"
#include "store_test_fixture.h"
#include "store_test_jobs.h"

namespace gene::coordinator {
namespace {

namespace fs = std::filesystem;

using StoreTest = testing::StoreFixture;
using testing::record_run;
using testing::stored_job;
using testing::stored_worker;

ResultsStore::JobLookup lookup(const std::string& suite, const std::string& name, const std::string& hardware) {
  ResultsStore::JobLookup l;
  l.suite = suite;
  l.name = name;
  l.hardware = hardware;
  return l;
}

// The job find_job finds (a failed test when the store cannot be read).
std::optional<StoredJob> found(ResultsStore& store, const ResultsStore::JobLookup& lookup) {
  absl::StatusOr<std::optional<StoredJob>> job = store.find_job(lookup);
  EXPECT_TRUE(job.ok()) << job.status();
  return job.ok() ? *job : std::nullopt;
}

TEST_F(StoreTest, CreatesTheStoreInWalModeWithItsDirectory) {
  std::string p = path("deeper/still/results.sqlite");
  auto store = open_rw(p);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->schema_version(), store_schema::latest_version());
  EXPECT_EQ(store->schema_note(), "created");
  EXPECT_EQ(raw_integer(p, "PRAGMA user_version"), store_schema::latest_version());
  EXPECT_EQ(raw_integer(p, "PRAGMA application_id"), store_schema::kApplicationId);
  EXPECT_EQ(raw_integer(p, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
  // Opening it again changes nothing.
  store.reset();
  store = open_rw(p);
  EXPECT_EQ(store->schema_note(), "");
}

TEST_F(StoreTest, KeepsEveryRepetitionStatisticTargetAndNoiseReason) {
  auto store = open_rw(path());
  ASSERT_TRUE(store);
  v1::JobOutcome failed = stored_job("count/n:30", 100, {0.1});
  failed.mutable_result()->set_status(v1::JOB_STATUS_WRONG_VALUE);
  failed.mutable_result()->set_error_message("value 3, expected 4");
  int64_t run = record_run(*store, "demo", stored_worker("abcdef123456", true),
                           {stored_job("fib/n:30", 1000, {0.010, 0.012, 0.011}, true), failed});
  auto runs = store->runs({});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  const StoredRun& r = runs->front();
  EXPECT_EQ(r.id, run);
  EXPECT_EQ(r.suite, "demo");
  EXPECT_EQ(r.status, "finished");
  EXPECT_EQ(r.mode, "local");
  EXPECT_FALSE(r.finished_at.empty());
  EXPECT_EQ(r.hardware, "x86_64");
  EXPECT_EQ(r.vm.commit, "abcdef123456");
  EXPECT_TRUE(r.vm.dirty);
  EXPECT_EQ(r.vm.version, "0.1.0");
  EXPECT_EQ(r.vm.build_id, "00112233445566ab");
  EXPECT_EQ(r.hardware_fingerprint.size(), 16u);
  ASSERT_EQ(r.jobs.size(), 2u);
  const StoredJob& fib = r.jobs[0];
  EXPECT_EQ(fib.name, "fib/n:30");
  EXPECT_EQ(fib.params, "n=30");
  EXPECT_EQ(fib.status, "ok");
  EXPECT_EQ(fib.repetitions, 3u);
  EXPECT_EQ(fib.iterations, 4u);
  EXPECT_DOUBLE_EQ(*fib.cpu_seconds, 0.011);
  EXPECT_DOUBLE_EQ(*fib.instructions, 1000);
  EXPECT_TRUE(fib.noisy);
  ASSERT_EQ(fib.noise_reasons.size(), 1u);
  EXPECT_EQ(fib.noise_reasons[0].first, "cpu_share");
  EXPECT_EQ(r.jobs[1].status, "wrong_value");
  EXPECT_EQ(r.jobs[1].error, "value 3, expected 4");

  const std::string p = path();
  EXPECT_EQ(raw_integer(p, "SELECT count(*) FROM repetitions"), 4);
  // 2 statistics per repetition and 2 medians, for each job.
  EXPECT_EQ(raw_integer(p, "SELECT count(*) FROM statistics"), 3 * 2 + 2 + 1 * 2 + 2);
  EXPECT_EQ(raw_integer(p, "SELECT count(*) FROM statistics WHERE exact = 1 AND name = 'instructions'"), 6);
  EXPECT_EQ(raw_integer(p, "SELECT count(*) FROM targets WHERE outcome = 'met'"), 2);
  EXPECT_EQ(raw_integer(p, "SELECT iterations FROM repetitions LIMIT 1"), 4);
  auto stats = store->job_statistics(fib.id);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_TRUE(stats->at("instructions").exact);
  EXPECT_FALSE(stats->at("instructions_per_second").exact);
}

TEST_F(StoreTest, RunsAreNewestFirstAndFilteredBySuite) {
  auto store = open_rw(path());
  ASSERT_TRUE(store);
  int64_t a = record_run(*store, "demo", stored_worker("aaaa11112222", false), {stored_job("fib/n:30", 1000, {0.01})});
  int64_t b = record_run(*store, "other", stored_worker("aaaa11112222", false), {stored_job("fib/n:30", 1000, {0.01})});
  int64_t c = record_run(*store, "demo", stored_worker("bbbb11112222", false), {stored_job("fib/n:30", 1000, {0.01})});
  auto all = store->runs({});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, c);
  EXPECT_EQ((*all)[2].id, a);
  auto demo = store->runs({"demo", 0, std::nullopt});
  ASSERT_EQ(demo->size(), 2u);
  auto last = store->runs({"demo", 1, std::nullopt});
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ(last->front().id, c);
  auto one = store->runs({"", 0, b});
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front().suite, "other");
}

TEST_F(StoreTest, FindsJobsByRunCommitAndHistory) {
  auto store = open_rw(path());
  ASSERT_TRUE(store);
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    std::string commit = i < 3 ? "aaaa11112222" : "bbbb33334444";
    ids.push_back(record_run(*store, "demo", stored_worker(commit, i == 5),
                             {stored_job("fib/n:30", 1000, {0.010 + 0.001 * i}, /*noisy=*/i == 2)}));
  }
  ResultsStore::JobLookup latest = lookup("demo", "fib/n:30", "x86_64");
  auto j = found(*store, latest);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->run_id, ids[5]);
  latest.before_run = ids[5];
  EXPECT_EQ(found(*store, latest)->run_id, ids[4]);
  ResultsStore::JobLookup by_run = lookup("demo", "fib/n:30", "x86_64");
  by_run.in_run = ids[1];
  EXPECT_EQ(found(*store, by_run)->run_id, ids[1]);
  ResultsStore::JobLookup other_hw = lookup("demo", "fib/n:30", "arm64");
  EXPECT_FALSE(found(*store, other_hw));

  // Commits: a prefix, the full hash given for a short stored one, dirty only.
  ResultsStore::JobLookup by_commit = lookup("demo", "fib/n:30", "x86_64");
  by_commit.commit = "AAAA";
  EXPECT_EQ(found(*store, by_commit)->run_id, ids[2]);
  by_commit.commit = "bbbb333344445555666677778888999900001111";
  EXPECT_EQ(found(*store, by_commit)->run_id, ids[5]);
  by_commit.commit = "bbbb3333-dirty";
  EXPECT_EQ(found(*store, by_commit)->run_id, ids[5]);
  by_commit.commit = "aaaa-dirty";
  EXPECT_FALSE(found(*store, by_commit));
  EXPECT_TRUE(*store->has_commit("demo", "aaaa1111"));
  EXPECT_FALSE(*store->has_commit("demo", "cccc"));
  EXPECT_FALSE(*store->has_commit("other", "aaaa"));
  auto commits = store->recent_commits("demo", 10);
  ASSERT_EQ(commits.size(), 3u);
  EXPECT_EQ(commits[0], "bbbb33334444-dirty");

  // History: oldest first, up to a run, the noisy one left out when asked.
  auto all = store->job_history("demo", "fib/n:30", "x86_64", ids[4], 30, false);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->front().run_id, ids[0]);
  EXPECT_DOUBLE_EQ(all->back().cpu_seconds, 0.014);
  auto quiet = store->job_history("demo", "fib/n:30", "x86_64", ids[4], 30, true);
  EXPECT_EQ(quiet->size(), 4u);
  auto last2 = store->job_history("demo", "fib/n:30", "x86_64", ids[5], 2, true);
  ASSERT_EQ(last2->size(), 2u);
  EXPECT_EQ(last2->front().run_id, ids[4]);
}

TEST_F(StoreTest, HardwareAndBuildOfAMixedRunAreJoined) {
  auto store = open_rw(path());
  ASSERT_TRUE(store);
  auto id = store->begin_run({"demo", "h", "remote", "", 3, ""});
  ASSERT_TRUE(id.ok()) << id.status();
  v1::JobOutcome a = stored_job("fib/n:1", 10, {0.1}), b = stored_job("fib/n:2", 10, {0.1}), c = stored_job("fib/n:3", 10, {0.1});
  b.set_hardware("arm64");
  ASSERT_TRUE(store->record_job(*id, a, stored_worker("aaaa11112222", false)).ok());
  ASSERT_TRUE(store->record_job(*id, b, stored_worker("bbbb11112222", false)).ok());
  ASSERT_TRUE(store->record_job(*id, c, stored_worker("aaaa11112222", false)).ok());
  auto runs = store->runs({});
  EXPECT_EQ(runs->front().hardware, "x86_64,arm64");
  EXPECT_EQ(runs->front().vm.commit, "aaaa11112222,bbbb11112222");
  EXPECT_EQ(runs->front().status, "running");
  EXPECT_EQ(runs->front().finished_at, "");
}

TEST_F(StoreTest, ComparisonsAreRecorded) {
  auto store = open_rw(path());
  ASSERT_TRUE(store);
  int64_t a = record_run(*store, "demo", stored_worker("aaaa11112222", false), {stored_job("fib/n:30", 1000, {0.01})});
  int64_t b = record_run(*store, "demo", stored_worker("aaaa11112222", false), {stored_job("fib/n:30", 1100, {0.01})});
  Comparison c;
  c.name = "fib/n:30";
  c.metric = "instructions";
  c.verdict = Verdict::Slower;
  c.ratio = 1.1;
  c.baseline_run = a;
  Comparison d = c;
  d.metric = "cpu";
  d.verdict = Verdict::Inconclusive;
  d.ratio.reset();
  d.baseline_run.reset();
  d.history_runs = 1;
  ASSERT_TRUE(store->record_comparisons(b, "baseline", {c, d}).ok());
  EXPECT_EQ(raw_integer(path(), "SELECT count(*) FROM comparisons WHERE run_id = " + std::to_string(b)), 2);
  EXPECT_EQ(raw_integer(path(), "SELECT baseline_run_id FROM comparisons WHERE verdict = 'slower'"), a);
  EXPECT_EQ(raw_integer(path(), "SELECT count(*) FROM comparisons WHERE baseline_run_id IS NULL AND history_runs = 1"),
            1);
}

// A store written by the first version of the schema, with a run in it.
void make_version_1(const std::string& p) {
  std::string sql = std::string(store_schema::migrations().at(0).sql) + "PRAGMA user_version = 1;\n" +
                    "PRAGMA application_id = " + std::to_string(store_schema::kApplicationId) + ";\n" +
                    "INSERT INTO runs (suite, manifest_hash, started_at, finished_at, status, mode, jobs_planned, "
                    "hardware, vm_commit) VALUES ('old', 'h', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', "
                    "'finished', 'local', 1, 'x86_64', 'cafe00000000');\n"
                    "INSERT INTO jobs (run_id, name, benchmark, params, status, finished_at, hardware, cpu_seconds) "
                    "VALUES (1, 'fib/n:30', 'fib', 'n=30', 'ok', '2026-01-01T00:01:00Z', 'x86_64', 0.5);\n";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
  sqlite3_close(db);
}

TEST_F(StoreTest, AnOlderSchemaIsMigratedWithItsDataAndABackup) {
  ASSERT_GE(store_schema::latest_version(), 2) << "the migration path needs a version to migrate from";
  make_version_1(path());
  auto store = open_rw(path());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->schema_version(), store_schema::latest_version());
  EXPECT_NE(store->schema_note().find("migrated from schema version 1"), std::string::npos) << store->schema_note();
  EXPECT_TRUE(fs::exists(path() + ".v1.bak"));
  EXPECT_EQ(raw_integer(path() + ".v1.bak", "PRAGMA user_version"), 1);
  auto runs = store->runs({});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().suite, "old");
  EXPECT_EQ(runs->front().jobs.at(0).cpu_seconds, 0.5);
  // The migrated store takes new runs and comparisons.
  int64_t id = record_run(*store, "old", stored_worker("aaaa11112222", false), {stored_job("fib/n:30", 1000, {0.01})});
  EXPECT_EQ(id, 2);
  Comparison c;
  c.name = "fib/n:30";
  c.metric = "cpu";
  EXPECT_TRUE(store->record_comparisons(id, "baseline", {c}).ok());
}

TEST_F(StoreTest, ReadOnlyAccessReadsAnOlderSchemaWithoutChangingIt) {
  make_version_1(path());
  auto opened = ResultsStore::open(path(), ResultsStore::Access::ReadOnly);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<ResultsStore> store = *std::move(opened);
  EXPECT_EQ(store->schema_version(), 1);
  EXPECT_EQ(store->runs({})->size(), 1u);
  EXPECT_EQ(raw_integer(path(), "PRAGMA user_version"), 1);
}

TEST_F(StoreTest, RefusesANewerSchema) {
  auto store = open_rw(path());
  store.reset();
  raw_exec(path(), "PRAGMA user_version = 99");
  std::string error;
  error = open_error(path(), ResultsStore::Access::ReadWrite);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("schema version is 99, newer than this coordinator knows"), std::string::npos) << error;
  error = open_error(path(), ResultsStore::Access::ReadOnly);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(raw_integer(path(), "PRAGMA user_version"), 99);  // untouched
}

TEST_F(StoreTest, RefusesFilesThatAreNotStores) {
  std::string error;
  {
    std::ofstream(path("text.sqlite")) << "this is not a database, just some text that is long enough to look like a "
                                          "header and a page or two of something else entirely\n";
  }
  error = open_error(path("text.sqlite"), ResultsStore::Access::ReadWrite);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("not an SQLite database, or a corrupt one"), std::string::npos) << error;
  error = open_error(path("text.sqlite"), ResultsStore::Access::ReadOnly);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("not an SQLite database"), std::string::npos) << error;

  raw_exec(path("other.sqlite"), "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  error = open_error(path("other.sqlite"), ResultsStore::Access::ReadWrite);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("not a Gene farm results store"), std::string::npos) << error;

  error = open_error(path("missing.sqlite"), ResultsStore::Access::ReadOnly);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("no such file"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(path("missing.sqlite")));

  error = open_error(dir_, ResultsStore::Access::ReadWrite);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;

  // A pipe would block the first read forever.
  ASSERT_EQ(mkfifo(path("pipe").c_str(), 0600), 0);
  error = open_error(path("pipe"), ResultsStore::Access::ReadWrite);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
  error = open_error(path("pipe"), ResultsStore::Access::ReadOnly);
  EXPECT_FALSE(error.empty());
}

// Why the store at `p` cannot be opened read-write, asked by a child
// process that runs as `nobody` when this one is root: root writes into
// read-only directories, so only an unprivileged process sees the refusal
// a user would. "" when it can be opened; "child: ..." when the child failed.
std::string open_error_unprivileged(const std::string& p) {
  if (geteuid() != 0) {
    auto store = ResultsStore::open(p, ResultsStore::Access::ReadWrite);
    return store.ok() ? "" : std::string(store.status().message());
  }
  int fds[2];
  if (pipe(fds) != 0) return "child: pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    constexpr uid_t kNobody = 65534;
    std::string message;
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0 || geteuid() == 0) {
      message = "child: could not drop privileges";
    } else {
      auto store = ResultsStore::open(p, ResultsStore::Access::ReadWrite);
      if (!store.ok()) message = std::string(store.status().message());
    }
    ssize_t written = write(fds[1], message.data(), message.size());
    _exit(written == ssize_t(message.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "child: exited abnormally";
  return message;
}

TEST_F(StoreTest, RefusesAReadOnlyPlace) {
  std::string error;
  // /proc refuses new files even to root.
  error = open_error("/proc/gene-farm-test/results.sqlite", ResultsStore::Access::ReadWrite);
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("/proc/gene-farm-test"), std::string::npos) << error;
  // A directory without write permission, checked as an unprivileged user
  // (a child as `nobody` when the test runs as root, as CI does). The
  // scratch directory lets others through so that `nobody` reaches it.
  const fs::perms others_through = fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec;
  fs::permissions(path(""), others_through);
  fs::create_directory(path("ro"));
  fs::create_directory(path("rw"));
  const fs::perms read_only = fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec;
  fs::permissions(path("ro"), read_only);
  error = open_error_unprivileged(path("ro/results.sqlite"));
  EXPECT_NE(error.find("not writable"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(path("ro/results.sqlite")));
  // The same user can open a store where it may write: the refusal above
  // was the permission's, not the child's.
  fs::permissions(path("rw"), fs::perms::all);
  error = open_error_unprivileged(path("rw/results.sqlite"));
  EXPECT_EQ(error, "");
  EXPECT_TRUE(fs::exists(path("rw/results.sqlite")));
}

TEST_F(StoreTest, TwoConnectionsWriteAtOnce) {
  const std::string p = path();
  ASSERT_TRUE(open_rw(p));
  auto writer = [&](const std::string& suite, bool& ok) {
    auto opened = ResultsStore::open(p, ResultsStore::Access::ReadWrite);
    ok = opened.ok();
    if (!opened.ok()) return;
    std::unique_ptr<ResultsStore> store = *std::move(opened);
    for (int run = 0; run < 5; ++run) {
      std::vector<v1::JobOutcome> jobs;
      for (int i = 0; i < 10; ++i) jobs.push_back(stored_job("fib/n:" + std::to_string(i), 1000, {0.01, 0.02, 0.03}));
      record_run(*store, suite, stored_worker("aaaa11112222", false), jobs);
    }
  };
  bool ok_a = false, ok_b = false;
  std::thread a(writer, "a", std::ref(ok_a)), b(writer, "b", std::ref(ok_b));
  a.join();
  b.join();
  EXPECT_TRUE(ok_a && ok_b);
  EXPECT_EQ(raw_integer(p, "SELECT count(*) FROM runs WHERE status = 'finished'"), 10);
  EXPECT_EQ(raw_integer(p, "SELECT count(*) FROM jobs"), 100);
}

// Processes that find no store and create it at the same moment: each must
// see either nothing or the whole schema, never a half (tables without the
// application_id), which it would refuse as a foreign database.
TEST_F(StoreTest, ConnectionsCreatingOneFreshStoreAtOnceAllSucceed) {
  for (int attempt = 0; attempt < 30; ++attempt) {
    const std::string p = path("fresh" + std::to_string(attempt) + ".sqlite");
    std::atomic<int> ready{0};
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < 4) std::this_thread::yield();
        errors[t] = open_error(p, ResultsStore::Access::ReadWrite);
      });
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "") << "attempt " << attempt;
  }
}

TEST(StorePath, FollowsXdgDataHomeThenHome) {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  std::string saved_xdg = xdg ? xdg : "", saved_home = home ? home : "";
  setenv("XDG_DATA_HOME", "/data", 1);
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(default_store_path().value_or(""), "/data/gene-farm/results.sqlite");
  setenv("XDG_DATA_HOME", "relative", 1);  // invalid per the XDG spec: ignored
  EXPECT_EQ(default_store_path().value_or(""), "/home/u/.local/share/gene-farm/results.sqlite");
  unsetenv("XDG_DATA_HOME");
  EXPECT_EQ(default_store_path().value_or(""), "/home/u/.local/share/gene-farm/results.sqlite");
  unsetenv("HOME");
  absl::StatusOr<std::string> none = default_store_path();
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("--store"), std::string::npos) << none.status();
  if (xdg) setenv("XDG_DATA_HOME", saved_xdg.c_str(), 1);
  if (home) setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace gene::coordinator
