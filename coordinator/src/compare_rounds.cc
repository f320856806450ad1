#include "gene/coordinator/compare_rounds.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "absl/status/status.h"

#include "gene/coordinator/paired_comparison.h"
#include "job_threads.h"
#include "gene/coordinator/results.h"

namespace gene::coordinator {

namespace {

using Clock = std::chrono::steady_clock;

// With a renewable pair, how long one pair of processes serves a job's
// rounds before a fresh pair takes over (at least one AB and one BA round).
// Starting a pair takes about 0.3 s per worker on a loaded 2-CPU machine;
// half a second of rounds per pair balances that cost against the spread
// between processes (docs/coordinator.md, "How compare decides").
constexpr double kSampleSeconds = 0.5;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Different comparisons (and coordinator restarts) send different job ids.
std::string comparison_id(const std::string& suite) {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", rd());
  return suite + "/compare-" + buf;
}

std::optional<double> metric_value(const v1::JobResult& r, const std::string& metric) {
  if (r.repetitions_size() == 0) return std::nullopt;
  const v1::Repetition& rep = r.repetitions(0);
  if (metric == "cpu") return rep.cpu_seconds();
  if (metric == "wall") return rep.wall_seconds();
  auto it = rep.statistics().find(metric);
  if (it == rep.statistics().end()) return std::nullopt;
  return it->second;
}

std::string failure(const char* side, const v1::JobResult& r) {
  return std::string(side) + ": " + status_label(r.status()) +
         (r.error_message().empty() ? "" : ": " + r.error_message());
}

double median_of(std::vector<double> v) {
  const size_t n = v.size();
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(n / 2), v.end());
  double hi = v[n / 2];
  if (n % 2) return hi;
  return (*std::max_element(v.begin(), v.begin() + std::ptrdiff_t(n / 2)) + hi) / 2;
}

std::string format_limit_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

v1::ComparisonVerdict to_proto(Verdict v) {
  switch (v) {
    case Verdict::Slower: return v1::COMPARISON_VERDICT_SLOWER;
    case Verdict::Faster: return v1::COMPARISON_VERDICT_FASTER;
    case Verdict::Same: return v1::COMPARISON_VERDICT_SAME;
    case Verdict::Inconclusive: break;
  }
  return v1::COMPARISON_VERDICT_INCONCLUSIVE;
}

// An exact statistic's values per round on both sides.
struct ExactTrack {
  std::string name;
  std::vector<double> baseline, candidate;
};

// The exact statistics both sides report, in the baseline's order.
std::vector<ExactTrack> exact_tracks(const v1::WorkerInfo& b, const v1::WorkerInfo& c) {
  std::vector<ExactTrack> tracks;
  for (const auto& name : b.exact_statistic_names())
    if (std::find(c.exact_statistic_names().begin(), c.exact_statistic_names().end(), name) !=
        c.exact_statistic_names().end())
      tracks.push_back({name, {}, {}});
  return tracks;
}

using ProgressFn = std::function<void(const v1::CompareRound&)>;

// One job's comparison on one pair of workers.
class JobRounds {
 public:
  JobRounds(const ComparedJob& job, const ComparePlan& plan, SidePairLease& pair, Cancellation& cancel,
            std::string id_prefix, ProgressFn progress)
      : job_(job),
        settings_(plan.settings),
        jobs_(plan.jobs.size()),
        pair_(pair),
        cancel_(cancel),
        id_prefix_(std::move(id_prefix)),
        progress_(std::move(progress)) {}

  v1::JobComparison run() {
    out_.set_name(job_.name);
    out_.mutable_baseline_result()->set_job_id(id_prefix_ + "/baseline");
    out_.mutable_candidate_result()->set_job_id(id_prefix_ + "/candidate");
    out_.set_metric(settings_.metric());
    out_.set_baseline_worker(pair_.baseline().info().name());
    out_.set_candidate_worker(pair_.candidate().info().name());
    out_.set_verdict(v1::COMPARISON_VERDICT_INCONCLUSIVE);
    if (absl::Status measured = measure(); !measured.ok()) {
      out_.set_error(std::string(measured.message()));
      out_.set_reason(std::string(measured.message()));
    }
    finish();
    return out_;
  }

 private:
  // Runs `request` (with k runs per repetition) on one side: CANCELLED, or
  // ABORTED saying what failed.
  absl::Status run_side(bool baseline, v1::JobRequest request, const char* tag, v1::JobResult& result) {
    request.set_job_id(id_prefix_ + "/" + tag + std::to_string(++requests_));
    request.set_iterations(k_);
    CompareSideRunner& side = baseline ? pair_.baseline() : pair_.candidate();
    result = side.run(request, cancel_);
    if (result.status() == v1::JOB_STATUS_OK) return absl::OkStatus();
    v1::JobResult& kept = baseline ? *out_.mutable_baseline_result() : *out_.mutable_candidate_result();
    kept.set_status(result.status());
    kept.set_error_message(result.error_message());
    if (cancel_.cancelled()) return absl::CancelledError("cancelled");
    return absl::AbortedError(failure(baseline ? "baseline" : "candidate", result));
  }

