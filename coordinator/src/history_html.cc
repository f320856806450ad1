// `coordinator history --html`: one page, inline CSS and SVG only, a plot
// per job and hardware class of its median CPU time over the runs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "gene/coordinator/history.h"

#include "html_text.h"

namespace gene::coordinator {

namespace {

std::string esc(const std::string& s) { return html_escape(s); }

std::string num(double v, const char* fmt = "%.1f") {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// A time unit for values up to `max` seconds.
struct Unit {
  const char* name;
  double scale;  // seconds → unit
};
Unit unit_for(double max) {
  if (max >= 1) return {"s", 1};
  if (max >= 1e-3) return {"ms", 1e3};
  if (max >= 1e-6) return {"µs", 1e6};
  return {"ns", 1e9};
}

// Tick positions covering [lo, hi] with a step of 1, 2 or 5 × 10^k.
std::vector<double> ticks(double lo, double hi, int wanted) {
  double span = hi - lo;
  if (!(span > 0)) return {lo};
  double raw = span / wanted;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(t);
  return out;
}

std::string tick_label(double v, double step) {
  int decimals = step >= 1 ? 0 : int(std::ceil(-std::log10(step)));
  return num(v, ("%." + std::to_string(std::min(decimals, 6)) + "f").c_str());
}

struct Point {
  int64_t run_id = 0;
  std::string started_at, commit, status, noise;
  std::optional<double> seconds;  // absent: the job did not end ok
  bool noisy = false, slower = false;
};

struct Series {
  std::string suite, job, hardware;
  std::vector<Point> points;  // oldest first
};

std::string format_time(double seconds, const Unit& u) {
  double v = seconds * u.scale;
  return num(v, v >= 100 ? "%.1f" : v >= 10 ? "%.2f" : "%.3f") + " " + u.name;
}

std::string plot(const Series& s) {
  // Room on the right and top for the last points' slanted commit labels.
  const double W = 980, H = 330, left = 78, right = 120, top = 60, bottom = 64;
  const double pw = W - left - right, ph = H - top - bottom;
  std::vector<double> values;
  for (const auto& p : s.points)
    if (p.seconds) values.push_back(*p.seconds);
  double lo = values.empty() ? 0 : *std::min_element(values.begin(), values.end());
  double hi = values.empty() ? 1 : *std::max_element(values.begin(), values.end());
  Unit u = unit_for(hi);
  lo *= u.scale;
  hi *= u.scale;
  double pad = (hi - lo) * 0.12;
  if (pad == 0) pad = std::max(std::fabs(hi) * 0.05, 1e-9);
  double y0 = std::max(0.0, lo - pad), y1 = hi + pad;
  std::vector<double> yt = ticks(y0, y1, 5);
  double step = yt.size() > 1 ? yt[1] - yt[0] : 1;
  const size_t n = s.points.size();
  auto X = [&](size_t i) { return n == 1 ? left + pw / 2 : left + 18 + (pw - 36) * double(i) / double(n - 1); };
  auto Y = [&](double v) { return top + ph - (v - y0) / (y1 - y0) * ph; };

  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(W, "%.0f") + "\" height=\"" +
                  num(H, "%.0f") + "\" viewBox=\"0 0 " + num(W, "%.0f") + " " + num(H, "%.0f") +
                  "\" role=\"img\" aria-label=\"" + esc(s.job + " on " + s.hardware) + "\">\n";
  o += "<rect class=\"area\" x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" +
       num(ph) + "\"/>\n";
  for (double t : yt) {
    double y = Y(t);
    o += "<line class=\"grid\" x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(y) + "\" y2=\"" +
         num(y) + "\"/>";
    o += "<text class=\"tick\" x=\"" + num(left - 8) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
         tick_label(t, step) + "</text>\n";
  }
  o += "<line class=\"axis\" x1=\"" + num(left) + "\" x2=\"" + num(left) + "\" y1=\"" + num(top) + "\" y2=\"" +
       num(top + ph) + "\"/>";
  o += "<line class=\"axis\" x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(top + ph) +
       "\" y2=\"" + num(top + ph) + "\"/>\n";
  o += "<text class=\"label\" transform=\"translate(20 " + num(top + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">CPU time per run (" + u.name + ")</text>\n";
  o += "<text class=\"label\" x=\"" + num(left + pw / 2) + "\" y=\"" + num(H - 10) +
       "\" text-anchor=\"middle\">run id (oldest → newest)</text>\n";

  // The line through the runs that ended ok.
  std::string path;
  for (size_t i = 0; i < n; ++i)
    if (s.points[i].seconds)
      path += (path.empty() ? "M" : " L") + num(X(i)) + " " + num(Y(*s.points[i].seconds * u.scale));
  if (!path.empty()) o += "<path class=\"line\" d=\"" + path + "\"/>\n";

  // A dashed line where the build changes.
  for (size_t i = 1; i < n; ++i)
    if (s.points[i].commit != s.points[i - 1].commit) {
      double x = (X(i - 1) + X(i)) / 2;
      o += "<line class=\"build\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(top) + "\" y2=\"" +
           num(top + ph) + "\"><title>" + esc("build " + s.points[i - 1].commit + " → " + s.points[i].commit) +
           "</title></line>\n";
    }
  // Run ids under the axis (every k-th when crowded); commits above their
  // points (where the commit changes, when crowded).
  const size_t every = std::max<size_t>(1, (n + 29) / 30);
  const bool label_all_commits = n <= 16;
  for (size_t i = 0; i < n; ++i) {
    const Point& p = s.points[i];
    double x = X(i);
    if (i % every == 0 || i + 1 == n)
      o += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(top + ph + 16) + "\" text-anchor=\"middle\">" +
           std::to_string(p.run_id) + "</text>";
    std::string tip = "run " + std::to_string(p.run_id) + " · " + p.started_at + " · commit " + p.commit + " · " +
                      (p.seconds ? format_time(*p.seconds, u) : p.status) + (p.noisy ? " · noisy: " + p.noise : "") +
                      (p.slower ? " · slower than its baseline" : "");
    if (!p.seconds) {
      double y = top + ph - 8;
      o += "<g class=\"failed\"><title>" + esc(tip) + "</title><path d=\"M" + num(x - 4) + " " + num(y - 4) + " L" +
           num(x + 4) + " " + num(y + 4) + " M" + num(x - 4) + " " + num(y + 4) + " L" + num(x + 4) + " " +
           num(y - 4) + "\"/></g>\n";
      continue;
    }
    double y = Y(*p.seconds * u.scale);
    std::string cls = p.slower ? "point slower" : p.noisy ? "point noisy" : "point";
    o += "<g><title>" + esc(tip) + "</title>";
    if (p.slower)
      o += "<path class=\"" + cls + "\" d=\"M" + num(x) + " " + num(y - 7) + " L" + num(x + 6.5) + " " + num(y + 5) +
           " L" + num(x - 6.5) + " " + num(y + 5) + " Z\"/>";
    else
      o += "<circle class=\"" + cls + "\" cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"4.5\"/>";
    o += "</g>";
    bool changed = i == 0 || s.points[i - 1].commit != p.commit;
    if (label_all_commits || changed)
      o += "<text class=\"commit\" transform=\"translate(" + num(x + 3) + " " + num(y - 10) +
           ") rotate(-30)\">" + esc(p.commit) + "</text>";
    o += "\n";
  }
  o += "</svg>\n";
  return o;
}

const char* kStyle = R"css(
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 28px 36px; color: #1d2733; background: #fff; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d5dbe3; }
p.meta { color: #5a6675; margin: 0 0 14px; font-size: 13px; }
.legend { font-size: 13px; color: #34414f; margin: 0 0 10px; }
.legend svg { vertical-align: middle; margin: 0 4px 0 14px; }
figure { margin: 0 0 22px; }
figcaption { font-size: 15px; font-weight: 600; margin: 0 0 2px; }
figcaption span { font-weight: normal; color: #5a6675; font-size: 13px; }
svg text { font-size: 11px; fill: #34414f; }
svg text.label { font-size: 12px; fill: #1d2733; }
svg text.commit { font-size: 10px; fill: #4b5a6b; font-family: "DejaVu Sans Mono", monospace; }
svg .area { fill: #f7f9fb; }
svg .grid { stroke: #e1e6ec; stroke-width: 1; }
svg .axis { stroke: #6b7785; stroke-width: 1; }
svg .line { fill: none; stroke: #8aa4c0; stroke-width: 1.5; }
svg .point { fill: #1f6fb4; stroke: #fff; stroke-width: 1; }
svg .point.noisy { fill: #fff; stroke: #e07b00; stroke-width: 2.2; }
svg .point.slower { fill: #d0312d; stroke: #fff; stroke-width: 1; }
svg .failed path { stroke: #7d8794; stroke-width: 2; }
svg .build { stroke: #9aa5b1; stroke-width: 1; stroke-dasharray: 4 4; }
p.empty { color: #5a6675; }
)css";

std::string legend() {
  return "<p class=\"legend\">"
         "<svg width=\"12\" height=\"12\"><circle cx=\"6\" cy=\"6\" r=\"4.5\" fill=\"#1f6fb4\"/></svg>a run"
         "<svg width=\"12\" height=\"12\"><circle cx=\"6\" cy=\"6\" r=\"4\" fill=\"#fff\" stroke=\"#e07b00\" "
         "stroke-width=\"2.2\"/></svg>noisy run (measured under noise: do not trust its time)"
         "<svg width=\"14\" height=\"13\"><path d=\"M7 0 L13.5 12 L0.5 12 Z\" fill=\"#d0312d\"/></svg>slower than "
         "its baseline (submit --baseline)"
         "<svg width=\"12\" height=\"12\"><path d=\"M2 2 L10 10 M2 10 L10 2\" stroke=\"#7d8794\" "
         "stroke-width=\"2\"/></svg>job failed</p>\n"
         "<p class=\"legend\">Each point is labelled by the VM commit of its run (-dirty: built from a tree with "
         "uncommitted changes), a dashed line marks a change of build; hover for the run's details. Each plot's "
         "vertical axis spans that job's own range.</p>\n";
}

}  // namespace

std::string history_html(const std::vector<HistoryRun>& runs, const std::string& store_path) {
  // Series per suite, job and hardware class, in the order the newest runs list them.
  std::vector<Series> series;
  std::map<std::string, size_t> index;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // oldest first
    for (const auto& h : it->jobs) {
      const StoredJob& j = h.job;
      std::string key = it->run.suite + '\0' + j.name + '\0' + j.hardware;
      auto found = index.find(key);
      if (found == index.end()) {
        found = index.emplace(key, series.size()).first;
        series.push_back({it->run.suite, j.name, j.hardware.empty() ? "no worker" : j.hardware, {}});
      }
      Point p;
      p.run_id = it->run.id;
      p.started_at = it->run.started_at;
      p.commit = commit_label(j.vm);
      p.status = j.status;
      if (j.status == "ok" && j.cpu_seconds) p.seconds = j.cpu_seconds;
      p.noisy = j.noisy;
      for (const auto& [kind, text] : j.noise_reasons) p.noise += (p.noise.empty() ? "" : "; ") + text;
      for (const auto& [metric, verdict] : j.verdicts) p.slower = p.slower || verdict == "slower";
      series[found->second].points.push_back(std::move(p));
    }
  }
  // Grouped by suite; within one, jobs in the order they first appear.
  std::vector<std::string> suites;
  for (const auto& s : series)
    if (std::find(suites.begin(), suites.end(), s.suite) == suites.end()) suites.push_back(s.suite);

  std::string first = runs.empty() ? "" : runs.back().run.started_at, last = runs.empty() ? "" : runs.front().run.started_at;
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Gene farm history</title>\n";
  o += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n<h1>Gene farm history</h1>\n";
  o += "<p class=\"meta\">" + std::to_string(runs.size()) + " run" + (runs.size() == 1 ? "" : "s") +
       (runs.empty() ? "" : ", " + esc(first) + " to " + esc(last)) + " · store " + esc(store_path) +
       " · each point is one run's median CPU time of one run of the job</p>\n";
  if (series.empty()) {
    o += "<p class=\"empty\">No runs recorded.</p>\n</body>\n</html>\n";
    return o;
  }
  o += legend();
  for (const auto& suite : suites) {
    o += "<h2>suite " + esc(suite) + "</h2>\n";
    for (const auto& s : series) {
      if (s.suite != suite) continue;
      std::string caption;
      size_t ok = 0;
      for (const auto& p : s.points) ok += p.seconds ? 1 : 0;
      const Point& newest = s.points.back();
      if (newest.seconds) {
        Unit u = unit_for(*newest.seconds);
        caption = "latest " + format_time(*newest.seconds, u) + " (run " + std::to_string(newest.run_id) + ", " +
                  newest.commit + ")";
      } else {
        caption = "latest run " + std::to_string(newest.run_id) + ": " + newest.status;
      }
      o += "<figure>\n<figcaption>" + esc(s.job) + " <span>on " + esc(s.hardware) + " · " + std::to_string(ok) +
           " of " + std::to_string(s.points.size()) + " runs ok · " + esc(caption) + "</span></figcaption>\n";
      o += plot(s);
      o += "</figure>\n";
    }
  }
  o += "</body>\n</html>\n";
  return o;
}

}  // namespace gene::coordinator
