#include "gene/coordinator/compare_progress.h"

#include <cstdio>

#include "gene/coordinator/compare_report.h"
#include "gene/coordinator/compare_rounds.h"
#include "gene/coordinator/progress.h"
#include "gene/coordinator/report.h"
#include "gene/coordinator/text_columns.h"

namespace gene::coordinator {

namespace {

std::string fixed4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string counter(uint32_t done, uint32_t total) {
  return "[" + std::to_string(done) + "/" + std::to_string(total) + "]";
}

}  // namespace

CompareProgress::CompareProgress(std::FILE* out, bool live) : out_(out), live_(live) {}

CompareProgress::~CompareProgress() { finish(); }

void CompareProgress::finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (live_ && drawn_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
}

void CompareProgress::print_locked(const std::string& line) {
  std::fputs(((live_ && drawn_ ? "\r\033[K" : "") + line + "\n").c_str(), out_);
  drawn_ = false;
  std::fflush(out_);
}

void CompareProgress::draw_locked(const std::string& line) {
  std::fputs(("\r\033[K" + cut_to_columns(line, terminal_columns(out_) - 1)).c_str(), out_);
  drawn_ = true;
  std::fflush(out_);
}

void CompareProgress::on_event(const farm::v1::CompareEvent& event) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  if (event.has_accepted()) {
    const auto& a = event.accepted();
    total_ = a.total_jobs();
    std::string line = "compare " + a.suite() + ": " + std::to_string(a.total_jobs()) + " job" +
                       (a.total_jobs() == 1 ? "" : "s");
    if (a.unmatched_size() > 0)
      line += " (" + std::to_string(a.unmatched_size()) + " in one suite only, not compared)";
    print_locked(line);
  } else if (event.has_round()) {
    const auto& r = event.round();
    const std::string head = counter(r.done(), r.total()) + " " + r.job_name();
    std::string interval;
    if (r.has_ratio())
      interval = "ratio " + fixed4(r.ratio()) + " [" + fixed4(r.ci_low()) + ", " + fixed4(r.ci_high()) + "]";
    if (live_) {
      draw_locked(head + "  " +
                  (r.rounds() == 0 ? std::to_string(r.iterations()) + " runs per repetition, warming up"
                                   : "round " + std::to_string(r.rounds()) + "  " +
                                         (interval.empty() ? "no interval yet" : interval)) +
                  "  " + format_clock(r.seconds()));
    } else if (r.rounds() == 0) {
      last_interval_.clear();
      print_locked(head + ": " + std::to_string(r.iterations()) + " run" + (r.iterations() == 1 ? "" : "s") +
                   " per repetition, calibrated on " + r.baseline_worker() + "; rounds on " + r.baseline_worker() +
                   " and " + r.candidate_worker());
    } else if (!interval.empty() && interval != last_interval_) {
      last_interval_ = interval;
      print_locked(head + ": " + std::to_string(r.rounds()) + " rounds, " + interval + " (" +
                   format_seconds(r.seconds()) + ")");
    }
  } else if (event.has_job_done()) {
    const auto& j = event.job_done();
    std::string line = counter(++done_, total_) + " " + j.name() + ": ";
    if (j.error() == "cancelled") {
      line += "cancelled";
    } else if (!j.error().empty()) {
      line += "failed: " + j.error();
    } else {
      line += comparison_verdict_word(j.verdict());
      if (j.has_ratio())
        line += " " + format_change(j.ratio()) + " [" + fixed4(j.ci_low()) + ", " + fixed4(j.ci_high()) + "]";
      line += " after " + std::to_string(j.rounds()) + " rounds in " + format_seconds(j.seconds());
    }
    print_locked(line);
  }
}

}  // namespace gene::coordinator
