#include "heap.h"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "bytecode.h"

namespace gene {

// The memory timers are on in every run; a -DGENE_NO_COUNTERS build
// compiles them out to measure what they cost (docs/benchmarks.md).
#ifdef GENE_NO_COUNTERS
constexpr bool kTimers = false;
#else
constexpr bool kTimers = true;
#endif

std::chrono::steady_clock::time_point timer_now() {
  return kTimers ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
}

// What memory costs (heap.h): larger strings and closures as glibc's
// malloc holds them — an 8-byte header, rounded to 16 bytes, 32 at least.
namespace {
// A larger string or closure is allocated alone, after a link that lets the
// heap free it at the end without walking objects.
struct LargeLink {
  LargeLink* prev;
  LargeLink* next;
};
static_assert(sizeof(LargeLink) == 16);  // keeps the object after it 16-byte aligned

constexpr size_t malloc_bytes(size_t n) { return n == 0 ? 0 : std::max<size_t>(32, (n + 8 + 15) & ~size_t(15)); }

// The smallest class that holds the block, for every medium length.
constexpr bool medium_classes_fit() {
  for (size_t block : kMediumStringBlocks)
    if (block % kMediumStringStep != 0) return false;
  for (size_t length = Heap::kSmallString + 1;
       sizeof(StringObj) + length + 1 <= kMediumStringBlocks[Heap::kMediumStringClasses - 1]; ++length) {
    size_t block = sizeof(StringObj) + length + 1;
    int c = medium_string_class(length);
    if (kMediumStringBlocks[c] < block || (c > 0 && kMediumStringBlocks[c - 1] >= block)) return false;
  }
  return true;
}
static_assert(medium_classes_fit());

size_t string_bytes(size_t length) {
  if (length <= Heap::kSmallString) return page_block(kSmallStringBlock);
  if (is_medium_string(length)) return kMediumStringBlocks[medium_string_class(length)];
  return malloc_bytes(sizeof(LargeLink) + sizeof(StringObj) + length + 1);
}
size_t closure_bytes(size_t upvalues) {
  return upvalues <= Heap::kSmallClosure
             ? page_block(kSmallClosureBlock)
             : malloc_bytes(sizeof(LargeLink) + sizeof(ClosureObj) + upvalues * sizeof(BoxObj*));
}

size_t bytes_of(const StringObj* s) { return string_bytes(s->length); }
size_t bytes_of(const ClosureObj* c) { return closure_bytes(c->upvalue_count); }

// What a container page destroys in each block: pooled containers keep
// their buffers while free.
template <typename T>
void destroy_block(void* block) { static_cast<T*>(block)->~T(); }
}  // namespace

Heap::Heap()
    : pools_{Pool(page_source_, sizeof(ArrayObj), destroy_block<ArrayObj>),
             Pool(page_source_, sizeof(MapObj), destroy_block<MapObj>),
             Pool(page_source_, kSmallStringBlock, nullptr),
             Pool(page_source_, kSmallClosureBlock, nullptr),
             Pool(page_source_, sizeof(BoxObj), nullptr),
             Pool(page_source_, sizeof(GeneObj), destroy_block<GeneObj>)},
      medium_strings_{
          BlockPages(page_source_, kMediumStringBlocks[0], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[1], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[2], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[3], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[4], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[5], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[6], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[7], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[8], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[9], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[10], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[11], nullptr),
          BlockPages(page_source_, kMediumStringBlocks[12], nullptr),
      } {
  static_assert(kMediumStringClasses == 13);
}


void ObjStack::grow() { put_back(grown(cursor())); }

void Heap::grow_candidates(Obj* o) {
  {
    PhaseScope scope(phase, Phase::kCounting);
    young_.grow();
  }
  possible_cycle_root(o);
}

ObjStack::Cursor ObjStack::grown(Cursor c) {
  size_t capacity = c.capacity ? 2 * c.capacity : 1024;
  auto* data = static_cast<Obj**>(::operator new(capacity * sizeof(Obj*)));
  if (c.size) std::memcpy(data, c.data, c.size * sizeof(Obj*));
  ::operator delete(c.data);
  return {data, c.size, capacity};
}

// Eight bytes at a time, then a final mix so that the low bits (the slot)
// depend on every byte: names like k1, k2, ... differ in one byte only.
uint32_t SymbolTable::hash(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
  }
  // The last 1-7 bytes in at most two fixed-size loads (a memcpy of a
  // variable length is a library call).
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    h = (h ^ (uint64_t(a) << 32 | b)) * 0xBF58476D1CE4E5B9ull;
  } else if (n) {
    uint64_t w = uint8_t(p[0]) | uint64_t(uint8_t(p[n / 2])) << 8 | uint64_t(uint8_t(p[n - 1])) << 16;
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
  }
  h ^= h >> 32;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  return uint32_t(h);
}

size_t SymbolTable::probe(std::string_view name, uint32_t h) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.id == 0 || (s.hash == h && names_[s.id - 1] == name)) return i;
  }
}

int64_t SymbolTable::find(std::string_view name) const {
  const Slot& s = slots_[probe(name, hash(name))];
  return s.id == 0 ? -1 : int64_t(s.id - 1);
}

