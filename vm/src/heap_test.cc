// The memory model through the Heap API: deferred reference counts, the
// zero count table, trial deletion of cycles, generations and pools. Each
// test plays the VM's part: it holds "stack" values in a local array that
// it hands to reconcile(), and stores through the barrier: construction
// (push, map_put) for objects being filled in, mutation (push_into,
// map_set, store_into) for stores into reachable ones, as the interpreter
// does for SET_KEY, SET_INDEX, push and boxes.
#include <gtest/gtest.h>

#include <vector>

#include "bytecode.h"
#include "heap.h"
#include "object.h"

namespace gene {
namespace {

Value obj(const Obj* o) { return Value::object(o); }

// Reconciles with the given values as the whole stack.
bool reconcile(Heap& heap, std::vector<Value> stack, bool full = false) {
  return heap.reconcile(stack.data(), stack.data() + stack.size(), full);
}

// The smallest cycle through x: a new array holding x, and x made to hold
// it — a mutation, which buffers x. x gains the count a reference to
// itself would have had, if such references were counted (they are not:
// a container holding only itself dies by its count). Returns the partner.
ArrayObj* loop_through(Heap& heap, ArrayObj* x) {
  ArrayObj* t = heap.new_array();
  heap.push(t, t->items, obj(x));
  heap.push_into(x, obj(t));  // a mutation: may close a cycle
  return t;
}

TEST(Heap, UnreferencedObjectsAreFreedAtTheNextReconciliation) {
  Heap heap;
  ArrayObj* a = heap.new_array();
  heap.push(a, a->items, obj(heap.new_string("held by the array")));
  EXPECT_EQ(heap.live_objects(), 2u);
  EXPECT_EQ(a->items[0].as_object()->rc, 1u);
  EXPECT_EQ(a->rc, 0u);  // stack references are not counted
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.live_bytes(), 0u);
  EXPECT_EQ(heap.rc_frees, 2u);
  EXPECT_EQ(heap.young_collections + heap.old_collections, 0u);  // no cycle collection needed
}

// Garbage waits for a reconciliation only briefly (it is freed while still
// in the cache), but each one walks the stack: a deep stack raises the
// thresholds with it, and never the bytes past what a heap limit allows.
TEST(Heap, ReconciliationThresholdsGrowWithTheStack) {
  auto boxes = [](Heap& heap, int n) {
    for (int i = 0; i < n; ++i) heap.new_box(Value::integer(i));
  };
  Heap heap;
  reconcile(heap, {});
  boxes(heap, 511);
  EXPECT_FALSE(heap.wants_reconcile());
  boxes(heap, 1);
  EXPECT_TRUE(heap.wants_reconcile());
  std::vector<Value> deep(8192, Value::integer(0));  // 64 times 128 values
  reconcile(heap, deep);
  boxes(heap, 64 * 512 - 1);
  EXPECT_FALSE(heap.wants_reconcile());
  boxes(heap, 1);
  EXPECT_TRUE(heap.wants_reconcile());
  reconcile(heap, {});
  boxes(heap, 512);
  EXPECT_TRUE(heap.wants_reconcile());  // back to the shallow thresholds

  Heap limited;
  limited.set_limit(uint64_t(1) << 20);  // garbage may not pass a quarter of it
  reconcile(limited, deep);
  boxes(limited, int((uint64_t(1) << 18) / page_block(sizeof(BoxObj))) - 1);
  EXPECT_FALSE(limited.wants_reconcile());
  boxes(limited, 2);
  EXPECT_TRUE(limited.wants_reconcile());
}

// Young collections are small, so that what they walk is still in the
// cache; but each is a reconciliation, which walks the stack: a deep one
// raises the candidate threshold as it raises the others.
TEST(Heap, YoungCollectionThresholdGrowsWithTheStack) {
  Heap heap;
  heap.set_young_threshold(4);
  auto candidates = [&](int n) {
    for (int i = 0; i < n; ++i) {
      loop_through(heap, heap.new_array());
    }
  };
  reconcile(heap, {});
  candidates(3);
  EXPECT_FALSE(heap.wants_reconcile());
  candidates(1);
  EXPECT_TRUE(heap.wants_reconcile());
  reconcile(heap, {});
  EXPECT_EQ(heap.young_collections, 1u);
  EXPECT_EQ(heap.live_objects(), 0u);

  std::vector<Value> deep(512, Value::integer(0));  // 4 times 128 values (a quarter of the table's 512 entries)
  reconcile(heap, deep);
  candidates(15);
  EXPECT_FALSE(heap.wants_reconcile());
  reconcile(heap, deep);
  EXPECT_EQ(heap.young_collections, 1u);  // 15 candidates wait
  candidates(1);
  EXPECT_TRUE(heap.wants_reconcile());
  reconcile(heap, deep);
  EXPECT_EQ(heap.young_collections, 2u);
  EXPECT_EQ(heap.live_objects(), 0u);
}

// Growing a buffer is allocation: the heap marks it so for the run's
// phase sampler, which finds it there in a loop that does little else.
TEST(Heap, BufferGrowthIsSampledAsAllocation) {
  Heap heap;
  PhaseSampler sampler(heap.phase, 1);
  ASSERT_TRUE(sampler.available());
  while (sampler.total_samples() < 200) {
    ArrayObj* big = heap.new_array();
    for (int i = 0; i < 100000; ++i) heap.push(big, big->items, Value::integer(i));
    MapObj* m = heap.new_map();
    for (uint32_t k = 0; k < 20000; ++k) heap.map_put(m, k, Value::integer(k));
    reconcile(heap, {});
  }
  sampler.stop();
  EXPECT_EQ(heap.phase.get(), Phase::kMutator);  // every scope restored what it found
  EXPECT_GT(sampler.samples(Phase::kAllocation), 0u);
}

// The pools' memory is mapped a chunk at a time, inside an allocation (so
// the phase samples count it as allocation); a large buffer is mapped for
// itself, and its bytes are counted as the whole pages it holds.
TEST(Heap, MappedMemoryIsCounted) {
  Heap heap;
  heap.new_box(Value::nil());
  EXPECT_EQ(heap.chunk_count(), 1u);
  for (size_t i = 0; i < PageSource::kChunkBytes / sizeof(BoxObj); ++i) heap.new_box(Value::nil());
  EXPECT_EQ(heap.chunk_count(), 2u);  // more boxes than one chunk's pages hold
  ArrayObj* big = heap.new_array(kLargeBufferBytes / sizeof(Value) + 1);
  EXPECT_EQ((heap.live_bytes() - (PageSource::kChunkBytes / sizeof(BoxObj) + 1) * sizeof(BoxObj) - sizeof(ArrayObj)) % 4096, 0u);
  for (size_t i = 0; i < big->items.capacity(); ++i) heap.push(big, big->items, Value::integer(int64_t(i)));
  EXPECT_EQ(big->items.back().as_int(), int64_t(big->items.size() - 1));
}

// A heap that ends keeps its first chunk for the next one in the process,
// which lays it out afresh: the same blocks, none of the old contents, and
// the same figures.
TEST(Heap, AFreshHeapReusesTheChunkTheLastOneKept) {
  auto chunk_of = [](const void* p) { return reinterpret_cast<uintptr_t>(p) & ~uintptr_t(PageSource::kChunkBytes - 1); };
  uintptr_t first;
  uint64_t live, allocated;
  {
    Heap heap;
    ArrayObj* a = heap.new_array();
    for (int i = 0; i < 40; ++i) heap.push(a, a->items, obj(heap.new_string("left behind by the first heap")));
    MapObj* m = heap.new_map();
    heap.map_put(m, 7, obj(a));
    first = chunk_of(a);
    live = heap.live_bytes();
    allocated = heap.allocations();
  }
  void* kept = take_kept_chunk();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(kept), first);
  keep_chunk(kept);
  Heap heap;
  ArrayObj* a = heap.new_array();
  EXPECT_EQ(chunk_of(a), first);
  EXPECT_TRUE(a->items.empty());
  for (int i = 0; i < 40; ++i) heap.push(a, a->items, obj(heap.new_string("left behind by the first heap")));
  MapObj* m = heap.new_map();
  EXPECT_TRUE(m->entries.empty());
  EXPECT_EQ(m->find(7), nullptr);
  heap.map_put(m, 7, obj(a));
  EXPECT_EQ(heap.live_bytes(), live);
  EXPECT_EQ(heap.allocations(), allocated);
  EXPECT_EQ(heap.pool_hits(), 0u);  // nothing is taken for a free block of the old heap's
}

