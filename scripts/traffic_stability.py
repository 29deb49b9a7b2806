#!/usr/bin/env python3
"""Regenerate issue 12's traffic stability figures (docs/traffic_stability.md) from the shipped scenarios.

Traffic-only copies of the shipped scenarios (each file's ``[scenario]``, ``[indicators]``,
``[output]`` and ``[traffic]``; the other modules' sections dropped; ``extends`` kept, pointing at
the copy of the parent) are written into a temporary folder and run with ``twin run`` and
``twin experiment``:

1. seeds: the baseline for ``--years`` years with each of ``--seeds``: mean car trip per year and
   seed, the seeds' mean, its year-to-year change against the change in trips (the demand), and
   the coefficient of variation (CV) across seeds per year (issue 12's goal: CV <= 3 %);
2. time step: the baseline's first year again with ``time_step_s`` 2 s instead of its 3 s (or 3 s
   instead of 2 s), same seeds: the difference of the means and its paired interval (goal: within
   3 %);
3. closure: ``twin experiment`` of the closure scenario against the baseline, one year of
   ``--closure-days`` recorded days, ``--replicates`` replicates a side on common random numbers:
   the first-day effect (``first_day_mean_trip_time``) and the adapted one (``mean_trip_time``,
   the days from the second on), each with its 95 % interval, unfinished trips and the
   equilibrium gap.

It prints the Markdown and writes it to ``--report`` (default docs/traffic_stability.md), with the
command, the git commit and the ``uptime`` load at the start and the end. Runs go to ``--work``
(default: a temporary folder, removed at the end).

    python scripts/traffic_stability.py --jobs 2                    # Hezhou, 5 seeds, 5 replicates
    python scripts/traffic_stability.py --quick --report /tmp/q.md  # testville, 1 seed, seconds
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import math
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
KEPT_SECTIONS = ("scenario", "indicators", "output", "traffic")
"""Sections a traffic-only copy keeps: the fixed ones and traffic; every other module is dropped."""

CV_GOAL_PCT = 3.0
"""Issue 12: CV of the baseline's mean trip across seeds, at most this (%)."""

STEP_GOAL_PCT = 3.0
"""Issue 12: mean trip with 2 s and 3 s steps within this (%)."""

QUICK_BASE, QUICK_LEVER = "testville_quick.toml", 'capacity_factor = { "Test Bridge" = 0.2 }'
"""--quick: the test city's quick scenario and a policy cutting its bridge to a fifth of its capacity."""


def toml_value(value: Any) -> str:
    """``value`` (str, bool, int, float, list, table) in TOML's inline spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan")
        return repr(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML spelling for {value!r}")


def traffic_only(source: Path, folder: Path, overrides: Mapping[str, Mapping[str, Any]] | None = None,
                 *, name: str | None = None) -> Path:
    """Write a traffic-only copy of the scenario file ``source`` (and of each file it extends) into
    ``folder``; return the copy's path.

    Each copy keeps :data:`KEPT_SECTIONS` and its ``extends`` (now the parent's copy, written
    beside it under the parent's file name); ``overrides`` ({section: {key: value}}) are set in
    every file of the chain, so a child cannot undo them. A ``city`` given as a path relative to
    the source file is written as an absolute path. ``name`` renames the copy's file.
    """
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    lines = []
    parent = data.get("extends")
    if isinstance(parent, str):
        parent_path = Path(parent) if Path(parent).is_absolute() else source.parent / parent
        lines.append(f"extends = {toml_value(traffic_only(parent_path, folder, overrides).name)}")
    for section in KEPT_SECTIONS:
        table = dict(data.get(section, {}))
        table.update((overrides or {}).get(section, {}))
        city = table.get("city")
        if section == "scenario" and isinstance(city, str) and (source.parent / city).exists():
            table["city"] = str((source.parent / city).resolve())
        if table:
            lines.append(f"\n[{section}]")
            lines.extend(f"{json.dumps(key)} = {toml_value(value)}" for key, value in table.items())
    path = folder / (name or source.name)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def uptime() -> str:
    """The machine's load averages (1, 5, 15 min) as `uptime` prints them."""
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def git_commit() -> str:
    """The working tree's commit, with '+changes' when tracked files differ from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=False).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "twin", "scenarios"], cwd=ROOT,
                           check=False).returncode
    return head + ("+changes in twin/ or scenarios/" if dirty else "")


def twin_command(*args: str) -> list[str]:
    """``twin ARGS`` run by this interpreter."""
    return [sys.executable, "-m", "twin", *args]


def finished(file: Path, seed: int, out: Path) -> bool:
    """Whether ``out`` is a run folder of the scenario ``file`` (as resolved now) with ``seed``."""
    from twin.scenario import load_scenario

    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = json.loads(json.dumps(load_scenario(file).to_dict()))
    expected["scenario"]["seed"] = seed  # `twin run --seed` writes it into the resolved scenario
    return manifest.get("seed") == seed and manifest.get("scenario") == expected


def run_scenarios(jobs: list[tuple[Path, int, Path]], workers: int, resume: bool = False) -> int:
    """``twin run FILE --seed S --out DIR`` for each (file, seed, dir), ``workers`` at a time; with
    ``resume`` a DIR that already holds that run is kept. Returns the number of runs kept."""
    kept = [job for job in jobs if resume and finished(*job)]

    def one(job: tuple[Path, int, Path]) -> None:
        file, seed, out = job
        done = subprocess.run(twin_command("run", str(file), "--seed", str(seed), "--out", str(out),
                                           "--force", "--quiet", "--no-picture"),
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"twin run {file} --seed {seed} failed: {done.stderr.strip()}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, [job for job in jobs if job not in kept]))
    return len(kept)


def indicator(run: Path, name: str) -> pd.Series:
    """The traffic indicator ``name`` of the run folder ``run``, one value per year."""
    from twin.scenario.store import RunResult

    table = RunResult.load(run).indicators
    rows = table[(table.domain == "traffic") & (table.indicator == name)]
    return rows.set_index("year").value.sort_index()


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of b - a and its 95 % interval (Student's t on the pairs), as ``twin compare``."""
    from twin.sweep.compare import _interval

    return _interval(np.asarray(a, float), np.asarray(b, float), True, 0.95)


def pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.1f} %"


