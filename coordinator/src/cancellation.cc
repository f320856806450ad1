#include "gene/coordinator/cancellation.h"

#include <algorithm>

namespace gene::coordinator {

void Cancellation::cancel() {
  std::lock_guard lock(mu_);
  flag_.store(true);
  for (Guard* g : guards_) g->fire();
}

Cancellation::Guard::Guard(Cancellation& owner, grpc::ClientContext& context) : owner_(owner), context_(&context) {
  std::lock_guard lock(owner_.mu_);
  owner_.guards_.push_back(this);
  if (owner_.flag_.load()) fire();
}

Cancellation::Guard::Guard(Cancellation& owner, std::function<void()> on_cancel)
    : owner_(owner), on_cancel_(std::move(on_cancel)) {
  std::lock_guard lock(owner_.mu_);
  owner_.guards_.push_back(this);
  if (owner_.flag_.load()) fire();
}

Cancellation::Guard::~Guard() {
  std::lock_guard lock(owner_.mu_);
  owner_.guards_.erase(std::remove(owner_.guards_.begin(), owner_.guards_.end(), this), owner_.guards_.end());
}

void Cancellation::Guard::fire() {
  if (context_) context_->TryCancel();
  if (on_cancel_) on_cancel_();
}

void RunningCalls::add(Cancellation* cancel) {
  std::lock_guard lock(mu_);
  running_.push_back(cancel);
  if (stopping_) cancel->cancel();
}

void RunningCalls::remove(Cancellation* cancel) {
  std::lock_guard lock(mu_);
  running_.erase(std::remove(running_.begin(), running_.end(), cancel), running_.end());
  cv_.notify_all();
}

void RunningCalls::cancel_all_and_wait() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  for (Cancellation* c : running_) c->cancel();
  cv_.wait(lock, [&] { return running_.empty(); });
}

}  // namespace gene::coordinator
