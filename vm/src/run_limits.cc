// The limits a host sets on a run (deadline, interrupt, heap, output), as
// the VM checks them outside the dispatch loop: at safepoints, in deep
// walks over values, and for the text a display builds.
#include <algorithm>
#include <new>

#include "display.h"
#include "interpreter.h"

namespace gene {

namespace {
// What one interned name costs beside its bytes: the symbol table's share
// (SymbolTable::kBytesPerName) and the cached string slot.
constexpr int64_t kSymbolOverhead = int64_t(SymbolTable::kBytesPerName + sizeof(Value));
// A heap string holds at most this many bytes, and no display text is
// longer, even without a heap limit.
constexpr uint64_t kMaxTextBytes = UINT32_MAX - 64;
}  // namespace

void VM::check_clock() {
  if (options_.interrupt && options_.interrupt->load(std::memory_order_relaxed))
    throw_error("interrupted", ErrorKind::Interrupted);
  if (has_deadline_ && std::chrono::steady_clock::now() > deadline_) throw_error("timeout", ErrorKind::Timeout);
}

uint32_t VM::intern(std::string_view name) {
  size_t before = symbols.size();
  uint32_t id = symbols.intern(name);
  if (symbols.size() != before) heap.charge_outside(kSymbolOverhead + int64_t(name.size()));
  return id;
}

uint64_t VM::text_room() const { return std::min(heap.room(), kMaxTextBytes); }

uint64_t VM::output_room() const {
  if (!options_.max_output_bytes) return UINT64_MAX;
  return output_bytes_ < options_.max_output_bytes ? options_.max_output_bytes - output_bytes_ : 0;
}

std::string VM::value_text(Value v) {
  // Any error here belongs to the program's last expression, whose value this is.
  if (program_ && !program_->forms.empty()) error_pos_ = program_->forms.back()->pos;
  std::string text;
  try {
    if (append_display(text, v, symbols, true, walk_, text_room())) return text;
  } catch (NestingTooDeep&) {
    throw RuntimeError{ErrorKind::Runtime, "type error: value nested too deeply"};
  } catch (std::bad_alloc&) {
  }
  throw RuntimeError{ErrorKind::ResourceLimit, "out of memory"};
}

}  // namespace gene
