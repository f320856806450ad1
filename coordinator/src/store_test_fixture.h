// The store tests' fixture (results_store_test, compare_store_test,
// history_test, baseline_test): a scratch directory of its own per test,
// removed afterwards (its permissions restored first, for the tests that
// take them away), a results store in it, and SQL run on a file directly,
// as the sqlite3 shell would, to see what the store wrote or to write what
// it must cope with.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "gene/coordinator/results_store.h"

namespace gene::coordinator::testing {

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gene-store-test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir_, ec);
  }

  std::string path(const std::string& name = "results.sqlite") const {
    return (std::filesystem::path(dir_) / name).string();
  }

  // The store at `p`, created when missing, read-write (a failed test when it cannot be opened).
  static std::unique_ptr<ResultsStore> open_rw(const std::string& p) {
    auto store = ResultsStore::open(p, ResultsStore::Access::ReadWrite);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }
  // Why the store at `p` cannot be opened ("" when it can); a refusal is
  // always FAILED_PRECONDITION.
  static std::string open_error(const std::string& p, ResultsStore::Access access) {
    auto store = ResultsStore::open(p, access);
    if (store.ok()) return "";
    EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
    return std::string(store.status().message());
  }
  // store_ = the store at path().
  void open_store() {
    store_ = open_rw(path());
    ASSERT_TRUE(store_);
  }

  static void raw_exec(const std::string& p, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }
  // The first column of the first row of `sql` on the file at `p`, or -1.
  static int64_t raw_integer(const std::string& p, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    int64_t v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
  }

  std::string dir_;
  std::unique_ptr<ResultsStore> store_;
};

}  // namespace gene::coordinator::testing