def seeds_section(runs: dict[int, Path]) -> tuple[list[str], dict[str, Any]]:
    """Markdown and figures of the seeds' runs: mean trip per year and seed, change, CV."""
    trips = pd.DataFrame({s: indicator(r, "mean_trip_time") for s, r in runs.items()})  # year x seed
    # the day's car trips: completed ones over the share of reachable trips that finished
    demand = pd.DataFrame({s: indicator(r, "completed_trips") / (1 - indicator(r, "unfinished_trips") / 100)
                           for s, r in runs.items()})
    gap = pd.DataFrame({s: indicator(r, "equilibrium_gap") for s, r in runs.items()})
    mean = trips.mean(axis=1)
    cv = trips.std(axis=1, ddof=1) / mean * 100 if trips.shape[1] > 1 else mean * np.nan
    change = mean.pct_change() * 100
    demand_change = demand.mean(axis=1).pct_change() * 100
    lines = ["| year | " + " | ".join(f"seed {s}" for s in trips.columns)
             + " | mean | change from last year [95 % interval] | car trips change | CV across seeds"
             " | gap (%) |",
             "|---" * (trips.shape[1] + 6) + "|"]
    for i, year in enumerate(trips.index):
        interval = ""
        if i and trips.shape[1] > 1:
            _, low, high = paired(trips.iloc[i - 1].to_numpy(), trips.loc[year].to_numpy())
            interval = f" [{low / mean.iloc[i - 1] * 100:+.1f}, {high / mean.iloc[i - 1] * 100:+.1f}]"
        lines.append(f"| {year} | " + " | ".join(f"{v:.2f}" for v in trips.loc[year])
                     + f" | {mean[year]:.2f} | {pct(change[year]) + interval if i else '-'}"
                     f" | {pct(demand_change[year]) if year != trips.index[0] else '-'}"
                     f" | {cv[year]:.1f} % | {gap.loc[year].min():.1f}-{gap.loc[year].max():.1f} |")
    steps = change.dropna()
    signs = np.sign(steps.to_numpy())
    alternates = bool(len(signs) > 1 and np.all(signs[1:] * signs[:-1] < 0))
    per_seed_changes = trips.pct_change().iloc[1:] * 100
    figures = {"cv_max": float(cv.max()), "cv": cv.round(2).to_dict(), "mean": mean.round(3).to_dict(),
               "change": steps.round(2).to_dict(), "demand_change": demand_change.dropna().round(2).to_dict(),
               "alternates": bool(alternates),
               "seed_change_range": [float(per_seed_changes.min().min()), float(per_seed_changes.max().max())]
               if len(per_seed_changes) else []}
    lines.append("")
    lines.append(
        f"CV across seeds: {', '.join(f'{cv[y]:.1f} %' for y in trips.index)} "
        f"(goal <= {CV_GOAL_PCT:g} %: met "
        f"in {int((cv <= CV_GOAL_PCT).sum())} of {len(cv)} years). "
        f"Year-to-year change of the seeds' mean: {', '.join(pct(v) for v in steps) or 'one year only'}"
        f" against the change in car trips {', '.join(pct(v) for v in demand_change.dropna()) or '-'}; "
        f"{'the sign alternates every year' if alternates else 'no alternation'}; single seeds move by "
        + (f"{figures['seed_change_range'][0]:+.1f} to {figures['seed_change_range'][1]:+.1f} % a year."
           if figures["seed_change_range"] else "-."))
    return lines, figures


