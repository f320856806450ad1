#include "block_pages.h"

#include <cstdlib>
#include <new>

namespace gene {

BlockPages::BlockPages(size_t block_bytes, void (*destroy)(void* block))
    : block_((block_bytes + 7) & ~size_t(7)),
      capacity_(uint32_t((kPageBytes - kHeader) / block_)),
      destroy_(destroy) {}

BlockPages::Page* BlockPages::new_page() {
  void* mem = std::aligned_alloc(kPageBytes, kPageBytes);
  if (!mem) throw std::bad_alloc();
  auto* p = static_cast<Page*>(mem);
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
  // The current page is full: the next page with free blocks, the spare,
  // or a new page, becomes current.
  Page* p = partial_;
  if (p) {
    unlink_partial(p);
  } else if (spare_) {
    p = spare_;
    spare_ = nullptr;
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

void BlockPages::give_back(void* block) {
  Page* p = page_of(block);
  *static_cast<void**>(block) = p->free;
  p->free = block;
  poison(static_cast<char*>(block) + sizeof(void*), block_ - sizeof(void*));
  --p->used;
  if (p == current_) return;
  if (p->used == 0) {
    unlink_partial(p);
    if (!spare_) {
      spare_ = p;  // still on the page list; its blocks stay carved and free
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

// A page taken out of use: every block it carved is destroyed (all are
// free, or the whole heap is going), then the page is freed.
void BlockPages::free_page(Page* p) {
  for (uint32_t i = 0; i < p->carved; ++i) {
    void* b = block_at(p, i);
    unpoison(b, block_);
    if (destroy_) destroy_(b);
  }
  if (p->prev) p->prev->next = p->next;
  else pages_list_ = p->next;
  if (p->next) p->next->prev = p->prev;
  --pages_;
  std::free(p);
}

void BlockPages::release_all() {
  while (pages_list_) free_page(pages_list_);
  current_ = partial_ = spare_ = nullptr;
}

}  // namespace gene
