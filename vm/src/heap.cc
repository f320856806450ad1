#include "heap.h"

#include <algorithm>

#include <new>

#include "bytecode.h"

namespace gene {

// Times one allocation in kAllocSampleEvery and counts it for all of them.
struct AllocationTimer {
  Heap& heap;
  bool sampled;
  std::chrono::steady_clock::time_point start;
  explicit AllocationTimer(Heap& h) : heap(h), sampled(--h.alloc_sample_countdown_ == 0) {
    if (sampled) {
      heap.alloc_sample_countdown_ = Heap::kAllocSampleEvery;
      start = std::chrono::steady_clock::now();
    }
  }
  ~AllocationTimer() {
    if (!sampled) return;
    double d = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() - clock_cost();
    // A sample the thread was descheduled in (far beyond any allocation's
    // cost) would be multiplied into nonsense: it is left out.
    if (d > 0 && d < 2e-6) heap.allocation_seconds += Heap::kAllocSampleEvery * d;
  }
  // What reading the clock twice costs by itself, so it is not counted as
  // allocation time: the cheapest of a few back-to-back reads.
  static double clock_cost() {
    static const double cost = [] {
      double best = 1;
      for (int i = 0; i < 64; ++i) {
        auto a = std::chrono::steady_clock::now();
        auto b = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double>(b - a).count());
      }
      return best;
    }();
    return cost;
  }
};

uint32_t SymbolTable::intern(std::string_view name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(std::string(name), id);
  return id;
}

Heap::~Heap() {
  Obj* o = objects_;
  while (o) {
    Obj* next = o->next;
    free_object(o);
    o = next;
  }
  for (auto& pool : pools_) {
    while (Obj* f = pool.free) {
      pool.free = f->next;
      ::operator delete(f);
    }
  }
}

void Heap::check_limit(size_t incoming) {
  if (max_bytes_ == 0) return;
  // Garbage waits for the next safepoint, so allow slack of one limit's
  // worth; the safepoint collection enforces the limit on live data.
  if (incoming > max_bytes_ || live_bytes + incoming > 2 * max_bytes_) throw OutOfMemory{};
}

template <typename T>
T* Heap::link(T* o, size_t bytes) {
  o->next = objects_;
  objects_ = o;
  ++allocations;
  bytes_allocated += bytes;
  live_bytes += bytes;
  bytes_since_gc_ += bytes;
  if (live_bytes > peak_bytes) peak_bytes = live_bytes;
  if (bytes_since_gc_ >= next_gc_bytes_) poll_countdown = 1;
  return o;
}

void Heap::grew(int64_t delta) {
  if (delta > 0) {
    check_limit(size_t(delta));
    bytes_allocated += uint64_t(delta);
    bytes_since_gc_ += uint64_t(delta);
    if (bytes_since_gc_ >= next_gc_bytes_) poll_countdown = 1;
  }
  live_bytes += uint64_t(delta);
  if (live_bytes > peak_bytes) peak_bytes = live_bytes;
}

const char* Heap::pool_name(int id) {
  static const char* const names[] = {"array", "map", "string", "closure", "box", "gene"};
  return names[id];
}

uint64_t Heap::pool_hits() const {
  uint64_t hits = 0;
  for (auto& p : pools_) hits += p.stats.hits;
  return hits;
}

void* Heap::take(PoolId id, size_t block) {
  Pool& pool = pools_[id];
  ++pool.stats.allocations;
  if (pool.free) {
    Obj* o = pool.free;
    pool.free = o->next;
    --pool.length;
    ++pool.stats.hits;
    return o;
  }
  return ::operator new(block);
}

bool Heap::give_back(PoolId id, Obj* o) {
  Pool& pool = pools_[id];
  if (pool.length >= kPoolLimit) return false;
  o->next = pool.free;
  pool.free = o;
  ++pool.length;
  return true;
}