uint32_t SymbolTable::intern(std::string_view name) {
  uint32_t h = hash(name);
  size_t i = probe(name, h);
  if (slots_[i].id) return slots_[i].id - 1;
  auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  slots_[i] = Slot{h, id + 1};
  if (2 * names_.size() > slots_.size()) grow();
  return id;
}

void SymbolTable::grow() {
  Buffer<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.id) continue;
    size_t i = s.hash & mask;
    while (slots_[i].id) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void Heap::set_limit(uint64_t max_bytes) {
  max_bytes_ = max_bytes;
  // Garbage waits for a safepoint: reconcile often enough that it cannot
  // push a program that fits over its limit.
  if (max_bytes_) {
    reconcile_bytes_cap_ = std::min<uint64_t>(reconcile_bytes_cap_, max_bytes_ / 4 + 1);
    reconcile_bytes_ = std::min(reconcile_bytes_, reconcile_bytes_cap_);
  }
  // Empty pages are memory the limit does not see: a 64th of it per type.
  if (max_bytes_)
    for (Pool& pool : pools_) pool.pages.set_spare_bytes(max_bytes_ / 64);
  if (max_bytes_)
    for (BlockPages& pages : medium_strings_) pages.set_spare_bytes(max_bytes_ / 256);
  settle_pages_at_ = 0;  // fewer spares: their sweeps may be due sooner
  update_fast_end();
}

void Heap::update_fast_end() {
  static_assert(kMediumStringBlocks[kMediumStringClasses - 1] <= kFastBytesMax);
  static_assert(sizeof(ArrayObj) + kKeptValues * sizeof(Value) + sizeof(MapObj) + kKeptEntries * sizeof(MapObj::Entry) <=
                kFastBytesMax / 2);  // page blocks round up by less than their size
  set_zct_room();
  // The reconciliation's byte budget bounds it too, so that the inlined
  // path (link_fast) need not check that budget as well.
  if (max_bytes_ == 0) {
    fast_end_ = reconcile_bytes_;
    return;
  }
  uint64_t used = live_settled_ + outside_bytes_;
  uint64_t room = used < max_bytes_ ? max_bytes_ - used : 0;
  fast_end_ = std::min(reconcile_bytes_, room > kFastBytesMax ? room - kFastBytesMax : 0);
}

// The table's room below its threshold: the table only grows between
// reconciliations, so a room worked out earlier is never too large.
void Heap::set_zct_room() { zct_room_ = std::min(zct_.capacity(), zct_threshold_ - 1); }

void Heap::zct_push_fresh(Obj* o) {
  zct_.push(o);
  if (zct_.size() >= zct_threshold_) {
    poll_countdown = 1;
    zct_room_ = zct_.capacity();
  } else {
    set_zct_room();
  }
}

void Heap::check_limit(size_t incoming) {
  if (max_bytes_ == 0) return;
  // Garbage waits for the next safepoint, so allow slack of one limit's
  // worth; the safepoint reconciliation enforces the limit on live data,
  // and past the limit it comes at the very next safepoint.
  uint64_t after = live_bytes() + outside_bytes_ + incoming;
  if (incoming > max_bytes_ || after > 2 * max_bytes_) throw OutOfMemory{};
  if (after > max_bytes_) poll_countdown = 1;
}

uint64_t Heap::allocations() const {
  uint64_t n = 0;
  for (auto& p : pools_) n += p.stats.allocations();
  return n;
}

// Live bytes only fall when something is freed (at reconciliations) or a
// buffer shrinks: the peak is taken just before, so it is exact.
void Heap::settle() {
  uint64_t live = live_bytes();
  if (live > peak_settled_) peak_settled_ = live;
  live_settled_ = live;
  allocated_settled_ += bytes_since_reconcile_;
  bytes_since_reconcile_ = 0;
  update_fast_end();
}

void Heap::grew(int64_t delta) {
  if (delta > 0) {
    check_limit(size_t(delta));
    allocated_settled_ += uint64_t(delta);
  } else if (live_bytes() > peak_settled_) {
    peak_settled_ = live_bytes();
  }
  live_settled_ += uint64_t(delta);
  update_fast_end();
}

void Heap::charge_outside(int64_t delta) {
  if (delta > 0) check_limit(size_t(delta));
  outside_bytes_ += uint64_t(delta);
  update_fast_end();
}

// Counts are taken once the value is stored: growing a buffer may throw
// (bad_alloc, or the heap limit after the growth) and a count taken for a
// value never stored would keep it forever. Bytes are recounted only when
// a buffer's capacity changed.
void Heap::push(Obj* holder, Values& items, Value v) {
  size_t cap = items.capacity();
  // (Apart: with one test of the capacity after both, the mark's
  // char-typed store made it read again, and kept it when it had not grown.)
  if (items.size() != cap) [[likely]] {
    items.push_back(v);
    retain_in(holder, v);
    return;
  }
  {
    PhaseScope scope(phase, Phase::kAllocation);
    items.push_back(v);
  }
  retain_in(holder, v);
  grew(int64_t(buffer_block_bytes(items.capacity() * sizeof(Value))) - int64_t(buffer_block_bytes(cap * sizeof(Value))));
}

