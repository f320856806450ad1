#include "block_pages.h"

#include <algorithm>
#include <atomic>
#include <new>

#include "buffer_allocator.h"

namespace gene {

namespace {
std::atomic<void*> kept_chunk{nullptr};
}  // namespace

void* take_kept_chunk() { return kept_chunk.exchange(nullptr, std::memory_order_acquire); }

void keep_chunk(void* chunk) {
  unpoison(chunk, PageSource::kChunkBytes);  // the next heap lays it out afresh
  void* none = nullptr;
  if (!kept_chunk.compare_exchange_strong(none, chunk, std::memory_order_release))
    unmap_pages(chunk, PageSource::kChunkBytes);
}

void* PageSource::take() {
  if (void* p = free_) {
    free_ = *static_cast<void**>(p);
    return p;
  }
  if (carve_ == carve_end_) {
    chunks_.reserve(chunks_.size() + 1);  // first: a failure then loses no chunk
    // The first chunk is left to fault its pages in as stores touch them:
    // populating even its pages whole cost a short run (fib 12, 150 us)
    // half its time, for the few blocks it uses of each. A heap that needs
    // a second chunk gets it, and every later one, whole.
    // The first chunk is the one a previous heap kept, when there is one.
    bool ahead = !chunks_.empty();
    void* mem = ahead ? nullptr : take_kept_chunk();
    if (!mem) mem = map_pages(kChunkBytes, kChunkBytes, ahead);
    chunks_.push_back(mem);
    carve_ = static_cast<char*>(mem);
    carve_end_ = carve_ + kChunkBytes;
  }
  void* p = carve_;
  carve_ += kPageBytes;
  return p;
}

void PageSource::give(void* page) {
  *static_cast<void**>(page) = free_;
  free_ = page;
}

void PageSource::release_all() {
  for (size_t i = 0; i < chunks_.size(); ++i) {
    if (i == 0) keep_chunk(chunks_[0]);  // the one faulted in as used, never populated whole
    else unmap_pages(chunks_[i], kChunkBytes);
  }
  chunks_.clear();
  free_ = nullptr;
  carve_ = carve_end_ = nullptr;
}

BlockPages::Page BlockPages::kNoPage{nullptr, nullptr, nullptr, nullptr, nullptr, 0, UINT32_MAX, false};

BlockPages::BlockPages(PageSource& source, size_t block_bytes, void (*destroy)(void* block))
    : source_(source),
      block_((block_bytes + 7) & ~size_t(7)),
      capacity_(uint32_t((kPageBytes - kHeader) / block_)),
      capacity_less_2_(capacity_ - 2),
      destroy_(destroy),
      spare_limit_(std::max<uint32_t>(1, kSpareBlocks / capacity_)) {}

void BlockPages::set_spare_bytes(uint64_t bytes) {
  spare_limit_ = uint32_t(std::clamp<uint64_t>(bytes / kPageBytes, 1, kSpareBlocks / capacity_ + 1));
}

BlockPages::Page* BlockPages::new_page() {
  Page* p = header_at(reinterpret_cast<uintptr_t>(source_.take()));
  *p = Page{nullptr, pages_list_, nullptr, nullptr, nullptr, 0, 0, false};
  if (pages_list_) pages_list_->prev = p;
  pages_list_ = p;
  ++pages_;
  return p;
}

void BlockPages::unlink_partial(Page* p) {
  if (!p->partial) return;
  if (p->prev_partial) p->prev_partial->next_partial = p->next_partial;
  else partial_ = p->next_partial;
  if (p->next_partial) p->next_partial->prev_partial = p->prev_partial;
  p->partial = false;
  p->next_partial = p->prev_partial = nullptr;
}

void* BlockPages::take_from_another_page(bool& reused) {
  // The current page is full: the next page with free blocks, a spare,
  // or a new page, becomes current.
  Page* p = partial_;
  if (p) {
    unlink_partial(p);
  } else if (spares_) {
    p = spares_;
    spares_ = p->next_partial;
    p->next_partial = nullptr;
    --spare_count_;
  } else {
    p = new_page();
  }
  Page* old = current_;
  current_ = p;
  if (old && old->free && !old->partial) {  // blocks freed into it meanwhile
    old->partial = true;
    old->next_partial = partial_;
    if (partial_) partial_->prev_partial = old;
    partial_ = old;
  }
  return take(reused);
}

void BlockPages::gave_back_elsewhere(Page* p) {
  if (p == current_) return;
  if (p->used == 0) {
    unlink_partial(p);
    if (spare_count_ < spare_limit_) {
      // Still on the page list; its blocks stay carved and free.
      p->next_partial = spares_;
      spares_ = p;
      ++spare_count_;
      return;
    }
    free_page(p);
    return;
  }
  if (!p->partial) {
    p->partial = true;
    p->prev_partial = nullptr;
    p->next_partial = partial_;
    if (partial_) partial_->prev_partial = p;
    partial_ = p;
  }
}

// Every block a page carved is destroyed when the page goes (all are
// free, or the whole heap is going).
void BlockPages::destroy_blocks(Page* p) {
  for (uint32_t i = 0; i < p->carved; ++i) {
    void* b = block_at(p, i);
    unpoison(b, block_);
    if (destroy_) destroy_(b);
  }
}

void BlockPages::free_page(Page* p) {
  destroy_blocks(p);
  if (p->prev) p->prev->next = p->next;
  else pages_list_ = p->next;
  if (p->next) p->next->prev = p->prev;
  --pages_;
  source_.give(reinterpret_cast<void*>(base_of(p)));
}

void BlockPages::release_all() {
  for (Page* p = pages_list_; p; p = p->next) destroy_blocks(p);
  pages_list_ = partial_ = spares_ = nullptr;
  current_ = &kNoPage;
  spare_count_ = 0;
  pages_ = 0;
}

}  // namespace gene
