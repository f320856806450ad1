// Heap objects. Every object starts with an 8-byte Obj header: its
// reference count, its type and the collector's color and flags
// (heap.h explains the memory model).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "buffer_allocator.h"
#include "value.h"

namespace gene {

struct Proto;

// Containers' buffers (buffer_allocator.h).
template <typename T>
using Buffer = std::vector<T, BufferAllocator<T>>;
using Values = Buffer<Value>;

enum class ObjType : uint8_t { String, Array, Map, Gene, Closure, Box };

struct Obj {
  // References from other heap objects, globals and pinned constants. The
  // stack is not counted (deferred reference counting, see heap.h).
  uint32_t rc = 0;
  ObjType type;
  uint8_t color = 0;  // Heap::Color, used only while the cycle collector runs
  uint8_t flags = 0;  // Heap::Flag bits
  uint8_t pooled = 0;  // set once destroyed: the block belongs to a pool
  explicit Obj(ObjType t) : type(t) {}
};
static_assert(sizeof(Obj) == 8);

// Byte string, immutable to programs (Heap::append_in_place grows only one
// that nothing but its variable can see); bytes follow the header in the
// same allocation.
// A string used as a map key remembers the symbol id its bytes intern to,
// so a key read or written again is neither hashed nor compared.
struct StringObj : Obj {
  static constexpr uint32_t kNoSymbol = UINT32_MAX;
  uint32_t length;
  uint32_t symbol = kNoSymbol;  // the interned id of these bytes, once known
  StringObj() : Obj(ObjType::String), length(0) {}
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), length}; }
};

struct ArrayObj : Obj {
  Values items;
  ArrayObj() : Obj(ObjType::Array) {}
};

// Insertion-ordered map from name (symbol id) to value. Small maps are
// scanned linearly; larger ones keep an open-addressing index of entry
// positions. Gene Core has no key deletion, so entries only grow.
struct MapObj : Obj {
  struct Entry {
    uint32_t key;
    Value value;
  };
  Buffer<Entry> entries;
  Buffer<uint32_t> index;  // entry position + 1; 0 = empty slot

  MapObj() : Obj(ObjType::Map) {}
  Value* find(uint32_t key);
  // Inserts or overwrites; returns true when the key was new. It counts no
  // references: code that runs programs stores through Heap::map_put.
  bool put(uint32_t key, Value v);
  // Adds a key that find() has just missed, without searching again.
  void add(uint32_t key, Value v);
  // Whether add() is a store into the entries' spare room and nothing
  // more: a map of up to kLinearLimit entries has no index.
  bool adds_in_place() const { return entries.size() < kLinearLimit && entries.size() < entries.capacity(); }
  // Whether add() will grow a buffer (the entries, or the index rebuilt).
  bool add_grows() const {
    return entries.size() == entries.capacity() ||
           (entries.size() + 1 > kLinearLimit && index.size() < (entries.size() + 1) * 2);
  }

 private:
  static constexpr size_t kLinearLimit = 8;
  void rebuild_index();
};

struct GeneObj : Obj {
  Value head;  // a symbol, or the `_` symbol for "no type"
  Values children;
  GeneObj() : Obj(ObjType::Gene) {}
};

// A variable captured by a closure lives in a box so that every closure
// sharing it sees the same variable.
struct BoxObj : Obj {
  Value value;
  BoxObj() : Obj(ObjType::Box) {}
};

struct ClosureObj : Obj {
  const Proto* proto;
  uint32_t upvalue_count;
  ClosureObj() : Obj(ObjType::Closure), proto(nullptr), upvalue_count(0) {}
  BoxObj** upvalues() { return reinterpret_cast<BoxObj**>(this + 1); }
};

inline bool is_type(Value v, ObjType t) { return v.is_object() && v.as_object()->type == t; }
inline StringObj* as_string(Value v) { return static_cast<StringObj*>(v.as_object()); }
inline ArrayObj* as_array(Value v) { return static_cast<ArrayObj*>(v.as_object()); }
inline MapObj* as_map(Value v) { return static_cast<MapObj*>(v.as_object()); }
inline GeneObj* as_gene(Value v) { return static_cast<GeneObj*>(v.as_object()); }
inline ClosureObj* as_closure(Value v) { return static_cast<ClosureObj*>(v.as_object()); }
inline BoxObj* as_box(Value v) { return static_cast<BoxObj*>(v.as_object()); }

}  // namespace gene
