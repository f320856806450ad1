#include "gene/coordinator/comparison.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>

namespace gene::coordinator {
namespace {

// Parses JSON with a real parser (protobuf's, into a Struct).
google::protobuf::Struct parse(const std::string& json) {
  google::protobuf::Struct s;
  auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return s;
}

Comparison slower_job() {
  Comparison c;
  c.name = "fib/n:30";
  c.metric = "cpu";
  c.verdict = Verdict::Slower;
  c.ratio = 1.2031;
  c.ci_low = 1.19;
  c.ci_high = 1.215;
  c.rounds = 24;
  c.seconds = 5.5;
  c.baseline_median = 0.101;
  c.candidate_median = 0.1215;
  c.exact = {{"instructions", 1.2}, {"allocations", 1.0}, {"frames_allocated", std::nullopt}};
  c.reason = "interval [1.1900, 1.2150] lies above 1";
  return c;
}

TEST(Comparison, JsonEntryHasTheSharedShape) {
  report::JsonWriter j;
  j.begin_array();
  write_comparison(j, slower_job());
  j.end_array();
  auto doc = parse("{\"comparisons\": " + j.str() + "}");
  const auto& entry = doc.fields().at("comparisons").list_value().values(0).struct_value().fields();
  EXPECT_EQ(entry.at("name").string_value(), "fib/n:30");
  EXPECT_EQ(entry.at("metric").string_value(), "cpu");
  EXPECT_EQ(entry.at("verdict").string_value(), "slower");
  EXPECT_DOUBLE_EQ(entry.at("ratio").number_value(), 1.2031);
  EXPECT_DOUBLE_EQ(entry.at("ci_low").number_value(), 1.19);
  EXPECT_DOUBLE_EQ(entry.at("ci_high").number_value(), 1.215);
  EXPECT_EQ(entry.at("rounds").number_value(), 24);
  EXPECT_DOUBLE_EQ(entry.at("seconds").number_value(), 5.5);
  EXPECT_DOUBLE_EQ(entry.at("baseline_median").number_value(), 0.101);
  EXPECT_DOUBLE_EQ(entry.at("candidate_median").number_value(), 0.1215);
  const auto& exact = entry.at("exact").struct_value().fields();
  EXPECT_DOUBLE_EQ(exact.at("instructions").number_value(), 1.2);
  EXPECT_DOUBLE_EQ(exact.at("allocations").number_value(), 1.0);
  EXPECT_TRUE(exact.at("frames_allocated").has_null_value());
  EXPECT_EQ(entry.at("reason").string_value(), "interval [1.1900, 1.2150] lies above 1");
  // Extras appear only when set.
  EXPECT_FALSE(entry.count("error"));
  EXPECT_FALSE(entry.count("confidence"));
  EXPECT_FALSE(entry.count("baseline_values"));
}

TEST(Comparison, MissingNumbersAreNullAndExtrasAreWritten) {
  Comparison c;
  c.name = "x \"quoted\"";
  c.metric = "wall";
  c.error = "baseline: wrong_value: value 3, expected 4";
  c.confidence = 0.9995;
  c.baseline_values = {0.1, 0.2};
  c.candidate_values = {0.3, NAN};
  report::JsonWriter j;
  write_comparison(j, c);
  auto doc = parse(j.str());
  const auto& f = doc.fields();
  EXPECT_EQ(f.at("name").string_value(), "x \"quoted\"");
  EXPECT_EQ(f.at("verdict").string_value(), "inconclusive");
  EXPECT_TRUE(f.at("ratio").has_null_value());
  EXPECT_TRUE(f.at("baseline_median").has_null_value());
  EXPECT_EQ(f.at("error").string_value(), "baseline: wrong_value: value 3, expected 4");
  EXPECT_DOUBLE_EQ(f.at("confidence").number_value(), 0.9995);
  EXPECT_EQ(f.at("baseline_values").list_value().values_size(), 2);
  EXPECT_TRUE(f.at("candidate_values").list_value().values(1).has_null_value());
}

TEST(Comparison, ExactDifferencesNameOnlyWhatChanged) {
  EXPECT_EQ(format_exact_differences(slower_job()), "instructions +20.00%, frames_allocated new");
  Comparison same;
  same.exact = {{"instructions", 1.0}};
  EXPECT_EQ(format_exact_differences(same), "");
  Comparison less;
  less.exact = {{"allocations", 0.969}};
  EXPECT_EQ(format_exact_differences(less), "allocations -3.10%");
}

TEST(Comparison, BuildObject) {
  ComparedBuild b{"0.1.0", "abc123", "0123456789abcdef", "GNU-12.2.0", "Release -O3", true, "w1", "node-a",
                  "optimize=1", "build-b/bin/worker,optimize=1"};
  report::JsonWriter j;
  j.begin_object().key("baseline");
  write_build(j, b);
  j.end_object();
  auto doc = parse(j.str());
  const auto& f = doc.fields().at("baseline").struct_value().fields();
  EXPECT_EQ(f.at("version").string_value(), "0.1.0");
  EXPECT_EQ(f.at("commit").string_value(), "abc123");
  EXPECT_TRUE(f.at("dirty").bool_value());
  EXPECT_EQ(f.at("build_id").string_value(), "0123456789abcdef");
  EXPECT_EQ(f.at("host").string_value(), "node-a");
  EXPECT_EQ(f.at("options").string_value(), "optimize=1");
  EXPECT_EQ(f.at("side").string_value(), "build-b/bin/worker,optimize=1");
}

}  // namespace
}  // namespace gene::coordinator
