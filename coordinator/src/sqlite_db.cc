#include "sqlite_db.h"

#include <cmath>

namespace gene::coordinator::sqlite {

void Statement::bind_one(int i, double v) {
  if (std::isfinite(v))
    sqlite3_bind_double(stmt_, i, v);
  else
    sqlite3_bind_null(stmt_, i);
}

void Statement::bind_one(int i, const std::optional<double>& v) {
  if (v)
    bind_one(i, *v);
  else
    sqlite3_bind_null(stmt_, i);
}

bool Statement::next() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  ok_ = rc == SQLITE_DONE;
  if (!ok_) db_->record_error();
  sqlite3_reset(stmt_);
  return false;
}

bool Statement::run() {
  while (next()) {
  }
  return ok_;
}

std::optional<double> Statement::optional_real(int column) const {
  if (is_null(column)) return std::nullopt;
  return real(column);
}

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return "";
  return std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt_, column)));
}

absl::StatusOr<std::unique_ptr<Database>> Database::open(const std::string& path, bool read_only,
                                                         int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string error = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return absl::FailedPreconditionError(error);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::record_error() {
  error_code_ = sqlite3_extended_errcode(db_);
  error_ = sqlite3_errmsg(db_);
}

bool Database::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return true;
  error_code_ = sqlite3_extended_errcode(db_);
  error_ = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return false;
}

std::optional<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), int(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    record_error();
    sqlite3_finalize(stmt);
    return std::nullopt;
  }
  return Statement(this, stmt);
}

std::optional<int64_t> Database::integer(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt || !stmt->next()) return std::nullopt;
  int64_t v = stmt->integer(0);
  stmt->run();
  return v;
}

}  // namespace gene::coordinator::sqlite
