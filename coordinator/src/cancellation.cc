#include "gene/coordinator/cancellation.h"

#include <algorithm>

namespace gene::coordinator {

void Cancellation::cancel() {
  std::lock_guard lock(mu_);
  flag_.store(true);
  for (grpc::ClientContext* c : calls_) c->TryCancel();
}

Cancellation::Guard::Guard(Cancellation& owner, grpc::ClientContext& context) : owner_(owner), context_(context) {
  std::lock_guard lock(owner_.mu_);
  owner_.calls_.push_back(&context_);
  if (owner_.flag_.load()) context_.TryCancel();
}

Cancellation::Guard::~Guard() {
  std::lock_guard lock(owner_.mu_);
  owner_.calls_.erase(std::remove(owner_.calls_.begin(), owner_.calls_.end(), &context_), owner_.calls_.end());
}

}  // namespace gene::coordinator
