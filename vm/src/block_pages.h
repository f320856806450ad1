// Fixed-size blocks carved from pages: where the heap's pooled objects
// live. A page is kPageBytes, aligned to its size, so a block finds its
// page by masking its address. A pool's free blocks, of all its pages, are
// one list, last freed first: a free is a link and a count, and neither it
// nor an allocation touches a page header. Which pages are empty is worked
// out in bulk, after a batch of frees (sweep); such a page goes back to
// the heap's PageSource, which any pool may take it from again. Pages come
// from chunks of many pages, so a page costs no system call. The point is
// the end of a run: the heap frees its chunks wholesale — destroying the
// containers in their pages — instead of walking every object through the
// reference counts and the cycle collector, and without allocating
// anything while it does.
//
// Empty pages are kept by their pool as spares (their blocks stay on the
// free list), up to about kSpareBlocks blocks' worth (fewer under a small
// heap limit): a program that makes and drops thousands of objects between
// two reconciliations empties whole pages each time, and a pool of
// containers would otherwise destroy and rebuild the buffers its free
// blocks keep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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

inline constexpr size_t kPageBytes = size_t(64) << 10;

// Pages for every pool of a heap, carved from kChunkBytes chunks that go
// back to the system when the source is destroyed. Free pages are reused
// by any pool; their memory is not returned before the end. Every chunk
// after the first is faulted in whole when it is mapped, on a huge page
// where the system has them (map_pages): faults taken by stores cost the
// allocation programs a tenth of their time. The first is faulted in as
// used, which suits short runs.
//
// A run that makes a handful of objects uses a few pages of the first
// chunk, yet mapping it (4 MiB to cut an aligned 2 MiB from), faulting in
// its pages and its page table, and unmapping it cost about 100 us a run:
// ten times a tiny program's own work, and a fixed cost in every farm
// measurement of a short job. So the process keeps one first chunk when a
// heap ends, and the next heap starts from it (pages already faulted in).
// Nothing in a chunk is read before it is written (pages are laid out and
// blocks constructed afresh), so every run still starts from the same
// state; only its addresses may differ, as they did before.
class PageSource {
 public:
  static constexpr size_t kChunkBytes = size_t(2) << 20;

  PageSource() = default;
  PageSource(const PageSource&) = delete;
  PageSource& operator=(const PageSource&) = delete;
  ~PageSource() { release_all(); }

  void* take();
  void give(void* page);
  void release_all();
  // Chunks mapped so far. Mapping happens inside an allocation, so the
  // run's phase samples count its time as allocation (phase_sampler.h).
  size_t chunk_count() const { return chunks_.size(); }

 private:
  void* free_ = nullptr;      // free pages, linked through their first word
  char* carve_ = nullptr;     // the next page never handed out, in the newest chunk
  char* carve_end_ = nullptr;
  std::vector<void*> chunks_;
};

// The chunk kept between heaps in this process, if any (one; taken and
// given back atomically, so heaps on several threads share it safely).
void* take_kept_chunk();
// Keeps `chunk` for the next heap, or unmaps it when one is kept already.
void keep_chunk(void* chunk);

class BlockPages {
 public:
  static constexpr uint32_t kSpareBlocks = 1 << 16;

  // `destroy` (may be null) runs on each carved block of a page before the
  // page goes back: pooled containers keep their buffers while free.
  BlockPages(PageSource& source, size_t block_bytes, void (*destroy)(void* block));
  BlockPages(const BlockPages&) = delete;
  BlockPages& operator=(const BlockPages&) = delete;
  ~BlockPages() { release_all(); }

  // A block: a free one (`reused` true, its contents as left) or a fresh one.
  void* take(bool& reused) {
    if (void* b = take_free()) {
      reused = true;
      return b;
    }
    reused = false;
    Page* p = current_;
    if (p->carved < capacity_) return block_at(p, p->carved++);
    return take_from_new_page();
  }
  // A free block, contents as left, or null: the heap's inlined
  // allocation path. The pool's free blocks, of every page, are one list,
  // last freed first, and neither taking nor giving back touches a page:
  // which pages are empty is worked out in bulk (sweep).
  [[gnu::always_inline]] void* take_free() {
    void* b = free_;
    if (!b) return nullptr;
    void* next = *static_cast<void**>(b);
    free_ = next;
    __builtin_prefetch(next, 1);  // the next one taken, often cold (a null prefetch is harmless)
    unpoison(b, block_);
    return b;
  }
  // A link and a count: a free used to find its page's header (a mask
  // and its colour), count the page's used blocks down and test for the
  // page's first and last free — 17 instructions of a churn object's 84.
  void give_back(void* block) {
    *static_cast<void**>(block) = free_;
    free_ = block;
    poison(static_cast<char*>(block) + sizeof(void*), block_ - sizeof(void*));
    ++given_;
  }
  // Called after a batch of frees (a reconciliation's end): once enough
  // blocks came back since the last sweep, finds the empty pages and gives
  // back those past the spares.
  // Returns how many more blocks may come back before the next is due.
  uint64_t settle_pages() {
    if (given_ >= sweep_after_) [[unlikely]] sweep();
    return sweep_after_ - given_;
  }

  // Destroys what every page holds and forgets the pages, which the
  // source frees with its chunks: the end of the heap.
  void release_all();

  uint64_t page_count() const { return pages_; }
  size_t block_bytes() const { return block_; }
  // Empty pages kept at most, in bytes (rounded down to pages, at least one).
  void set_spare_bytes(uint64_t bytes);

 private:
  struct Page {
    Page* prev;           // every page of this pool
    Page* next;
    uint32_t carved;      // blocks handed out at least once, from the start
    uint32_t free_count;  // sweep's count of the page's free blocks
    bool going;           // sweep gives it back
  };
  // Page-aligned headers would all fall in the same cache sets: each
  // page's header sits at one of kColors cache-line offsets chosen by the
  // page's address, and its blocks start after the room for all of them.
  static constexpr size_t kColors = 16;
  static constexpr size_t kHeader = kColors * 64;
  static_assert(sizeof(Page) <= 64);

  static uintptr_t base_of(const void* p) { return reinterpret_cast<uintptr_t>(p) & ~uintptr_t(kPageBytes - 1); }
  static Page* header_at(uintptr_t base) {
    return reinterpret_cast<Page*>(base + ((base / kPageBytes) % kColors) * 64);
  }
  static Page* page_of(void* block) { return header_at(base_of(block)); }
  void* block_at(Page* p, uint32_t i) const {
    return reinterpret_cast<char*>(base_of(p) + kHeader + size_t(i) * block_);
  }
  void* take_from_new_page();
  Page* new_page();
  void destroy_blocks(Page* p);
  void free_page(Page* p);
  void sweep();

  void* free_ = nullptr;     // every free block, linked through its first word
  uint64_t given_ = 0;       // blocks given back since the last sweep
  uint64_t sweep_after_;     // ... that make the next one due
  PageSource& source_;
  const size_t block_;
  const uint32_t capacity_;  // blocks per page
  void (*const destroy_)(void*);
  // Where fresh blocks are carved: never null. kNoPage has a carved count
  // no capacity reaches, and is never written.
  static Page kNoPage;
  Page* current_ = &kNoPage;
  Page* pages_list_ = nullptr;
  uint32_t spare_limit_;
  uint64_t pages_ = 0;
};

}  // namespace gene