// Allocation counts only its pool's allocations and the bytes since the
// last reconciliation, on the inlined path as on the out-of-line one; the
// totals, the live figures and the peak are folded in at reconciliation and
// stay exact at every moment.
TEST(Heap, CountersFoldedAtReconciliationStayExact) {
  Heap heap;
  constexpr uint64_t kBox = sizeof(BoxObj), kString = page_block(kSmallStringBlock);
  uint64_t made = 0, bytes = 0;
  for (int round = 0; round < 3; ++round) {
    // Round 0 carves fresh blocks (the out-of-line path); later rounds
    // reuse the blocks round 0 freed (mostly the inlined path, one
    // allocation in about 128 sampled out of line).
    for (int i = 0; i < 1000; ++i) heap.new_box(Value::integer(i));
    for (int i = 0; i < 500; ++i) heap.new_string("short");
    made += 1500;
    bytes += 1000 * kBox + 500 * kString;
    EXPECT_EQ(heap.allocations(), made);
    EXPECT_EQ(heap.live_objects(), 1500u);
    EXPECT_EQ(heap.live_bytes(), 1000 * kBox + 500 * kString);
    EXPECT_EQ(heap.bytes_allocated(), bytes);
    EXPECT_EQ(heap.peak_bytes(), 1000 * kBox + 500 * kString);
    reconcile(heap, {});
    EXPECT_EQ(heap.live_objects(), 0u);
    EXPECT_EQ(heap.live_bytes(), 0u);
    EXPECT_EQ(heap.bytes_allocated(), bytes);
    EXPECT_EQ(heap.peak_bytes(), 1000 * kBox + 500 * kString);  // the peak before the frees, kept
  }
  EXPECT_EQ(heap.rc_frees, made);
  EXPECT_EQ(heap.pool_stats(Heap::kPoolBox).allocations(), 3000u);
  EXPECT_EQ(heap.pool_stats(Heap::kPoolBox).hits, 2000u);  // rounds 1 and 2 reuse every block
}

// The inlined allocation path compares the table's size once (with its
// room below the threshold) and the bytes once (with fast_end_, which the
// reconciliation's byte budget bounds): each threshold must still ask for
// the poll, the table's at the very allocation that reaches it, the
// bytes' at the latest one allocation after they pass it.
TEST(Heap, TheInlinedPathAsksForThePollAtEachThreshold) {
  Heap heap;
  for (int i = 0; i < 600; ++i) {  // free blocks with 8-entry buffers for the inlined path
    MapObj* m = heap.new_map();
    for (uint32_t k = 0; k < 8; ++k) heap.map_put(m, k, Value::integer(k));
  }
  reconcile(heap, {});
  for (int round = 0; round < 2; ++round) {  // the second after a reconciliation set the room again
    uint64_t hits = heap.pool_stats(Heap::kPoolMap).hits;
    heap.poll_countdown = Heap::kPollInterval;
    for (int i = 0; i < 300; ++i) heap.new_map();  // 300 of 512 entries, under 64 KiB
    EXPECT_EQ(heap.poll_countdown, Heap::kPollInterval);
    EXPECT_EQ(heap.pool_stats(Heap::kPoolMap).hits, hits + 300);  // all on the inlined path
    reconcile(heap, {});
  }
  // The table: maps without buffers, 56 bytes each, 512 of them stay under 64 KiB.
  Heap small;
  for (int i = 0; i < 600; ++i) small.new_map();
  reconcile(small, {});
  for (int round = 0; round < 2; ++round) {
    small.poll_countdown = Heap::kPollInterval;
    for (int i = 0; i < 511; ++i) small.new_map();
    EXPECT_EQ(small.poll_countdown, Heap::kPollInterval);
    EXPECT_FALSE(small.wants_reconcile());
    small.new_map();
    EXPECT_EQ(small.poll_countdown, 1u);
    EXPECT_TRUE(small.wants_reconcile());
    reconcile(small, {});
  }
  // The bytes: maps with 8-entry buffers, about 200 bytes each, pass 64 KiB
  // before the table fills.
  uint64_t before = heap.bytes_allocated();
  heap.poll_countdown = Heap::kPollInterval;
  while (heap.bytes_allocated() - before < (uint64_t(1) << 16)) {
    EXPECT_EQ(heap.poll_countdown, Heap::kPollInterval);
    heap.new_map();
  }
  heap.new_map();
  EXPECT_EQ(heap.poll_countdown, 1u);
  EXPECT_TRUE(heap.wants_reconcile());
  EXPECT_EQ(heap.live_objects(), heap.pool_stats(Heap::kPoolMap).allocations() - heap.rc_frees);
}

