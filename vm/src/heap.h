// The heap: allocation of every object, a mark-and-sweep collector that
// the interpreter runs only at safepoints (backward jumps and calls), and
// the counters behind the memory statistics.
//
// Collection never happens inside an allocation, so C++ code (builtins,
// the compiler) may hold fresh objects in locals without rooting them.
// The interpreter polls wants_collection() at its safepoints, where every
// live value is on the VM stack, in a global, a frame or a constant.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "object.h"

namespace gene {

struct OutOfMemory {};

class SymbolTable {
 public:
  uint32_t intern(std::string_view name);
  // The id of an already interned name, or -1 (lookups need not grow the table).
  int64_t find(std::string_view name) const {
    auto it = ids_.find(name);
    return it == ids_.end() ? -1 : int64_t(it->second);
  }
  const std::string& name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
};

class Heap {
 public:
  Heap() = default;
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  ~Heap();

  void set_limit(uint64_t max_bytes) { max_bytes_ = max_bytes; }

  StringObj* new_string(std::string_view bytes);
  StringObj* concat(std::string_view a, std::string_view b);
  ArrayObj* new_array(size_t reserve = 0);
  MapObj* new_map();
  GeneObj* new_gene(Value head);
  BoxObj* new_box(Value v);
  ClosureObj* new_closure(const Proto* proto, uint32_t upvalue_count);

  // Containers that grow report the change so the collector's pacing and
  // the heap limit see it. Throws OutOfMemory past the hard limit.
  void grew(int64_t delta_bytes);

  bool wants_collection() const { return bytes_since_gc_ >= next_gc_bytes_; }

  // The interpreter polls at every Nth safepoint; an allocation that makes
  // a collection due brings the next poll forward to the next safepoint.
  static constexpr uint32_t kPollInterval = 1024;
  uint32_t poll_countdown = kPollInterval;

  // Marking: the VM marks its roots, then trace() follows references.
  void mark(Value v) {
    if (v.is_object()) mark_object(v.as_object());
  }
  void mark_object(Obj* o) {
    if (!o->marked) {
      o->marked = true;
      gray_.push_back(o);
    }
  }
  void trace();
  // Frees unmarked objects; returns false when the heap is still over its
  // limit afterwards (the program must stop with "out of memory").
  bool sweep();

  // Object pools: freed objects of the common small shapes wait on a free
  // list per type and are handed out again before the allocator is asked.
  enum PoolId { kPoolArray, kPoolMap, kPoolString, kPoolClosure, kPoolBox, kPoolGene, kPoolCount };
  struct PoolStats {
    uint64_t hits = 0;         // allocations served from the free list
    uint64_t allocations = 0;  // allocations of this type
  };
  static const char* pool_name(int id);
  const PoolStats& pool_stats(int id) const { return pools_[id].stats; }
  uint64_t pool_hits() const;
  // Strings up to this many bytes and closures with up to this many
  // upvalues share one block size each, so their blocks can be pooled.
  static constexpr uint32_t kSmallString = 23;
  static constexpr uint32_t kSmallClosure = 4;

  // Time spent allocating, estimated by timing every kAllocSampleEvery-th
  // allocation (a clock read per allocation would cost more than it measures).
  static constexpr uint32_t kAllocSampleEvery = 64;
  double allocation_seconds = 0;

  // Counters for the statistics.
  uint64_t allocations = 0;
  uint64_t bytes_allocated = 0;
  uint64_t live_bytes = 0;
  uint64_t peak_bytes = 0;
  uint64_t collections = 0;

 private:
  template <typename T>
  T* link(T* o, size_t bytes);
  StringObj* new_string_uninitialized(size_t length);
  static size_t size_of(const Obj* o);
  void free_object(Obj* o);
  void check_limit(size_t incoming);

  friend struct AllocationTimer;
  uint32_t alloc_sample_countdown_ = kAllocSampleEvery;

  struct Pool {
    Obj* free = nullptr;
    uint32_t length = 0;
    PoolStats stats;
  };
  static constexpr uint32_t kPoolLimit = 1 << 16;  // free objects kept per type (a few MiB at most)
  void* take(PoolId id, size_t block);              // a pooled or fresh block
  bool give_back(PoolId id, Obj* o);                // false when the pool is full
  Pool pools_[kPoolCount];

  Obj* objects_ = nullptr;
  std::vector<Obj*> gray_;
  uint64_t bytes_since_gc_ = 0;
  uint64_t next_gc_bytes_ = 4u << 20;
  uint64_t max_bytes_ = 0;
};

}  // namespace gene
