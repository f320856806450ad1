// The results store's schema, as the ordered migrations that build it: a
// store at version N gets migrations N+1, N+2, ... in one transaction each,
// and `PRAGMA user_version` says which it has. A migration never drops
// data; docs/history.md describes every table and column.
#pragma once

#include <cstdint>
#include <vector>

namespace gene::coordinator::store_schema {

// `PRAGMA application_id` of a results store ("GENF"), so that another
// SQLite database is never taken for one.
inline constexpr int32_t kApplicationId = 0x47454E46;

struct Migration {
  int version;          // the user_version after it
  const char* summary;  // what it adds, for the log and docs
  const char* sql;
};

// In order of version, starting at 1.
const std::vector<Migration>& migrations();

// The version this binary writes.
int latest_version();

}  // namespace gene::coordinator::store_schema