// The inlined path reads a free container's buffer bytes from a table
// without testing that the buffer is one a free block keeps: freeing lets
// a larger buffer and a map's index go, so a block reused after them
// counts its header alone.
TEST(Heap, AReusedContainerCountsOnlyWhatItsBlockKept) {
  Heap heap;
  for (int round = 0; round < 3; ++round) {
    ArrayObj* a = heap.new_array();
    for (int i = 0; i < 40; ++i) heap.push(a, a->items, Value::integer(i));
    MapObj* m = heap.new_map();
    for (uint32_t k = 0; k < 20; ++k) heap.map_put(m, k, Value::integer(k));  // 20 entries: an index
    ASSERT_GT(m->index.capacity(), 0u);
    reconcile(heap, {});
    EXPECT_EQ(heap.live_bytes(), 0u);
    uint64_t before = heap.bytes_allocated();
    ArrayObj* b = heap.new_array();
    EXPECT_EQ(b->items.capacity(), 0u);
    MapObj* n = heap.new_map();
    EXPECT_EQ(n->entries.capacity(), 0u);
    EXPECT_EQ(n->index.capacity(), 0u);
    EXPECT_EQ(heap.bytes_allocated() - before, page_block(sizeof(ArrayObj)) + page_block(sizeof(MapObj)));
    EXPECT_EQ(heap.live_bytes(), page_block(sizeof(ArrayObj)) + page_block(sizeof(MapObj)));
    reconcile(heap, {});
  }
  EXPECT_GT(heap.pool_stats(Heap::kPoolMap).hits, 0u);
}

TEST(Heap, StackReferencesKeepObjectsUntilTheyGo) {
  Heap heap;
  MapObj* m = heap.new_map();
  heap.map_put(m, 1, obj(heap.new_string("v")));
  reconcile(heap, {obj(m), Value::integer(3)});
  EXPECT_EQ(heap.live_objects(), 2u);
  EXPECT_EQ(m->rc, 0u);  // the stack's count was given back
  reconcile(heap, {Value::nil()});
  EXPECT_EQ(heap.live_objects(), 0u);
}

TEST(Heap, CountedReferencesKeepObjectsAndReleaseFreesThem) {
  Heap heap;
  Value global = Value::nil();
  heap.store(global, obj(heap.new_array()));
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 1u);
  heap.store(global, Value::integer(1));  // overwrite: the count drops to 0
  EXPECT_EQ(heap.live_objects(), 1u);       // nothing is freed between safepoints
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
}

TEST(Heap, OverwritingAContainerSlotReleasesTheOldValue) {
  Heap heap;
  ArrayObj* a = heap.new_array();
  heap.push(a, a->items, obj(heap.new_string("old")));
  reconcile(heap, {obj(a)});
  heap.store(a->items[0], obj(heap.new_string("new")));
  reconcile(heap, {obj(a)});
  EXPECT_EQ(heap.live_objects(), 2u);
  EXPECT_EQ(as_string(a->items[0])->view(), "new");
}

// A container's references to itself are not counted: one that holds
// only itself (and what nothing else holds) dies by its count, with no
// candidate and no collection.
TEST(Heap, AContainerHoldingItselfIsFreedByItsCount) {
  Heap heap;
  heap.set_young_threshold(1);
  MapObj* m = heap.new_map();
  heap.map_set(m, 7, obj(m));
  heap.map_put(m, 8, obj(heap.new_string("payload")));
  ArrayObj* a = heap.new_array();
  heap.push_into(a, obj(a));
  heap.push_into(a, obj(a));
  GeneObj* g = heap.new_gene(Value::integer(0));
  heap.push(g, g->children, Value::nil());
  heap.store_into(g, g->children[0], obj(g));
  EXPECT_EQ(heap.rc_increments, 1u);  // the payload only
  EXPECT_EQ(heap.cycle_candidates, 0u);
  reconcile(heap, {obj(m), obj(a), obj(g)});  // still on the stack: alive
  EXPECT_EQ(heap.live_objects(), 4u);
  EXPECT_EQ(m->rc, 0u);
  EXPECT_EQ(a->rc, 0u);
  EXPECT_EQ(g->rc, 0u);
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.rc_frees, 4u);
  EXPECT_EQ(heap.rc_decrements, 1u);  // the payload's count given back, no other
  EXPECT_EQ(heap.cycle_frees, 0u);
  EXPECT_EQ(heap.cycle_candidates, 0u);
  EXPECT_TRUE(heap.gc_pauses.empty());
}

// Overwriting, popping and storing again a self reference beside counted
// references: only the counted ones move counts.
TEST(Heap, SelfReferencesOverwrittenOrPoppedKeepCountsExact) {
  Heap heap;
  heap.set_young_threshold(1);
  ArrayObj* a = heap.new_array();
  ArrayObj* holder = heap.new_array();
  heap.push_into(holder, obj(a));  // a counted reference from elsewhere
  StringObj* s = heap.new_string("s");
  heap.push_into(a, obj(a));
  heap.push_into(a, obj(s));
  heap.push_into(a, obj(a));
  EXPECT_EQ(a->rc, 1u);
  EXPECT_EQ(s->rc, 1u);
  heap.store_into(a, a->items[0], obj(s));  // the self reference overwritten
  EXPECT_EQ(a->rc, 1u);
  EXPECT_EQ(s->rc, 2u);
  heap.store_into(a, a->items[1], obj(a));  // a counted one overwritten by a self reference
  EXPECT_EQ(a->rc, 1u);
  EXPECT_EQ(s->rc, 1u);
  Value popped = a->items.back();  // as the pop builtin does
  a->items.pop_back();
  heap.release_in(a, popped);
  EXPECT_EQ(a->rc, 1u);
  MapObj* m = heap.new_map();
  heap.map_set(m, 1, obj(m));
  heap.map_set(m, 1, obj(s));  // the self reference overwritten in a map
  EXPECT_EQ(m->rc, 0u);
  EXPECT_EQ(s->rc, 2u);
  heap.map_set(m, 1, obj(m));  // and stored over a counted one
  EXPECT_EQ(m->rc, 0u);
  EXPECT_EQ(s->rc, 1u);
  EXPECT_EQ(heap.rc_increments - heap.rc_decrements, 2u);  // holder's a, and a's s
  reconcile(heap, {obj(holder), obj(m)});
  EXPECT_EQ(heap.live_objects(), 4u);
  EXPECT_EQ(heap.cycle_frees, 0u);
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.cycle_frees, 0u);
  EXPECT_EQ(heap.rc_increments, heap.rc_decrements);
}

