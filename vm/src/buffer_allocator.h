// Where containers' buffers live (arrays' items, genes' children, maps'
// entries and indexes). Small buffers come from malloc. A buffer of
// kLargeBufferBytes or more is mapped on its own, asked to be backed by
// huge pages and faulted in at once: growing a 24 MiB array by doubling
// went through about 14,000 page faults (each fresh 4 KiB page, first in
// the copy and then in the pushes), a third of array_sum's time, and
// those taken by the pushes fell outside any timed region. Now a growth
// takes its few faults inside the allocation, in its phase (phase_sampler.h).
#pragma once

#include <cstddef>
#include <new>

namespace gene {

inline constexpr size_t kLargeBufferBytes = size_t(256) << 10;

// The bytes a buffer of `bytes` really holds: a mapping's whole pages, or
// glibc's chunk (an 8-byte header, rounded to 16 bytes, 32 at least).
constexpr size_t buffer_block_bytes(size_t bytes) {
  if (bytes == 0) return 0;
  if (bytes >= kLargeBufferBytes) return (bytes + 4095) & ~size_t(4095);
  return bytes + 8 + 15 < 32 ? 32 : (bytes + 8 + 15) & ~size_t(15);
}

// Memory mapped for the heap alone, `align` (a power of two, at least 4 KiB)
// aligned, backed by huge pages where the system offers them, and faulted
// in before it is returned: on this project's virtual machines a page
// fault taken by a store cost about 45 us, a page populated in advance 2 us
// (and a huge page far less per byte). Throws std::bad_alloc.
// With `ahead` false the memory is only mapped, faulted in as it is used.
void* map_pages(size_t bytes, size_t align, bool ahead = true);
void unmap_pages(void* p, size_t bytes);

inline void* map_large_buffer(size_t bytes) { return map_pages(buffer_block_bytes(bytes), 4096); }
inline void unmap_large_buffer(void* p, size_t bytes) { unmap_pages(p, buffer_block_bytes(bytes)); }

template <typename T>
struct BufferAllocator {
  using value_type = T;
  BufferAllocator() = default;
  template <typename U>
  BufferAllocator(const BufferAllocator<U>&) {}

  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes >= kLargeBufferBytes) return static_cast<T*>(map_large_buffer(bytes));
    return static_cast<T*>(::operator new(bytes));
  }
  void deallocate(T* p, size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes >= kLargeBufferBytes) unmap_large_buffer(p, bytes);
    else ::operator delete(p);
  }
  template <typename U>
  bool operator==(const BufferAllocator<U>&) const { return true; }
};

}  // namespace gene