  // The rounds until a verdict or a limit; a side's failure ends them.
  absl::Status measure() {
    // Calibration on the baseline: k runs reach min_time; both sides use it.
    v1::JobRequest calibrate = job_.baseline;
    calibrate.set_warmup(job_.calibration_warmup);
    calibrate.set_min_time_seconds(job_.min_time_seconds);
    v1::JobResult r;
    k_ = 0;
    if (absl::Status ran = run_side(true, calibrate, "calibrate", r); !ran.ok()) return ran;
    k_ = std::max<uint32_t>(1, r.calibration().iterations());
    out_.set_iterations(k_);
    for (v1::JobResult* side : {out_.mutable_baseline_result(), out_.mutable_candidate_result()}) {
      *side->mutable_calibration() = r.calibration();
      side->set_status(v1::JOB_STATUS_OK);
    }
    report(std::nullopt);
    // One warm-up per side: each worker process has run this program before
    // its first measured round.
    if (absl::Status ran = run_side(false, job_.candidate, "warmup", r); !ran.ok()) return ran;
    if (absl::Status ran = run_side(true, job_.baseline, "warmup", r); !ran.ok()) return ran;

    tracks_ = exact_tracks(pair_.baseline().info(), pair_.candidate().info());
    const bool exact_metric = std::any_of(tracks_.begin(), tracks_.end(),
                                          [&](const ExactTrack& t) { return t.name == settings_.metric(); });
    SequentialOptions options;
    options.confidence = settings_.confidence();
    options.jobs = jobs_;
    options.min_effect = settings_.min_effect();
    options.max_rounds = settings_.max_rounds();
    options.exact = exact_metric;
    // An exact count does not depend on the process that counts it.
    options.process_samples = pair_.renewable() && !exact_metric;
    SequentialComparison rounds(options);
    std::optional<Decision> last_look;
    Clock::time_point sample_start = Clock::now();
    uint32_t sample_rounds = 0;
    for (uint32_t round = 0;; ++round) {
      if (cancel_.cancelled()) return stop(rounds, absl::CancelledError("cancelled"));
      // AB, BA, AB, ...: a drift of the machine, or an advantage of going
      // first or second, falls on both sides alike.
      const bool baseline_first = round % 2 == 0;
      v1::JobResult first, second;
      if (absl::Status ran =
              run_side(baseline_first, baseline_first ? job_.baseline : job_.candidate, "round", first);
          !ran.ok())
        return stop(rounds, ran);
      if (absl::Status ran =
              run_side(!baseline_first, baseline_first ? job_.candidate : job_.baseline, "round", second);
          !ran.ok())
        return stop(rounds, ran);
      const v1::JobResult& b = baseline_first ? first : second;
      const v1::JobResult& c = baseline_first ? second : first;
      std::optional<double> vb = metric_value(b, settings_.metric()), vc = metric_value(c, settings_.metric());
      for (auto [side, v] : {std::pair{"baseline", vb}, {"candidate", vc}})
        if (!v) {
          return stop(rounds, absl::FailedPreconditionError(std::string(side) + ": the result has no " +
                                                            settings_.metric()));
        }
      if (*vb <= 0 || *vc <= 0) {
        if (!(*vb == 0 && *vc == 0)) {
          return stop(rounds, absl::FailedPreconditionError(settings_.metric() + " is 0 on the " +
                                                            (*vb <= 0 ? "baseline" : "candidate") +
                                                            " and not on the other side: there is no ratio"));
        }
        rounds.add_round(1, 1);  // nothing on either side: the same
      } else {
        rounds.add_round(*vb, *vc);
      }
      out_.add_baseline_values(*vb);
      out_.add_candidate_values(*vc);
      track_exact(b, c);
      keep_round(b, *out_.mutable_baseline_result());
      keep_round(c, *out_.mutable_candidate_result());
      ++sample_rounds;
      const bool sample_done =
          options.process_samples && sample_rounds % 2 == 0 && seconds_since(sample_start) >= kSampleSeconds;
      if (sample_done) rounds.end_sample();

      if (rounds.at_look()) {
        last_look = rounds.decide();
        if (last_look->verdict != Verdict::Inconclusive) {
          record(*last_look);
          report(last_look);
          return absl::OkStatus();
        }
      }
      report(last_look);
      if (rounds.rounds() >= settings_.max_rounds()) {
        record(rounds.conclude("max rounds " + std::to_string(settings_.max_rounds()) + " reached"));
        return absl::OkStatus();
      }
      if (seconds_since(start_) >= settings_.max_seconds()) {
        record(rounds.conclude("max time " + format_limit_seconds(settings_.max_seconds()) + " reached"));
        return absl::OkStatus();
      }
      if (sample_done) {
        if (absl::Status renewed = renew_pair(); !renewed.ok()) return stop(rounds, renewed);
        sample_start = Clock::now();
        sample_rounds = 0;
      }
    }
  }