namespace {
constexpr size_t kSmallStringBlock = sizeof(StringObj) + Heap::kSmallString + 1;
constexpr size_t kSmallClosureBlock = sizeof(ClosureObj) + Heap::kSmallClosure * sizeof(BoxObj*);
}  // namespace

StringObj* Heap::concat(std::string_view a, std::string_view b) {
  StringObj* s = new_string_uninitialized(a.size() + b.size());
  if (!a.empty()) std::memcpy(s->data(), a.data(), a.size());
  if (!b.empty()) std::memcpy(s->data() + a.size(), b.data(), b.size());
  return s;
}

StringObj* Heap::new_string(std::string_view bytes) {
  StringObj* s = new_string_uninitialized(bytes.size());
  if (!bytes.empty()) std::memcpy(s->data(), bytes.data(), bytes.size());
  return s;
}

StringObj* Heap::new_string_uninitialized(size_t length) {
  AllocationTimer timer(*this);
  if (length > UINT32_MAX - 64) throw OutOfMemory{};
  size_t size = sizeof(StringObj) + length + 1;
  check_limit(size);
  void* mem;
  if (length <= kSmallString) {
    mem = take(kPoolString, kSmallStringBlock);
  } else {
    ++pools_[kPoolString].stats.allocations;
    mem = ::operator new(size);
  }
  auto* s = new (mem) StringObj();
  s->length = static_cast<uint32_t>(length);
  s->data()[length] = '\0';
  return link(s, size);
}

ArrayObj* Heap::new_array(size_t reserve) {
  AllocationTimer timer(*this);
  size_t size = sizeof(ArrayObj) + reserve * sizeof(Value);
  check_limit(size);
  auto* a = new (take(kPoolArray, sizeof(ArrayObj))) ArrayObj();
  if (reserve) a->items.reserve(reserve);
  return link(a, size);
}

MapObj* Heap::new_map() {
  AllocationTimer timer(*this);
  check_limit(sizeof(MapObj));
  return link(new (take(kPoolMap, sizeof(MapObj))) MapObj(), sizeof(MapObj));
}

GeneObj* Heap::new_gene(Value head) {
  AllocationTimer timer(*this);
  check_limit(sizeof(GeneObj));
  auto* g = new (take(kPoolGene, sizeof(GeneObj))) GeneObj();
  g->head = head;
  return link(g, sizeof(GeneObj));
}

BoxObj* Heap::new_box(Value v) {
  AllocationTimer timer(*this);
  check_limit(sizeof(BoxObj));
  auto* b = new (take(kPoolBox, sizeof(BoxObj))) BoxObj();
  b->value = v;
  return link(b, sizeof(BoxObj));
}

ClosureObj* Heap::new_closure(const Proto* proto, uint32_t upvalue_count) {
  AllocationTimer timer(*this);
  size_t size = sizeof(ClosureObj) + upvalue_count * sizeof(BoxObj*);
  check_limit(size);
  void* mem;
  if (upvalue_count <= kSmallClosure) {
    mem = take(kPoolClosure, kSmallClosureBlock);
  } else {
    ++pools_[kPoolClosure].stats.allocations;
    mem = ::operator new(size);
  }
  auto* c = new (mem) ClosureObj();
  c->proto = proto;
  c->upvalue_count = upvalue_count;
  for (uint32_t i = 0; i < upvalue_count; ++i) c->upvalues()[i] = nullptr;
  return link(c, size);
}