// A map holding itself and in a cycle with a peer: trial deletion walks
// past the self edge, both when the pair is kept (an outside reference,
// counts restored) and when it is freed.
TEST(Heap, AMapHoldingItselfAndAPeerIsCollected) {
  Heap heap;
  heap.set_young_threshold(1);
  MapObj* a = heap.new_map();
  MapObj* b = heap.new_map();
  heap.map_put(b, 1, obj(a));
  heap.map_set(a, 1, obj(b));  // a mutation: closes the cycle
  heap.map_set(a, 2, obj(a));
  Value global = Value::nil();
  heap.store(global, obj(a));
  EXPECT_EQ(a->rc, 2u);  // b and the global
  reconcile(heap, {});
  EXPECT_GE(heap.young_collections, 1u);
  EXPECT_EQ(heap.live_objects(), 2u);
  EXPECT_EQ(a->rc, 2u);  // restored
  EXPECT_EQ(b->rc, 1u);
  heap.store(global, Value::nil());
  reconcile(heap, {}, /*full=*/true);
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.cycle_frees, 2u);
  EXPECT_EQ(heap.rc_increments, 3u);  // b's, a's, the global's: not a's own
  EXPECT_EQ(heap.rc_decrements, 1u);  // the global's (the collector's frees give back nothing inside)
}

// A copy of a self-holding array's values (a spread) counts the original
// like any other value: it keeps it alive while the copy lives.
TEST(Heap, ACopyOfASelfHoldingArrayKeepsTheOriginalAlive) {
  Heap heap;
  heap.set_young_threshold(1);
  ArrayObj* a = heap.new_array();
  heap.push_into(a, obj(a));
  heap.push_into(a, obj(heap.new_string("payload")));
  ArrayObj* copy = heap.new_array();
  heap.append(copy, copy->items, a->items.data(), a->items.data() + a->items.size());
  EXPECT_EQ(a->rc, 1u);  // the copy's
  reconcile(heap, {obj(copy)});
  EXPECT_EQ(heap.live_objects(), 3u);
  EXPECT_EQ(a->items.size(), 2u);
  EXPECT_EQ(as_string(copy->items[1])->view(), "payload");
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.cycle_frees, 0u);
  EXPECT_EQ(heap.rc_increments, heap.rc_decrements);
}

TEST(Heap, ClosuresCapturingEachOtherAreCollected) {
  Heap heap;
  heap.set_young_threshold(1);
  Proto proto;
  // f captures box b; b holds g; g captures box a; a holds f.
  BoxObj* a = heap.new_box(Value::nil());
  BoxObj* b = heap.new_box(Value::nil());
  ClosureObj* f = heap.new_closure(&proto, 1);
  ClosureObj* g = heap.new_closure(&proto, 1);
  heap.retain(obj(b));
  f->upvalues()[0] = b;
  heap.retain(obj(a));
  g->upvalues()[0] = a;
  heap.store_into(a, a->value, obj(f));  // a mutation: may close a cycle
  heap.store_into(b, b->value, obj(g));  // a mutation: may close a cycle
  reconcile(heap, {obj(f)});
  EXPECT_EQ(heap.live_objects(), 4u);
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.cycle_frees, 4u);
}

TEST(Heap, CycleWithAnExternalReferenceSurvivesUntilItIsDropped) {
  Heap heap;
  heap.set_young_threshold(1);
  ArrayObj* x = heap.new_array();
  ArrayObj* y = heap.new_array();
  heap.push(x, x->items, obj(y));
  heap.push_into(y, obj(x));  // a mutation: may close a cycle
  Value global = Value::nil();
  heap.store(global, obj(x));
  reconcile(heap, {}, /*full=*/true);
  EXPECT_EQ(heap.live_objects(), 2u);
  EXPECT_EQ(x->rc, 2u);  // trial deletion restored what it subtracted
  EXPECT_EQ(y->rc, 1u);
  heap.store(global, Value::nil());
  reconcile(heap, {}, /*full=*/true);
  EXPECT_EQ(heap.live_objects(), 0u);
}

TEST(Heap, GarbageOnlyACycleHeldIsFreedWithIt) {
  Heap heap;
  heap.set_young_threshold(1);
  ArrayObj* a = heap.new_array();
  loop_through(heap, a);
  ArrayObj* inner = heap.new_array();
  heap.push(inner, inner->items, obj(heap.new_string("deep")));
  heap.push(a, a->items, obj(inner));
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
}

// The candidate buffer grows out of line (possible_cycle_root's fast path
// makes no call): a candidate that arrives when it is full is buffered
// all the same, once, and found by the collection.
TEST(Heap, CandidatesArrivingWhenTheBufferIsFullAreAllCollected) {
  Heap heap;
  constexpr uint32_t kCycles = 5000;  // past the buffer's first capacities
  heap.set_young_threshold(kCycles);
  for (uint32_t i = 0; i < kCycles; ++i) {
    loop_through(heap, heap.new_array());  // buffers the array: nothing else would
  }
  EXPECT_EQ(heap.cycle_candidates, kCycles);
  reconcile(heap, {});
  EXPECT_EQ(heap.young_collections, 1u);
  EXPECT_EQ(heap.cycle_frees, 2 * kCycles);
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.live_bytes(), 0u);
}

TEST(Heap, YoungCollectionsLeaveOldCyclesForAFullOne) {
  Heap heap;
  heap.set_young_threshold(2);
  heap.set_old_ratio(1000);  // no full collection unless forced
  MapObj* a = heap.new_map();
  MapObj* b = heap.new_map();
  heap.map_put(a, 1, obj(b));
  heap.map_set(b, 1, obj(a));  // a mutation: may close a cycle
  // A full collection with the pair on the stack: it survives, examined.
  reconcile(heap, {obj(a)}, /*full=*/true);
  // A young collection with the pair still held promotes it to old.
  ArrayObj* churn = heap.new_array();
  loop_through(heap, churn);
  reconcile(heap, {obj(a), obj(churn)});
  EXPECT_GE(heap.young_collections, 1u);
  uint64_t old_before = heap.old_collections;
  // Dropped from the stack, the old pair is garbage, but young
  // collections do not enter old objects.
  for (int i = 0; i < 3; ++i) {
    loop_through(heap, heap.new_array());
    loop_through(heap, heap.new_array());
    reconcile(heap, {});
  }
  EXPECT_GE(heap.young_collections, 4u);
  EXPECT_EQ(heap.old_collections, old_before);
  // Left: the old pair and the old loop through churn; the young cycles
  // made in the loop were collected by young collections.
  EXPECT_EQ(heap.live_objects(), 4u);
  reconcile(heap, {}, /*full=*/true);
  EXPECT_EQ(heap.old_collections, old_before + 1);
  EXPECT_EQ(heap.live_objects(), 0u);
}

