// Machine facts read from fake /proc and /sys trees: cores and memory as a
// container or `taskset` sees them, cgroup v1, v2 and hybrid layouts.
#include "machine_facts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace gene::farm {
namespace {

namespace fs = std::filesystem;

class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gene-facts-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    write("proc/self/status", "Name:\tworker\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n");
    write("sys/devices/system/cpu/online", "0-7\n");
    write("proc/meminfo", "MemTotal:       16384000 kB\nMemFree:        1000 kB\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& path, const std::string& text) {
    fs::path p = fs::path(root_) / path;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

  std::string root_;
};

TEST(CpuList, Parses) {
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpu_list("5"), (std::vector<int>{5}));
  EXPECT_TRUE(parse_cpu_list("").empty());
  EXPECT_TRUE(parse_cpu_list("3-1").empty());
  EXPECT_TRUE(parse_cpu_list("x").empty());
  EXPECT_TRUE(parse_cpu_list("0-99999999").empty());  // bounded, not a huge allocation
}

TEST_F(FakeRoot, NoCgroupLimits) {
  MachineFacts f = read_machine_facts(root_);
  EXPECT_EQ(f.cores, 4u);  // the affinity mask, not the 8 online CPUs
  EXPECT_EQ(f.online_cpus, 8u);
  EXPECT_EQ(f.memory_bytes, 16384000ull * 1024);
  EXPECT_FALSE(f.cgroup.cpus);
  EXPECT_FALSE(f.cgroup.memory_bytes);
  EXPECT_EQ(f.cores_note, "affinity 0-3, no cgroup CPU limit");
}

TEST_F(FakeRoot, CgroupV2QuotaAndMemoryLimitOnAnAncestor) {
  write("proc/self/mountinfo", "30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
  write("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
  write("sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "max 100000\n");
  write("sys/fs/cgroup/kubepods/pod1/cpu.max", "150000 100000\n");  // 1.5 CPUs, set on the pod
  write("sys/fs/cgroup/kubepods/pod1/ctr/memory.max", "1073741824\n");
  write("sys/fs/cgroup/kubepods/memory.max", "max\n");
  MachineFacts f = read_machine_facts(root_);
  ASSERT_TRUE(f.cgroup.cpus);
  EXPECT_DOUBLE_EQ(*f.cgroup.cpus, 1.5);
  EXPECT_EQ(f.cores, 2u);  // ceil(1.5) < 4 CPUs in the mask
  EXPECT_EQ(f.memory_bytes, 1073741824u);
  EXPECT_EQ(f.cores_note, "affinity 0-3, cgroup CPU limit 1.5");
}

TEST_F(FakeRoot, CgroupV2InsideANamespace) {
  // With a cgroup namespace the process sees itself at "/".
  write("proc/self/mountinfo", "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  write("proc/self/cgroup", "0::/\n");
  write("sys/fs/cgroup/cpu.max", "50000 100000\n");
  MachineFacts f = read_machine_facts(root_);
  EXPECT_EQ(f.cores, 1u);  // half a CPU still counts as one
}

TEST_F(FakeRoot, CgroupV1QuotaAndMemory) {
  write("proc/self/mountinfo",
        "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  write("proc/self/cgroup", "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n");
  write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "300000\n");
  write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "536870912\n");
  write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");  // unlimited at the root
  MachineFacts f = read_machine_facts(root_);
  EXPECT_EQ(f.cores, 3u);
  EXPECT_EQ(f.memory_bytes, 536870912u);
}

TEST_F(FakeRoot, CgroupV1MountShowingTheContainersOwnGroup) {
  // Without a cgroup namespace a container's mount shows its own group at
  // the mount point, while /proc/self/cgroup names the host's path.
  write("proc/self/mountinfo", "34 30 0:31 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  write("proc/self/cgroup", "4:memory:/docker/abc\n");
  write("sys/fs/cgroup/memory/memory.limit_in_bytes", "268435456\n");
  EXPECT_EQ(read_machine_facts(root_).memory_bytes, 268435456u);
}

TEST_F(FakeRoot, HybridWithoutLimitsAsOnThisKindOfMachine) {
  write("proc/self/mountinfo",
        "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
        "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  write("proc/self/cgroup", "4:memory:/process_api/x\n1:cpu:/\n0::/\n");
  write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
  write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
  write("sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes", "9223372036854771712\n");
  MachineFacts f = read_machine_facts(root_);
  EXPECT_EQ(f.cores, 4u);
  EXPECT_EQ(f.memory_bytes, 16384000ull * 1024);
  EXPECT_FALSE(f.cgroup.cpus);
  EXPECT_FALSE(f.cgroup.memory_bytes);
}

TEST_F(FakeRoot, GarbageIsIgnoredNotTrusted) {
  write("proc/self/status", "Cpus_allowed_list:\tnonsense\n");
  write("proc/self/mountinfo", "garbage line\n30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  write("proc/self/cgroup", "0::/a\n");
  write("sys/fs/cgroup/a/cpu.max", "lots 100000\n");
  write("sys/fs/cgroup/a/memory.max", "-5\n");
  MachineFacts f = read_machine_facts(root_);
  EXPECT_EQ(f.cores, 8u);  // no readable mask: the online CPUs
  EXPECT_FALSE(f.cgroup.cpus);
  EXPECT_FALSE(f.cgroup.memory_bytes);
}

TEST_F(FakeRoot, FrequencyPolicy) {
  EXPECT_EQ(read_cpu_frequency_policy(root_, {0, 1}).governor, "");  // a VM without cpufreq
  EXPECT_EQ(read_cpu_frequency_policy(root_, {0, 1}).boost, "");
  write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
  write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
  write("sys/devices/system/cpu/intel_pstate/no_turbo", "1\n");
  CpuFrequencyPolicy p = read_cpu_frequency_policy(root_, {0, 1});
  EXPECT_EQ(p.governor, "performance, powersave");
  EXPECT_EQ(p.boost, "off");
  EXPECT_EQ(read_cpu_frequency_policy(root_, {0}).governor, "performance");
  write("sys/devices/system/cpu/cpufreq/boost", "1\n");  // acpi-cpufreq wins when present
  EXPECT_EQ(read_cpu_frequency_policy(root_, {0}).boost, "on");
}

TEST(MachineFacts, ThisMachineIsConsistent) {
  MachineFacts f = read_machine_facts("");
  EXPECT_GE(f.cores, 1u);
  EXPECT_GT(f.memory_bytes, 0u);
  if (!f.allowed_cpus.empty()) {
    EXPECT_LE(f.cores, f.allowed_cpus.size());
  }
}

}  // namespace
}  // namespace gene::farm
