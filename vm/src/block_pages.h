// Fixed-size blocks carved from pages: where the heap's pooled objects
// live. A page is kPageBytes, aligned to its size, so a block finds its
// page by masking its address. Each page keeps its own free blocks; a page
// whose blocks are all free goes back to the system (one empty page per
// pool is kept to absorb churn). The point is the end of a run: the heap
// frees its pages wholesale — destroying the containers in them — instead
// of walking every object through the reference counts and the cycle
// collector, and without allocating anything while it does.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#define GENE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GENE_ASAN 1
#endif
#endif
#ifdef GENE_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace gene {

// Free blocks are poisoned (beyond their free-list link), so the ASan build
// reports any use of a freed object though its memory was never given back.
inline void poison([[maybe_unused]] void* p, [[maybe_unused]] size_t n) {
#ifdef GENE_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#endif
}
inline void unpoison([[maybe_unused]] void* p, [[maybe_unused]] size_t n) {
#ifdef GENE_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
}

class BlockPages {
 public:
  static constexpr size_t kPageBytes = size_t(64) << 10;

  // `destroy` (may be null) runs on each carved block of a page before the
  // page is freed: pooled containers keep their buffers while free.
  BlockPages(size_t block_bytes, void (*destroy)(void* block));
  BlockPages(const BlockPages&) = delete;
  BlockPages& operator=(const BlockPages&) = delete;
  ~BlockPages() { release_all(); }

  // A block: a free one (`reused` true, its contents as left) or a fresh one.
  void* take(bool& reused) {
    Page* p = current_;
    if (p) {
      if (void* b = p->free) {
        p->free = *static_cast<void**>(b);
        if (p->free) __builtin_prefetch(p->free, 1);  // the next one taken: often cold
        unpoison(b, block_);
        ++p->used;
        reused = true;
        return b;
      }
      if (p->carved < capacity_) {
        ++p->used;
        reused = false;
        return block_at(p, p->carved++);
      }
    }
    return take_from_another_page(reused);
  }
  void give_back(void* block);

  // Frees every page (destroying what each holds): the end of the heap.
  void release_all();

  uint64_t page_count() const { return pages_; }
  size_t block_bytes() const { return block_; }

 private:
  struct Page {
    Page* prev;           // every page of this pool
    Page* next;
    Page* next_partial;   // pages other than the current one that have free blocks
    Page* prev_partial;
    void* free;           // this page's free blocks (the link is a block's first word)
    uint32_t used;        // blocks handed out and not given back
    uint32_t carved;      // blocks handed out at least once, from the start
    bool partial;         // on the partial list
  };
  static constexpr size_t kHeader = (sizeof(Page) + 15) & ~size_t(15);

  static Page* page_of(void* block) {
    return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(block) & ~uintptr_t(kPageBytes - 1));
  }
  void* block_at(Page* p, uint32_t i) const { return reinterpret_cast<char*>(p) + kHeader + size_t(i) * block_; }
  void* take_from_another_page(bool& reused);
  Page* new_page();
  void free_page(Page* p);
  void unlink_partial(Page* p);

  const size_t block_;
  const uint32_t capacity_;  // blocks per page
  void (*const destroy_)(void*);
  Page* current_ = nullptr;  // where blocks are taken from
  Page* pages_list_ = nullptr;
  Page* partial_ = nullptr;
  Page* spare_ = nullptr;    // an empty page kept rather than freed
  uint64_t pages_ = 0;
};

}  // namespace gene