TEST(Heap, FullCollectionRunsOnceEnoughCandidatesWerePromoted) {
  Heap heap;
  heap.set_young_threshold(4);
  heap.set_old_ratio(0.25);
  std::vector<Value> stack;
  // Long-lived cycles held on the stack: promoted again and again.
  for (int i = 0; i < 64; ++i) {
    ArrayObj* a = heap.new_array();
    loop_through(heap, a);
    stack.push_back(obj(a));
    reconcile(heap, stack);
  }
  EXPECT_GE(heap.old_collections, 1u);
  EXPECT_GT(heap.young_collections, heap.old_collections);
  EXPECT_EQ(heap.live_objects(), 128u);
  reconcile(heap, {}, true);
  EXPECT_EQ(heap.live_objects(), 0u);
}

TEST(Heap, AStructureBuiltByConstructionMakesNoCandidates) {
  // A tree whose nodes are filled in as they are made (what literals and
  // value_from_node do) cannot contain a cycle: no candidate, no
  // collection, every node freed by its count.
  Heap heap;
  heap.set_young_threshold(1);
  std::vector<ArrayObj*> level = {heap.new_array()};
  for (int depth = 0; depth < 10; ++depth) {
    std::vector<ArrayObj*> next;
    for (ArrayObj* parent : level)
      for (int k = 0; k < 2; ++k) {
        ArrayObj* child = heap.new_array();
        heap.push(parent, parent->items, obj(child));
        next.push_back(child);
      }
    level = next;
  }
  ArrayObj* root = heap.new_array();
  reconcile(heap, {obj(root)});
  reconcile(heap, {});
  EXPECT_EQ(heap.cycle_candidates, 0u);
  EXPECT_EQ(heap.young_collections + heap.old_collections, 0u);
  EXPECT_EQ(heap.live_objects(), 0u);
}

TEST(Heap, ACycleThroughANewObjectIsFoundAfterItsStackReferenceGoes) {
  Heap heap;
  heap.set_young_threshold(1);
  ArrayObj* old = heap.new_array();
  reconcile(heap, {obj(old)});  // old has been reconciled: no longer new
  ArrayObj* fresh = heap.new_array();
  heap.push(fresh, fresh->items, obj(old));      // construction: fresh -> old
  heap.push_into(old, obj(fresh));        // a mutation: old becomes a candidate
  reconcile(heap, {});                    // both stack references are gone
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.cycle_frees, 2u);
}

TEST(Heap, DeepStructuresAreFreedWithoutRecursion) {
  Heap heap;
  heap.set_young_threshold(1);
  // A chain a million arrays deep, freed by counts...
  ArrayObj* head = heap.new_array();
  ArrayObj* tail = head;
  for (int i = 0; i < 1000000; ++i) {
    ArrayObj* next = heap.new_array();
    heap.push(tail, tail->items, obj(next));
    tail = next;
  }
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  // ...and closed into a cycle, freed by the collector.
  head = heap.new_array();
  tail = head;
  for (int i = 0; i < 1000000; ++i) {
    ArrayObj* next = heap.new_array();
    heap.push(tail, tail->items, obj(next));
    tail = next;
  }
  heap.push_into(tail, obj(head));  // a mutation: may close a cycle
  reconcile(heap, {obj(head)});
  EXPECT_EQ(heap.live_objects(), 1000001u);
  reconcile(heap, {}, true);
  EXPECT_EQ(heap.live_objects(), 0u);
}

// Children that reach zero while the table is drained join it there (the
// drain holds the table in locals): thousands at once grow it mid-drain,
// and every count and byte comes out exact.
TEST(Heap, ChildrenFreedDuringTheDrainGrowTheTableAndCountExactly) {
  Heap heap;
  ArrayObj* root = heap.new_array();
  for (int i = 0; i < 5000; ++i) {
    ArrayObj* child = heap.new_array();
    heap.push(child, child->items, obj(heap.new_string("a string child")));
    heap.push(child, child->items, Value::integer(i));
    heap.push(root, root->items, obj(child));
  }
  reconcile(heap, {obj(root)});  // all survive and leave the table
  EXPECT_EQ(heap.live_objects(), 10001u);
  EXPECT_EQ(heap.rc_frees, 0u);
  uint64_t decrements = heap.rc_decrements;
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.live_bytes(), 0u);
  EXPECT_EQ(heap.rc_frees, 10001u);
  // The root's stack count given back, its 5000 children's, their strings'.
  EXPECT_EQ(heap.rc_decrements - decrements, 10000u);
  EXPECT_EQ(heap.cycle_candidates, 0u);
}

// Children a free finds dead (not in the table: they survived an earlier
// reconciliation) are freed in the table's order, the last found first,
// though the last one skips the table. The order shows in the pool: a
// freed block is the next one handed out, so blocks come back in the
// reverse order of their frees — for a tree, the order it was made in.
TEST(Heap, ChildrenFoundDeadAreFreedLastFoundFirst) {
  Heap heap;
  ArrayObj* parent = heap.new_array();
  ArrayObj* first = heap.new_array();
  ArrayObj* second = heap.new_array();
  ArrayObj* third = heap.new_array();
  for (ArrayObj* child : {first, second, third}) heap.push(parent, parent->items, obj(child));
  reconcile(heap, {obj(parent)});  // the children survive and leave the table
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.rc_frees, 4u);
  // Freed: the parent, then the third, the second and the first child.
  EXPECT_EQ(heap.new_array(), first);
  EXPECT_EQ(heap.new_array(), second);
  EXPECT_EQ(heap.new_array(), third);
  EXPECT_EQ(heap.new_array(), parent);
}