  // A fresh pair of processes, each warmed up once on the job's program
  // before its first measured round.
  absl::Status renew_pair() {
    if (cancel_.cancelled()) return absl::CancelledError("cancelled");
    if (absl::Status renewed = pair_.renew(); !renewed.ok())
      return absl::AbortedError("starting a fresh pair of workers: " + std::string(renewed.message()));
    v1::JobResult r;
    if (absl::Status ran = run_side(false, job_.candidate, "warmup", r); !ran.ok()) return ran;
    return run_side(true, job_.baseline, "warmup", r);
  }

  // Ends the rounds on a failure: keeps the estimate so far, never a
  // verdict. Returns `failed`.
  absl::Status stop(const SequentialComparison& rounds, absl::Status failed) {
    if (rounds.rounds() >= 2) record(rounds.conclude(std::string(failed.message())));
    out_.set_verdict(v1::COMPARISON_VERDICT_INCONCLUSIVE);
    return failed;
  }

  void record(const Decision& d) {
    out_.set_verdict(to_proto(d.verdict));
    if (d.ratio) {
      out_.set_ratio(d.ratio->estimate);
      out_.set_ci_low(d.ratio->low);
      out_.set_ci_high(d.ratio->high);
    }
    out_.set_confidence(d.confidence);
    out_.set_reason(d.reason);
  }

  // A round's repetition, value and conditions, kept as part of its side's result.
  static void keep_round(const v1::JobResult& round, v1::JobResult& side) {
    *side.add_repetitions() = round.repetitions(0);
    side.set_value(round.value());
    side.set_worker(round.worker());
    if (!side.has_conditions()) *side.mutable_conditions() = round.conditions();
    side.set_job_seconds(side.job_seconds() + round.job_seconds());
  }

  void track_exact(const v1::JobResult& b, const v1::JobResult& c) {
    for (ExactTrack& t : tracks_) {
      const auto& bs = b.repetitions(0).statistics();
      const auto& cs = c.repetitions(0).statistics();
      auto bi = bs.find(t.name), ci = cs.find(t.name);
      if (bi == bs.end() || ci == cs.end()) continue;  // an absent ratio: nothing to compare this round
      t.baseline.push_back(bi->second);
      t.candidate.push_back(ci->second);
    }
  }

  void finish() {
    out_.set_rounds(uint32_t(out_.baseline_values_size()));
    if (out_.baseline_values_size() > 0) {
      out_.set_baseline_median(
          median_of({out_.baseline_values().begin(), out_.baseline_values().end()}));
      out_.set_candidate_median(
          median_of({out_.candidate_values().begin(), out_.candidate_values().end()}));
    }
    for (const ExactTrack& t : tracks_) {
      if (t.baseline.empty()) continue;
      v1::ExactComparison* e = out_.add_exact();
      e->set_statistic(t.name);
      e->set_baseline(median_of(t.baseline));
      e->set_candidate(median_of(t.candidate));
      auto varies = [](const std::vector<double>& v) {
        return std::any_of(v.begin(), v.end(), [&](double x) { return x != v.front(); });
      };
      e->set_varied(varies(t.baseline) || varies(t.candidate));
    }
    out_.set_seconds(seconds_since(start_));
  }

  void report(const std::optional<Decision>& look) {
    if (!progress_) return;
    v1::CompareRound p;
    p.set_job_name(job_.name);
    p.set_rounds(uint32_t(out_.baseline_values_size()));
    if (look && look->ratio) {
      p.set_ratio(look->ratio->estimate);
      p.set_ci_low(look->ratio->low);
      p.set_ci_high(look->ratio->high);
    }
    p.set_seconds(seconds_since(start_));
    p.set_baseline_worker(out_.baseline_worker());
    p.set_candidate_worker(out_.candidate_worker());
    p.set_iterations(k_);
    progress_(p);
  }

