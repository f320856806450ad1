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

BlockPages::Page BlockPages::kNoPage{nullptr, nullptr, UINT32_MAX, 0, false};

BlockPages::BlockPages(PageSource& source, size_t block_bytes, void (*destroy)(void* block))
    : source_(source),
      block_((block_bytes + 7) & ~size_t(7)),
      capacity_(uint32_t((kPageBytes - kHeader) / block_)),
      destroy_(destroy),
      spare_limit_(std::max<uint32_t>(1, kSpareBlocks / capacity_)) {
  sweep_after_ = uint64_t(spare_limit_) * capacity_;
}

void BlockPages::set_spare_bytes(uint64_t bytes) {
  spare_limit_ = uint32_t(std::clamp<uint64_t>(bytes / kPageBytes, 1, kSpareBlocks / capacity_ + 1));
  sweep_after_ = std::min<uint64_t>(sweep_after_, uint64_t(spare_limit_) * capacity_);
}

BlockPages::Page* BlockPages::new_page() {
  Page* p = header_at(reinterpret_cast<uintptr_t>(source_.take()));
  *p = Page{nullptr, pages_list_, 0, 0, false};
  if (pages_list_) pages_list_->prev = p;
  pages_list_ = p;
  ++pages_;
  return p;
}

// The free list is empty and the current page carved whole: a page from
// the source becomes current. (Empty pages kept as spares have their
// blocks on the free list.)
void* BlockPages::take_from_new_page() {
  current_ = new_page();
  return block_at(current_, current_->carved++);
}

// Which pages are empty, from one walk of the free list (a count per
// page), and those past spare_limit_ go back, their blocks taken off the
// list in a second walk that keeps the others' order. The current page
// stays. The next sweep is due once as many blocks came back as half the
// list left (at least the spares' worth): the walks cost at most a few
// steps per block given back, and an empty page waits at most that long.
void BlockPages::sweep() {
  given_ = 0;
  for (Page* p = pages_list_; p; p = p->next) p->free_count = 0;
  uint64_t free_blocks = 0;
  for (void* b = free_; b; b = *static_cast<void**>(b)) {
    ++page_of(b)->free_count;
    ++free_blocks;
  }
  uint32_t empty = 0;
  bool any = false;
  for (Page* p = pages_list_; p; p = p->next)
    if (p != current_ && p->free_count == p->carved && ++empty > spare_limit_) p->going = any = true;
  if (any) {
    void** link = &free_;
    for (void* b = free_; b;) {
      void* next = *static_cast<void**>(b);
      if (page_of(b)->going) {
        --free_blocks;
      } else {
        *link = b;
        link = static_cast<void**>(b);
      }
      b = next;
    }
    *link = nullptr;
    for (Page* p = pages_list_; p;) {
      Page* next = p->next;
      if (p->going) free_page(p);
      p = next;
    }
  }
  sweep_after_ = std::max<uint64_t>(uint64_t(spare_limit_) * capacity_, free_blocks / 2);
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
  pages_list_ = nullptr;
  free_ = nullptr;
  current_ = &kNoPage;
  given_ = 0;
  pages_ = 0;
}

}  // namespace gene
