// `coordinator submit`'s progress on stderr: on a terminal one live line
// (a bar, jobs done/total, the current job, elapsed time and ETA) redrawn in
// place; otherwise one plain line per job started and finished.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "farm.pb.h"

namespace gene::coordinator {

// The width of the terminal `out` is (80 when unknown).
size_t terminal_columns(std::FILE* out);

class ProgressDisplay {
 public:
  // `live`: redraw one line (for a terminal); else plain lines.
  ProgressDisplay(std::FILE* out, bool live);
  ~ProgressDisplay();

  void on_event(const farm::v1::SubmitEvent& event);
  // Clears the live line (before the summary is printed).
  void finish();

  // Whether `out` is a terminal.
  static bool is_terminal(std::FILE* out);

 private:
  void draw_locked();
  std::string eta_locked() const;

  std::FILE* out_;
  bool live_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::thread ticker_;  // live mode: redraws so elapsed time and ETA move
  std::chrono::steady_clock::time_point start_, last_finish_;
  uint32_t done_ = 0, total_ = 0;
  std::vector<std::string> running_;  // jobs started and not finished, oldest first
  std::string suite_;
};

}  // namespace gene::coordinator