def step_section(base: dict[int, Path], other: dict[int, Path], base_step: float,
                 other_step: float) -> tuple[list[str], dict[str, Any]]:
    """Markdown and figures of the time-step comparison on each seed's first year."""
    seeds = list(base)
    a = np.array([indicator(base[s], "mean_trip_time").iloc[0] for s in seeds])
    b = np.array([indicator(other[s], "mean_trip_time").iloc[0] for s in seeds])
    diff, low, high = paired(a, b)
    rel = diff / a.mean() * 100
    lines = ["| time step | " + " | ".join(f"seed {s}" for s in seeds) + " | mean |",
             "|---" * (len(seeds) + 2) + "|",
             f"| {base_step:g} s | " + " | ".join(f"{v:.2f}" for v in a) + f" | {a.mean():.2f} |",
             f"| {other_step:g} s | " + " | ".join(f"{v:.2f}" for v in b) + f" | {b.mean():.2f} |", ""]
    scale = 100 / a.mean()
    inside = math.isfinite(low) and low * scale >= -STEP_GOAL_PCT and high * scale <= STEP_GOAL_PCT
    interval = (f"95 % interval {low:+.2f} to {high:+.2f} min or {low * scale:+.1f} to {high * scale:+.1f} "
                "%, "
                f"paired on seeds, {'inside' if inside else 'not inside'} +-{STEP_GOAL_PCT:g} %"
                if math.isfinite(low) else "no interval with one seed")
    met = abs(rel) <= STEP_GOAL_PCT
    lines.append(f"{other_step:g} s minus {base_step:g} s: {diff:+.2f} min ({rel:+.1f} % of the "
                 f"{base_step:g} s mean; {interval}); goal within {STEP_GOAL_PCT:g} %: "
                 + ("met." if met else "not met."))
    return lines, {"diff_min": diff, "diff_pct": rel, "ci": [low, high], "met": bool(met),
                   "interval_inside": bool(inside),
                   "base": a.round(3).tolist(), "other": b.round(3).tolist()}