  const ComparedJob& job_;
  const v1::CompareSettings& settings_;
  const size_t jobs_;
  SidePairLease& pair_;
  Cancellation& cancel_;
  const std::string id_prefix_;
  const ProgressFn progress_;
  const Clock::time_point start_ = Clock::now();
  v1::JobComparison out_;
  uint32_t k_ = 0;
  uint64_t requests_ = 0;
  std::vector<ExactTrack> tracks_;
};

v1::JobComparison not_compared(const ComparedJob& job, const std::string& metric, const std::string& why) {
  v1::JobComparison out;
  out.set_name(job.name);
  out.set_metric(metric);
  out.set_verdict(v1::COMPARISON_VERDICT_INCONCLUSIVE);
  out.set_error(why);
  out.set_reason(why);
  return out;
}

}  // namespace

const char* comparison_verdict_word(v1::ComparisonVerdict verdict) {
  switch (verdict) {
    case v1::COMPARISON_VERDICT_SLOWER: return verdict_word(Verdict::Slower);
    case v1::COMPARISON_VERDICT_FASTER: return verdict_word(Verdict::Faster);
    case v1::COMPARISON_VERDICT_SAME: return verdict_word(Verdict::Same);
    default: break;
  }
  return verdict_word(Verdict::Inconclusive);
}

v1::CompareResult run_comparison(const ComparePlan& plan, SidePairSource& pairs, const CompareEventSink& sink,
                                 Cancellation& cancel) {
  const Clock::time_point start = Clock::now();
  const uint32_t total = uint32_t(plan.jobs.size());
  const std::string id = comparison_id(plan.suite);
  std::mutex mu;  // guards what follows and serializes `sink`
  auto emit = [&](const v1::CompareEvent& e) {
    if (sink) sink(e);
  };
  uint32_t done = 0;
  std::vector<std::optional<v1::JobComparison>> outcomes(plan.jobs.size());
  std::optional<v1::WorkerInfo> baseline_info, candidate_info;
  {
    v1::CompareEvent e;
    v1::CompareAccepted* a = e.mutable_accepted();
    a->set_suite(plan.suite);
    a->set_total_jobs(total);
    for (const auto& u : plan.unmatched) *a->add_unmatched() = u;
    std::lock_guard lock(mu);
    emit(e);
  }

  std::atomic<size_t> next{0};
  auto work = [&] {
    for (;;) {
      const size_t k = next++;
      if (k >= plan.jobs.size()) return;
      const ComparedJob& job = plan.jobs[k];
      v1::JobComparison outcome;
      absl::StatusOr<std::unique_ptr<SidePairLease>> acquired =
          cancel.cancelled() ? absl::CancelledError("cancelled") : pairs.acquire(job, cancel);
      if (!acquired.ok()) {
        const bool cancelled = cancel.cancelled() || acquired.status().code() == absl::StatusCode::kCancelled;
        outcome = not_compared(job, plan.settings.metric(),
                               cancelled ? "cancelled" : std::string(acquired.status().message()));
      } else {
        std::unique_ptr<SidePairLease> lease = *std::move(acquired);
        {
          std::lock_guard lock(mu);
          if (!baseline_info) baseline_info = lease->baseline().info(), candidate_info = lease->candidate().info();
        }
        auto progress = [&](const v1::CompareRound& round) {
          v1::CompareEvent e;
          *e.mutable_round() = round;
          std::lock_guard lock(mu);
          e.mutable_round()->set_done(done);
          e.mutable_round()->set_total(total);
          emit(e);
        };
        outcome = JobRounds(job, plan, *lease, cancel, id + "/" + std::to_string(k), progress).run();
        lease.reset();  // the pair is free for others before the event goes out
      }
      v1::CompareEvent e;
      *e.mutable_job_done() = outcome;
      std::lock_guard lock(mu);
      outcomes[k] = std::move(outcome);
      ++done;
      emit(e);
    }
  };
  run_on_threads(std::min(plan.jobs.size(), pairs.parallelism()), work);

  v1::CompareResult result;
  result.set_suite(plan.suite);
  result.set_candidate_suite(plan.candidate_suite);
  if (baseline_info) *result.mutable_baseline() = *baseline_info;
  if (candidate_info) *result.mutable_candidate() = *candidate_info;
  for (auto& o : outcomes) *result.add_jobs() = std::move(*o);
  for (const auto& u : plan.unmatched) *result.add_unmatched() = u;
  *result.mutable_settings() = plan.settings;
  *result.mutable_baseline_side() = plan.baseline_side;
  *result.mutable_candidate_side() = plan.candidate_side;
  result.set_cancelled(cancel.cancelled());
  result.set_seconds(seconds_since(start));
  v1::CompareEvent e;
  *e.mutable_result() = result;
  emit(e);
  return result;
}

}  // namespace gene::coordinator
