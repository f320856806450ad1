#include "object.h"

namespace gene {

namespace {
inline uint32_t slot_for(uint32_t key, size_t mask) {
  return uint32_t((key * 2654435761u) & mask);  // Knuth's multiplicative hash
}
}  // namespace

Value* MapObj::find(uint32_t key) {
  if (index.empty()) {
    for (auto& e : entries)
      if (e.key == key) return &e.value;
    return nullptr;
  }
  size_t mask = index.size() - 1;
  for (uint32_t i = slot_for(key, mask);; i = uint32_t((i + 1) & mask)) {
    uint32_t pos = index[i];
    if (pos == 0) return nullptr;
    if (entries[pos - 1].key == key) return &entries[pos - 1].value;
  }
}

bool MapObj::put(uint32_t key, Value v) {
  if (Value* slot = find(key)) {
    *slot = v;
    return false;
  }
  add(key, v);
  return true;
}

void MapObj::add(uint32_t key, Value v) {
  entries.push_back({key, v});
  if (entries.size() > kLinearLimit) {
    if (index.size() < entries.size() * 2) {
      rebuild_index();
    } else {
      size_t mask = index.size() - 1;
      uint32_t i = slot_for(key, mask);
      while (index[i] != 0) i = uint32_t((i + 1) & mask);
      index[i] = uint32_t(entries.size());
    }
  }
}

void MapObj::rebuild_index() {
  size_t cap = 16;
  while (cap < entries.size() * 4) cap <<= 1;
  index.assign(cap, 0);
  size_t mask = cap - 1;
  for (size_t p = 0; p < entries.size(); ++p) {
    uint32_t i = slot_for(entries[p].key, mask);
    while (index[i] != 0) i = uint32_t((i + 1) & mask);
    index[i] = uint32_t(p + 1);
  }
}

}  // namespace gene
