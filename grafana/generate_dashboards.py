#!/usr/bin/env python3
"""Writes the Grafana dashboards in grafana/dashboards/ (JSON model, schema 39:
Grafana 10 and later; older ones migrate it).

    python3 grafana/generate_dashboards.py           # rewrite the JSON files
    python3 grafana/generate_dashboards.py --check   # exit 1 if they are out of date

The JSON files are what Grafana loads (grafana/provisioning/dashboards/);
this script is how they are kept consistent: one place for the label
filters, legends and the expression that lines each targeted statistic up
with its threshold. Edit here, rerun, commit both. tests/deploy/
test_dashboards.py checks that the files match this script and evaluates
every query against a real Prometheus.

Series names and labels: docs/deploy.md, "Metrics".
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "dashboards"
DS = {"type": "prometheus", "uid": "${datasource}"}

# Label filters from the template variables.
F_SUITE = 'suite=~"$suite"'
F_BENCH = 'suite=~"$suite", benchmark=~"$benchmark", hardware=~"$hardware"'
F_TARGET = F_BENCH + ', statistic=~"$statistic"'
LEGEND = "{{benchmark}} {{params}} · {{hardware}}"
JOIN = "job, instance, suite, benchmark, params, hardware, statistic"


def targeted_statistics(filters, threshold_filters):
    """Each targeted statistic's value with the statistic's name as a label
    (the recording rule gene:bench_target_statistic, written out so that the
    dashboard works without the rules loaded)."""
    return (
        "(\n"
        "  label_replace(\n"
        '    {__name__=~"gene_bench_.+",\n'
        '     __name__!~"gene_bench_(target_met|target_threshold|last_run_timestamp_seconds|'
        'instructions_by_opcode|allocated_bytes|gc_pause_seconds|wall_seconds|cpu_seconds|regression|run_info)",\n'
        f"     {filters}}},\n"
        '    "statistic", "$1", "__name__", "gene_bench_(.+)")\n'
        f'  or label_replace(gene_bench_allocated_bytes{{{filters}}}, "statistic", "bytes_allocated", "", "")\n'
        "  or label_replace(\n"
        "       label_replace(\n"
        f'         label_replace(gene_bench_gc_pause_seconds{{{filters}}}, "statistic", "gc_pause_seconds_p50", "quantile", "0\\\\.5"),\n'
        '         "statistic", "gc_pause_seconds_p99", "quantile", "0\\\\.99"),\n'
        '       "statistic", "gc_pause_seconds_max", "quantile", "1")\n'
        ")\n"
        f"and on ({JOIN})\n"
        f"gene_bench_target_threshold{{{threshold_filters}}}"
    )


class Board:
    def __init__(self, uid, title, description, variables, time_from="now-30d"):
        self.uid, self.title, self.description = uid, title, description
        self.variables, self.time_from = variables, time_from
        self.panels = []
        self.next_id = 1
        self.x = self.y = 0
        self.row_height = 0

    def _place(self, w, h):
        if self.x + w > 24:
            self.x, self.y = 0, self.y + self.row_height
            self.row_height = 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_height = max(self.row_height, h)
        return pos

    def row(self, title):
        if self.x:
            self.x, self.y = 0, self.y + self.row_height
        self.row_height = 0
        self.panels.append({"id": self.next_id, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.next_id += 1
        self.y += 1

    def panel(self, kind, title, description, targets, w=12, h=8, unit=None, options=None, field=None,
              overrides=None, transformations=None, repeat=None):
        defaults = {"unit": unit} if unit else {}
        if field:
            defaults.update(field)
        p = {"id": self.next_id, "type": kind, "title": title, "description": description,
             "datasource": DS, "gridPos": self._place(w, h),
             "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
             "options": options or {}, "targets": []}
        for i, t in enumerate(targets):
            expr, legend = t[0], t[1]
            extra = t[2] if len(t) > 2 else {}
            target = {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend,
                      "range": True, "instant": False}
            target.update(extra)
            if target.get("instant"):
                target["range"] = False
            p["targets"].append(target)
        if transformations:
            p["transformations"] = transformations
        if repeat:
            p["repeat"], p["repeatDirection"], p["maxPerRow"] = repeat, "h", 3
        self.panels.append(p)
        self.next_id += 1
        return p

    def json(self):
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["gene-farm"],
            "editable": True,
            "graphTooltip": 1,
            "schemaVersion": 39,
            "version": 1,
            "timezone": "browser",
            "time": {"from": self.time_from, "to": "now"},
            "refresh": "5m",
            "annotations": {"list": [{
                "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
                "type": "dashboard"}]},
            "links": [{"type": "dashboards", "tags": ["gene-farm"], "asDropdown": False, "title": "Gene farm",
                       "includeVars": True, "keepTime": True}],
            "templating": {"list": self.variables},
            "panels": self.panels,
        }


def datasource_variable():
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "hide": 0, "current": {}, "options": [], "refresh": 1, "regex": ""}


def query_variable(name, label, query):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": query, "definition": query,
            "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "options": [], "refresh": 2, "regex": "", "sort": 1, "hide": 0}


def bench_variables(source):
    """suite, benchmark, hardware, each narrowed by the ones before."""
    return [
        datasource_variable(),
        query_variable("suite", "Suite", f"label_values({source}, suite)"),
        query_variable("benchmark", "Benchmark", f'label_values({source}{{suite=~"$suite"}}, benchmark)'),
        query_variable("hardware", "Hardware class",
                       f'label_values({source}{{suite=~"$suite", benchmark=~"$benchmark"}}, hardware)'),
    ]


LEGEND_TABLE = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "min", "max"],
                           "showLegend": True},
                "tooltip": {"mode": "multi", "sort": "desc"}}
POINTS = {"custom": {"drawStyle": "line", "lineInterpolation": "stepAfter", "showPoints": "always", "pointSize": 5,
                     "spanNulls": True, "lineWidth": 1, "fillOpacity": 0}}


def ratio_field(extra=None):
    f = {"min": 0, "max": 1, **POINTS}
    if extra:
        f.update(extra)
    return f


def target_line(value, color="red"):
    """A dashed horizontal line at `value` (the target), drawn from the thresholds."""
    return {"thresholds": {"mode": "absolute", "steps": [{"color": "transparent", "value": None},
                                                        {"color": color, "value": value}]},
            "custom": {**POINTS["custom"], "thresholdsStyle": {"mode": "dashed"}}}


def by_query_style(ref, color, dash=True):
    props = [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}},
             {"id": "custom.showPoints", "value": "never"}]
    if dash:
        props.append({"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}})
    return {"matcher": {"id": "byFrameRefID", "options": ref}, "properties": props}


def build_panels(b, filters):
    """Which VM build produced the numbers on screen: the build behind each
    suite's last run per hardware class (gene_bench_run_info), and over the
    time range, one row per build."""
    b.panel("table", "Build behind these numbers",
            "The VM build (commit, dirty tree, build id) that produced each selected suite's last numbers, per "
            "hardware class. The commit is kept off the per-statistic series so that their number does not grow "
            "with every build.",
            [(f"max by (suite, hardware, vm_commit, dirty, build_id) (gene_bench_run_info{{{filters}}})", "",
              {"instant": True, "format": "table"})],
            w=10, h=7,
            transformations=[{"id": "organize", "options": {
                "excludeByName": {"Time": True, "Value": True},
                "indexByName": {"suite": 0, "hardware": 1, "vm_commit": 2, "dirty": 3, "build_id": 4},
                "renameByName": {"vm_commit": "commit"}}}])
    b.panel("state-timeline", "Builds over time",
            "Which build was behind each suite's numbers when: one row per suite, hardware class and build; a "
            "change of row is a change of VM.",
            [(f"max by (suite, hardware, vm_commit, dirty, build_id) (gene_bench_run_info{{{filters}}})",
              "{{suite}} · {{hardware}} · {{vm_commit}} (dirty {{dirty}}, build {{build_id}})")],
            w=14, h=7,
            options={"showValue": "never", "mergeValues": True, "alignValue": "left", "rowHeight": 0.8,
                     "legend": {"showLegend": False}},
            field={"color": {"mode": "fixed", "fixedColor": "blue"},
                   "mappings": [{"type": "value", "options": {"1": {"text": "current", "index": 0}}}]})


# --- Gene targets -----------------------------------------------------------

def targets_board():
    variables = bench_variables("gene_bench_target_threshold") + [
        query_variable("statistic", "Statistic",
                       'label_values(gene_bench_target_threshold{suite=~"$suite", benchmark=~"$benchmark", '
                       'hardware=~"$hardware"}, statistic)')]
    b = Board("gene-targets", "Gene targets",
              "Performance targets of the Gene VM benchmark suites: every targeted statistic over time against "
              "its threshold, per benchmark and hardware class; the build behind the numbers; and each run's "
              "verdicts against its baseline (exact counts, CPU time against its stored noise).",
              variables)
    stat_opts = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                 "colorMode": "background", "graphMode": "none", "textMode": "auto", "justifyMode": "center"}

    b.row("Overview")
    b.panel("stat", "Targets met", "Targets met in the last run of the selected suites.",
            [(f"count(gene_bench_target_met{{{F_TARGET}}} == 1) or vector(0)", "met", {"instant": True})],
            w=4, h=5, options=stat_opts,
            field={"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}]}})
    b.panel("stat", "Targets missed", "Targets missed in the last run (alert GeneBenchTargetMissed).",
            [(f"count(gene_bench_target_met{{{F_TARGET}}} == 0) or vector(0)", "missed", {"instant": True})],
            w=4, h=5, options=stat_opts,
            field={"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                               {"color": "red", "value": 1}]}})
    b.panel("stat", "Last run", "When each selected suite last finished.",
            [(f"max by (suite) (gene_bench_last_run_timestamp_seconds{{{F_SUITE}}}) * 1000", "{{suite}}",
              {"instant": True})],
            w=16, h=5, unit="dateTimeFromNow", options={**stat_opts, "colorMode": "none"})
    b.panel("table", "Target status", "Each target in the last run: the statistic's median, the threshold and "
            "whether it was met (targets that do not apply, e.g. a rate whose denominator was 0, have no status).",
            [(f"gene_bench_target_met{{{F_TARGET}}}", "", {"instant": True, "format": "table"}),
             (f"gene_bench_target_threshold{{{F_TARGET}}}", "", {"instant": True, "format": "table"}),
             (targeted_statistics(F_BENCH, F_TARGET), "", {"instant": True, "format": "table"})],
            w=24, h=10,
            options={"showHeader": True, "sortBy": [{"displayName": "met", "desc": False}]},
            transformations=[
                {"id": "merge", "options": {}},
                {"id": "organize", "options": {
                    "excludeByName": {"Time": True, "__name__": True, "job": True, "instance": True,
                                      "quantile": True},
                    "indexByName": {"suite": 0, "benchmark": 1, "params": 2, "hardware": 3, "statistic": 4,
                                    "Value #C": 5, "op": 6, "Value #B": 7, "Value #A": 8},
                    "renameByName": {"Value #A": "met", "Value #B": "threshold", "Value #C": "value"}}}],
            overrides=[{"matcher": {"id": "byName", "options": "met"}, "properties": [
                {"id": "mappings", "value": [{"type": "value", "options": {
                    "0": {"text": "missed", "color": "red", "index": 0},
                    "1": {"text": "met", "color": "green", "index": 1}}}]},
                {"id": "custom.cellOptions", "value": {"type": "color-background"}}]}])

    build_panels(b, 'suite=~"$suite", hardware=~"$hardware"')

    b.row("Regressions against the baseline")
    b.panel("stat", "Slower than baseline",
            "Statistics whose last run judged against its baseline (coordinator submit --baseline) was slower "
            "(alert GeneBenchRegression): exact counts that grew, or CPU time beyond its stored noise.",
            [(f"count(gene_bench_regression{{{F_BENCH}}} == 1) or vector(0)", "slower", {"instant": True})],
            w=4, h=7, options=stat_opts,
            field={"thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                               {"color": "red", "value": 1}]}})
    b.panel("table", "Last verdicts against the baseline",
            "Each judged statistic of the last judged run: 1 slower, 0 not (same, faster or inconclusive). "
            "`coordinator history` and submit's table give the reasons.",
            [(f"gene_bench_regression{{{F_BENCH}}}", "", {"instant": True, "format": "table"})],
            w=20, h=7,
            options={"showHeader": True, "sortBy": [{"displayName": "slower", "desc": True}]},
            transformations=[{"id": "organize", "options": {
                "excludeByName": {"Time": True, "__name__": True, "job": True, "instance": True},
                "indexByName": {"suite": 0, "benchmark": 1, "params": 2, "hardware": 3, "statistic": 4,
                                "Value": 5},
                "renameByName": {"Value": "slower"}}}],
            overrides=[{"matcher": {"id": "byName", "options": "slower"}, "properties": [
                {"id": "mappings", "value": [{"type": "value", "options": {
                    "0": {"text": "no", "color": "green", "index": 0},
                    "1": {"text": "slower", "color": "red", "index": 1}}}]},
                {"id": "custom.cellOptions", "value": {"type": "color-background"}}]}])

    b.row("Statistics against their targets")
    b.panel("timeseries", "$statistic",
            "The statistic's median per run for each benchmark, parameter set and hardware class (points), "
            "and its target's threshold per benchmark and hardware class (dashed).",
            [(targeted_statistics(F_BENCH, F_TARGET), LEGEND),
             (f"max by (benchmark, hardware, statistic, op) (gene_bench_target_threshold{{{F_TARGET}}})",
              "target {{op}} · {{benchmark}} · {{hardware}}")],
            w=8, h=9, options=LEGEND_TABLE, field=POINTS, overrides=[by_query_style("B", "red")],
            repeat="statistic")
    b.x = 24  # the repeated panel fills the row
    b.panel("timeseries", "Headroom: statistic against target (above 1 = met)",
            "Value ÷ threshold for > and >= targets, threshold ÷ value for < and <=: above the line the target "
            "is met, below it missed (== and != targets are left out).",
            [("(\n" + targeted_statistics(F_BENCH, F_TARGET) + "\n)\n"
              f"/ on ({JOIN}) group_left (op)\n"
              f'gene_bench_target_threshold{{{F_TARGET}, op=~">=?"}}\n'
              "or\n"
              f'gene_bench_target_threshold{{{F_TARGET}, op=~"<=?"}}\n'
              f"/ on ({JOIN}) group_left ()\n"
              "(\n" + targeted_statistics(F_BENCH, F_TARGET) + "\n)",
              "{{statistic}} · " + LEGEND)],
            w=24, h=10, options=LEGEND_TABLE,
            field={**target_line(1), "unit": "none", "custom": {**target_line(1)["custom"], "scaleDistribution":
                                                                {"type": "log", "log": 10}}})

    b.row("Run time")
    b.panel("timeseries", "Wall time per repetition and its 7-day median",
            "Median wall time of one repetition per run, and its median over the last 7 days for reference. "
            "Whether a run is slower is judged against the noise of its stored history, not by a fixed share "
            "(panels above, alert GeneBenchRegression).",
            [(f"gene_bench_wall_seconds{{{F_BENCH}}}", LEGEND),
             (f"quantile_over_time(0.5, gene_bench_wall_seconds{{{F_BENCH}}}[7d])", "7-day median · " + LEGEND)],
            w=12, h=9, unit="s", options=LEGEND_TABLE, field=POINTS,
            overrides=[by_query_style("B", "blue")])
    b.panel("timeseries", "CPU time per repetition", "Median CPU time of one repetition per run.",
            [(f"gene_bench_cpu_seconds{{{F_BENCH}}}", LEGEND)],
            w=12, h=9, unit="s", options=LEGEND_TABLE, field=POINTS)
    return b


# --- Gene VM internals --------------------------------------------------------

def vm_board():
    b = Board("gene-vm-internals", "Gene VM internals",
              "What the Gene VM did in the benchmark runs (medians over each run's repetitions): instruction "
              "mix (profiled runs), calls and frame pooling, object pools, memory management and garbage "
              "collection, and the optimizer.",
              bench_variables("gene_bench_instructions"))

    def ts(title, description, series, unit=None, w=8, legend=LEGEND, field=None):
        b.panel("timeseries", title, description, [(f"{series}{{{F_BENCH}}}", legend)], w=w, unit=unit,
                options=LEGEND_TABLE, field=field or POINTS)

    def ts_by_name(title, description, names, label, unit, w=8):
        """Several statistics in one panel, told apart by `label` (the part of
        the series name the regex `names` captures after gene_bench_)."""
        b.panel("timeseries", title, description,
                [(f'label_replace({{__name__=~"gene_bench_{names}", {F_BENCH}}},\n'
                  f'  "{label}", "$1", "__name__", "gene_bench_{names}")', f"{{{{{label}}}}} · " + LEGEND)],
                w=w, unit=unit, options=LEGEND_TABLE, field=POINTS)

    b.row("Build")
    build_panels(b, 'suite=~"$suite", hardware=~"$hardware"')

    b.row("Instructions")
    b.panel("bargauge", "Instruction mix (share of instructions, last run)",
            "Share of each opcode in the instructions executed by the selected benchmarks, from runs with "
            "profile: true (gene_bench_instructions_by_opcode); the 20 most executed.",
            [(f"topk(20, sum by (opcode) (gene_bench_instructions_by_opcode{{{F_BENCH}}})\n"
              f"  / scalar(sum(gene_bench_instructions_by_opcode{{{F_BENCH}}})))", "{{opcode}}",
              {"instant": True})],
            w=12, h=12, unit="percentunit",
            options={"orientation": "horizontal", "displayMode": "basic", "showUnfilled": True,
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
            field={"min": 0, "max": 1})
    b.panel("timeseries", "Instruction mix over time (10 most executed opcodes)",
            "Instructions executed per opcode, summed over the selected benchmarks (profiled runs).",
            [(f"topk(10, sum by (opcode) (gene_bench_instructions_by_opcode{{{F_BENCH}}}))", "{{opcode}}")],
            w=12, h=12, unit="short", options=LEGEND_TABLE, field=POINTS)
    ts("Instructions per second", "Target: > 1e7.", "gene_bench_instructions_per_second", "short",
       field={**POINTS, **target_line(1e7)})
    ts("Instructions executed", "Bytecode instructions executed per run.", "gene_bench_instructions", "short")
    ts("Execution time in the VM", "Wall time of one run inside the VM.", "gene_bench_execution_seconds", "s")

    b.row("Calls and frames")
    ts("Frame pool hit rate", "Frames not freshly made (pool hits and tail-call reuses) ÷ frames taken. "
       "Target: > 0.80.", "gene_bench_frame_pool_hit_rate", "percentunit", field=ratio_field(target_line(0.8)))
    ts("Frames per second", "Call frames taken per second. Target: > 1e6.", "gene_bench_frames_per_second",
       "short", field={**POINTS, **target_line(1e6)})
    ts("Tail-call optimization success rate", "Calls in tail position done by frame reuse ÷ calls in tail "
       "position. Target: > 0.95 where it applies.", "gene_bench_tco_success_rate", "percentunit",
       field=ratio_field(target_line(0.95)))
    ts("Max stack depth", "Deepest frame count reached.", "gene_bench_max_stack_depth", "short")
    ts("Frame size", "Memory one call frame takes.", "gene_bench_frame_bytes", "bytes")
    ts("Frames allocated", "Frames taken for calls (one per call).", "gene_bench_frames_allocated", "short")

    b.row("Memory")
    ts("Object pool hit rate", "Heap objects served by the size-class pools ÷ objects made.",
       "gene_bench_object_pool_hit_rate", "percentunit", w=12, field=ratio_field())
    b.panel("timeseries", "Object pool hit rate by type",
            "Per pooled type (array, map, string, closure, box); a type the benchmark never made has no value.",
            [(f'label_replace({{__name__=~"gene_bench_object_pool_hit_rate_.+", {F_BENCH}}},\n'
              '  "type", "$1", "__name__", "gene_bench_object_pool_hit_rate_(.+)")', "{{type}} · " + LEGEND)],
            w=12, unit="percentunit", options=LEGEND_TABLE, field=ratio_field())
    ts("Memory overhead ratio", "Time in allocation, freeing and collection ÷ execution time. Target: < 0.20.",
       "gene_bench_memory_overhead_ratio", "percentunit", field=ratio_field(target_line(0.2)))
    ts("Memory management time", "Time in allocation, freeing and collection per run.",
       "gene_bench_memory_management_seconds", "s")
    ts("Heap peak", "The most heap in use at once.", "gene_bench_heap_peak_bytes", "bytes")
    ts("Bytes allocated", "Bytes of heap objects made per run.", "gene_bench_allocated_bytes", "bytes")
    ts("Allocations", "Heap objects made per run.", "gene_bench_allocations", "short")

    b.row("Reference counting and cycle collection")
    ts("GC pauses (p50, p99, max)", "Pauses of the cycle collector: median, 99th percentile and longest.",
       "gene_bench_gc_pause_seconds", "s", legend=LEGEND + " · quantile {{quantile}}")
    ts("GC collections", "Cycle-collector runs per run, young and full.", "gene_bench_gc_collections", "short")
    ts("GC time", "Total time in the cycle collector per run.", "gene_bench_gc_seconds", "s")
    ts_by_name("Where memory time goes",
               "memory_management_seconds split: allocation (sampled), freeing by reference counts "
               "(reconciling the stack at safepoints), and the cycle collector.",
               "(memory_allocation_seconds|memory_freeing_seconds|gc_seconds)", "part", "s")
    ts_by_name("Objects freed: by counts and by the cycle collector",
               "rc_frees: freed when their count reached zero; gc_cycle_frees: garbage cycles (and what only "
               "they held) found by trial deletion.",
               "(rc_frees|gc_cycle_frees)", "by", "short")
    ts_by_name("Cycle collections by generation",
               "Young collections examine recent candidates only; full ones the whole heap "
               "(--gc-young, --gc-old-ratio).",
               "gc_(young|full)_collections", "generation", "short")

    b.row("Optimizer")
    ts_by_name("What the optimizer did",
               "Constants folded, instructions eliminated and calls inlined at compile time.",
               "(constants_folded|instructions_eliminated|calls_inlined)", "pass", "short", w=24)
    return b


# --- Gene farm health ---------------------------------------------------------

def farm_board():
    variables = [datasource_variable(),
                 query_variable("suite", "Suite", "label_values(gene_farm_job_duration_seconds_count, suite)")]
    b = Board("gene-farm-health", "Gene farm health",
              "The benchmark farm itself: workers by state, jobs by outcome, job durations, suites' last runs, "
              "builds and scrape targets.", variables, time_from="now-24h")
    stat_opts = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                 "colorMode": "background", "graphMode": "area", "textMode": "value_and_name"}
    state_colors = [{"matcher": {"id": "byName", "options": name}, "properties": [
        {"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]}
        for name, color in (("ready", "green"), ("busy", "blue"), ("down", "red"))]

    b.row("Workers")
    b.panel("stat", "Workers by state", "Workers the coordinator knows, by state (alerts GeneFarmWorkerDown, "
            "GeneFarmNoWorkers).",
            [("sum by (state) (gene_farm_workers)", "{{state}}", {"instant": True})],
            w=8, h=6, options=stat_opts, overrides=state_colors)
    b.panel("timeseries", "Workers by state over time", "Workers the coordinator knows, by state.",
            [("sum by (state) (gene_farm_workers)", "{{state}}")],
            w=16, h=6, unit="short", overrides=state_colors,
            field={"custom": {"stacking": {"mode": "normal"}, "fillOpacity": 30, "drawStyle": "line",
                              "lineInterpolation": "stepAfter"}},
            options=LEGEND_TABLE)
    b.panel("timeseries", "Jobs running per worker", "Jobs each worker runs now (gene_worker_busy).",
            [("sum by (instance, class) (gene_worker_busy)", "{{instance}} {{class}}")],
            w=12, unit="short", options=LEGEND_TABLE,
            field={"custom": {"drawStyle": "line", "lineInterpolation": "stepAfter", "fillOpacity": 10}})
    b.panel("timeseries", "Jobs refused by workers", "RunJob calls a worker refused before running, by reason "
            "(busy: the coordinator tries another worker or later).",
            [("sum by (reason) (rate(gene_worker_jobs_refused_total[$__rate_interval]))", "{{reason}}")],
            w=12, unit="reqps", options=LEGEND_TABLE)

    b.row("Jobs")
    b.panel("bargauge", "Job outcomes in the time range", "Jobs finished by final status (retries after a lost "
            "worker are not separate jobs).",
            [("sum by (status) (increase(gene_farm_jobs_total[$__range]))", "{{status}}", {"instant": True})],
            w=8, h=9, unit="short",
            options={"orientation": "horizontal", "displayMode": "basic", "showUnfilled": True,
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
            overrides=[{"matcher": {"id": "byName", "options": "ok"}, "properties": [
                {"id": "color", "value": {"mode": "fixed", "fixedColor": "green"}}]}],
            field={"color": {"mode": "fixed", "fixedColor": "red"}})
    b.panel("timeseries", "Jobs finished per second by status", "Alert GeneFarmJobsFailing fires on any "
            "status other than ok and cancelled.",
            [("sum by (status) (rate(gene_farm_jobs_total[$__rate_interval]))", "{{status}}")],
            w=16, h=9, unit="ops", options=LEGEND_TABLE)
    b.panel("timeseries", "Job duration by suite (p50, p95)", "Wall time of finished jobs on their workers, "
            "warm-ups and repetitions included.",
            [("histogram_quantile(0.5, sum by (suite, le) "
              f"(rate(gene_farm_job_duration_seconds_bucket{{{F_SUITE}}}[$__rate_interval])))", "p50 {{suite}}"),
             ("histogram_quantile(0.95, sum by (suite, le) "
              f"(rate(gene_farm_job_duration_seconds_bucket{{{F_SUITE}}}[$__rate_interval])))", "p95 {{suite}}")],
            w=12, h=9, unit="s", options=LEGEND_TABLE)
    b.panel("timeseries", "Mean job duration by suite", "Sum of job durations ÷ jobs.",
            [(f"sum by (suite) (rate(gene_farm_job_duration_seconds_sum{{{F_SUITE}}}[$__rate_interval]))\n"
              f"/ sum by (suite) (rate(gene_farm_job_duration_seconds_count{{{F_SUITE}}}[$__rate_interval]))",
              "{{suite}}")],
            w=12, h=9, unit="s", options=LEGEND_TABLE)
    b.panel("bargauge", "Jobs finished per suite in the time range", "Jobs with a duration, per suite.",
            [(f"sum by (suite) (increase(gene_farm_job_duration_seconds_count{{{F_SUITE}}}[$__range]))",
              "{{suite}}", {"instant": True})],
            w=12, h=8, unit="short",
            options={"orientation": "horizontal", "displayMode": "basic", "showUnfilled": True,
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}})
    b.panel("timeseries", "Worker job duration (p95)", "Wall time of jobs as each worker measured them.",
            [("histogram_quantile(0.95, sum by (instance, le) "
              "(rate(gene_worker_job_duration_seconds_bucket[$__rate_interval])))", "{{instance}}")],
            w=12, h=8, unit="s", options=LEGEND_TABLE)

    b.row("Suites, builds and scrapes")
    b.panel("table", "Suites: time since the last finished run", "Alert GeneSuiteStale fires after 2 days.",
            [(f"time() - max by (suite) (gene_bench_last_run_timestamp_seconds{{{F_SUITE}}})", "",
              {"instant": True, "format": "table"})],
            w=8, h=8, unit="s",
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True},
                                                            "renameByName": {"Value": "since last run"}}}])
    b.panel("table", "Builds", "gene_build_info of every scraped coordinator and worker.",
            [("max by (job, instance, version, commit) (gene_build_info)", "", {"instant": True, "format": "table"})],
            w=8, h=8,
            transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True}}}])
    b.panel("stat", "Scrape targets up", "Prometheus scrape targets of the farm (jobs named gene-*): 1 up, 0 down.",
            [('up{job=~"gene-.*"}', "{{job}} {{instance}}", {"instant": True})],
            w=8, h=8, options={**stat_opts, "graphMode": "none"},
            field={"mappings": [{"type": "value", "options": {"0": {"text": "down", "color": "red"},
                                                              "1": {"text": "up", "color": "green"}}}]})
    return b


BOARDS = {"gene-targets.json": targets_board, "gene-vm-internals.json": vm_board,
          "gene-farm-health.json": farm_board}


def render():
    return {name: json.dumps(make().json(), indent=2, ensure_ascii=False) + "\n" for name, make in BOARDS.items()}


def main(argv):
    check = "--check" in argv
    stale = []
    for name, text in render().items():
        path = OUT / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python3 grafana/generate_dashboards.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
