// The heap: allocation of every object and the memory model.
//
// Deferred reference counting (Deutsch–Bobrow). An object's count holds
// the references from other heap objects, from globals and from pinned
// constants; references from the VM stack (locals, temporaries, callees)
// are never counted, so the hot paths — every push, pop and local store —
// pay nothing. The price is that a count of zero does not prove death: a
// new object, or one whose last heap reference went away, is put in the
// zero count table (ZCT) and decided at the next reconciliation.
//
// Reconciliation runs only at safepoints (backward jumps and calls), when
// the VM hands over its stack: the stack's references are counted for the
// moment, every ZCT entry still at zero is freed (its children released
// in turn), the cycle collector runs if it is due, and the stack's counts
// are taken back. C++ code (builtins, the compiler) may therefore hold
// fresh objects in locals without rooting them: nothing is freed between
// safepoints.
//
// Cycles: reference counting alone never frees a cycle. Objects that may
// have become the entry to a garbage cycle are buffered as candidate
// roots: a count decremented to non-zero; a reachable container made to
// hold another (note_mutation: every cycle has such an edge, and one
// through an object made since the last reconciliation got it since
// then); a stack-held object, whose stack reference may vanish without
// any count changing. The cycle collector runs trial deletion over them
// (Bacon & Rajan 2001, "Concurrent Cycle Collection in Reference Counted
// Systems", the synchronous algorithm): subtract internal references,
// keep what still has external ones, free the rest.
//
// Self references: a container (array, map, gene) does not count its
// references to itself, which can never keep it alive from outside. A
// store of v into container C counts v only if v is an object other than
// C (and only then can it close a cycle: note_mutation); an overwrite or
// removal gives a count back on the same condition (counted_in, the one
// test, through retain_in / release_in / store_in); a freed container
// meets itself among its children uncounted (drop_child), and the
// collector's walks skip the self edge (for_each_child). So a container
// holding only itself dies by its count, without a collection; a copy of
// its values into another container counts it as any value. (Boxes and
// closures cannot hold themselves: a box's value is never a box, and a
// closure holds only boxes.)
//
// Generations: candidates start young. A young collection examines only
// young candidates and does not enter objects that survived an earlier
// collection (old objects count as external references), so its cost is
// the recently changed part of the heap. Young candidates that survive
// move to the old buffer, which a full collection examines — over the
// whole heap — only once the candidates promoted since the last one reach
// old_ratio of what that one examined (CPython's rule against quadratic
// full collections).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "block_pages.h"
#include "object.h"
#include "phase_sampler.h"

// The inlined allocation paths. bench/memory-share measures a build
// configured with -DGENE_OUTLINE_ALLOCATION=ON, where they are the same
// code but functions of their own, so that callgrind can attribute their
// instructions to allocation.
#ifdef GENE_OUTLINE_ALLOCATION
#define GENE_ALLOCATION_PATH [[gnu::noinline]]
#else
#define GENE_ALLOCATION_PATH [[gnu::always_inline]]
#endif