// A freed container's bytes leave the live total whether its buffer is
// kept with its block (small) or let go (past the kept size, and a map's
// index): freeing every size brings the total back to zero, and a pooled
// container handed out again counts its kept buffer once more.
TEST(Heap, FreedContainersGiveBackExactlyTheBytesTheyCounted) {
  Heap heap;
  for (int n = 0; n <= 40; ++n) {
    ArrayObj* a = heap.new_array();
    MapObj* m = heap.new_map();
    GeneObj* g = heap.new_gene(Value::nil());
    for (int i = 0; i < n; ++i) {
      heap.push(a, a->items, Value::integer(i));
      heap.map_put(m, uint32_t(i), Value::integer(i));
      heap.push(g, g->children, Value::integer(i));
    }
    EXPECT_EQ(heap.live_bytes(), bytes_of(a) + bytes_of(m) + bytes_of(g)) << n;
    reconcile(heap, {});
    ASSERT_EQ(heap.live_bytes(), 0u) << n;
    ArrayObj* again = heap.new_array();  // a pool hit, its buffer kept or not
    EXPECT_EQ(heap.live_bytes(), bytes_of(again)) << n;
    reconcile(heap, {});
    ASSERT_EQ(heap.live_bytes(), 0u) << n;
  }
  EXPECT_EQ(heap.live_objects(), 0u);
}

// An old object (one that survived a young collection), held by
// `global`: a young collection ages it while a cycle, dropped, makes
// the collection due.
ArrayObj* aged_array(Heap& heap, Value& global) {
  ArrayObj* old = heap.new_array();
  heap.store(global, obj(old));
  ArrayObj* warm = heap.new_array();
  loop_through(heap, warm);
  reconcile(heap, {obj(old)});  // a young collection: old ages
  reconcile(heap, {});
  return old;
}

// Scan passes over an object whose count is zero at its turn, and a live
// object visited later reaches it: it must survive, with its counts
// restored, while the real garbage of the same collection is freed (and
// gives back its edge into an old object).
TEST(Heap, AnObjectPassedOverAtZeroSurvivesWhenALiveOneReachesItLater) {
  Heap heap;
  heap.set_young_threshold(1);
  heap.set_old_ratio(1000);
  Value global = Value::nil();
  ArrayObj* old = aged_array(heap, global);
  heap.push_into(old, Value::integer(1));
  ASSERT_EQ(heap.live_objects(), 1u);
  // x and y hold each other (and x a partner of its own); y is held by a
  // global. x is buffered first, so scan meets it first, its count zero
  // after the subtraction: it is not yet known to be live.
  ArrayObj* x = heap.new_array();
  ArrayObj* y = heap.new_array();
  heap.push(x, x->items, obj(y));
  loop_through(heap, x);  // x buffered first
  heap.push_into(y, obj(x));  // then y
  Value held = Value::nil();
  heap.store(held, obj(y));
  // Garbage in the same collection, with an edge into the old object.
  ArrayObj* g = heap.new_array();
  loop_through(heap, g);
  heap.push_into(g, obj(old));
  EXPECT_EQ(old->rc, 2u);
  reconcile(heap, {});
  EXPECT_EQ(old->rc, 1u);  // the garbage gave its reference back
  EXPECT_EQ(heap.live_objects(), 4u);  // old, x, its partner, y
  EXPECT_EQ(x->rc, 2u);  // from y and from its partner, restored
  EXPECT_EQ(y->rc, 2u);  // from x and the global
  heap.store(held, Value::nil());
  reconcile(heap, {}, /*full=*/true);
  EXPECT_EQ(heap.live_objects(), 1u);
  heap.store(global, Value::nil());
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
}

// Mark gray frees a root's subgraph at once when its counts all fall to
// zero. What that may not free: an object held from outside the subgraph
// (an old object, the stack, a global, a subgraph kept earlier); what it
// must get right: candidates freed before their turn, and counts left in
// what a freed subgraph pointed into.
TEST(Heap, ASubgraphFreedAtOnceKeepsWhatOutsideReferencesHold) {
  Heap heap;
  heap.set_young_threshold(1);
  heap.set_old_ratio(1000);
  Value global = Value::nil();
  ArrayObj* old = aged_array(heap, global);
  ASSERT_EQ(heap.live_objects(), 1u);
  uint64_t frees = heap.cycle_frees;

  // Reachable only through the old object: a young cycle.
  ArrayObj* via_old = heap.new_array();
  loop_through(heap, via_old);
  heap.push_into(old, obj(via_old));
  // A cycle through a young object and the old one.
  ArrayObj* loop = heap.new_array();
  heap.push_into(loop, obj(old));
  heap.push_into(old, obj(loop));
  // Held only by the stack.
  ArrayObj* stacked = heap.new_array();
  loop_through(heap, stacked);
  // k is buffered before g and held only by g: k's subgraph is kept when
  // its turn comes, and g's, freed at once, leaves k at zero for scan.
  ArrayObj* k = heap.new_array();
  loop_through(heap, k);
  ArrayObj* g = heap.new_array();
  loop_through(heap, g);
  heap.push_into(g, obj(k));
  // p and q hold each other, both buffered: p's subgraph takes q, which
  // is freed before its own turn in the buffer.
  ArrayObj* p = heap.new_array();
  ArrayObj* q = heap.new_array();
  heap.push_into(p, obj(q));
  heap.push_into(q, obj(p));
  // Garbage pointing at a live object buffered after it: kept for scan.
  ArrayObj* h = heap.new_array();
  loop_through(heap, h);
  ArrayObj* live = heap.new_array();
  Value held = Value::nil();
  heap.store(held, obj(live));
  heap.push_into(h, obj(live));
  loop_through(heap, live);

  // Every cycle of one array above is a loop through a partner array.
  reconcile(heap, {obj(stacked)});
  EXPECT_EQ(heap.cycle_frees - frees, 8u);  // g, k, p, q, h, and the partners of g, k, h
  EXPECT_EQ(heap.live_objects(), 8u);  // old, via_old, loop, stacked, live, and the partners of three
  EXPECT_EQ(old->rc, 2u);  // the global and loop
  EXPECT_EQ(via_old->rc, 2u);  // old and its partner
  EXPECT_EQ(loop->rc, 1u);  // old
  EXPECT_EQ(stacked->rc, 1u);  // its partner; the stack's count given back
  EXPECT_EQ(live->rc, 2u);  // the global and its partner: h's reference gone
  // Blocks freed in a collection come back whole.
  for (int i = 0; i < 8; ++i) {
    ArrayObj* fresh = heap.new_array();
    EXPECT_EQ(fresh->rc, 0u);
    EXPECT_TRUE(fresh->items.empty());
  }
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 6u);  // stacked and its partner went with its stack reference
  heap.store(held, Value::nil());
  heap.store(global, Value::nil());
  reconcile(heap, {}, /*full=*/true);
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.live_bytes(), 0u);
}

