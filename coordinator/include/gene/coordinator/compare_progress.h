// `coordinator compare`'s progress on stderr. On a terminal: one live line
// (jobs done/total, the job, its rounds, the ratio and interval so far,
// the job's elapsed time) redrawn in place, with each job's verdict left
// above it. Otherwise plain lines: each job's calibration, each new
// interval at a look, each verdict.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "farm.pb.h"

namespace gene::coordinator {

class CompareProgress {
 public:
  CompareProgress(std::FILE* out, bool live);
  ~CompareProgress();

  void on_event(const farm::v1::CompareEvent& event);
  // Clears the live line (before the table is printed).
  void finish();

 private:
  void print_locked(const std::string& line);
  void draw_locked(const std::string& line);

  std::FILE* out_;
  bool live_;
  std::mutex mu_;
  bool finished_ = false;
  bool drawn_ = false;
  std::string last_interval_;  // plain mode: print an interval once per look
  uint32_t done_ = 0, total_ = 0;
};

}  // namespace gene::coordinator
