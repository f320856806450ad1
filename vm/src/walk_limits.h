// What a deep walk over values answers to. Equality and display text walk
// structures in native code, between two safepoints of the interpreter,
// and their work is not bounded by the size of the heap: sixty doublings
// (`(a = [a a])`) make an array of 61 objects with 2^60 paths. So each walk
// counts its steps here, and every kCheckEvery steps the host's interrupt
// and the deadline are checked; the text a display may build is bounded by
// the heap and output limits before it is built (see append_display).
#pragma once

#include <cstdint>

namespace gene {

class WalkLimits {
 public:
  static constexpr uint32_t kCheckEvery = 4096;

  virtual ~WalkLimits() = default;

  // One step of a walk (a value displayed, a pair of values compared).
  void step() {
    if (--countdown_ == 0) {
      countdown_ = kCheckEvery;
      check_clock();
    }
  }

 protected:
  // Throws to stop the walk when the host interrupted it or the deadline
  // passed. The default (tests, compile time) checks nothing.
  virtual void check_clock() {}

 private:
  uint32_t countdown_ = kCheckEvery;
};

// A walk with no limits but its nesting depth: for values made at compile
// time and in unit tests.
inline WalkLimits& unlimited_walk() {
  static thread_local WalkLimits walk;
  return walk;
}

}  // namespace gene