TEST(Heap, PoolsServeFreedBlocksAndRecycledContainersComeBackEmpty) {
  Heap heap;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      ArrayObj* a = heap.new_array();
      EXPECT_TRUE(a->items.empty());
      EXPECT_EQ(a->rc, 0u);
      EXPECT_EQ(a->flags, Heap::kInZct);
      heap.push(a, a->items, Value::integer(i));
      MapObj* m = heap.new_map();
      EXPECT_TRUE(m->entries.empty());
      EXPECT_EQ(m->find(1), nullptr);
      heap.map_put(m, 1, Value::integer(i));
    }
    reconcile(heap, {});
  }
  auto& arrays = heap.pool_stats(Heap::kPoolArray);
  EXPECT_EQ(arrays.allocations(), 300u);
  EXPECT_EQ(arrays.hits, 200u);  // every round after the first
  EXPECT_EQ(heap.pool_stats(Heap::kPoolMap).hits, 200u);
}

// A pool's free blocks are one list and no free touches its page: the
// pages left empty are found in bulk at a reconciliation's end, and those
// past the pool's spares go back to be used by any pool. Pages half freed
// stay; once the rest goes they go back too. The kept buffers of the
// blocks on pages that go back are let go (ASan's leak check).
TEST(Heap, PagesLeftEmptyGoBackToBeUsedByOtherPools) {
  Heap heap;
  constexpr int kArrays = 400000;  // about 200 pages of arrays, in 7 chunks
  auto make_arrays = [&](ArrayObj* odd, ArrayObj* even) {
    for (int i = 0; i < kArrays; ++i) {
      ArrayObj* a = heap.new_array();
      heap.push(a, a->items, Value::integer(i));  // a kept buffer
      ArrayObj* parent = i % 2 ? odd : even;
      heap.push(parent, parent->items, obj(a));
    }
  };
  ArrayObj* odd = heap.new_array();
  ArrayObj* even = heap.new_array();
  make_arrays(odd, even);
  reconcile(heap, {obj(odd), obj(even)});
  const size_t chunks = heap.chunk_count();
  EXPECT_GE(chunks, 6u);
  // Half of every page freed: no page is empty, none goes back, and maps
  // need chunks of their own.
  reconcile(heap, {obj(even)});
  EXPECT_EQ(heap.live_objects(), size_t(kArrays / 2 + 1));
  std::vector<Value> maps;
  for (int i = 0; i < 100000; ++i) maps.push_back(obj(heap.new_map()));  // about 90 pages
  EXPECT_GT(heap.chunk_count(), chunks);
  reconcile(heap, {});
  // Now every array page is empty: all but the spares go back, and the
  // maps (and more) are made from them without a new chunk.
  const size_t chunks_after_maps = heap.chunk_count();
  EXPECT_EQ(heap.live_objects(), 0u);
  maps.clear();
  for (int i = 0; i < 150000; ++i) maps.push_back(obj(heap.new_map()));  // about 130 pages
  EXPECT_EQ(heap.chunk_count(), chunks_after_maps);
  // The array pool still serves its spares first, then fresh blocks.
  for (int i = 0; i < 70000; ++i) EXPECT_TRUE(heap.new_array()->items.empty());
  EXPECT_GT(heap.pool_stats(Heap::kPoolArray).hits, 60000u);  // its 32 spare pages' blocks
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.live_bytes(), 0u);
}

TEST(Heap, LimitStopsAllocationCleanly) {
  Heap heap;
  heap.set_limit(1 << 20);
  std::vector<Value> stack;
  EXPECT_THROW(
      {
        for (;;) {
          stack.push_back(obj(heap.new_string(std::string(1000, 'x'))));
          if (heap.live_bytes() > (1u << 20) && !reconcile(heap, stack)) throw OutOfMemory{};
        }
      },
      OutOfMemory);
  stack.clear();
  EXPECT_TRUE(reconcile(heap, stack));
  EXPECT_EQ(heap.live_objects(), 0u);
}

// Under a limit the inlined path stays on (take_fast's byte budget), so a
// pooled array block can be taken before its buffer is checked against
// the limit: a buffer past the limit's slack must leave the empty array
// linked, to be freed like any other, not taken and lost.
TEST(Heap, ArrayPastTheLimitFromAPooledBlockIsFreed) {
  Heap heap;
  heap.set_limit(1 << 20);
  heap.new_array();
  EXPECT_TRUE(reconcile(heap, {}));  // its block back in the pool, for the inlined path
  uint64_t hits = heap.pool_stats(Heap::kPoolArray).hits;
  EXPECT_THROW(heap.new_array(size_t(1) << 20), OutOfMemory);  // 8 MiB of values
  EXPECT_EQ(heap.pool_stats(Heap::kPoolArray).hits, hits + 1);  // the inlined path took the block
  EXPECT_EQ(heap.live_objects(), 1u);
  EXPECT_TRUE(reconcile(heap, {}));
  EXPECT_EQ(heap.live_objects(), 0u);
  // Well inside the limit, the inlined path makes what fits.
  ArrayObj* a = heap.new_array(1000);
  EXPECT_GE(a->items.capacity(), 1000u);
  EXPECT_EQ(heap.pool_stats(Heap::kPoolArray).hits, hits + 2);
}

// An append in place fills the slack of the string's own block and no
// more: the block a string's length implies (freeing, the pools and the
// byte counts all derive it from the length) stays the one it has, so the
// live bytes do not move and a reconciliation gives back exactly them.
TEST(Heap, AppendInPlaceStaysInItsBlock) {
  Heap heap;
  for (size_t start : {0, 10, 23, 24, 40, 47, 48, 100, 1000, 4000, 4079, 4080, 5000}) {
    StringObj* s = heap.new_string(std::string(start, 'a'));
    s->symbol = 7;  // an interned id of the old bytes, to be forgotten
    uint64_t bytes = heap.live_bytes(), allocated = heap.bytes_allocated();
    std::string expect(start, 'a');
    size_t appended = 0;
    while (heap.append_in_place(s, "xyz")) {
      expect += "xyz";
      ++appended;
      EXPECT_EQ(s->symbol, StringObj::kNoSymbol);
    }
    EXPECT_EQ(s->view(), expect) << start;
    EXPECT_EQ(s->data()[s->length], '\0');
    EXPECT_EQ(heap.live_bytes(), bytes) << start;
    EXPECT_EQ(heap.bytes_allocated(), allocated) << start;
    // Full: no room left for the piece (small strings hold 23 bytes, the
    // medium blocks 47, 79, ... 4079; larger strings have no slack).
    EXPECT_EQ(appended == 0, start == 23 || start == 47 || start >= 4079) << start;
    EXPECT_EQ(s->length, start + 3 * appended);
    reconcile(heap, {});
    EXPECT_EQ(heap.live_bytes(), 0u) << start;
  }
}