def closure_section(folder: Path) -> tuple[list[str], dict[str, Any]]:
    """Markdown and figures of the closure experiment in ``folder``."""
    from twin.sweep.experiment import effects_of

    result = effects_of(folder)
    table = result.effects[0].table
    traffic = table[table.domain == "traffic"].set_index("indicator")
    wanted = [("first_day_mean_trip_time", "first recorded day: mean trip"),
              ("mean_trip_time", "adapted (days 2 on): mean trip"),
              ("p95_trip_time", "adapted: p95 trip"),
              ("vehicle_km", "adapted: vehicle-km a day"),
              ("first_day_unfinished_trips", "first day: unfinished trips"),
              ("unfinished_trips", "adapted: unfinished trips"),
              ("equilibrium_gap", "adapted: equilibrium gap")]
    lines = ["| indicator | unit | baseline | closure | effect | effect % | 95 % interval | flag |",
             "|---|---|---|---|---|---|---|---|"]
    figures: dict[str, Any] = {"replicates": result.replicates, "failed": result.failed}
    for key, label in wanted:
        if key not in traffic.index:
            continue
        row = traffic.loc[key]
        lines.append(f"| {label} | {row.unit} | {row.parent:.4g} | {row.policy:.4g} | {row.effect:+.3g} | "
                     f"{pct(row.effect_pct)} | [{row.ci_low:+.3g}, {row.ci_high:+.3g}] | {row.flag} |")
        figures[key] = {"parent": float(row.parent), "policy": float(row.policy), "effect": float(row.effect),
                        "effect_pct": float(row.effect_pct), "ci": [float(row.ci_low), float(row.ci_high)]}
    return lines, figures


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line; ``--quick`` swaps in the test city."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scenarios = ROOT / "scenarios"
    parser.add_argument("--baseline", type=Path, default=scenarios / "hezhou_baseline.toml")
    parser.add_argument("--closure", type=Path, default=scenarios / "hezhou_central_bridge_closure.toml",
                        help="a scenario extending --baseline with the closure")
    parser.add_argument("--seeds", default="42,1,2,3,4", help="comma-separated seeds (default 42,1,2,3,4)")
    parser.add_argument("--years", type=int, help="years of the seeds' runs (default: the baseline's)")
    parser.add_argument("--replicates", type=int, default=5, help="closure experiment replicates a side")
    parser.add_argument("--closure-days", type=int, default=3,
                        help="recorded days of the closure's year (period_days): first day + adapted days")
    parser.add_argument("--closure-warmup", type=int,
                        help="traffic.warmup_days of the closure experiment (default: the baseline's)")
    parser.add_argument("--also-warmup", type=int,
                        help="repeat the seeds' runs with this traffic.warmup_days (a settled memory)")
    parser.add_argument("--jobs", type=int, default=1, choices=(1, 2), help="runs at a time (at most 2)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: testville, seeds 1 and 2, 2 replicates, 2 days, bridge at 20 %%")
    parser.add_argument("--skip", action="append", default=[], choices=("seeds", "step", "closure"),
                        help="leave a part out (repeatable)")
    parser.add_argument("--work", type=Path, help="keep the copies and runs here (default: a temporary one)")
    parser.add_argument("--resume", action="store_true",
                        help="with --work: keep the runs already there (same scenario and seed)")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "traffic_stability.md")
    args = parser.parse_args(argv)
    try:
        args.seed_list = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--seeds: expected comma-separated integers, got {args.seeds!r}")
    if args.quick:
        args.baseline = scenarios / QUICK_BASE
        if args.seeds == parser.get_default("seeds"):
            args.seed_list = [1, 2]
        args.replicates = min(args.replicates, 2)
        args.closure_days = 2
    if not args.seed_list or (args.years is not None and args.years < 1) or args.replicates < 2 \
            or args.closure_days < 2:
        parser.error("--seeds needs a seed, --years >= 1, --replicates >= 2, --closure-days >= 2")
    shown = sys.argv[1:] if argv is None else argv
    args.command = " ".join(["python scripts/traffic_stability.py", *map(shlex.quote, shown)])
    return args


def closure_policy(args: argparse.Namespace, folder: Path) -> Path:
    """Write the closure experiment's traffic-only parent and policy into ``folder``; the policy's path."""
    overrides: dict[str, dict[str, Any]] = {
        "scenario": {"horizon_years": 1, "period_days": float(args.closure_days)}}
    if args.closure_warmup is not None:
        overrides["traffic"] = {"warmup_days": args.closure_warmup}
    if not args.quick:
        return traffic_only(args.closure, folder, overrides)
    parent = traffic_only(args.baseline, folder, overrides)
    policy = folder / "closure.toml"
    policy.write_text(f"extends = {toml_value(parent.name)}\n\n[scenario]\nname = \"closure\"\n\n"
                      f"[traffic]\n{QUICK_LEVER}\n", encoding="utf-8")
    return policy


