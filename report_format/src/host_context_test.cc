#include "gene/report/host_context.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <regex>

namespace gene::report {
namespace {

// RFC 3339 wants the offset's colon (+02:00); strftime's %z gives +0200,
// which Google Benchmark's readers and RFC 3339 parsers reject.
TEST(HostContext, IsoDateIsRfc3339WithTheLocalOffset) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  for (const char* zone : {"UTC0", "CET-1", "NST+3:30"}) {
    ::setenv("TZ", zone, 1);
    ::tzset();
    std::string date = iso_date();
    EXPECT_TRUE(std::regex_match(date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)"))) << zone << ": " << date;
    EXPECT_EQ(date.substr(19), std::string(zone) == "UTC0" ? "+00:00" : std::string(zone) == "CET-1" ? "+01:00" : "-03:30")
        << zone;
  }
  if (old) ::setenv("TZ", saved.c_str(), 1);
  else ::unsetenv("TZ");
  ::tzset();
}

TEST(HostContext, CollectedContextCarriesTheDate) {
  EXPECT_EQ(collect_host_context().date.size(), iso_date().size());
}

}  // namespace
}  // namespace gene::report
