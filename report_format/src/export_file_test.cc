#include "gene/report/export_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gene::report {
namespace {

namespace fs = std::filesystem;

class ExportFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("export_file_test." + std::to_string(::getpid()) + "." +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  static std::string read(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

TEST_F(ExportFile, WritesTheWholeTextAndLeavesNoTemporary) {
  ASSERT_TRUE(write_export(path("out.json"), "{\"a\": 1}\n").ok());
  EXPECT_EQ(read(path("out.json")), "{\"a\": 1}\n");
  ASSERT_TRUE(write_export(path("out.json"), "{}\n").ok());  // replaced, not appended
  EXPECT_EQ(read(path("out.json")), "{}\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"out.json"});
}

TEST_F(ExportFile, ANewFileGetsTheUsualMode) {
  mode_t mask = ::umask(022);
  ASSERT_TRUE(write_export(path("out.json"), "{}").ok());
  ::umask(mask);
  EXPECT_EQ(fs::status(path("out.json")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

TEST_F(ExportFile, ALinkStaysALink) {
  ASSERT_TRUE(write_export(path("real.json"), "old").ok());
  fs::create_symlink(path("real.json"), path("link.json"));
  ASSERT_TRUE(write_export(path("link.json"), "new").ok());
  EXPECT_TRUE(fs::is_symlink(path("link.json")));
  EXPECT_EQ(read(path("real.json")), "new");
}

TEST_F(ExportFile, ADeviceIsWrittenInPlace) {
  EXPECT_TRUE(check_export_path("/dev/null").ok());
  EXPECT_TRUE(write_export("/dev/null", "anything").ok());
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(ExportFile, AnUnwritablePathIsFoundBeforehandAndNothingIsLeft) {
  for (const std::string& bad : {path("missing/out.json"), path("."), std::string()}) {
    absl::Status status = check_export_path(bad);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("cannot write " + bad + ": "), std::string::npos) << status.message();
    EXPECT_FALSE(write_export(bad, "{}").ok()) << bad;
  }
  ASSERT_TRUE(check_export_path(path("fine.json")).ok());
  EXPECT_TRUE(check_export_path("-").ok());
  EXPECT_TRUE(entries().empty());  // checking creates nothing
}

TEST_F(ExportFile, AFailedWriteKeepsTheOldFileWhole) {
  ASSERT_TRUE(write_export(path("out.json"), "old").ok());
  // A full disk, as a file size limit: the write fails part way.
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit old_limit;
  ::getrlimit(RLIMIT_FSIZE, &old_limit);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  absl::Status status = write_export(path("out.json"), std::string(100000, 'x'));
  absl::Status fresh = write_export(path("new.json"), std::string(100000, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(fresh.ok());
  EXPECT_EQ(read(path("out.json")), "old");
  EXPECT_EQ(entries(), std::vector<std::string>{"out.json"});  // no partial new.json, no temporary
}

}  // namespace
}  // namespace gene::report
