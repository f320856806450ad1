#include "gene/coordinator/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "gene/coordinator/report.h"
#include "gene/coordinator/results.h"
#include "gene/coordinator/text_columns.h"

namespace gene::coordinator {

size_t terminal_columns(std::FILE* out) {
  winsize ws{};
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}


bool ProgressDisplay::is_terminal(std::FILE* out) { return isatty(fileno(out)) == 1; }

ProgressDisplay::ProgressDisplay(std::FILE* out, bool live)
    : out_(out), live_(live), start_(std::chrono::steady_clock::now()) {
  if (live_) {
    ticker_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!stopped_) {
        cv_.wait_for(lock, std::chrono::milliseconds(500));
        if (!stopped_ && total_) draw_locked();
      }
    });
  }
}

ProgressDisplay::~ProgressDisplay() { finish(); }

void ProgressDisplay::finish() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    if (live_ && total_) {
      std::fputs("\r\033[K", out_);
      std::fflush(out_);
    }
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

std::string ProgressDisplay::eta_locked() const {
  if (done_ == 0 || done_ >= total_) return "--:--";
  // The pace so far, less the time the current jobs have already run.
  using seconds = std::chrono::duration<double>;
  double per_job = seconds(last_finish_ - start_).count() / done_;
  double since = seconds(std::chrono::steady_clock::now() - last_finish_).count();
  return format_clock(std::max(0.0, per_job * (total_ - done_) - since));
}

void ProgressDisplay::draw_locked() {
  const size_t bar_width = 24;
  size_t filled = total_ ? bar_width * done_ / total_ : 0;
  std::string bar = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = bar + " " + std::to_string(done_) + "/" + std::to_string(total_) + "  " +
                     (running_.empty() ? std::string("") : running_.back() + "  ") + format_clock(elapsed) +
                     " elapsed, ETA " + eta_locked();
  std::fputs(("\r\033[K" + cut_to_columns(line, terminal_columns(out_) - 1)).c_str(), out_);
  std::fflush(out_);
}

void ProgressDisplay::on_event(const farm::v1::SubmitEvent& event) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  std::string line;
  if (event.has_accepted()) {
    suite_ = event.accepted().suite();
    total_ = event.accepted().total_jobs();
    start_ = std::chrono::steady_clock::now();
    line = "suite " + suite_ + ": " + std::to_string(total_) + " job" + (total_ == 1 ? "" : "s");
  } else if (event.has_job_started()) {
    const auto& s = event.job_started();
    running_.push_back(s.job_name());
    line = "[" + std::to_string(done_) + "/" + std::to_string(total_) + "] started " + s.job_name() + " on " +
           s.worker() + (s.attempt() > 1 ? " (attempt " + std::to_string(s.attempt()) + ")" : "");
  } else if (event.has_job_finished()) {
    const auto& f = event.job_finished();
    running_.erase(std::remove(running_.begin(), running_.end(), f.job_name()), running_.end());
    done_ = f.done();
    total_ = f.total();
    last_finish_ = std::chrono::steady_clock::now();
    line = "[" + std::to_string(done_) + "/" + std::to_string(total_) + "] finished " + f.job_name() + ": " +
           status_label(f.status()) + (done_ < total_ ? " (ETA " + eta_locked() + ")" : "");
  } else {
    return;  // the result is the summary's business
  }
  if (live_) {
    // Failures and retries stay on screen above the bar.
    bool notable = (event.has_job_finished() && event.job_finished().status() != farm::v1::JOB_STATUS_OK) ||
                   (event.has_job_started() && event.job_started().attempt() > 1);
    if (notable) std::fputs(("\r\033[K" + line + "\n").c_str(), out_);
    draw_locked();
  } else {
    std::fputs((line + "\n").c_str(), out_);
    std::fflush(out_);
  }
}

}  // namespace gene::coordinator