void Heap::append(Obj* holder, Values& items, const Value* first, const Value* last) {
  size_t cap = items.capacity(), from = items.size();
  if (from + size_t(last - first) > cap) {
    PhaseScope scope(phase, Phase::kAllocation);
    items.insert(items.end(), first, last);
  } else {
    items.insert(items.end(), first, last);
  }
  bool objects = false;  // (a mark stored in the loop would reload the buffer's pointers after it)
  for (const Value* v = items.data() + from; v != items.data() + items.size(); ++v) {
    if (v->is_object()) {
      retain(*v);
      objects = true;
    }
  }
  note_stored(holder, objects);
  if (items.capacity() != cap)
    grew(int64_t(buffer_block_bytes(items.capacity() * sizeof(Value))) - int64_t(buffer_block_bytes(cap * sizeof(Value))));
}

void Heap::fill(ArrayObj* a, const Value* first, const Value* last) {
  Values& items = a->items;
  // One mark at the end, from a flag set where a count is taken: a mark
  // stored in the loop would reload the buffer's end after it.
  bool objects = false;
  for (const Value* v = first; v != last; ++v) {
    if (items.size() == items.capacity()) __builtin_unreachable();  // new_array reserved them
    Value x = *v;  // (read once: the count's store may alias *v)
    items.push_back(x);
    if (x.is_object()) {
      retain(x);
      objects = true;
    }
  }
  note_stored(a, objects);
}

void Heap::map_put_slow(MapObj* m, uint32_t key, Value v) {
  if (Value* slot = m->find(key)) {
    store_in(m, *slot, v);
    return;
  }
  size_t entries = m->entries.capacity(), index = m->index.capacity();
  if (m->add_grows()) {
    PhaseScope scope(phase, Phase::kAllocation);
    m->add(key, v);  // one search per put: find() missed it
  } else {
    m->add(key, v);
  }
  retain_in(m, v);
  if (m->entries.capacity() != entries || m->index.capacity() != index)
    grew(int64_t(map_buffer_bytes(m)) - int64_t(buffer_block_bytes(entries * sizeof(MapObj::Entry)) +
                                                 buffer_block_bytes(index * sizeof(uint32_t))));
}

