// Whether a job's numbers can be trusted as they are. The worker records,
// per repetition, the CPU time of the job's thread beside its wall time and
// the thread's context switches, and at the job's start the machine's load
// and what ran beside it; the coordinator reads those signals, the spread of
// the times and the exact counts, and flags the job `noisy` with one
// reason per signal that says it shared its CPU or varied.
#pragma once

#include <string>
#include <vector>

#include "farm.pb.h"

namespace gene::coordinator {

namespace v1 = ::gene::farm::v1;

// Below this median CPU utilization (CPU time / wall time) the thread spent
// a noticeable share of its time waiting for a CPU.
inline constexpr double kMinCpuUtilization = 0.95;
// A repetition counts as preempted at this many involuntary context
// switches per second of its wall time. Measured on a shared machine: a
// core shared with busy tasks gave 100 to 250 a second, a pinned worker
// whose CPU nothing else wanted a few (its own gRPC threads), and a job
// that other tasks only grazed (CPU utilization above 0.99, times steady)
// 20 to 40.
inline constexpr double kPreemptionsPerSecond = 50;

// Every NoiseReason kind, as metrics label them.
inline const char* const kNoiseReasonKinds[] = {"cpu_share",   "preempted",         "spread",
                                                "jobs_beside", "short_repetitions", "exact_counts_differ"};

// Each repetition's CPU utilization: cpu_seconds / wall_seconds (skipped
// when the wall time is 0).
std::vector<double> cpu_utilization(const v1::JobResult& result);

// Whether repetition `rep` was preempted (see kPreemptionsPerSecond).
bool preempted(const v1::Repetition& rep);

// The reasons `result` (a job that ended OK) is noisy; empty when its
// numbers can be trusted. `exact` names the statistics that must not vary
// between repetitions; `jobs_beside_on_host` is what the coordinator saw
// run beside it on its host.
std::vector<v1::NoiseReason> noise_reasons(const v1::JobResult& result, const std::vector<std::string>& exact,
                                           uint32_t jobs_beside_on_host, const std::string& host);

// Whether the machine's load average exceeded its CPUs when the job
// started: more runnable tasks than CPUs somewhere on the machine. Shown as
// a note, not a reason: see noise.cc.
bool overloaded(const v1::JobConditions& conditions);

// Fills a judged job's trust fields: exact_statistics (those of `worker`'s
// exact names the job reported), jobs_beside_on_host, noisy and
// noise_reasons (only for jobs that ended OK).
void judge_noise(v1::JobOutcome& job, const v1::WorkerInfo& worker, uint32_t jobs_beside_on_host);

}  // namespace gene::coordinator
