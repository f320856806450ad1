// A thin RAII face on SQLite's C API for the results store: one connection,
// prepared statements with typed binds and columns, and failures as values
// (each call returns whether it worked; the connection keeps the message).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gene::coordinator::sqlite {

class Database;

// A prepared statement. Bind with bind(), then step through rows with
// next() (true while a row is there) or run it to its end with run().
class Statement {
 public:
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Binds the parameters in order (1, 2, ...) after a reset: integers,
  // doubles (absent or non-finite → NULL), text, or nullptr for NULL.
  template <class... Args>
  Statement& bind(const Args&... args) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 0;
    (bind_one(++i, args), ...);
    return *this;
  }

  // The next row: true when there is one; false at the end or on an error
  // (then ok() is false and the database has the message).
  bool next();
  // Runs to the end; false on an error.
  bool run();
  bool ok() const { return ok_; }

  // Columns of the current row, 0-based.
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }
  std::optional<double> optional_real(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  void bind_one(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_one(int i, int v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_one(int i, uint32_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_one(int i, uint64_t v) { sqlite3_bind_int64(stmt_, i, int64_t(v)); }
  void bind_one(int i, bool v) { sqlite3_bind_int(stmt_, i, v ? 1 : 0); }
  void bind_one(int i, double v);
  void bind_one(int i, const std::optional<double>& v);
  void bind_one(int i, std::string_view v) { sqlite3_bind_text(stmt_, i, v.data(), int(v.size()), SQLITE_TRANSIENT); }
  void bind_one(int i, const std::string& v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, std::nullptr_t) { sqlite3_bind_null(stmt_, i); }

  Database* db_;
  sqlite3_stmt* stmt_;
  bool ok_ = true;
};

class Database {
 public:
  // Opens (read-write: creating the file when missing; or read-only) with
  // a busy timeout, so a writer waits for another process's transaction
  // instead of failing. FAILED_PRECONDITION with SQLite's words when it
  // cannot.
  static absl::StatusOr<std::unique_ptr<Database>> open(const std::string& path, bool read_only,
                                                        int busy_timeout_ms);
  ~Database();

  // Runs SQL text (several statements); false on an error.
  bool exec(const std::string& sql);
  // A prepared statement; nullopt on an error.
  std::optional<Statement> prepare(std::string_view sql);
  // The single integer a query returns (e.g. a PRAGMA); nullopt on an error
  // or no row.
  std::optional<int64_t> integer(const std::string& sql);

  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  // Whether SQLite opened the file read-only (asked to, or the file is).
  bool read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

  // The last failure: SQLite's message and its extended result code.
  const std::string& error() const { return error_; }
  int error_code() const { return error_code_; }
  void set_error(const std::string& message, int code = SQLITE_ERROR) {
    error_ = message;
    error_code_ = code;
  }
  void record_error();  // from the connection

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::string error_;
  int error_code_ = SQLITE_OK;
};

// A write transaction: BEGIN IMMEDIATE (takes the write lock at once, so two
// writers queue on the busy timeout rather than fail when upgrading), rolled
// back unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db), open_(db.exec("BEGIN IMMEDIATE")) {}
  ~Transaction() {
    if (open_) {
      std::string saved = db_.error();
      int code = db_.error_code();
      db_.exec("ROLLBACK");
      db_.set_error(saved, code);
    }
  }
  bool begun() const { return open_; }
  bool commit() {
    if (!open_ || !db_.exec("COMMIT")) return false;
    open_ = false;
    return true;
  }

 private:
  Database& db_;
  bool open_;
};

}  // namespace gene::coordinator::sqlite