void Heap::pin(Value v) {
  if (!v.is_object()) return;
  retain(v);
  pinned_.push_back(v);
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

namespace {
Heap::PoolId pool_of(ObjType t) {
  switch (t) {
    case ObjType::String: return Heap::kPoolString;
    case ObjType::Closure: return Heap::kPoolClosure;
    case ObjType::Array: return Heap::kPoolArray;
    case ObjType::Map: return Heap::kPoolMap;
    case ObjType::Gene: return Heap::kPoolGene;
    case ObjType::Box: return Heap::kPoolBox;
  }
  return Heap::kPoolArray;
}

// Containers keep their buffers while pooled (see Heap::recycled).
bool recyclable(ObjType t) { return t == ObjType::Array || t == ObjType::Map || t == ObjType::Gene; }

// Each object the collector follows from o. Maps and arrays, what
// collections meet most, are tested first: the switch's jump table cost
// ten instructions an object on cycles.
template <typename F>
[[gnu::always_inline]] inline void for_each_child(Obj* o, F&& f) {
  if (o->type == ObjType::Map) {
    for (auto& e : static_cast<MapObj*>(o)->entries)
      if (Heap::counted_in(o, e.value)) f(e.value.as_object());
    return;
  }
  if (o->type == ObjType::Array) {
    for (Value v : static_cast<ArrayObj*>(o)->items)
      if (Heap::counted_in(o, v)) f(v.as_object());
    return;
  }
  switch (o->type) {
    case ObjType::String:
    case ObjType::Array:
    case ObjType::Map:
      return;
    case ObjType::Gene: {
      auto* g = static_cast<GeneObj*>(o);
      if (Heap::counted_in(o, g->head)) f(g->head.as_object());
      for (Value v : g->children)
        if (Heap::counted_in(o, v)) f(v.as_object());
      return;
    }
    case ObjType::Box: {
      Value v = static_cast<BoxObj*>(o)->value;
      if (Heap::counted_in(o, v)) f(v.as_object());
      return;
    }
    case ObjType::Closure: {
      auto* c = static_cast<ClosureObj*>(o);
      for (uint32_t i = 0; i < c->upvalue_count; ++i)
        if (c->upvalues()[i]) f(c->upvalues()[i]);
      return;
    }
  }
}
}  // namespace

BlockPages& Heap::pages_of(const Obj* o) {
  if (o->type == ObjType::String) {
    uint32_t length = static_cast<const StringObj*>(o)->length;
    if (length > kSmallString) return medium_strings_[medium_string_class(length)];
  }
  return pools_[pool_of(o->type)].pages;
}

// Arrays, maps and genes keep their (small) buffers while pooled, so a
// pool hit costs no malloc at all: the object waits fully constructed and
// empty, and only its header is rewritten when it is handed out again.
template <typename T>
T* Heap::recycled(PoolId id) {
  Pool& pool = pools_[id];
  bool reused;
  void* b = pool.pages.take(reused);
  if (!reused) {
    ++pool.stats.fresh;
    return fresh<T>(b);
  }
  ++pool.stats.hits;
  return reused_container<T>(b, kPoolType[id]);
}

void* Heap::take(PoolId id) {
  Pool& pool = pools_[id];
  bool reused;
  void* b = pool.pages.take(reused);
  ++(reused ? pool.stats.hits : pool.stats.fresh);
  return b;
}

void* Heap::take_large(size_t bytes) {
  auto* link = static_cast<LargeLink*>(::operator new(sizeof(LargeLink) + bytes));
  link->prev = nullptr;
  link->next = static_cast<LargeLink*>(large_);
  if (link->next) link->next->prev = link;
  large_ = link;
  return link + 1;
}

void Heap::free_large(void* object) {
  LargeLink* link = static_cast<LargeLink*>(object) - 1;
  if (link->prev) link->prev->next = link->next;
  else large_ = link->next;
  if (link->next) link->next->prev = link->prev;
  ::operator delete(link);
}

// Making a string includes filling it: a large one's fresh pages are
// faulted in by the copy.
StringObj* Heap::concat(std::string_view a, std::string_view b) {
  AllocationMark mark(phase);
  StringObj* s = new_string_uninitialized(a.size() + b.size());
  if (!a.empty()) std::memcpy(s->data(), a.data(), a.size());
  if (!b.empty()) std::memcpy(s->data() + a.size(), b.data(), b.size());
  return s;
}

bool Heap::append_in_place(StringObj* s, std::string_view b) {
  // The longest string of s's block size: a longer one would belong to a
  // larger block. (Larger strings are malloc'd to their length: no room.)
  size_t longest;
  if (s->length <= kSmallString) longest = kSmallString;
  else if (is_medium_string(s->length)) longest = kMediumStringBlocks[medium_string_class(s->length)] - sizeof(StringObj) - 1;
  else return false;
  size_t length = s->length + b.size();
  if (length > longest) return false;
  // Counted with allocation, as concat's copy is: the phases must not
  // shrink by moving the same work elsewhere.
  AllocationMark mark(phase);
  std::memcpy(s->data() + s->length, b.data(), b.size());
  s->length = static_cast<uint32_t>(length);
  s->data()[length] = '\0';
  s->symbol = StringObj::kNoSymbol;  // the old bytes' interned id
  return true;
}

StringObj* Heap::new_string(std::string_view bytes) {
  AllocationMark mark(phase);
  StringObj* s = new_string_uninitialized(bytes.size());
  if (!bytes.empty()) std::memcpy(s->data(), bytes.data(), bytes.size());
  return s;
}

StringObj* Heap::new_string_slow(size_t length) {
  PhaseScope scope(phase, Phase::kAllocation);
  if (length > UINT32_MAX - 64) throw OutOfMemory{};
  size_t size = sizeof(StringObj) + length + 1;
  // The block's size is worked out once, for the limit and the counts.
  size_t bytes;
  void* mem;
  if (length <= kSmallString) {
    bytes = page_block(kSmallStringBlock);
    check_limit(bytes);
    mem = take(kPoolString);
  } else if (is_medium_string(length)) {
    int c = medium_string_class(length);
    bytes = kMediumStringBlocks[c];
    check_limit(bytes);
    Pool& pool = pools_[kPoolString];
    bool reused;
    mem = medium_strings_[c].take(reused);
    ++(reused ? pool.stats.hits : pool.stats.fresh);
  } else {
    bytes = malloc_bytes(sizeof(LargeLink) + size);
    check_limit(bytes);
    mem = take_large(size);
    ++pools_[kPoolString].stats.fresh;
  }
  auto* s = fresh<StringObj>(mem);
  s->length = static_cast<uint32_t>(length);
  s->data()[length] = '\0';
  return link(s, bytes);
}

ArrayObj* Heap::new_array_slow(size_t reserve) {
  PhaseScope scope(phase, Phase::kAllocation);
  if (max_bytes_) check_limit(page_block(sizeof(ArrayObj)) + buffer_block_bytes(reserve * sizeof(Value)));
  auto* a = recycled<ArrayObj>(kPoolArray);
  if (reserve > a->items.capacity()) reserve_items(a, reserve);
  return link(a, bytes_of(a));
}

void Heap::reserve_items(ArrayObj* a, size_t reserve) {
  PhaseScope scope(phase, Phase::kAllocation);
  // The inlined path reaches here under a limit too (take_fast), with a
  // block taken: a buffer past the limit's slack links the array first,
  // so that the empty array is freed like any other.
  if (max_bytes_) {
    try {
      check_limit(buffer_block_bytes(reserve * sizeof(Value)));
    } catch (const OutOfMemory&) {
      link(a, bytes_of(a));
      throw;
    }
  }
  a->items.reserve(reserve);
}

MapObj* Heap::new_map_slow() {
  PhaseScope scope(phase, Phase::kAllocation);
  check_limit(page_block(sizeof(MapObj)));
  MapObj* m = recycled<MapObj>(kPoolMap);
  return link(m, bytes_of(m));
}

GeneObj* Heap::new_gene(Value head) {
  PhaseScope scope(phase, Phase::kAllocation);
  check_limit(page_block(sizeof(GeneObj)));
  auto* g = recycled<GeneObj>(kPoolGene);
  retain_in(g, head);
  g->head = head;
  return link(g, bytes_of(g));
}

BoxObj* Heap::new_box_slow(Value v) {
  PhaseScope scope(phase, Phase::kAllocation);
  check_limit(page_block(sizeof(BoxObj)));
  auto* b = fresh<BoxObj>(take(kPoolBox));
  retain(v);
  b->value = v;
  return link(b, bytes_of(b));
}

ClosureObj* Heap::new_closure_slow(const Proto* proto, uint32_t upvalue_count) {
  PhaseScope scope(phase, Phase::kAllocation);
  size_t size = sizeof(ClosureObj) + upvalue_count * sizeof(BoxObj*);
  check_limit(closure_bytes(upvalue_count));
  void* mem;
  if (upvalue_count <= kSmallClosure) {
    mem = take(kPoolClosure);
  } else {
    mem = take_large(size);
    ++pools_[kPoolClosure].stats.fresh;
  }
  auto* c = fresh<ClosureObj>(mem);
  c->proto = proto;
  c->upvalue_count = upvalue_count;
  // Small closures clear the whole pooled block's slots: a fixed count
  // compiles to four stores where a variable one became a memset call.
  if (upvalue_count <= kSmallClosure) {
    for (uint32_t i = 0; i < kSmallClosure; ++i) c->upvalues()[i] = nullptr;
  } else {
    for (uint32_t i = 0; i < upvalue_count; ++i) c->upvalues()[i] = nullptr;
  }
  return link(c, bytes_of(c));
}

// A freed container's buffer, emptied: kept with its block while it holds
// at most `keep` elements (a pool hit then needs no malloc), let go past
// that. Returns the bytes the container stood for, block included, which
// leave the live total with it (a kept buffer's: container_bytes).
template <typename T, size_t kKeep, size_t kBlock>
[[gnu::always_inline]] inline size_t empty_buffer(Buffer<T>& v) {
  size_t size_bytes = kept_span(v);
  if (size_bytes <= kKeep * sizeof(T)) [[likely]] {
    v.clear();
    return container_bytes<T, kKeep, kBlock>(size_bytes);
  }
  size_t bytes = kBlock + buffer_bytes(v);
  Buffer<T>().swap(v);
  return bytes;
}

// The sanitizer build's check of the mark that lets freeing pass a
// container's values by (Heap::note_stored): one without it holds no
// object. A store path that forgot the mark stops the process here, where
// a release build would leave the child's count too high (a leak).
namespace {
void check_holds_objects([[maybe_unused]] const Obj* o) {
#ifdef GENE_ASAN
  if (Heap::holds_objects(o)) return;
  auto objects = [o](const auto& values, auto value_of) {  // counted ones: not o itself
    return std::any_of(values.begin(), values.end(), [&](const auto& x) { return Heap::counted_in(o, value_of(x)); });
  };
  auto itself = [](Value v) { return v; };
  bool holds = false;
  switch (o->type) {
    case ObjType::Array: holds = objects(static_cast<const ArrayObj*>(o)->items, itself); break;
    case ObjType::Map:
      holds = objects(static_cast<const MapObj*>(o)->entries, [](const MapObj::Entry& e) { return e.value; });
      break;
    case ObjType::Gene: {
      auto* g = static_cast<const GeneObj*>(o);
      holds = g->head.is_object() || objects(g->children, itself);
      break;
    }
    default: return;  // not a container: always walked
  }
  if (holds) {
    std::fprintf(stderr, "gene: heap invariant broken: a container holds an object but was never marked\n");
    std::abort();
  }
#endif
}
}  // namespace

// Frees an object no reference keeps, one path per type: its children
// are released (unless the cycle collector already accounted for them),
// its size leaves the live total, and its block goes back to its pool — or
// waits, header intact, until its candidate buffer is next scanned.
// Strings, boxes and closures are trivially destructible: their blocks are
// reused as they are. Arrays, maps and genes are emptied, not destroyed;
// buffers past a small size are let go.
template <bool kReleaseChildren>
void Heap::free_one(Obj* o, FreeRun& run) {
  constexpr size_t kKeep = kKeptValues;
  size_t bytes;
  auto drop = [&](Value v) {
    if (v.is_object()) drop_child(v.as_object(), run);  // o itself included (drop_child)
  };
  BlockPages* pages = nullptr;  // where the block goes back; none for a larger object
  check_holds_objects(o);
  switch (o->type) {
    case ObjType::String: {
      auto* str = static_cast<StringObj*>(o);
      if (str->length <= kSmallString) {
        bytes = page_block(kSmallStringBlock);
        pages = &pools_[kPoolString].pages;
      } else if (is_medium_string(str->length)) {
        int c = medium_string_class(str->length);
        bytes = kMediumStringBlocks[c];
        pages = &medium_strings_[c];
      } else {
        bytes = bytes_of(str);
      }
      break;
    }
    case ObjType::Box: {
      auto* b = static_cast<BoxObj*>(o);
      if (kReleaseChildren) drop(b->value);
      bytes = bytes_of(b);
      pages = &pools_[kPoolBox].pages;
      break;
    }
    case ObjType::Closure: {
      auto* c = static_cast<ClosureObj*>(o);
      // (The collector's frees keep the plain form: the split below cost
      // its marking loop, which inlines this, a few instructions a closure.)
      if (!kReleaseChildren) {
        bytes = bytes_of(c);
        if (c->upvalue_count <= kSmallClosure) pages = &pools_[kPoolClosure].pages;
      } else if (c->upvalue_count <= kSmallClosure) [[likely]] {
        // Every slot of a pooled block, a fixed count: the slots past the
        // closure's own were cleared when it was made (new_closure), and a
        // loop to upvalue_count held six registers more around its calls.
        for (uint32_t i = 0; i < kSmallClosure; ++i)
          if (BoxObj* b = c->upvalues()[i]) drop_child(b, run);
        bytes = page_block(kSmallClosureBlock);
        pages = &pools_[kPoolClosure].pages;
      } else {
        for (uint32_t i = 0; i < c->upvalue_count; ++i)
          if (BoxObj* b = c->upvalues()[i]) drop_child(b, run);
        bytes = bytes_of(c);
      }
      break;
    }
    case ObjType::Array: {
      auto* a = static_cast<ArrayObj*>(o);
      auto& items = a->items;
      // (Marked as likely: so laid out, the loop's other paths kept their
      // registers. Without the hint closures and string_build, which free no
      // containers, took 0.4% and 0.1% more instructions; unlikely, trees
      // 0.1% more than main.)
      if (kReleaseChildren && holds_objects(a)) [[likely]]
        for (Value v : items) drop(v);
      bytes = empty_buffer<Value, kKeep, page_block(sizeof(ArrayObj))>(items);
      pages = &pools_[kPoolArray].pages;
      break;
    }
    case ObjType::Gene: {
      auto* g = static_cast<GeneObj*>(o);
      if (kReleaseChildren && holds_objects(g)) [[likely]] {
        drop(g->head);
        for (Value v : g->children) drop(v);
      }
      bytes = empty_buffer<Value, kKeep, page_block(sizeof(GeneObj))>(g->children);
      g->head = Value::nil();
      pages = &pools_[kPoolGene].pages;
      break;
    }
    case ObjType::Map: {
      auto* m = static_cast<MapObj*>(o);
      if (kReleaseChildren && holds_objects(m)) [[likely]]
        for (auto& e : m->entries) drop(e.value);
      bytes = empty_buffer<MapObj::Entry, kKeptEntries, page_block(sizeof(MapObj))>(m->entries);
      if (m->index.data()) {  // an index was built (capacity 0 has no buffer): one load, not two
        bytes += buffer_bytes(m->index);
        Buffer<uint32_t>().swap(m->index);
      }
      pages = &pools_[kPoolMap].pages;
      break;
    }
    default:
      __builtin_unreachable();  // every type has its case: no range check before the jump table
  }
  run.bytes += bytes;  // taken from the live total after the run (after settle(): nothing is freed before it)
  if (o->flags & kBuffered) [[unlikely]] {
    o->flags = uint8_t((o->flags & ~kInZct) | kDead);  // its buffer still points here
    o->pooled = pages != nullptr;  // for reclaim()
    if (pages && !recyclable(o->type)) poison(o + 1, pages->block_bytes() - sizeof(Obj));
    return;
  }
  if (pages) pages->give_back(o);
  else free_large(o);  // never a container: those are always pooled
}

void Heap::reclaim(Obj* o) {
  if (o->pooled) pages_of(o).give_back(o);
  else free_large(o);
}

void Heap::drain_zct() {
  // The freeing is inlined here, its children's counts given back in
  // place: deep structures are freed without recursion (drop_child).
  uint64_t frees = 0;
  FreeRun run{zct_.cursor()};
  for (;;) {
    Obj* o = run.next;
    if (o) {
      run.next = nullptr;
    } else {
      if (!run.zct.size) break;
      o = run.zct.pop();
      // A survivor (a counted reference arrived) needs no buffering: if
      // it is in a cycle, the mutation that closed the cycle since the
      // last reconciliation buffered its holder (note_mutation). A freed
      // object's flag is left to free_one: its block's free-list link
      // overwrites it.
      if (o->rc != 0) {
        o->flags &= uint8_t(~kInZct);
        continue;
      }
    }
    ++frees;
    free_one<true>(o, run);
  }
  zct_.put_back(run.zct);
  rc_frees += frees;
  rc_decrements += run.decrements;
  live_settled_ -= run.bytes;
}

bool Heap::reconcile(Value* roots, Value* roots_end, bool force_full) {
  PhaseScope scope(phase, Phase::kReconcile);
  auto t0 = timer_now();
  ++reconciliations;
  settle();
  // The stack is walked twice here: past 128 values, the thresholds grow
  // with it, so that it stays within a quarter of the table's entries.
  uint64_t scale = std::max<uint64_t>(1, uint64_t(roots_end - roots) / (kZctThreshold / 4));
  zct_threshold_ = kZctThreshold * scale;
  reconcile_bytes_ = std::min(kReconcileBytes * scale, reconcile_bytes_cap_);
  young_limit_ = uint64_t(young_threshold_) * scale;
  for (Value* v = roots; v < roots_end; ++v)
    if (v->is_object()) ++v->as_object()->rc;
  drain_zct();
  double cycle_time = 0;
  bool full = force_full || (old_.size() > 0 && promoted_since_full_ >= young_threshold_ &&
                             double(promoted_since_full_) >= old_ratio_ * double(examined_by_full_));
  bool over_limit = max_bytes_ && live_bytes() + outside_bytes_ > max_bytes_;
  if (full || over_limit || young_.size() >= young_limit_) {
    auto c0 = timer_now();
    collect_cycles(full || over_limit);
    drain_zct();
    cycle_time = std::chrono::duration<double>(timer_now() - c0).count();
    gc_seconds += cycle_time;
    gc_pauses.push_back(cycle_time);
  }
  // Give back the stack's counts. A stack-held object that heap references
  // keep may lose its stack reference before the next reconciliation
  // without any count changing: it is a candidate cycle root.
  for (Value* v = roots; v < roots_end; ++v)
    if (v->is_object()) {
      Obj* o = v->as_object();
      if (--o->rc == 0) add_to_zct(o);
      else if (!(o->flags & kBuffered)) possible_cycle_root(o);
    }
  if (rc_frees + cycle_frees >= settle_pages_at_) settle_pages();
  free_seconds += std::chrono::duration<double>(timer_now() - t0).count() - cycle_time;
  update_fast_end();  // what was freed is room again
  return max_bytes_ == 0 || live_bytes() + outside_bytes_ <= max_bytes_;
}

// The empty pages past each pool's spares go back (BlockPages::sweep).
// Looking at the 19 pools' counts at every reconciliation cost churn 18
// first-level cache misses each (they are far apart): the next look is
// due once as many objects were freed as the pool nearest its sweep may
// still take back. (A block freed while buffered comes back after its
// free was counted, so its sweep may come a little later.)
void Heap::settle_pages() {
  uint64_t room = UINT64_MAX;
  for (Pool& pool : pools_) room = std::min(room, pool.pages.settle_pages());
  for (BlockPages& pages : medium_strings_) room = std::min(room, pages.settle_pages());
  settle_pages_at_ = rc_frees + cycle_frees + room;
}

// Trial deletion over the candidate roots (Bacon & Rajan's MarkRoots, Scan
// and CollectRoots), with explicit stacks. A young collection treats old
// objects as external: it neither subtracts nor restores edges into them.
// Ages change only after the collection, so every pass agrees on which
// edges were subtracted.
void Heap::collect_cycles(bool full) {
  ++(full ? old_collections : young_collections);
  // The candidates are walked from a buffer of their own: freeing garbage
  // gives back references into old objects, which may buffer those anew.
  candidates_.swap(young_);
  roots_.clear();
  uint64_t examined = 0;
  if (full) {
    examined += mark_gray<true>(candidates_.begin(), candidates_.end());
    examined += mark_gray<true>(old_.data(), old_.data() + old_.size());
    old_.clear();
  } else {
    examined += mark_gray<false>(candidates_.begin(), candidates_.end());
  }
  candidates_.clear();
  scan(full);

  // What scan left gray is the garbage. Survivors of a young collection
  // move to the old buffer; a full collection lets them go (a later
  // decrement buffers them again).
  for (Obj* r : roots_) {
    if (r->color == kGray) continue;
    if (full) {
      r->flags &= uint8_t(~kBuffered);
    } else {
      old_.push_back(r);
      ++promoted_since_full_;
    }
  }
  if (full) {
    promoted_since_full_ = 0;
    examined_by_full_ = examined;
  }
  collect_white(full);
  reached_.clear();
}

// Subtracts the references internal to what the roots reach, one root's
// subgraph at a time: everything a root newly reaches turns gray and is
// listed in reached_, which is also the walk's queue (each object listed
// once, when it turns gray, and visited in that order; the subtraction and
// the gray set do not depend on it). No stack beside the list, so a
// million-deep structure needs no recursion.
//
// A subgraph whose counts all fell to zero is garbage at once, whatever
// the later roots reach: every reference to its objects comes from its
// own objects (the stack's are counted during a reconciliation, an old
// object's are never subtracted), so nothing outside it can reach it. It
// is freed there, while it is still in the cache, and leaves the list;
// the rest waits for scan, which decides it as the whole trial deletion
// does (edges from freed subgraphs into it stay subtracted: they are
// gone). Roots in a freed subgraph that come later in the buffers are
// only marked dead there (free_one), and their blocks go back when they
// come up, as do blocks freed while buffered since the last collection.
//
// The list is walked through a cursor in locals (see FreeRun: the colors
// written are char-typed stores), and a young collection's test of age is
// compiled in only where it applies. Returns how many objects it reached.
template <bool kFull>
uint64_t Heap::mark_gray(Obj* const* first, Obj* const* last) {
  ObjStack::Cursor reached = reached_.cursor();
  FreeRun freed{};
  size_t listed = reached.size;
  uint64_t examined = 0;
  for (; first != last; ++first) {
    Obj* r = *first;
    // One test for both rare cases (dead, and old in a young collection).
    if (r->flags & (kFull ? kDead : kDead | kOld)) [[unlikely]] {
      if (r->flags & kDead) {
        reclaim(r);
      } else {  // waits for a full collection
        old_.push_back(r);
        ++promoted_since_full_;
      }
      continue;
    }
    if (r->color == kGray) {  // in a subgraph kept for scan
      roots_.push_back(r);
      continue;
    }
    // The subgraph is marked kMarking while it is walked, so that the
    // counts left in it are summed as it goes: what it gains when an
    // object joins, less one for each edge subtracted inside it later.
    // (Edges into subgraphs kept earlier subtract from those.)
    size_t begin = reached.size, old_edges = 0;
    uint64_t left = r->rc;
    r->color = kMarking;
    reached.push(r);
    for (size_t i = begin; i < reached.size; ++i) {
      Obj* o = reached.data[i];
      for_each_child(o, [&](Obj* c) {
        if (!enters(c, kFull)) {
          old_edges_.push_back({o, c});
          ++old_edges;
          return;
        }
        --c->rc;
        if (c->color == kMarking) {
          --left;
        } else if (c->color == kBlack) {
          c->color = kMarking;
          left += c->rc;
          reached.push(c);
        }
      });
    }
    // The subgraph, through pointers in locals: the colors and flags
    // written below are char-typed stores, which may alias the cursor.
    Obj** const sub = reached.data + begin;
    Obj** const sub_end = reached.data + reached.size;
    examined += sub_end - sub;
    if (left != 0) {
      for (Obj** p = sub; p != sub_end; ++p) (*p)->color = kGray;
      roots_.push_back(r);
      continue;
    }
    if (old_edges) {
      for (size_t i = old_edges_.size() - old_edges; i < old_edges_.size(); ++i)
        release_object(old_edges_[i].second);
      old_edges_.resize(old_edges_.size() - old_edges);
    }
    r->flags &= uint8_t(~kBuffered);
    // No color is reset: a block going back has its header overwritten
    // by the free-list link, and one kept while buffered is marked dead,
    // which every pass tests before its color (reused blocks are colored
    // afresh, reused_container).
    for (Obj** p = sub; p != sub_end; ++p) free_one<false>(*p, freed);
    reached.size = begin;
  }
  reached_.put_back(reached);
  cycle_frees += examined - (reached.size - listed);  // what is not listed for scan was freed
  live_settled_ -= freed.bytes;
  return examined;
}

// What still has references from outside is live, and so is everything it
// reaches: black, with its counts restored. The rest stays gray: the
// garbage. One pass over what mark_gray reached, in any order, gives the
// colors of the recursive Scan: an object passed over while its count was
// zero is blackened by scan_black if a live one reaches it later (a walk
// from the roots pushed every edge of the subgraph once more).
void Heap::scan(bool full) {
  for (Obj* o : reached_)
    if (o->color == kGray && o->rc > 0) scan_black(o, full);
}

void Heap::scan_black(Obj* o, bool full) {
  o->color = kBlack;
  black_.push_back(o);
  while (!black_.empty()) {
    Obj* x = black_.back();
    black_.pop_back();
    for_each_child(x, [&](Obj* c) {
      if (!enters(c, full)) return;
      ++c->rc;
      if (c->color != kBlack) {
        c->color = kBlack;
        black_.push_back(c);
      }
    });
  }
}

// Frees the rest of the garbage, inline (as the zero count table's drain
// does): every object scan left gray. A gray
// object is reached from a gray root through gray objects only (anything
// a black one reaches is black), so this is CollectWhite's set, without
// its walk. First the garbage gives back its references into old objects,
// which a young collection did not enter and so never subtracted (mark
// gray listed those edges, so the garbage's children are not walked
// again), while every color can still be read; then one pass frees the
// garbage and, in a young collection, ages what it examined and kept.
void Heap::collect_white(bool full) {
  for (auto [holder, child] : old_edges_)
    if (holder->color == kGray) release_object(child);
  old_edges_.clear();
  FreeRun run{};
  uint64_t garbage = 0;
  for (Obj* o : reached_) {
    if (o->color == kGray) {
      o->color = kBlack;
      o->flags &= uint8_t(~kBuffered);
      ++garbage;
      free_one<false>(o, run);  // its block's free-list link overwrites only its own header
    } else if (!full) {
      o->flags |= kOld;
    }
  }
  live_settled_ -= run.bytes;
  cycle_frees += garbage;
}

// The end of a run: nothing observable depends on counts any more, so the
// pages go back wholesale (with the containers' buffers) and the larger
// objects one by one — no walk through references, no cycle collection,
// and nothing allocated while memory may be short.
//
// The sanitizer build first frees everything the way a run frees garbage,
// with no roots left: counts free the acyclic part, full collections the
// cycles. Every object must go. One left over was unreachable yet in
// neither the zero count table nor a candidate buffer — garbage the run
// could never free — and stops the process.
Heap::~Heap() {
#ifdef GENE_ASAN
  settle();
  for (Value v : pinned_) release(v);
  for (int round = 0; round < 64 && live_objects() > 0; ++round) {
    drain_zct();
    if (young_.empty() && old_.empty()) break;
    collect_cycles(true);
  }
  if (live_objects() != 0) {
    std::fprintf(stderr, "gene: heap invariant broken: %llu objects not freed by counts or collections\n",
                 static_cast<unsigned long long>(live_objects()));
    std::abort();
  }
#endif
  while (large_) free_large(static_cast<LargeLink*>(large_) + 1);
  for (Pool& pool : pools_) pool.pages.release_all();
  for (BlockPages& pages : medium_strings_) pages.release_all();
  page_source_.release_all();
}

}  // namespace gene