size_t Heap::size_of(const Obj* o) {
  switch (o->type) {
    case ObjType::String:
      return sizeof(StringObj) + static_cast<const StringObj*>(o)->length + 1;
    case ObjType::Array:
      return sizeof(ArrayObj) + static_cast<const ArrayObj*>(o)->items.capacity() * sizeof(Value);
    case ObjType::Map: {
      auto* m = static_cast<const MapObj*>(o);
      return sizeof(MapObj) + m->entries.capacity() * sizeof(MapObj::Entry) +
             m->index.capacity() * sizeof(uint32_t);
    }
    case ObjType::Gene:
      return sizeof(GeneObj) + static_cast<const GeneObj*>(o)->children.capacity() * sizeof(Value);
    case ObjType::Closure:
      return sizeof(ClosureObj) + static_cast<const ClosureObj*>(o)->upvalue_count * sizeof(BoxObj*);
    case ObjType::Box:
      return sizeof(BoxObj);
  }
  return 0;
}

// Pooled objects are destroyed (their buffers released) but their blocks
// kept; everything else goes back to the allocator.
void Heap::free_object(Obj* o) {
  switch (o->type) {
    case ObjType::String: {
      auto* s = static_cast<StringObj*>(o);
      bool small = s->length <= kSmallString;
      s->~StringObj();
      if (!small || !give_back(kPoolString, s)) ::operator delete(s);
      return;
    }
    case ObjType::Closure: {
      auto* c = static_cast<ClosureObj*>(o);
      bool small = c->upvalue_count <= kSmallClosure;
      c->~ClosureObj();
      if (!small || !give_back(kPoolClosure, c)) ::operator delete(c);
      return;
    }
    case ObjType::Array: {
      auto* a = static_cast<ArrayObj*>(o);
      a->~ArrayObj();
      if (!give_back(kPoolArray, a)) ::operator delete(a);
      return;
    }
    case ObjType::Map: {
      auto* m = static_cast<MapObj*>(o);
      m->~MapObj();
      if (!give_back(kPoolMap, m)) ::operator delete(m);
      return;
    }
    case ObjType::Gene: {
      auto* g = static_cast<GeneObj*>(o);
      g->~GeneObj();
      if (!give_back(kPoolGene, g)) ::operator delete(g);
      return;
    }
    case ObjType::Box: {
      auto* b = static_cast<BoxObj*>(o);
      b->~BoxObj();
      if (!give_back(kPoolBox, b)) ::operator delete(b);
      return;
    }
  }
}

void Heap::trace() {
  while (!gray_.empty()) {
    Obj* o = gray_.back();
    gray_.pop_back();
    switch (o->type) {
      case ObjType::String:
        break;
      case ObjType::Array:
        for (Value v : static_cast<ArrayObj*>(o)->items) mark(v);
        break;
      case ObjType::Map:
        for (auto& e : static_cast<MapObj*>(o)->entries) mark(e.value);
        break;
      case ObjType::Gene: {
        auto* g = static_cast<GeneObj*>(o);
        mark(g->head);
        for (Value v : g->children) mark(v);
        break;
      }
      case ObjType::Box:
        mark(static_cast<BoxObj*>(o)->value);
        break;
      case ObjType::Closure: {
        auto* c = static_cast<ClosureObj*>(o);
        for (uint32_t i = 0; i < c->upvalue_count; ++i)
          if (c->upvalues()[i]) mark_object(c->upvalues()[i]);
        break;
      }
    }
  }
}

bool Heap::sweep() {
  uint64_t live = 0;
  Obj** link_ptr = &objects_;
  while (Obj* o = *link_ptr) {
    if (o->marked) {
      o->marked = false;
      live += size_of(o);
      link_ptr = &o->next;
    } else {
      *link_ptr = o->next;
      free_object(o);
    }
  }
  live_bytes = live;
  ++collections;
  bytes_since_gc_ = 0;
  // Collect again once as much has been allocated as survived, but not
  // more often than every 4 MiB, and often enough to respect the limit.
  next_gc_bytes_ = live < (4u << 20) ? (4u << 20) : live;
  if (max_bytes_ && next_gc_bytes_ > max_bytes_ / 2) next_gc_bytes_ = max_bytes_ / 2 + 1;
  return max_bytes_ == 0 || live_bytes <= max_bytes_;
}

}  // namespace gene
