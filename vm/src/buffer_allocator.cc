#include "buffer_allocator.h"

#include <sys/mman.h>

#include <cstdint>

namespace gene {

void* map_pages(size_t bytes, size_t align, bool ahead) {
  size_t extra = align > 4096 ? align : 0;  // room to cut an aligned start from
  void* p = mmap(nullptr, bytes + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  char* start = static_cast<char*>(p);
  if (extra) {
    auto at = reinterpret_cast<uintptr_t>(p);
    char* aligned = start + ((align - at % align) % align);
    if (aligned > start) munmap(start, size_t(aligned - start));
    char* end = aligned + bytes;
    if (start + bytes + extra > end) munmap(end, size_t(start + bytes + extra - end));
    start = aligned;
  }
  // Both are hints: without transparent huge pages, or on an older kernel,
  // the memory is faulted in page by page as it is used.
  if (ahead) {
    madvise(start, bytes, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
    madvise(start, bytes, MADV_POPULATE_WRITE);
#endif
  }
  return start;
}

void unmap_pages(void* p, size_t bytes) { munmap(p, bytes); }

}  // namespace gene