def stability(args: argparse.Namespace, work: Path) -> tuple[list[str], dict[str, Any]]:
    """Run every part not skipped in ``work``; the report's sections and the figures."""
    base_data = tomllib.loads(args.baseline.read_text(encoding="utf-8"))
    horizon = args.years or base_data["scenario"].get("horizon_years", 1)
    step = float(base_data.get("traffic", {}).get("time_step_s", 2.0))
    other_step = 2.0 if step != 2.0 else 3.0
    seeds = args.seed_list
    out: list[str] = []
    figures: dict[str, Any] = {}
    seed_runs = {s: work / f"seed{s}" for s in seeds}
    step_runs = {s: work / f"step{s}" for s in seeds}
    jobs = []
    if "seeds" not in args.skip or "step" not in args.skip:
        (work / "seeds").mkdir(exist_ok=True)
        base = traffic_only(args.baseline, work / "seeds", {"scenario": {"horizon_years": horizon}})
        jobs += [(base, s, seed_runs[s]) for s in seeds]
    if "step" not in args.skip:
        (work / "step").mkdir(exist_ok=True)
        other = traffic_only(args.baseline, work / "step",
                             {"scenario": {"horizon_years": 1}, "traffic": {"time_step_s": other_step}})
        jobs += [(other, s, step_runs[s]) for s in seeds]
    figures["runs_kept"] = run_scenarios(jobs, args.jobs, args.resume)
    if "seeds" not in args.skip:
        lines, figures["seeds"] = seeds_section(seed_runs)
        out += ["", f"## Seeds: baseline, {horizon} years, seeds {', '.join(map(str, seeds))}", "",
                f"`twin run base.toml --seed S` (base.toml: the traffic-only baseline, `horizon_years = "
                f"{horizon}`); mean trip per year (min), the seeds' mean, its change from the year before, "
                "its 95 % interval paired on seeds, the change in car trips a day (the demand: completed "
                "trips over the share of reachable "
                "trips that finished; population and jobs are fixed without migration), the CV across "
                "seeds and the range of `equilibrium_gap` over the seeds.", "", *lines]
    if "step" not in args.skip:
        lines, figures["step"] = step_section(seed_runs, step_runs, step, other_step)
        out += ["", f"## Time step: {step:g} s against {other_step:g} s", "",
                f"The seeds' first year with `time_step_s = {other_step:g}` (`horizon_years = 1`) against "
                f"the same year of the runs above ({step:g} s); mean trip (min).", "", *lines]
    if "closure" not in args.skip:
        name = "" if args.closure_warmup is None else f"_warmup{args.closure_warmup}"
        (work / f"closure{name}").mkdir(exist_ok=True)
        policy = closure_policy(args, work / f"closure{name}")
        experiment = work / f"experiment{name}"
        done = subprocess.run(twin_command("experiment", str(policy), "--replicates", str(args.replicates),
                                           "--workers", str(0 if args.jobs == 1 else args.jobs),
                                           "--out", str(experiment), "--quiet",
                                           *(["--resume"] if args.resume and experiment.exists()
                                             else [])),
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"twin experiment {policy} failed: {done.stderr.strip()}")
        lines, figures["closure"] = closure_section(experiment)
        out += ["", f"## Closure: {args.replicates} replicates against the baseline", "",
                f"`twin experiment closure.toml --replicates {args.replicates}` (closure.toml extends the "
                f"traffic-only baseline; both one year of {args.closure_days} recorded days"
                + ("" if args.closure_warmup is None else
                   f", `traffic.warmup_days = {args.closure_warmup}`") + "; the warm-up "
                "days run without the closure, so it falls on the first recorded day); effect = closure "
                "- baseline, paired on common random numbers.", "", *lines]
    if args.also_warmup is not None and "seeds" not in args.skip:
        warm = args.also_warmup
        (work / f"seeds_warmup{warm}").mkdir(exist_ok=True)
        base = traffic_only(args.baseline, work / f"seeds_warmup{warm}",
                            {"scenario": {"horizon_years": horizon}, "traffic": {"warmup_days": warm}})
        warm_runs = {s: work / f"seed{s}_warmup{warm}" for s in seeds}
        jobs = [(base, s, warm_runs[s]) for s in seeds]
        figures["runs_kept"] += run_scenarios(jobs, args.jobs, args.resume)
        lines, figures[f"seeds_warmup{warm}"] = seeds_section(warm_runs)
        out += ["", f"## Seeds with a settled memory: `traffic.warmup_days = {warm}`", "",
                f"The seeds' runs above again with {warm} unrecorded traffic days before the first year "
                "instead of the baseline's; same columns.", "", *lines]
    return out, figures


def shown(path: Path) -> Path:
    """``path`` relative to the repository when inside it (the report names files that way)."""
    path = path.resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started, load_start = time.time(), uptime()
    sources = f"`{shown(args.baseline)}`"
    if "closure" not in args.skip and not args.quick:
        sources += f" and `{shown(args.closure)}`"
    head = ["# Traffic stability (issue 12, item 7)", "",
            "Generated by `scripts/traffic_stability.py`; do not edit by hand. Traffic-only copies of "
            f"{sources} (their `[scenario]` and `[traffic]`; the other modules off); mean car trip time "
            "in minutes.", "",
            f"Command: `{args.command}`; commit {git_commit()}; "
            f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; load average (1, 5, 15 min) at the "
            f"start {load_start}."]
    try:
        with tempfile.TemporaryDirectory(prefix="traffic_stability_") as tmp:
            work = args.work or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            body, figures = stability(args, work)
    except RuntimeError as exc:
        print(f"traffic_stability: error: {exc}", file=sys.stderr)
        return 1
    minutes = (time.time() - started) / 60
    kept = figures.get("runs_kept", 0)
    tail = ["", f"Wall time {minutes:.1f} min with {args.jobs} run(s) at a time"
            + (f" ({kept} `twin run` folders kept from an earlier call with --resume)" if kept else "")
            + f"; load average at the end {uptime()}.", "", "<!-- figures " + json.dumps(figures) + " -->"]
    text = "\n".join(head + body + tail) + "\n"
    print(text)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    partial = args.report.with_name(args.report.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(args.report)  # a killed write leaves the old report whole
    print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
