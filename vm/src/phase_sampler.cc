#include "phase_sampler.h"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace gene {

namespace {

thread_local PhaseSampler::Active* t_active = nullptr;

// The timer's signal: counts the phase found, and the expirations the
// kernel merged into this one (CPU-time timers are checked at the
// scheduler's tick, so at 4 kHz one signal may stand for several
// intervals, all spent in phases the tick fell in at random).
void on_sample(int, siginfo_t*, void*) {
  int saved_errno = errno;
  if (PhaseSampler::Active* a = t_active) {
    int missed = timer_getoverrun(static_cast<timer_t>(a->timer));
    uint8_t p = a->word->phase;
    if (p < uint8_t(Phase::kCount)) a->counts[p] = a->counts[p] + 1 + uint64_t(missed > 0 ? missed : 0);
  }
  errno = saved_errno;
}

// Installed once per process, unless something else handles SIGPROF.
bool install_handler() {
  static bool installed = [] {
    struct sigaction old {};
    if (sigaction(SIGPROF, nullptr, &old) != 0) return false;
    if ((old.sa_flags & SA_SIGINFO) ? old.sa_sigaction != nullptr : old.sa_handler != SIG_DFL) return false;
    struct sigaction sa {};
    sa.sa_sigaction = on_sample;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGPROF, &sa, nullptr) == 0;
  }();
  return installed;
}

// The calling thread's timer, made on its first run and kept for the
// next (a run's fixed cost is then two timer_settime calls).
struct ThreadTimer {
  timer_t id{};
  bool made = false;
  ~ThreadTimer() {
    if (made) timer_delete(id);
  }
  bool make() {
    if (made) return true;
    struct sigevent ev {};
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGPROF;
    ev._sigev_un._tid = pid_t(syscall(SYS_gettid));
    made = timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &id) == 0;
    return made;
  }
};
thread_local ThreadTimer t_timer;

bool signal_blocked() {
  sigset_t mask;
  return pthread_sigmask(SIG_BLOCK, nullptr, &mask) != 0 || sigismember(&mask, SIGPROF) == 1;
}

}  // namespace

PhaseSampler::PhaseSampler(const PhaseWord& word, uint64_t seed) {
#ifdef GENE_NO_COUNTERS
  return;  // the timers compiled out
#endif
  if (!install_handler() || signal_blocked() || !t_timer.make()) return;
  active_ = {&word, counts_, t_timer.id};
  outer_ = t_active;
  t_active = &active_;
  // The first expiry uniform in (0, interval]: a run shorter than an
  // interval is then sampled with the right probability.
  seed ^= seed >> 33;
  seed *= 0xFF51AFD7ED558CCDull;
  seed ^= seed >> 33;
  struct itimerspec spec {};
  spec.it_interval.tv_nsec = kIntervalNs;
  spec.it_value.tv_nsec = long(1 + seed % uint64_t(kIntervalNs));
  if (timer_settime(t_timer.id, 0, &spec, nullptr) != 0) {
    t_active = outer_;
    return;
  }
  available_ = running_ = true;
}

void PhaseSampler::stop() {
  if (!running_) return;
  running_ = false;
  struct itimerspec off {};
  if (outer_) {
    // The enclosing run goes on being sampled, from the next interval.
    off.it_interval.tv_nsec = kIntervalNs;
    off.it_value.tv_nsec = kIntervalNs;
  }
  t_active = outer_;
  timer_settime(t_timer.id, 0, &off, nullptr);
}

PhaseSampler::~PhaseSampler() { stop(); }

uint64_t PhaseSampler::total_samples() const {
  uint64_t n = 0;
  for (int i = 0; i < int(Phase::kCount); ++i) n += counts_[i];
  return n;
}

}  // namespace gene
