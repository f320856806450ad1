// What the store tests record (results_store_test, baseline_test,
// history_test): a worker, a judged job as `coordinator submit` hands it to
// the store, and a whole run of such jobs, begun, recorded and finished.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gene/coordinator/results_store.h"

namespace gene::coordinator::testing {

// Worker "w1" on x86_64 with a build of `commit` (build id from its first two
// digits) and, when given, the label class=`cls`.
inline v1::WorkerInfo stored_worker(const std::string& commit, bool dirty, const std::string& cls = "") {
  v1::WorkerInfo w;
  w.set_name("w1");
  w.set_arch("x86_64");
  w.set_cpu_model("Test CPU");
  w.set_cores(2);
  w.set_memory_bytes(1 << 30);
  w.mutable_vm()->set_version("0.1.0");
  w.mutable_vm()->set_commit(commit);
  w.mutable_vm()->set_dirty(dirty);
  w.mutable_vm()->set_build_id("00112233445566" + commit.substr(0, 2));
  if (!cls.empty()) (*w.mutable_labels())["class"] = cls;
  return w;
}

// A judged job named `name` (benchmark: what comes before its '/', n=30):
// `instructions` per run (exact) and one repetition per entry of `cpu` (CPU
// seconds; none for a job that never ran), a met instructions_per_second
// target, noisy (cpu_share) when asked. A job whose `status` is not ok
// carries an error message with markup in it, for the pages that escape it.
inline v1::JobOutcome stored_job(const std::string& name, double instructions, const std::vector<double>& cpu,
                                 bool noisy = false, v1::JobStatus status = v1::JOB_STATUS_OK) {
  v1::JobOutcome j;
  j.set_job_name(name);
  j.set_benchmark(name.substr(0, name.find('/')));
  auto* p = j.add_params();
  p->set_name("n");
  p->set_value("30");
  j.set_hardware("x86_64");
  j.set_attempts(1);
  j.set_noisy(noisy);
  if (noisy) {
    auto* r = j.add_noise_reasons();
    r->set_kind("cpu_share");
    r->set_text("CPU time was 40% of wall time");
  }
  j.add_exact_statistics("instructions");
  v1::JobResult* r = j.mutable_result();
  r->set_status(status);
  if (status != v1::JOB_STATUS_OK) r->set_error_message("fib.gene:3:1: boom <script>");
  r->set_value("832040");
  r->set_worker("w1");
  r->set_job_seconds(1.5);
  r->mutable_calibration()->set_min_time_seconds(0.1);
  r->mutable_calibration()->set_iterations(4);
  r->mutable_conditions()->set_load_average(0.5);
  for (double c : cpu) {
    auto* rep = r->add_repetitions();
    rep->set_cpu_seconds(c);
    rep->set_wall_seconds(c * 1.01);
    rep->set_iterations(4);
    (*rep->mutable_statistics())["instructions"] = instructions;
    (*rep->mutable_statistics())["instructions_per_second"] = instructions / c;
  }
  if (cpu.empty()) return j;
  double median_cpu = cpu[cpu.size() / 2];
  (*j.mutable_median_statistics())["instructions"] = instructions;
  (*j.mutable_median_statistics())["instructions_per_second"] = instructions / median_cpu;
  auto* t = j.add_targets();
  t->set_statistic("instructions_per_second");
  t->set_op(">");
  t->set_threshold(1e7);
  t->set_value(instructions / median_cpu);
  t->set_outcome(v1::TARGET_OUTCOME_MET);
  return j;
}

// Records a finished local run of `jobs` on worker `w`; returns its id.
inline int64_t record_run(ResultsStore& store, const std::string& suite, const v1::WorkerInfo& w,
                          const std::vector<v1::JobOutcome>& jobs) {
  RunStart start{suite, "hash", "local", "", uint32_t(jobs.size()), ""};
  absl::StatusOr<int64_t> id = store.begin_run(start);
  EXPECT_TRUE(id.ok()) << id.status();
  if (!id.ok()) return -1;
  for (const auto& j : jobs) EXPECT_TRUE(store.record_job(*id, j, w).ok());
  EXPECT_TRUE(store.finish_run(*id, false).ok());
  return *id;
}

}  // namespace gene::coordinator::testing