namespace gene {

struct OutOfMemory {};

// A stack of object pointers whose push is a compare and a store where it
// is inlined (allocation sites, the freeing loop); growth is out of line.
// (std::vector's push_back inlined its reallocation at each site, and the
// registers it needed made every call that reached it save six.)
class ObjStack {
 public:
  ObjStack() = default;
  ObjStack(const ObjStack&) = delete;
  ObjStack& operator=(const ObjStack&) = delete;
  ~ObjStack() { ::operator delete(data_); }
  [[gnu::always_inline]] void push(Obj* o) {
    if (size_ == capacity_) [[unlikely]] grow();
    data_[size_++] = o;
  }
  // A push the caller knows there is room for (size() < capacity()).
  [[gnu::always_inline]] void push_within(Obj* o) { data_[size_++] = o; }
  Obj* pop() { return data_[--size_]; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // The stack held in a loop's locals (the freeing loop) and put back at
  // its end, so that its pointer and size stay in registers.
  struct Cursor {
    Obj** data;
    size_t size;
    size_t capacity;
    [[gnu::always_inline]] void push(Obj* o) {
      // By value: a cursor whose address escaped could be aliased by any
      // char-typed store (an object's color or flags) and leave registers.
      if (size == capacity) [[unlikely]] *this = grown(*this);
      data[size++] = o;
    }
    Obj* pop() { return data[--size]; }
  };
  Cursor cursor() const { return {data_, size_, capacity_}; }
  Obj** begin() const { return data_; }
  Obj** end() const { return data_ + size_; }
  void clear() { size_ = 0; }
  void swap(ObjStack& other) {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  void put_back(const Cursor& c) {
    data_ = c.data;
    size_ = c.size;
    capacity_ = c.capacity;
  }

  [[gnu::noinline]] void grow();  // doubles the capacity (public for a push checked apart: full())

 private:
  [[gnu::noinline]] static Cursor grown(Cursor c);
  Obj** data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Names by id and ids by name. The index is one flat open-addressing
// array of (hash, id) slots: an intern hashes the name once and walks one
// probe sequence, which either finds the name or ends at the empty slot
// where it is inserted; the stored hash settles most mismatches without
// touching the names. (A node-based std::unordered_map cost about 650
// machine instructions and a malloc per new name, and a cache miss per
// node on large tables.)
class SymbolTable {
 public:
  SymbolTable() : slots_(kInitialSlots) {}
  uint32_t intern(std::string_view name);
  // The id of an already interned name, or -1 (lookups need not grow the table).
  int64_t find(std::string_view name) const;
  const std::string& name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }
  // The bytes the table holds per name beside the name's own bytes, at most:
  // its std::string and slack in names_, its slots at the lowest load.
  static constexpr size_t kBytesPerName = 2 * sizeof(std::string) + 4 * 8;

  static uint32_t hash(std::string_view s);

 private:
  struct Slot {
    uint32_t hash;
    uint32_t id;  // id + 1; 0 = empty
  };
  static constexpr size_t kInitialSlots = 64;
  // The slot holding name, or the empty slot where it belongs.
  size_t probe(std::string_view name, uint32_t h) const;
  void grow();

  // Both on the heap's buffers (buffer_allocator.h): at 400k names they
  // pass 256 KiB and are mapped and faulted in whole as they grow.
  Buffer<Slot> slots_;  // a power of two, at most half full
  Buffer<std::string> names_;
};

class Heap {
 public:
  Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  // Frees everything still allocated, wholesale (see block_pages.h).
  ~Heap();

  void set_limit(uint64_t max_bytes);
  void set_young_threshold(uint32_t candidates) { young_threshold_ = young_limit_ = candidates ? candidates : 1; }
  void set_old_ratio(double ratio) { old_ratio_ = ratio > 0 ? ratio : 0; }

  // Allocation. The common case — a free block on the current page of its
  // pool, no limit set — is inlined where objects are made
  // (below the class); the rest takes the out-of-line path, which does the
  // same and more.
  StringObj* new_string(std::string_view bytes);
  StringObj* concat(std::string_view a, std::string_view b);
  // `x = (x + b)` when the caller has proved that nothing but the variable
  // x can see s (CPython's trick): b goes into the slack of s's own block
  // when the longer string still belongs to the same block size (the size
  // follows from the length everywhere: freeing, the pools, the byte
  // counts), so no count or limit changes. Returns false, touching
  // nothing, when it does not fit; the caller then concatenates.
  bool append_in_place(StringObj* s, std::string_view b);
  GENE_ALLOCATION_PATH inline ArrayObj* new_array(size_t reserve = 0);
  GENE_ALLOCATION_PATH inline MapObj* new_map();
  GeneObj* new_gene(Value head);
  GENE_ALLOCATION_PATH inline BoxObj* new_box(Value v);
  GENE_ALLOCATION_PATH inline ClosureObj* new_closure(const Proto* proto, uint32_t upvalue_count);

  // ---- the write barrier: every store of a value into a heap object or a
  // global goes through these, so counts stay exact.
  // Inlined into the interpreter: storing a scalar over a scalar costs two
  // tag tests; the rare paths (ZCT, candidate buffer) are out of line.
  [[gnu::always_inline]] void retain(Value v) {
    if (v.is_object()) {
      ++v.as_object()->rc;
      ++rc_increments;
    }
  }
  [[gnu::always_inline]] void release(Value v) {
    if (v.is_object()) release_object(v.as_object());
  }
  [[gnu::always_inline]] void release_object(Obj* o) {
    ++rc_decrements;
    if (--o->rc == 0) add_to_zct(o);
    else if (!(o->flags & kBuffered)) possible_cycle_root(o);
  }
  [[gnu::always_inline]] void store(Value& slot, Value v) {
    retain(v);
    Value old = slot;
    slot = v;
    release(old);
  }
  // A container's references to itself are not counted (see "Self
  // references" in the header comment): the one test, for every store
  // into, removal from and walk of a container's values. kSelf: whether
  // the value may be the container itself (a mutation); construction
  // stores no container into itself, and pays no test.
  template <bool kSelf = true>
  [[gnu::always_inline]] static bool counted_in(const Obj* holder, Value v) {
    return v.is_object() && (!kSelf || v != Value::object(holder));
  }
  // A container (array, map, gene) is marked when an object is counted
  // into it, on every path that stores into one: freeing it walks its
  // values, to give back their counts, only if it is marked. Most
  // containers of numbers never are (churn's [i (i + 1)], trees' leaves
  // [nil nil]): 25 instructions of churn's 138 in freeing an iteration.
  // The mark is never taken back while the container lives (a container
  // that held an object is walked for nothing at worst); a reused block's
  // header is written afresh (fresh, reused_container). A container that
  // holds only itself stays unmarked: its self reference is not counted,
  // so there is nothing to give back. The sanitizer build checks, as each
  // container is freed, that an unmarked one holds no counted object
  // (check_holds_objects). (The cycle collector's walks test no mark: the
  // containers it meets hold the objects of their cycles, and the test
  // cost cycles 0.4% more instructions.)
  [[gnu::always_inline]] static void note_stored(Obj* holder, bool object) {
    if (object) holder->flags |= kHoldsObjects;
  }
  static bool holds_objects(const Obj* container) { return container->flags & kHoldsObjects; }
  // retain() and store() for a value stored into holder: the mark goes in
  // the branch that takes the count, so a scalar costs nothing more.
  template <bool kSelf = true>
  [[gnu::always_inline]] void retain_in(Obj* holder, Value v) {
    if (counted_in<kSelf>(holder, v)) {
      ++v.as_object()->rc;
      ++rc_increments;
      note_stored(holder, true);
    }
  }
  [[gnu::always_inline]] void release_in(const Obj* holder, Value v) {
    if (counted_in(holder, v)) release_object(v.as_object());
  }
  // store() into a slot of holder.
  template <bool kSelf = true>
  [[gnu::always_inline]] void store_in(Obj* holder, Value& slot, Value v) {
    retain_in<kSelf>(holder, v);
    Value old = slot;
    slot = v;
    if constexpr (kSelf) release_in(holder, old);
    else release(old);
  }
  // A store into an object that the program could already reach (not one
  // under construction): if it stores a container, it may close a cycle,
  // so the holder becomes a candidate. Every cycle has such an edge:
  // construction only links a new object to values made before it was
  // reachable, which cannot lead back to it. (A self reference is no such
  // edge: it is not counted, so it keeps nothing alive.)
  [[gnu::always_inline]] void note_mutation(Obj* holder, Value v) {
    if (counted_in(holder, v) && v.as_object()->type != ObjType::String && !(holder->flags & kBuffered))
      possible_cycle_root(holder);
  }
  // Construction: filling in an object the program cannot reach yet (a
  // literal, quoted data, a builtin's result). items is holder's buffer.
  void push(Obj* holder, Values& items, Value v);  // counts (retain_in: push_into may push holder itself), and reports growth
  void append(Obj* holder, Values& items, const Value* first, const Value* last);
  // The elements of an array literal, into the array new_array(n) made
  // for them (n = last - first): its buffer has room for them all, so
  // each is a store and a count, with no growth to check or report.
  // (Out of line: inlined, its loop cost the interpreter's other
  // instructions a register, and loop_sum an instruction per iteration.)
  void fill(ArrayObj* a, const Value* first, const Value* last);
  // A small map with room (every map literal's entries, most stores into
  // small maps) is filled here, inlined: a scan of its few keys, then a
  // store; the rest, out of line.
  // (Construction stores no map into itself: only a mutation, map_set,
  // pays the self test here.)
  template <bool kMutation = false>
  [[gnu::always_inline]] void map_put(MapObj* m, uint32_t key, Value v) {
    if (!m->adds_in_place()) [[unlikely]] return map_put_slow(m, key, v);
    for (MapObj::Entry& e : m->entries)
      if (e.key == key) return store_in<kMutation>(m, e.value, v);
    if (m->entries.size() == m->entries.capacity()) __builtin_unreachable();  // adds_in_place
    m->entries.push_back({key, v});
    retain_in<kMutation>(m, v);
  }
  // Mutation: a store into an object the program can reach.
  [[gnu::always_inline]] void store_into(Obj* holder, Value& slot, Value v) {
    store_in(holder, slot, v);
    note_mutation(holder, v);
  }
  void push_into(ArrayObj* a, Value v) {
    push(a, a->items, v);
    note_mutation(a, v);
  }
  void map_set(MapObj* m, uint32_t key, Value v) {
    map_put<true>(m, key, v);
    note_mutation(m, v);
  }
  // Takes a count that will never be given back while the heap lives
  // (constants).
  void pin(Value v);

  // Containers that grow report the change so the heap limit sees it.
  // Throws OutOfMemory past the hard limit.
  void grew(int64_t delta_bytes);

  // Memory a run uses beside its objects — the VM's stack, the names it
  // interns — counts against the limit too, though not as heap in the
  // statistics. Throws OutOfMemory when growth passes the hard limit.
  void charge_outside(int64_t delta_bytes);
  uint64_t outside_bytes() const { return outside_bytes_; }
  // What may still be allocated within the limit, without the slack that
  // allocations get for garbage not yet freed: the most text a display may
  // build (it counts as heap while it exists). Unlimited without a limit.
  uint64_t room() const {
    if (max_bytes_ == 0) return UINT64_MAX;
    uint64_t used = live_bytes() + outside_bytes_;
    return used < max_bytes_ ? max_bytes_ - used : 0;
  }

  // ---- reconciliation (safepoints only).
  bool wants_reconcile() const {
    return zct_.size() >= zct_threshold_ || bytes_since_reconcile_ >= reconcile_bytes_ ||
           young_.size() >= young_limit_ || (max_bytes_ && live_bytes() + outside_bytes_ > max_bytes_);
  }
  // The uncounted references are the values in [roots, roots_end). Frees
  // what is dead, collects cycles when due (always with force_full), and
  // returns false when the heap is still over its limit afterwards (the
  // program must stop with "out of memory").
  bool reconcile(Value* roots, Value* roots_end, bool force_full = false);

  // The interpreter polls at every Nth safepoint; when the heap wants a
  // reconciliation it brings the next poll forward to the next safepoint.
  static constexpr uint32_t kPollInterval = 1024;
  uint32_t poll_countdown = kPollInterval;

  // Object pools: the common small shapes live in pages of blocks of one
  // size per type (block_pages.h); freed blocks are handed out again before
  // a fresh block is carved, and a page left empty goes back.
  enum PoolId { kPoolArray, kPoolMap, kPoolString, kPoolClosure, kPoolBox, kPoolGene, kPoolCount };
  static constexpr ObjType kPoolType[kPoolCount] = {ObjType::Array, ObjType::Map,     ObjType::String,
                                                    ObjType::Closure, ObjType::Box, ObjType::Gene};
  // The inlined path counts only its hits: allocations are hits and
  // fresh blocks (one increment per allocation, not two).
  struct PoolStats {
    uint64_t hits = 0;   // allocations served from the free list
    uint64_t fresh = 0;  // allocations of a block never handed out, or of a larger object
    uint64_t allocations() const { return hits + fresh; }  // allocations of this type
  };
  static const char* pool_name(int id);
  const PoolStats& pool_stats(int id) const { return pools_[id].stats; }
  uint64_t pool_hits() const;
  // Strings up to this many bytes and closures with up to this many
  // upvalues share one block size each, so their blocks can be pooled.
  // Medium strings (up to about 4 KiB) have pages of their own size classes.
  static constexpr uint32_t kSmallString = 23;
  static constexpr uint32_t kSmallClosure = 4;
  static constexpr int kMediumStringClasses = 13;

  // What the heap is doing, for the run's phase sampler (phase_sampler.h):
  // allocation and buffer growth mark kAllocation, the write barrier's
  // slow paths kCounting, reconciliations kReconcile. Allocation is
  // estimated from those samples alone; reconciliations, which last
  // microseconds or more, are also timed whole, below.
  PhaseWord phase;
  size_t chunk_count() const { return page_source_.chunk_count(); }
  // Time in reconciliations outside the cycle collector (freeing).
  double free_seconds = 0;
  // Time in the cycle collector; one pause per collection.
  double gc_seconds = 0;
  std::vector<double> gc_pauses;

  // Counters for the statistics. Allocation counts only its pool's hits
  // (or fresh blocks) and the bytes since the last reconciliation; the totals
  // are folded in there (settle()), and the accessors add what is pending,
  // so every figure is exact at any moment.
  uint64_t allocations() const;  // the pools' sum
  uint64_t live_objects() const { return allocations() - rc_frees - cycle_frees; }
  uint64_t live_bytes() const { return live_settled_ + bytes_since_reconcile_; }
  uint64_t bytes_allocated() const { return allocated_settled_ + bytes_since_reconcile_; }
  uint64_t peak_bytes() const { return std::max(peak_settled_, live_bytes()); }
  uint64_t rc_increments = 0;
  uint64_t rc_decrements = 0;
  uint64_t rc_frees = 0;            // objects freed because their count reached zero
  uint64_t reconciliations = 0;
  uint64_t cycle_candidates = 0;    // objects buffered as possible cycle roots
  uint64_t young_collections = 0;
  uint64_t old_collections = 0;
  uint64_t cycle_frees = 0;         // objects freed by the cycle collector

  // The collector's bookkeeping, in Obj::color and Obj::flags.
  // After scan, gray is garbage; kMarking is gray in the subgraph being marked.
  enum Color : uint8_t { kBlack = 0, kGray, kMarking };
  enum Flag : uint8_t {
    kInZct = 1,     // in zct_
    kBuffered = 2,  // in young_ or old_
    kOld = 4,       // survived a collection: young collections do not enter it
    kDead = 8,      // freed while buffered; its block waits for the buffer's next scan
    kHoldsObjects = 16,  // a container an object was ever stored into (note_stored)
  };

 private:
  // How much garbage waits for a reconciliation: the objects made and
  // dropped since the last one are freed while they are still in the
  // first-level cache (48 KiB here), and their blocks and buffers are
  // handed out again while they still are. At 2048 entries and 256 KiB
  // a churn iteration's objects and buffers (about 170 bytes) outgrew
  // it: cachegrind counted 4.4 first-level misses per iteration, in
  // freeing and again in allocation (the kept buffers written cold); at
  // 512 entries and 64 KiB, 0.4, with 0.1% more instructions for the
  // extra reconciliations. A deep stack raises both, so that walking it
  // stays a small part of each reconciliation (reconcile()).
  static constexpr size_t kZctThreshold = 512;
  static constexpr uint64_t kReconcileBytes = uint64_t(1) << 16;

  [[gnu::always_inline]] void zct_push(Obj* o) {
    if (o->flags & kInZct) return;
    o->flags |= kInZct;
    zct_.push(o);
    if (zct_.size() >= zct_threshold_) poll_countdown = 1;
  }
  [[gnu::noinline]] void add_to_zct(Obj* o) {
    PhaseScope scope(phase, Phase::kCounting);
    zct_push(o);
  }
  // Makes no call but when the buffer is full (a tail call that grows it
  // and comes back): with no call to return from and no exception to
  // unwind, it saves no registers and keeps no landing pad for the phase
  // (the push with its growth inside the phase's scope cost 8 of its 33
  // instructions, and it runs about twice an iteration of cycles).
  [[gnu::noinline]] void possible_cycle_root(Obj* o) {
    if ((o->flags & kBuffered) || o->type == ObjType::String) return;  // strings hold no references
    if (young_.full()) [[unlikely]] return grow_candidates(o);
    young_.push(o);  // before the char-typed stores below, which could alias its size
    PhaseScope scope(phase, Phase::kCounting);
    o->flags |= kBuffered;
    ++cycle_candidates;
    if (young_.size() >= young_limit_) poll_countdown = 1;
  }
  [[gnu::noinline]] void grow_candidates(Obj* o);

  // A fresh object joins the zero count table (nothing references it yet
  // but the stack) and its bytes the reconciliation's budget. Its header
  // was written by fresh() or reused_container(), kInZct included.
  template <typename T>
  [[gnu::always_inline]] T* link(T* o, size_t bytes) {
    T* linked = link_fast(o, bytes);
    if (bytes_since_reconcile_ >= reconcile_bytes_) poll_countdown = 1;
    return linked;
  }
  // link() for an object take_fast() gave a block: it found the bytes
  // under fast_end_, which is at most reconcile_bytes_, so the byte budget
  // is not checked again here. An allocation that crosses it asks for the
  // poll one allocation later, when take_fast() sends that one out of line
  // (to link()): one compare an object instead of two.
  // Its table push compares once: below zct_room_ the table has room and
  // stays under its threshold.
  template <typename T>
  [[gnu::always_inline]] T* link_fast(T* o, size_t bytes) {
    bytes_since_reconcile_ += bytes;
    if (zct_.size() >= zct_room_) [[unlikely]] zct_push_fresh(o);
    else zct_.push_within(o);
    return o;
  }
  // The table push of a fresh object past zct_room_: the table grows, or
  // reaches its threshold, which asks for the poll — then the room is the
  // whole capacity, as the poll stays asked for until the reconciliation
  // (update_fast_end) sets it again.
  [[gnu::noinline]] void zct_push_fresh(Obj* o);
  void set_zct_room();  // zct_room_ as the table's capacity and threshold now allow
  // A free block for the inlined path, or null: then the out-of-line path
  // allocates (a fresh block, a limit to check, the poll the byte budget
  // asks for). The inlined path stays on while the bytes made since the
  // last settle are under fast_end_: there, no allocation it makes can
  // bring the heap to its limit, so check_limit would neither stop nor
  // poll, and the reconciliation's byte budget is not used up. (With the path
  // off under any limit, every farm job, whose worker always sets one,
  // ran the out-of-line path: churn 11.6% more instructions than `gene run`.)
  [[gnu::always_inline]] void* take_fast(BlockPages& pages, PoolStats& stats) {
    if (bytes_since_reconcile_ >= fast_end_) return nullptr;
    void* b = pages.take_free();
    if (!b) return nullptr;
    ++stats.hits;
    return b;
  }
  // A fresh object's header, with the flag of the table link() puts it in
  // written beside the rest, so that the stores merge into one.
  template <typename T>
  [[gnu::always_inline]] static T* fresh(void* mem) {
    T* o = new (mem) T();
    o->flags = kInZct;
    return o;
  }
  template <typename T>
  [[gnu::always_inline]] static T* reused_container(void* b, ObjType type) {
    T* o = static_cast<T*>(b);
    o->rc = 0;  // the free-list link overwrote the header
    o->type = type;
    o->color = 0;
    o->flags = kInZct;
    o->pooled = 0;
    return o;
  }
  void map_put_slow(MapObj* m, uint32_t key, Value v);
  GENE_ALLOCATION_PATH inline StringObj* new_string_uninitialized(size_t length);
  StringObj* new_string_slow(size_t length);
  ArrayObj* new_array_slow(size_t reserve);
  void reserve_items(ArrayObj* a, size_t reserve);
  MapObj* new_map_slow();
  BoxObj* new_box_slow(Value v);
  ClosureObj* new_closure_slow(const Proto* proto, uint32_t upvalue_count);
  void settle();  // folds the bytes since the last reconciliation into the totals
  void check_limit(size_t incoming);
  // The most one inlined allocation adds: the largest medium string block,
  // or a container's block with its kept buffer.
  static constexpr uint64_t kFastBytesMax = 8192;
  // Recomputes fast_end_ after the live bytes as of the last settle, the
  // outside bytes or the limit changed (frees only widen the room: they
  // may leave it until the reconciliation's end), and zct_room_.
  void update_fast_end();

  // Frees every ZCT entry whose count is zero, and what that frees in turn.
  void drain_zct();
  // What a run of frees keeps in locals and folds into the heap once, at
  // its end. Obj::flags is a uint8_t, and a store through a char type may
  // alias anything: a Heap member touched for every freed object (the
  // table's top, the decrement count, the live total) was loaded and
  // stored again around each object's flag updates.
  struct FreeRun {
    ObjStack::Cursor zct;  // the zero count table, while it is drained
    Obj* next = nullptr;   // a child found dead, freed next (drop_child)
    uint64_t decrements = 0;
    uint64_t bytes = 0;
  };
  // Frees an object that no reference keeps: its children are released
  // (unless the cycle collector already accounted for them: then run.zct
  // is not touched) and its block returned, or kept until its buffer is
  // scanned when it is buffered.
  template <bool kReleaseChildren>
  [[gnu::always_inline]] inline void free_one(Obj* o, FreeRun& run);
  // A child's count given back while freeing. One that reaches zero and
  // is not in the table is dead (the stack's references are counted while
  // the table is drained): the last one found is freed next, through
  // run.next (often the only one: a map's array), the others join the
  // table; either way without a flag, as nothing can bring its count to
  // zero again. The order is the table's, last pushed first: freeing the
  // first one next instead made trees 6% slower (its nodes' blocks came
  // back permuted, out of the order they are made and walked in). (No
  // poll is asked for: the drain empties the table before it returns.)
  //
  // A container's reference to itself is not counted, and the freeing
  // loops do not test for it (a compare on every child cost churn and
  // trees 2 instructions an object): the object being freed is the only
  // child whose count can be zero, so it shows on the rare path, its count
  // wrapped around, and the decrement is taken back. The count is read
  // again there as an atomic load, which the compiler neither merges with
  // the decrement nor moves: the decrement stays a subtract in memory and
  // the flags are read only when it reaches zero (reusing the decremented
  // value cost churn 3 instructions an iteration and trees 1.3 an object;
  // with the reload, drain_zct takes 8% fewer than before the rule).
  [[gnu::always_inline]] void drop_child(Obj* c, FreeRun& run) {
    ++run.decrements;
    if (--c->rc == 0) {
      if (c->flags & kInZct) return;
      if (run.next) run.zct.push(run.next);
      run.next = c;
    } else if (__atomic_load_n(&c->rc, __ATOMIC_RELAXED) == UINT32_MAX) [[unlikely]] {
      c->rc = 0;
      --rc_decrements;  // taken back from the heap's total (the run's, in a register, is added at its end)
    } else if (!(c->flags & kBuffered)) {
      possible_cycle_root(c);
    }
  }
  void reclaim(Obj* o);  // the block of a freed object
  void settle_pages();
  uint64_t settle_pages_at_ = 0;  // rc_frees + cycle_frees when settle_pages() is next due
  void collect_cycles(bool full);
  // The passes of trial deletion, and whether a collection follows an edge
  // into c: a young one does not enter old objects.
  template <bool kFull>
  uint64_t mark_gray(Obj* const* first, Obj* const* last);
  void scan(bool full);
  void scan_black(Obj* o, bool full);
  void collect_white(bool full);
  static bool enters(const Obj* c, bool full) { return full || !(c->flags & kOld); }

  PageSource page_source_;  // before the pools: their pages go back to it
  struct Pool {
    Pool(PageSource& source, size_t block_bytes, void (*destroy)(void*)) : pages(source, block_bytes, destroy) {}
    BlockPages pages;
    PoolStats stats;
  };
  void* take(PoolId id);      // a pooled or fresh block
  template <typename T>
  T* recycled(PoolId id);     // a pooled or fresh container
  void* take_large(size_t bytes);  // a string or closure too large for its pool
  void free_large(void* object);
  Pool pools_[kPoolCount];
  BlockPages medium_strings_[kMediumStringClasses];  // counted in the string pool's statistics
  BlockPages& pages_of(const Obj* o);                // the pages of a pooled object's block
  void* large_ = nullptr;     // the larger objects, linked for the end of the heap

  ObjStack zct_;
  ObjStack young_;  // its push keeps the growth out of line (possible_cycle_root saves no registers)
  std::vector<Obj*> old_;
  std::vector<Value> pinned_;
  ObjStack reached_;           // what a cycle collection examined (mark gray's queue)
  std::vector<std::pair<Obj*, Obj*>> old_edges_;  // edges a young collection met into old objects
  ObjStack candidates_;        // young_'s candidates while a collection walks them
  std::vector<Obj*> roots_;    // the candidates whose subgraphs wait for scan
  std::vector<Obj*> black_;    // scan-black's explicit stack
  uint64_t bytes_since_reconcile_ = 0;  // what objects made since then hold
  uint64_t fast_end_ = kReconcileBytes;  // take_fast's bound on it (update_fast_end)
  size_t zct_room_ = 0;  // link_fast's bound on zct_.size() (update_fast_end)
  uint64_t live_settled_ = 0;           // live bytes as of then, with buffers' growth since
  uint64_t allocated_settled_ = 0;
  uint64_t peak_settled_ = 0;
  size_t zct_threshold_ = kZctThreshold;
  uint64_t reconcile_bytes_ = kReconcileBytes;
  uint64_t reconcile_bytes_cap_ = UINT64_MAX;  // what the heap limit allows
  // Young collections are small for the same reason: the objects a
  // candidate reaches are walked, and garbage freed, while they are still
  // in the second-level cache. (At 10000 candidates, cycles' 15000 objects
  // had left it: nearly two misses there per object examined, 1.9 M on
  // n=200000 in a simulated 1 MiB cache, 8 k at 1024, and 12% of the
  // run's time; 512 took 2% less than 1024, 256 no less.) Since a
  // container's references to itself are not counted, a candidate of
  // cycles stands for its two maps where it stood for two of three
  // objects: at 512 a collection examined a third more and paused a third
  // longer (p50 3.9 -> 5.2 us); at 256 it pauses less than before, and
  // takes 0.35% fewer instructions. A deep stack raises the limit as it
  // raises the others. (RunOptions::gc_young_threshold, --gc-young, sets it.)
  uint32_t young_threshold_ = 256;
  uint64_t young_limit_ = young_threshold_;  // young_threshold_, scaled with the stack
  double old_ratio_ = 0.25;
  uint64_t promoted_since_full_ = 0;  // young candidates moved to old_ since the last full collection
  uint64_t examined_by_full_ = 0;     // objects the last full collection examined
  uint64_t max_bytes_ = 0;
  uint64_t outside_bytes_ = 0;
};

// ---- What memory costs, and the inlined allocation paths.
//
// The heap limit is meant to bound the process's memory, so objects are
// counted as they are really held: pooled objects as their block in a page
// (block_pages.h), container buffers as buffer_block_bytes, larger strings
// and closures as malloc holds them (heap.cc). (Counting requested sizes
// let a heap of small closures take 3.5 times its limit.)
constexpr size_t page_block(size_t n) { return (n + 7) & ~size_t(7); }  // as BlockPages rounds
constexpr size_t kSmallStringBlock = sizeof(StringObj) + Heap::kSmallString + 1;
constexpr size_t kSmallClosureBlock = sizeof(ClosureObj) + Heap::kSmallClosure * sizeof(BoxObj*);
template <typename T>
size_t buffer_bytes(const Buffer<T>& v) { return buffer_block_bytes(v.capacity() * sizeof(T)); }
inline size_t map_buffer_bytes(const MapObj* m) { return buffer_bytes(m->entries) + buffer_bytes(m->index); }
inline size_t bytes_of(const ArrayObj* a) { return page_block(sizeof(ArrayObj)) + buffer_bytes(a->items); }
inline size_t bytes_of(const MapObj* m) { return page_block(sizeof(MapObj)) + map_buffer_bytes(m); }
inline size_t bytes_of(const GeneObj* g) { return page_block(sizeof(GeneObj)) + buffer_bytes(g->children); }
inline size_t bytes_of(const BoxObj*) { return page_block(sizeof(BoxObj)); }

// A pooled container keeps a buffer of up to this many elements while its
// block is free (heap.cc, empty_buffer), and the bytes of such a buffer,
// by capacity, come from a table: allocation and freeing both count them.
// Every free block of a container pool went through free_one, which lets
// a larger buffer and a map's index go: the inlined paths rely on it
// instead of testing it (checked in the sanitizer build).
inline constexpr size_t kKeptValues = 16;
inline constexpr size_t kKeptEntries = 8;
inline void check_kept([[maybe_unused]] bool kept) {
#ifdef GENE_ASAN
  if (!kept) __builtin_trap();
#endif
}
template <typename T, size_t kKeep>
inline constexpr auto kept_buffer_bytes = [] {
  std::array<uint32_t, kKeep + 1> bytes{};
  for (size_t n = 0; n <= kKeep; ++n) bytes[n] = uint32_t(buffer_block_bytes(n * sizeof(T)));
  return bytes;
}();
// What a pooled container with a kept buffer stands for, block included,
// by the buffer's span in bytes (its capacity times sizeof(T), which
// compiles to its end of storage less its start): a table with an entry
// every sizeof(T) bytes, read at that offset, needs no shift to a
// capacity nor an add of the block. Allocation (new_map) and freeing
// (empty_buffer) both read it; working the bytes out had cost a dozen
// instructions and three branches a buffer, the capacity table three.
template <typename T>
struct alignas(sizeof(T)) KeptBytesSlot {
  uint32_t bytes;
};
template <typename T, size_t kKeep, size_t kBlock>
inline constexpr auto kContainerBytesBySpan = [] {
  std::array<KeptBytesSlot<T>, kKeep + 1> slots{};
  for (size_t n = 0; n <= kKeep; ++n) slots[n].bytes = uint32_t(kBlock + kept_buffer_bytes<T, kKeep>[n]);
  return slots;
}();
template <typename T>
[[gnu::always_inline]] inline size_t kept_span(const Buffer<T>& v) {
  return v.capacity() * sizeof(T);
}
template <typename T, size_t kKeep, size_t kBlock>
[[gnu::always_inline]] inline size_t container_bytes(size_t span) {
  static_assert(sizeof(KeptBytesSlot<T>) == sizeof(T));
  return reinterpret_cast<const KeptBytesSlot<T>*>(
             reinterpret_cast<const char*>(kContainerBytesBySpan<T, kKeep, kBlock>.data()) + span)
      ->bytes;
}

// Strings past the small size but within kMediumStringBlocks' largest
// block live in pages too, one size class per entry, so churning medium
// strings neither walks malloc's bins nor makes it trim and regrow the
// process's heap.
constexpr size_t kMediumStringBlocks[Heap::kMediumStringClasses] = {64,  96,  128,  192,  256,  384, 512,
                                                                   768, 1024, 1536, 2048, 3072, 4096};
// Every class is a multiple of 32 bytes, so a block's class is that of
// its size rounded up to 32: one load from a 128-byte table (working it
// out from the block's bit width took a dozen instructions and two
// branches on every medium string made).
inline constexpr size_t kMediumStringStep = 32;
inline constexpr auto kMediumStringClassOf = [] {
  std::array<uint8_t, kMediumStringBlocks[Heap::kMediumStringClasses - 1] / kMediumStringStep> classes{};
  int c = 0;
  for (size_t i = 0; i < classes.size(); ++i) {
    while (kMediumStringBlocks[c] < (i + 1) * kMediumStringStep) ++c;
    classes[i] = uint8_t(c);
  }
  return classes;
}();
// The class of a medium string (is_medium_string(length)).
constexpr int medium_string_class(size_t length) {
  return kMediumStringClassOf[(sizeof(StringObj) + length) / kMediumStringStep];  // (block - 1) / step
}
constexpr bool is_medium_string(size_t length) {
  return length > Heap::kSmallString &&
         sizeof(StringObj) + length + 1 <= kMediumStringBlocks[Heap::kMediumStringClasses - 1];
}

// Marked by its callers, whose copy into the string belongs to making it.
StringObj* Heap::new_string_uninitialized(size_t length) {
  void* mem = nullptr;
  size_t bytes = 0;
  if (length <= kSmallString) {
    bytes = page_block(kSmallStringBlock);
    mem = take_fast(pools_[kPoolString].pages, pools_[kPoolString].stats);
  } else if (is_medium_string(length)) {
    int c = medium_string_class(length);
    bytes = kMediumStringBlocks[c];
    mem = take_fast(medium_strings_[c], pools_[kPoolString].stats);
  }
  if (!mem) return new_string_slow(length);
  auto* s = fresh<StringObj>(mem);
  s->length = static_cast<uint32_t>(length);
  link_fast(s, bytes);
  s->data()[length] = '\0';  // after the header's stores (a char store may alias them)
  return s;
}

ArrayObj* Heap::new_array(size_t reserve) {
  AllocationMark mark(phase);
  void* b = take_fast(pools_[kPoolArray].pages, pools_[kPoolArray].stats);
  if (!b) return new_array_slow(reserve);
  auto* a = reused_container<ArrayObj>(b, ObjType::Array);
  size_t capacity = a->items.capacity();
  check_kept(capacity <= kKeptValues);
  // (By capacity: read by the buffer's span, as new_map does, the compare
  // with reserve took an instruction more, and trees 0.2% more.)
  if (reserve <= capacity) [[likely]]
    return link_fast(a, page_block(sizeof(ArrayObj)) + kept_buffer_bytes<Value, kKeptValues>[capacity]);
  reserve_items(a, reserve);
  return link(a, bytes_of(a));
}

MapObj* Heap::new_map() {
  AllocationMark mark(phase);
  void* b = take_fast(pools_[kPoolMap].pages, pools_[kPoolMap].stats);
  if (!b) return new_map_slow();
  auto* m = reused_container<MapObj>(b, ObjType::Map);
  check_kept(m->entries.capacity() <= kKeptEntries && m->index.capacity() == 0);
  return link_fast(m, container_bytes<MapObj::Entry, kKeptEntries, page_block(sizeof(MapObj))>(kept_span(m->entries)));
}

BoxObj* Heap::new_box(Value v) {
  AllocationMark mark(phase);
  void* mem = take_fast(pools_[kPoolBox].pages, pools_[kPoolBox].stats);
  if (!mem) return new_box_slow(v);
  auto* b = fresh<BoxObj>(mem);
  b->value = v;  // next to the constructor's nil, which it makes dead (the count after it kept both stores)
  retain(v);
  return link_fast(b, bytes_of(b));
}

ClosureObj* Heap::new_closure(const Proto* proto, uint32_t upvalue_count) {
  AllocationMark mark(phase);
  void* mem = upvalue_count <= kSmallClosure ? take_fast(pools_[kPoolClosure].pages, pools_[kPoolClosure].stats) : nullptr;
  if (!mem) return new_closure_slow(proto, upvalue_count);
  auto* c = fresh<ClosureObj>(mem);
  c->proto = proto;
  c->upvalue_count = upvalue_count;
  // The whole pooled block's slots: a fixed count compiles to four stores.
  for (uint32_t i = 0; i < kSmallClosure; ++i) c->upvalues()[i] = nullptr;
  return link_fast(c, page_block(kSmallClosureBlock));
}

}  // namespace gene
