// Where a run's time goes, by sampling: the heap marks the phase it is in
// (allocating, keeping counts, reconciling) in one byte, and a timer on the
// running thread's CPU time interrupts it every kIntervalNs and counts the
// phase it finds. Samples in a phase times the interval estimate the CPU
// time spent in it, without bias whatever an event lasts: this is how
// perf's cpu-clock samples measure a function's share, where timing each
// event with the clock charged a few-nanosecond allocation with the clock
// reads around it and the stalls of the work before it (1.4-2.8x perf's
// share, docs/benchmarks.md).
//
// The first sample falls at a random point of the first interval, so even
// a run shorter than an interval gets an unbiased figure; the spread of a
// share p over n samples is sqrt(p(1-p)/n) (docs/architecture.md).
#pragma once

#include <cstdint>

namespace gene {

enum class Phase : uint8_t {
  kMutator = 0,  // the program's own work
  kAllocation,   // making objects, growing buffers (malloc and page faults included)
  kCounting,     // the write barrier's slow paths: the zero count table, cycle candidates
  kReconcile,    // freeing and collecting: timed whole by the heap, sampled only to check
  kCount
};

// The phase byte. Written on every allocation, so it is a plain byte; the
// handler only reads it, on the same thread.
struct PhaseWord {
  volatile uint8_t phase = 0;
  Phase get() const { return Phase(phase); }
};

// Enters a phase unless an enclosing one is already marked (an allocation
// inside a reconciliation belongs to the reconciliation), and restores it.
class PhaseScope {
 public:
#ifdef GENE_NO_COUNTERS
  PhaseScope(PhaseWord& w, Phase) : word_(w), saved_(0) {}
#else
  [[gnu::always_inline]] PhaseScope(PhaseWord& w, Phase p) : word_(w), saved_(w.phase) {
    word_.phase = saved_ ? saved_ : uint8_t(p);
  }
  [[gnu::always_inline]] ~PhaseScope() { word_.phase = saved_; }
#endif
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  PhaseWord& word_;
  uint8_t saved_;
};

// The inlined allocation paths' mark: two stores, and nothing kept in a
// register across the allocation. Only for code that runs in the
// mutator's phase. (Even so, the stores in the interpreter's allocating
// ops cost fib, which never allocates, 4% more instructions: GCC
// allocates registers over the whole dispatch function.)
class AllocationMark {
 public:
#ifdef GENE_NO_COUNTERS
  explicit AllocationMark(PhaseWord&) {}
#else
  [[gnu::always_inline]] explicit AllocationMark(PhaseWord& w) : word_(w) { word_.phase = uint8_t(Phase::kAllocation); }
  [[gnu::always_inline]] ~AllocationMark() { word_.phase = uint8_t(Phase::kMutator); }

 private:
  PhaseWord& word_;
#endif
  AllocationMark(const AllocationMark&) = delete;
  AllocationMark& operator=(const AllocationMark&) = delete;
};

// Samples the phase of the calling thread's CPU time while it lives (one
// per run).
// If the thread's timer or the signal cannot be had (another handler owns
// SIGPROF, the signal is blocked), available() is false and no sample is
// taken.
class PhaseSampler {
 public:
  static constexpr int64_t kIntervalNs = 1'000'000;  // 1 kHz, or the scheduler's tick if slower
  PhaseSampler(const PhaseWord& word, uint64_t seed);
  ~PhaseSampler();
  PhaseSampler(const PhaseSampler&) = delete;
  PhaseSampler& operator=(const PhaseSampler&) = delete;

  bool available() const { return available_; }
  // Stops sampling (the destructor does it too); the counts stay.
  void stop();
  uint64_t samples(Phase p) const { return counts_[int(p)]; }
  uint64_t total_samples() const;
  double seconds(Phase p) const { return double(samples(p)) * double(kIntervalNs) * 1e-9; }

  // The handler's view of the running sampler (one per thread).
  struct Active {
    const PhaseWord* word;
    volatile uint64_t* counts;
    void* timer;
  };

 private:
  Active active_;
  volatile uint64_t counts_[int(Phase::kCount)] = {};
  bool available_ = false;
  bool running_ = false;
  Active* outer_ = nullptr;  // a run inside a run (a builtin that evaluates) samples into the innermost
};

}  // namespace gene
