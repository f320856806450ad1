#include "gene/coordinator/compare_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "gene/coordinator/compare_report.h"
#include "gene/coordinator/compare_rounds.h"
#include "gene/coordinator/report.h"

#include "html_text.h"

namespace gene::coordinator {

namespace {

namespace v1 = ::gene::farm::v1;

// Verdict colours: strong for marks, light for backgrounds.
struct Palette {
  const char* strong;
  const char* light;
};
Palette palette(const v1::JobComparison& job) {
  if (!job.error().empty()) return {"#616161", "#eeeeee"};
  switch (job.verdict()) {
    case v1::COMPARISON_VERDICT_SLOWER: return {"#c62828", "#fde0dc"};
    case v1::COMPARISON_VERDICT_FASTER: return {"#2e7d32", "#dcf2dd"};
    case v1::COMPARISON_VERDICT_SAME: return {"#1565c0", "#dde9f8"};
    default: break;
  }
  return {"#b26a00", "#fff0c2"};
}
const char* const kBaselineColour = "#546e7a";
const char* const kCandidateColour = "#8e24aa";

std::string esc(const std::string& s) { return html_escape(s); }

std::string num(double v, int digits = 1) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Round tick values covering [lo, hi], about `want` of them.
std::vector<double> nice_ticks(double lo, double hi, int want) {
  std::vector<double> ticks;
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / want;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

// How the metric's values are shown on an axis: a unit and its scale.
struct Unit {
  double scale = 1;
  std::string name;
};
Unit unit_for(const std::string& metric, double max_value) {
  const bool time = metric == "cpu" || metric == "wall" || metric.find("seconds") != std::string::npos;
  if (!time) return {1, ""};
  if (max_value >= 1) return {1, "s"};
  if (max_value >= 1e-3) return {1e3, "ms"};
  if (max_value >= 1e-6) return {1e6, "µs"};
  return {1e9, "ns"};
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return buf;
}

// A deterministic jitter in [-1, 1] for point i (no randomness: the same
// page for the same numbers).
double jitter(size_t i) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return double(x % 2001) / 1000.0 - 1.0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

constexpr int kPlotWidth = 500;
constexpr int kPlotHeight = 170;

// Both sides' per-round values: one row of dots per side, its median as a
// bar, on a shared linear axis.
std::string strip_plot(const v1::JobComparison& job) {
  std::vector<double> b(job.baseline_values().begin(), job.baseline_values().end());
  std::vector<double> c(job.candidate_values().begin(), job.candidate_values().end());
  const int left = 92, right = 20, top = 16, bottom = 44;
  const int w = kPlotWidth - left - right, h = kPlotHeight - top - bottom;
  std::string svg = "<svg class=\"strip\" width=\"" + std::to_string(kPlotWidth) + "\" height=\"" +
                    std::to_string(kPlotHeight) + "\" viewBox=\"0 0 " + std::to_string(kPlotWidth) + " " +
                    std::to_string(kPlotHeight) + "\" role=\"img\" aria-label=\"" +
                    esc(job.name() + ": " + job.metric() + " per round on each side") + "\">";
  if (b.empty() || c.empty()) {
    svg += "<text x=\"" + std::to_string(kPlotWidth / 2) + "\" y=\"" + std::to_string(kPlotHeight / 2) +
           "\" text-anchor=\"middle\" class=\"muted\">no rounds measured</text></svg>";
    return svg;
  }
  double lo = std::min(*std::min_element(b.begin(), b.end()), *std::min_element(c.begin(), c.end()));
  double hi = std::max(*std::max_element(b.begin(), b.end()), *std::max_element(c.begin(), c.end()));
  const Unit unit = unit_for(job.metric(), hi);
  double pad = (hi - lo) * 0.08;
  if (pad <= 0) pad = std::max(std::fabs(hi) * 0.01, 1e-12);
  lo -= pad, hi += pad;
  auto x = [&](double v) { return left + (v - lo) / (hi - lo) * w; };
  // Grid and axis.
  const std::vector<double> ticks = nice_ticks(lo * unit.scale, hi * unit.scale, 5);
  for (double t : ticks) {
    const double px = x(t / unit.scale);
    svg += "<line class=\"grid\" x1=\"" + num(px) + "\" y1=\"" + std::to_string(top) + "\" x2=\"" + num(px) +
           "\" y2=\"" + std::to_string(top + h) + "\"/>";
    svg += "<text class=\"tick\" x=\"" + num(px) + "\" y=\"" + std::to_string(top + h + 16) +
           "\" text-anchor=\"middle\">" + tick_label(t) + "</text>";
  }
  svg += "<line class=\"axis\" x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(top + h) + "\" x2=\"" +
         std::to_string(left + w) + "\" y2=\"" + std::to_string(top + h) + "\"/>";
  const std::string axis_title = job.metric() == "cpu"    ? "CPU time per run"
                                 : job.metric() == "wall" ? "wall time per run"
                                                          : job.metric() + " per run";
  svg += "<text class=\"label\" x=\"" + std::to_string(left + w / 2) + "\" y=\"" + std::to_string(kPlotHeight - 6) +
         "\" text-anchor=\"middle\">" + esc(axis_title) + (unit.name.empty() ? "" : " (" + unit.name + ")") +
         "</text>";
  // One row per side.
  const double row_h = h / 2.0;
  auto row = [&](const std::vector<double>& values, int index, const char* name, const char* colour) {
    const double cy = top + row_h * (index + 0.5);
    svg += "<text class=\"side\" x=\"" + std::to_string(left - 10) + "\" y=\"" + num(cy + 4) +
           "\" text-anchor=\"end\" fill=\"" + colour + "\">" + name + "</text>";
    svg += "<g class=\"points\" fill=\"" + std::string(colour) + "\" fill-opacity=\"0.45\">";
    for (size_t i = 0; i < values.size(); ++i)
      svg += "<circle cx=\"" + num(x(values[i])) + "\" cy=\"" + num(cy + jitter(i + index * 7919) * row_h * 0.3) +
             "\" r=\"3\"/>";
    svg += "</g>";
    const double m = x(median(values));
    svg += "<line class=\"median\" x1=\"" + num(m) + "\" y1=\"" + num(cy - row_h * 0.42) + "\" x2=\"" + num(m) +
           "\" y2=\"" + num(cy + row_h * 0.42) + "\" stroke=\"" + colour + "\"/>";
  };
  row(b, 0, "baseline", kBaselineColour);
  row(c, 1, "candidate", kCandidateColour);
  svg += "</svg>";
  return svg;
}

// The ratio and its interval on a log axis, with the per-round ratios and
// the band of changes too small to call (±min_effect).
std::string ratio_plot(const v1::JobComparison& job, double min_effect) {
  const Palette p = palette(job);
  const int left = 30, right = 30, top = 16, bottom = 44;
  const int w = kPlotWidth - left - right, h = kPlotHeight - top - bottom;
  std::string svg = "<svg class=\"ratio\" width=\"" + std::to_string(kPlotWidth) + "\" height=\"" +
                    std::to_string(kPlotHeight) + "\" viewBox=\"0 0 " + std::to_string(kPlotWidth) + " " +
                    std::to_string(kPlotHeight) + "\" role=\"img\" aria-label=\"" +
                    esc(job.name() + ": candidate / baseline with its interval") + "\">";
  std::vector<double> per_round;
  for (int i = 0; i < job.baseline_values_size() && i < job.candidate_values_size(); ++i)
    if (job.baseline_values(i) > 0 && job.candidate_values(i) > 0)
      per_round.push_back(job.candidate_values(i) / job.baseline_values(i));
  const double band_hi = 1 + min_effect, band_lo = 1 / band_hi;
  double lo = band_lo, hi = band_hi;
  if (job.has_ratio()) lo = std::min(lo, job.ci_low()), hi = std::max(hi, job.ci_high());
  if (!per_round.empty()) {
    // The middle 90% of the rounds set the axis; the rest sit at its ends.
    std::vector<double> sorted = per_round;
    std::sort(sorted.begin(), sorted.end());
    lo = std::min(lo, sorted[size_t(0.05 * double(sorted.size() - 1))]);
    hi = std::max(hi, sorted[size_t(std::ceil(0.95 * double(sorted.size() - 1)))]);
  }
  const double llo = std::log(lo) - 0.08 * (std::log(hi) - std::log(lo)) - 1e-4;
  const double lhi = std::log(hi) + 0.08 * (std::log(hi) - std::log(lo)) + 1e-4;
  auto x = [&](double r) { return left + (std::log(r) - llo) / (lhi - llo) * w; };
  auto clampx = [&](double r) { return std::clamp(x(r), double(left), double(left + w)); };
  // The band of changes below min_effect.
  svg += "<rect class=\"band\" x=\"" + num(x(band_lo)) + "\" y=\"" + std::to_string(top) + "\" width=\"" +
         num(x(band_hi) - x(band_lo)) + "\" height=\"" + std::to_string(h) + "\"/>";
  // Ticks as changes in percent, placed on the log scale.
  const std::vector<double> ticks = nice_ticks((std::exp(llo) - 1) * 100, (std::exp(lhi) - 1) * 100, 6);
  for (double t : ticks) {
    const double r = 1 + t / 100;
    if (r <= 0) continue;
    const double px = x(r);
    if (px < left - 0.5 || px > left + w + 0.5) continue;
    svg += "<line class=\"grid\" x1=\"" + num(px) + "\" y1=\"" + std::to_string(top) + "\" x2=\"" + num(px) +
           "\" y2=\"" + std::to_string(top + h) + "\"/>";
    svg += "<text class=\"tick\" x=\"" + num(px) + "\" y=\"" + std::to_string(top + h + 16) +
           "\" text-anchor=\"middle\">" + (t > 0 ? "+" : "") + tick_label(t) + "%</text>";
  }
  svg += "<line class=\"one\" x1=\"" + num(x(1)) + "\" y1=\"" + std::to_string(top - 4) + "\" x2=\"" + num(x(1)) +
         "\" y2=\"" + std::to_string(top + h) + "\"/>";
  svg += "<line class=\"axis\" x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(top + h) + "\" x2=\"" +
         std::to_string(left + w) + "\" y2=\"" + std::to_string(top + h) + "\"/>";
  svg += "<text class=\"label\" x=\"" + std::to_string(left + w / 2) + "\" y=\"" + std::to_string(kPlotHeight - 6) +
         "\" text-anchor=\"middle\">candidate / baseline (log scale; shaded: within ±" + fmt("%g", min_effect * 100) +
         "%)</text>";
  // Per-round ratios, faint, in the upper half.
  svg += "<g class=\"rounds\" fill=\"" + std::string(p.strong) + "\" fill-opacity=\"0.28\">";
  for (size_t i = 0; i < per_round.size(); ++i)
    svg += "<circle cx=\"" + num(clampx(per_round[i])) + "\" cy=\"" + num(top + h * 0.3 + jitter(i) * h * 0.16) +
           "\" r=\"2.6\"/>";
  svg += "</g>";
  // The estimate and its interval.
  const double cy = top + h * 0.72;
  if (job.has_ratio()) {
    const double x0 = clampx(job.ci_low()), x1 = clampx(job.ci_high());
    svg += "<line class=\"interval\" x1=\"" + num(x0) + "\" y1=\"" + num(cy) + "\" x2=\"" + num(std::max(x1, x0 + 1)) +
           "\" y2=\"" + num(cy) + "\" stroke=\"" + p.strong + "\"/>";
    for (double xe : {x0, x1})
      svg += "<line class=\"cap\" x1=\"" + num(xe) + "\" y1=\"" + num(cy - 9) + "\" x2=\"" + num(xe) + "\" y2=\"" +
             num(cy + 9) + "\" stroke=\"" + p.strong + "\"/>";
    svg += "<circle class=\"estimate\" cx=\"" + num(clampx(job.ratio())) + "\" cy=\"" + num(cy) + "\" r=\"6\" fill=\"" +
           p.strong + "\"/>";
    const double label_x = std::clamp(clampx(job.ratio()), double(left + 60), double(left + w - 60));
    svg += "<text class=\"estimate-label\" x=\"" + num(label_x) + "\" y=\"" + num(cy + 24) +
           "\" text-anchor=\"middle\" fill=\"" + p.strong + "\">" + esc(format_change(job.ratio())) + " [" +
           esc(format_change(job.ci_low())) + ", " + esc(format_change(job.ci_high())) + "]</text>";
  } else {
    svg += "<text class=\"muted\" x=\"" + std::to_string(left + w / 2) + "\" y=\"" + num(cy + 4) +
           "\" text-anchor=\"middle\">no interval</text>";
  }
  svg += "</svg>";
  return svg;
}

std::string build_rows(const v1::WorkerInfo& w, const v1::CompareSide& side) {
  const ComparedBuild b = compared_build(w, side);
  auto cell = [](const std::string& s) { return "<td>" + esc(s.empty() ? "-" : s) + "</td>"; };
  return cell(b.version) + cell(b.commit + (b.dirty ? " (dirty)" : "")) + "<td><code>" + esc(b.build_id) +
         "</code></td>" + cell(b.worker) + cell(b.host) + cell(b.options) + "<td><code>" + esc(b.side) +
         "</code></td>";
}

const char* const kStyle = R"(
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; color: #212121;
       margin: 24px 32px; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0; }
.sub { color: #616161; margin: 0 0 18px; }
.legend { color: #616161; margin: -6px 0 18px; max-width: 1100px; }
table { border-collapse: collapse; background: #fff; margin: 8px 0 20px; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e0e0e0; text-align: left; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.verdict { display: inline-block; padding: 1px 9px; border-radius: 11px; font-weight: 600; font-size: 13px; }
.job { background: #fff; border: 1px solid #e0e0e0; border-left: 6px solid; border-radius: 6px;
       padding: 12px 16px 8px; margin: 0 0 18px; }
.job header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.reason { color: #424242; margin: 4px 0 2px; }
.exact { color: #424242; margin: 2px 0 6px; }
.plots { display: flex; gap: 16px; flex-wrap: wrap; }
svg text { font-family: inherit; }
svg .tick { font-size: 11px; fill: #616161; }
svg .label { font-size: 12px; fill: #424242; }
svg .side { font-size: 12.5px; font-weight: 600; }
svg .muted, .muted { fill: #9e9e9e; color: #9e9e9e; }
svg .grid { stroke: #eeeeee; stroke-width: 1; }
svg .axis { stroke: #9e9e9e; stroke-width: 1; }
svg .one { stroke: #424242; stroke-width: 1.2; stroke-dasharray: 4 3; }
svg .band { fill: #e8eaf6; }
svg .median { stroke-width: 3; }
svg .interval { stroke-width: 5; stroke-linecap: butt; }
svg .cap { stroke-width: 2; }
svg .estimate-label { font-size: 12.5px; font-weight: 600; }
)";

}  // namespace

std::string comparison_html(const v1::CompareResult& result, const std::string& date) {
  const v1::CompareSettings& s = result.settings();
  const std::string title = "compare " + result.suite() +
                            (result.candidate_suite() != result.suite() ? " with " + result.candidate_suite() : "");
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + esc(title) +
                  "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  h += "<h1>" + esc(title) + "</h1>\n";
  const std::string metric = s.metric() == "cpu" ? "CPU time per run" : s.metric() == "wall" ? "wall time per run"
                                                                                               : s.metric() + " per run";
  h += "<p class=\"sub\">" + std::to_string(result.jobs_size()) + " job" + (result.jobs_size() == 1 ? "" : "s") +
       " compared on " + esc(metric) + ", in rounds alternating the order of the two sides; " + fmt("%g", s.confidence() * 100) +
       "% confidence over all jobs, min effect " + fmt("%g", s.min_effect() * 100) + "%; " +
       esc(format_seconds(result.seconds())) + (date.empty() ? "" : ", " + esc(date)) +
       (result.cancelled() ? "; <strong>cancelled before every job ended</strong>" : "") + "</p>\n";

  h += "<p class=\"legend\">Per job, left: each round's value on each side (a dot per round; the bar is the "
       "median). Right: each round's candidate / baseline ratio (faint dots), the estimate with its interval (the "
       "bar), and the band of changes smaller than the min effect (shaded), on a log scale. Red: slower, green: "
       "faster, blue: the same, amber: inconclusive.</p>\n";
  h += "<table class=\"builds\">\n<tr><th></th><th>version</th><th>commit</th><th>build id</th><th>worker</th>"
       "<th>host</th><th>VM options</th><th>side</th></tr>\n";
  h += "<tr><th>baseline</th>" + build_rows(result.baseline(), result.baseline_side()) + "</tr>\n";
  h += "<tr><th>candidate</th>" + build_rows(result.candidate(), result.candidate_side()) + "</tr>\n</table>\n";

  h += "<table class=\"summary\">\n<tr><th>job</th><th>verdict</th><th>change</th><th>interval</th><th>rounds</th>"
       "<th>time</th><th>exact differences</th></tr>\n";
  for (const auto& job : result.jobs()) {
    const Palette p = palette(job);
    const Comparison c = comparison_record(job);
    const std::string word = job.error().empty()          ? comparison_verdict_word(job.verdict())
                             : job.error() == "cancelled" ? "cancelled"
                                                          : "failed";
    h += "<tr><td><a href=\"#job-" + std::to_string(&job - &result.jobs(0)) + "\">" + esc(job.name()) +
         "</a></td><td><span class=\"verdict\" style=\"background:" + p.light + ";color:" + p.strong + "\">" + word +
         "</span></td><td class=\"num\">" + (c.ratio ? esc(format_change(*c.ratio)) : "-") + "</td><td class=\"num\">" +
         (c.ratio ? "[" + esc(format_change(*c.ci_low)) + ", " + esc(format_change(*c.ci_high)) + "]" : "-") +
         "</td><td class=\"num\">" + std::to_string(job.rounds()) + "</td><td class=\"num\">" +
         esc(format_seconds(job.seconds())) + "</td><td>" + esc(format_exact_differences(c)) + "</td></tr>\n";
  }
  h += "</table>\n";
  if (result.unmatched_size() > 0) {
    h += "<p class=\"muted\">Not compared (in one suite only): ";
    for (int i = 0; i < result.unmatched_size(); ++i)
      h += (i ? ", " : "") + esc(result.unmatched(i).name()) + " (" + esc(result.unmatched(i).side()) + ")";
    h += "</p>\n";
  }

  for (int i = 0; i < result.jobs_size(); ++i) {
    const v1::JobComparison& job = result.jobs(i);
    const Palette p = palette(job);
    const Comparison c = comparison_record(job);
    const std::string word = job.error().empty()          ? comparison_verdict_word(job.verdict())
                             : job.error() == "cancelled" ? "cancelled"
                                                          : "failed";
    h += "<section class=\"job\" id=\"job-" + std::to_string(i) + "\" style=\"border-left-color:" + p.strong +
         "\">\n<header><h2>" + esc(job.name()) + "</h2><span class=\"verdict\" style=\"background:" + p.light +
         ";color:" + p.strong + "\">" + word + "</span><span class=\"muted\">" + std::to_string(job.rounds()) +
         " rounds, " + esc(format_seconds(job.seconds())) + ", k = " + std::to_string(job.iterations()) +
         " runs per repetition" +
         (job.confidence() > 0 ? ", " + fmt("%.4g", job.confidence() * 100) + "% interval" : std::string()) +
         "</span></header>\n";
    h += "<p class=\"reason\">" + esc(job.error().empty() ? job.reason() : job.error()) + "</p>\n";
    if (c.baseline_median && c.candidate_median)
      h += "<p class=\"exact\">medians: baseline " + esc(format_metric_value(job.metric(), *c.baseline_median)) +
           ", candidate " + esc(format_metric_value(job.metric(), *c.candidate_median)) + "</p>\n";
    const std::string exact = format_exact_differences(c);
    h += "<p class=\"exact\">exact counts: " +
         (exact.empty() ? std::string(c.exact.empty() ? "none reported" : "all the same on both sides")
                        : esc(exact)) +
         "</p>\n";
    h += "<div class=\"plots\">" + strip_plot(job) + ratio_plot(job, s.min_effect()) + "</div>\n</section>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace gene::coordinator