TEST(Heap, DestructorFreesCyclesNobodyReconciled) {
  // No reconciliation at all: the heap's destructor must still free the
  // cycle (LeakSanitizer checks this in the sanitizer build).
  Heap heap;
  MapObj* m = heap.new_map();
  heap.map_set(m, 1, obj(m));  // not counted: m dies by its count
  ArrayObj* a = heap.new_array();
  heap.push(a, a->items, obj(m));
  loop_through(heap, a);
  EXPECT_EQ(heap.live_objects(), 3u);
}

// Freeing a container gives back its values' counts only if it is marked
// as holding objects (Heap::note_stored), so every path that stores into
// a container must mark it: one that forgot would leave the child's count
// up when the container goes, and the child would never be freed (the
// sanitizer build stops at the unmarked container instead). Each path
// stores a string beside numbers into a fresh container, which is then
// dropped: the string must go with it.
TEST(Heap, EveryPathThatStoresAnObjectIntoAContainerMarksIt) {
  using Store = Obj* (*)(Heap&, Value);
  static constexpr Value kOne = Value::integer(1);
  auto small_map = [](Heap& heap, int entries) {
    MapObj* m = heap.new_map();
    for (int k = 0; k < entries; ++k) heap.map_put(m, uint32_t(k), Value::integer(k));
    return m;
  };
  struct Path {
    const char* name;
    Store store;
  };
  const Path paths[] = {
      {"push", [](Heap& heap, Value v) -> Obj* {
         ArrayObj* a = heap.new_array();
         heap.push(a, a->items, kOne);
         heap.push(a, a->items, v);
         return a;
       }},
      {"push_into", [](Heap& heap, Value v) -> Obj* {
         ArrayObj* a = heap.new_array();
         heap.push_into(a, kOne);
         heap.push_into(a, v);
         return a;
       }},
      {"fill", [](Heap& heap, Value v) -> Obj* {
         Value values[] = {kOne, v, kOne};
         ArrayObj* a = heap.new_array(3);
         heap.fill(a, values, values + 3);
         return a;
       }},
      {"append", [](Heap& heap, Value v) -> Obj* {
         Value values[] = {kOne, v};
         ArrayObj* a = heap.new_array();
         heap.append(a, a->items, values, values + 2);
         return a;
       }},
      {"store_into an array", [](Heap& heap, Value v) -> Obj* {
         ArrayObj* a = heap.new_array();
         heap.push(a, a->items, kOne);
         heap.store_into(a, a->items[0], v);
         return a;
       }},
      {"new_gene's head", [](Heap& heap, Value v) -> Obj* { return heap.new_gene(v); }},
      {"push into a gene", [](Heap& heap, Value v) -> Obj* {
         GeneObj* g = heap.new_gene(Value::symbol(0));
         heap.push(g, g->children, v);
         return g;
       }},
      {"append to a gene", [](Heap& heap, Value v) -> Obj* {
         Value values[] = {kOne, v};
         GeneObj* g = heap.new_gene(Value::symbol(0));
         heap.append(g, g->children, values, values + 2);
         return g;
       }},
      {"store_into a gene", [](Heap& heap, Value v) -> Obj* {
         GeneObj* g = heap.new_gene(Value::symbol(0));
         heap.push(g, g->children, kOne);
         heap.store_into(g, g->children[0], v);
         return g;
       }},
      {"map_put, a new key", [](Heap& heap, Value v) -> Obj* {
         MapObj* m = heap.new_map();
         heap.map_put(m, 1, kOne);
         heap.map_put(m, 2, v);
         return m;
       }},
      {"map_put over a number", [](Heap& heap, Value v) -> Obj* {
         MapObj* m = heap.new_map();
         heap.map_put(m, 1, kOne);
         heap.map_put(m, 1, v);
         return m;
       }},
      {"map_set", [](Heap& heap, Value v) -> Obj* {
         MapObj* m = heap.new_map();
         heap.map_set(m, 1, v);
         return m;
       }},
  };
  for (const Path& path : paths) {
    Heap heap;
    Obj* container = path.store(heap, obj(heap.new_string("a child")));
    EXPECT_TRUE(Heap::holds_objects(container)) << path.name;
    reconcile(heap, {});
    EXPECT_EQ(heap.live_objects(), 0u) << path.name;
  }
  // The out-of-line map stores: past eight entries (an index), a new key
  // and an overwrite.
  for (bool overwrite : {false, true}) {
    Heap heap;
    MapObj* m = small_map(heap, 20);
    EXPECT_FALSE(Heap::holds_objects(m));
    heap.map_put(m, overwrite ? 3 : 20, obj(heap.new_string("a child")));
    EXPECT_TRUE(Heap::holds_objects(m)) << overwrite;
    reconcile(heap, {});
    EXPECT_EQ(heap.live_objects(), 0u) << overwrite;
  }
}

// The mark is what freeing saves on: numbers alone leave a container
// unmarked, and a block handed out again starts unmarked, whatever its
// last container held.
TEST(Heap, ContainersOfNumbersAreNotMarked) {
  Heap heap;
  ArrayObj* a = heap.new_array();
  heap.push(a, a->items, obj(heap.new_string("a child")));
  EXPECT_TRUE(Heap::holds_objects(a));
  reconcile(heap, {});
  Value numbers[] = {Value::integer(1), Value::number(2.5), Value::nil()};
  ArrayObj* b = heap.new_array(3);
  EXPECT_EQ(b, a);  // the same block, from its pool
  heap.fill(b, numbers, numbers + 3);
  heap.push(b, b->items, Value::symbol(0));
  heap.push_into(b, Value::boolean(true));
  MapObj* m = heap.new_map();
  heap.map_put(m, 1, Value::integer(1));
  heap.map_set(m, 1, Value::integer(2));
  GeneObj* g = heap.new_gene(Value::symbol(0));
  heap.append(g, g->children, numbers, numbers + 3);
  for (const Obj* container : std::initializer_list<const Obj*>{b, m, g})
    EXPECT_FALSE(Heap::holds_objects(container)) << int(container->type);
  uint64_t decrements = heap.rc_decrements;
  reconcile(heap, {});
  EXPECT_EQ(heap.live_objects(), 0u);
  EXPECT_EQ(heap.rc_decrements, decrements);  // no object to give a count back to
}

}  // namespace
}  // namespace gene
