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

SECONDS_PER_DAY = 86_400.0
"""Seconds in a day (a run's time_s counts from the first day's midnight)."""

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


FIRST, ADAPTED = "first day", "adapted"
"""The policy's day groups: its first recorded day, and the recorded days after it."""

SIDES = {"baseline": ("parent", ADAPTED), FIRST: ("policy", FIRST), ADAPTED: ("policy", ADAPTED)}
"""Columns of the flows tables: (run, day group); the baseline is the parent's adapted days."""

NEAR_M = 1000.0
"""Added delay on a link whose end lies within this distance (m) of a crossing's end counts as near it."""


def crossings(network: Any) -> tuple[np.ndarray, list[str]]:
    """River crossings of a :class:`~twin.city.RoadNetwork`: each link's crossing (index into the
    names, -1 off the river) and the crossing names, north to south (by the bridge links' mean y)."""
    bridge = np.flatnonzero(network.link_bridge)
    roads = network.link_road[bridge]
    north = {r: -network.node_y[network.link_to[bridge[roads == r]]].mean() for r in set(roads.tolist())}
    codes = sorted(north, key=north.__getitem__)
    of_link = np.full(network.n_links, -1, dtype=np.int64)
    for i, code in enumerate(codes):
        of_link[bridge[roads == code]] = i
    return of_link, [network.road_names[c] if c >= 0 else f"bridge {i + 1}" for i, c in enumerate(codes)]


def banks(network: Any) -> np.ndarray:
    """Bank of each node: 0 or 1 for the two largest strongly connected parts of the network
    without its bridges, -1 elsewhere."""
    from twin.kernels.components import strong_components

    keep = ~network.link_bridge
    heads = np.ascontiguousarray(network.link_to[keep], dtype=np.int64)
    indptr = np.searchsorted(network.link_from[keep], np.arange(network.n_nodes + 1)).astype(np.int64)
    labels = strong_components(indptr, heads, network.n_nodes)
    out = np.full(network.n_nodes, -1, dtype=np.int64)
    for bank, label in enumerate(np.argsort(-np.bincount(labels), kind="stable")[:2]):
        out[labels == label] = bank
    return out


def link_hours(run: Path, network: Any, interval_s: float) -> pd.DataFrame:
    """The run folder's link_timeseries per (day, hour, link): vehicles out of the link (``veh``),
    vehicle-seconds on it (``veh_s``) and the hour's busiest interval flow (``peak_vph``, veh/h)."""
    series = pd.read_parquet(run / "timeseries" / "link_timeseries.parquet")
    frame = pd.DataFrame({"day": (series.time_s // SECONDS_PER_DAY).astype(np.int64),
                          "hour": (series.time_s % SECONDS_PER_DAY // 3600).astype(np.int64),
                          "link": series.link, "veh": series.flow_vph * interval_s / 3600,
                          "veh_s": series.density_vpm * interval_s
                          * network.link_length_m[series.link.to_numpy()],
                          "peak_vph": series.flow_vph})
    return frame.groupby(["day", "hour", "link"]).agg(veh=("veh", "sum"), veh_s=("veh_s", "sum"),
                                                      peak_vph=("peak_vph", "max"))


def link_times(table: pd.DataFrame, days: list[int], hour: int | None, network: Any,
               closed: np.ndarray) -> np.ndarray:
    """Mean traversal time per link (s) on ``days`` (in ``hour`` only, unless None) of a
    :func:`link_hours` table; free flow where no vehicle left the link, infinite where ``closed``."""
    free = network.link_length_m / network.link_free_speed_mps
    rows = table.loc[days]
    if hour is not None:
        rows = rows[rows.index.get_level_values("hour") == hour]
    sums = rows.groupby("link")[["veh", "veh_s"]].sum()
    sums = sums[sums.veh > 0]
    time = free.copy()
    time[sums.index] = np.maximum(sums.veh_s / sums.veh, free[sums.index])
    time[closed] = np.inf
    return time


def routes(network: Any, weight: np.ndarray, origins: np.ndarray, crossing_of: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest paths on ``weight`` (s per link) from each of ``origins`` to every node: the last
    river crossing on the path (-1: none), the path's length (km) and whether the node is reached;
    arrays len(origins) x nodes."""
    from twin.kernels.shortest_path import shortest_path_trees

    pred = shortest_path_trees(network.out_start, network.link_to, np.ascontiguousarray(weight, np.float64),
                               np.ascontiguousarray(origins, np.int64))
    has = pred >= 0
    link = np.where(has, pred, 0)
    parent = np.where(has, network.link_from[link], np.arange(network.n_nodes))
    label = np.where(has, crossing_of[link], -1)
    km = np.where(has, network.link_length_m[link] / 1000, 0.0)
    reached = has | (np.arange(network.n_nodes) == np.asarray(origins)[:, None])
    rows = np.arange(len(origins))[:, None]
    for _ in range(int(np.ceil(np.log2(network.n_nodes))) + 1):  # pointer jumping up the trees
        label = np.where(label >= 0, label, label[rows, parent])
        km = km + km[rows, parent]
        parent = parent[rows, parent]
    return label, km, reached


def rebuilt_routes(network: Any, table: pd.DataFrame, days: list[int], trips: pd.DataFrame,
                   crossing_of: np.ndarray, closed: np.ndarray) -> pd.DataFrame:
    """Each trip's route rebuilt as the shortest path on the link times of its departure hour on
    ``days``: its river crossing (-1: none), length (km) and whether it has one (``reached``)."""
    out = pd.DataFrame({"crossing": -1, "km": np.nan, "reached": False}, index=trips.index)
    for hour, group in trips.groupby("hour"):
        origins = np.unique(group.origin.to_numpy())
        label, km, reached = routes(network, link_times(table, days, int(hour), network, closed), origins,
                                    crossing_of)
        row, dest = np.searchsorted(origins, group.origin.to_numpy()), group.destination.to_numpy()
        out.loc[group.index, "crossing"] = label[row, dest]
        out.loc[group.index, "km"] = km[row, dest]
        out.loc[group.index, "reached"] = reached[row, dest]
    return out


def trips_of(run: Path, bank: np.ndarray) -> pd.DataFrame:
    """The run folder's car trips with their day, departure hour, minutes and whether they cross
    the river (their ends on different banks)."""
    trips = pd.read_parquet(run / "timeseries" / "trip_times.parquet")
    a, b = bank[trips.origin.to_numpy()], bank[trips.destination.to_numpy()]
    return trips.assign(day=(trips.depart_s // SECONDS_PER_DAY).astype(np.int64),
                        hour=(trips.depart_s % SECONDS_PER_DAY // 3600).astype(np.int64),
                        minutes=trips.travel_time_s / 60, crosses=(a >= 0) & (b >= 0) & (a != b))


def weighted(values: Any, weights: Any) -> float:
    """Mean of ``values`` weighted by ``weights`` (NaN without weight)."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    return float((values * weights).sum() / weights.sum()) if weights.sum() > 0 else math.nan


def od_added(parent: pd.DataFrame, policy: pd.DataFrame) -> float:
    """Minutes the policy adds to the parent's trips, matched by (origin, destination) node pair:
    the parent's vehicle-weighted mean of (policy's mean - parent's mean) over the pairs both have."""
    def od(trips: pd.DataFrame) -> pd.DataFrame:
        sums = trips.assign(w=trips.minutes * trips.vehicles).groupby(["origin", "destination"])[
            ["w", "vehicles"]].sum()
        return pd.DataFrame({"minutes": sums.w / sums.vehicles, "vehicles": sums.vehicles})

    both = od(parent).merge(od(policy), left_index=True, right_index=True, suffixes=("", "_policy"))
    return weighted(both.minutes_policy - both.minutes, both.vehicles)


def flows_section(parent_run: Path, policy_run: Path, policy_file: Path) -> tuple[list[str], dict[str, Any]]:
    """Markdown and figures of where the traffic goes, from the run folders of the parent and of
    the policy ``policy_file`` (same seed and replicate): cars on each river crossing, the busiest
    hour's v/c, the trips crossing the river, and the trips whose (rebuilt) route used the closed
    or cut crossing: which crossing they take instead, km and minutes added."""
    from twin.city.load import load_city
    from twin.scenario import load_scenario
    from twin.traffic.signals import fixed_time_plan, retime

    cfg = load_scenario(policy_file).modules["traffic"]
    network = load_city(load_scenario(policy_file).scenario.city, str(policy_file)).network
    crossing_of, names = crossings(network)
    bank = banks(network)
    factor = np.ones(network.n_links)
    for road, value in cfg.capacity_factor.items():
        factor[network.links_of_road(road)] *= value
    closed = np.zeros(network.n_links, dtype=bool)
    for road in cfg.closed_roads:
        closed[network.links_of_road(road)] = True
    interval = cfg.record_interval_min * 60.0
    tables = {side: link_hours(run, network, interval) for side, run in (("parent", parent_run),
                                                                         ("policy", policy_run))}
    recorded = sorted(set(tables["policy"].index.get_level_values("day")))
    groups = {FIRST: recorded[:1], ADAPTED: recorded[1:]}
    free = network.link_length_m / network.link_free_speed_mps
    per_day = {label: tables[side].loc[groups[group]].groupby(["day", "link"]).agg(
        veh=("veh", "sum"), veh_s=("veh_s", "sum"), peak_vph=("peak_vph", "max"))
        for label, (side, group) in SIDES.items()}

    def stop_line_vph(label: str) -> np.ndarray:
        """Each link's capacity (veh/h); where its end is signalised, at most saturation x green
        share, the green split by Webster's rule on the busiest 15 minutes (as the model times it)."""
        capacity = network.link_capacity_vph * (factor if SIDES[label][0] == "policy" else 1.0)
        if cfg.signals == "none":
            return capacity
        plan = fixed_time_plan(network, capacity, cfg.signals, cfg.signal_cycle_s, cfg.signal_lost_time_s,
                               cfg.signal_saturation_vph)
        peak = per_day[label].groupby("link").peak_vph.mean().reindex(range(network.n_links), fill_value=0.0)
        plan = retime(plan, network, peak.to_numpy(), cfg.signal_lost_time_s)
        signal = np.minimum(capacity, plan.saturation_vph * plan.green_share)
        return np.where(plan.cycle_s > 0, signal, capacity)

    crossing_figures: dict[str, Any] = {}
    for c, name in enumerate(names):
        links = np.flatnonzero(crossing_of == c)
        figures: dict[str, Any] = {"capacity_vph": float(network.link_capacity_vph[links].max()),
                                   "policy_capacity_vph": 0.0 if closed[links].all()
                                   else float((network.link_capacity_vph * factor)[links].max())}
        for label, (side, group) in SIDES.items():
            days = tables[side].loc[groups[group]]
            here = days[days.index.get_level_values("link").isin(links)]
            hourly = here.groupby(["day", "link"]).veh.max().groupby("link").mean()
            hourly = hourly.reindex(links, fill_value=0.0).to_numpy()
            cars = here.veh.sum() / len(groups[group])
            open_ = not (side == "policy" and closed[links].all())
            delay = (here.veh_s.sum() - (here.veh * free[here.index.get_level_values("link")]).sum()) / 60
            figures[label] = {"cars_a_day": float(cars), "busiest_hour_vph": float(hourly.max()),
                              "vc": float(np.max(hourly / stop_line_vph(label)[links])) if open_ else 0.0,
                              "delay_min": float(delay / here.veh.sum()) if here.veh.sum() > 0 else math.nan}
        crossing_figures[name] = figures
    # added delay (vehicle-hours a day) per link, and how much of it lies near each crossing
    delay_h = {}
    for label in SIDES:
        table = per_day[label].groupby("link")[["veh", "veh_s"]].sum() / len(groups[SIDES[label][1]])
        delay_h[label] = ((table.veh_s - table.veh * free[table.index]) / 3600).reindex(
            range(network.n_links), fill_value=0.0).to_numpy()
    ends = np.concatenate([network.link_from[crossing_of >= 0], network.link_to[crossing_of >= 0]])
    end_crossing = np.tile(crossing_of[crossing_of >= 0], 2)
    gap = np.hypot(network.node_x[network.link_to][:, None] - network.node_x[ends][None, :],
                   network.node_y[network.link_to][:, None] - network.node_y[ends][None, :])
    nearest, near_m = end_crossing[gap.argmin(axis=1)], gap.min(axis=1)
    added = {label: delay_h[label] - delay_h["baseline"] for label in (FIRST, ADAPTED)}
    delay_figures = {label: {"added_vehicle_hours": float(added[label].sum()),
                             "on_crossings": float(added[label][crossing_of >= 0].sum()),
                             "near": {name: float(added[label][(nearest == c) & (near_m <= NEAR_M)].sum())
                                      for c, name in enumerate(names)}}
                     for label in (FIRST, ADAPTED)}
    # the car trips: crossing the river or not
    trips = {"parent": trips_of(parent_run, bank), "policy": trips_of(policy_run, bank)}

    def part(side: str, group: str) -> pd.DataFrame:
        return trips[side][trips[side].day.isin(groups[group])]

    trip_figures: dict[str, Any] = {}
    for label, (side, group) in SIDES.items():
        t = part(side, group)
        cross = t.crosses.to_numpy()
        trip_figures[label] = {"cars_a_day": float(t.vehicles.sum() / len(groups[group])),
                               "crossing_pct": float(t.vehicles[cross].sum() / t.vehicles.sum() * 100),
                               "minutes_crossing": weighted(t.minutes[cross], t.vehicles[cross]),
                               "minutes_not_crossing": weighted(t.minutes[~cross], t.vehicles[~cross]),
                               "minutes": weighted(t.minutes, t.vehicles)}
    # the parent's routes rebuilt; the trips that used the closed (or cut) crossing
    base = part("parent", ADAPTED)
    route = rebuilt_routes(network, tables["parent"], groups[ADAPTED], base, crossing_of,
                           np.zeros(network.n_links, dtype=bool))
    rebuilt = {name: float(base.vehicles[route.crossing.to_numpy() == c].sum() / len(groups[ADAPTED]))
               for c, name in enumerate(names)}
    cut = [*cfg.closed_roads, *(road for road, value in cfg.capacity_factor.items() if value < 1)]
    focus = sorted({int(c) for road in cut for c in crossing_of[network.links_of_road(road)] if c >= 0})
    used = np.isin(route.crossing.to_numpy(), focus)
    cross = base.crosses.to_numpy()
    kinds = {"used it": used, "crossed elsewhere": cross & ~used, "did not cross": ~cross & ~used}
    spread: dict[str, Any] = {}
    for kind, mask in kinds.items():
        pairs = base[mask][["origin", "destination"]].drop_duplicates()
        spread[kind] = {"pct": float(base.vehicles[mask].sum() / base.vehicles.sum() * 100)}
        for label in (FIRST, ADAPTED):
            spread[kind][label] = od_added(part("parent", label).merge(pairs),
                                           part("policy", label).merge(pairs))
    detour: dict[str, Any] = {}
    for label in (FIRST, ADAPTED) if focus else ():
        policy_trips = part("policy", label).merge(base[used][["origin", "destination"]].drop_duplicates())
        new = rebuilt_routes(network, tables["policy"], groups[label], policy_trips, crossing_of, closed)
        old = rebuilt_routes(network, tables["parent"], groups[label if label == FIRST else ADAPTED],
                             policy_trips, crossing_of, np.zeros(network.n_links, dtype=bool))
        ok = (new.reached & old.reached).to_numpy()
        w = policy_trips.vehicles.to_numpy()[ok]
        detour[label] = {"km_added": weighted((new.km - old.km).to_numpy()[ok], w),
                         "to_pct": {name: float(w[new.crossing.to_numpy()[ok] == c].sum() / w.sum() * 100)
                                    for c, name in enumerate(names) if c not in focus},
                         "no_crossing_pct": float(w[new.crossing.to_numpy()[ok] < 0].sum() / w.sum() * 100)}
    mid = [(network.node_x[network.link_to[crossing_of == c]].mean(),
            network.node_y[network.link_to[crossing_of == c]].mean()) for c in range(len(names))]
    spacing = {f"{names[c]} - {names[c + 1]}": float(math.dist(mid[c], mid[c + 1]) / 1000)
               for c in range(len(names) - 1)}
    length = network.link_length_m[per_day["baseline"].index.get_level_values("link")]
    speed = float((per_day["baseline"].veh * length).sum() / per_day["baseline"].veh_s.sum() * 3.6)
    figures = {"crossings": crossing_figures, "delay": delay_figures, "trips": trip_figures,
               "speed_kmh": speed, "rebuilt_cars_a_day": rebuilt, "focus": [names[c] for c in focus],
               "spread": spread, "detour": detour, "spacing_km": spacing, "days": groups}
    return flows_lines(figures), figures


def flows_lines(figures: Mapping[str, Any]) -> list[str]:
    """The Markdown of :func:`flows_section`'s figures."""
    cross, trips = figures["crossings"], figures["trips"]
    focus = " and ".join(figures["focus"]) or "the cut crossing"
    lines = ["| crossing | capacity a direction (veh/h) | cars a day: baseline | first day | adapted "
             "| busiest hour, veh/h (v/c): baseline | first day | adapted "
             "| delay on the crossing, min a car: baseline | first day | adapted |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, f in cross.items():
        capacity = f"{f['capacity_vph']:,.0f}" + ("" if f["policy_capacity_vph"] == f["capacity_vph"]
                                                  else f" -> {f['policy_capacity_vph']:,.0f}")
        lines.append(f"| {name} | {capacity} | "
                     + " | ".join(f"{f[k]['cars_a_day']:,.0f}" for k in SIDES) + " | "
                     + " | ".join(f"{f[k]['busiest_hour_vph']:,.0f} ({f[k]['vc']:.2f})" for k in SIDES)
                     + " | "
                     + " | ".join("-" if not math.isfinite(f[k]["delay_min"]) else f"{f[k]['delay_min']:.2f}"
                                  for k in SIDES) + " |")
    total = {k: sum(f[k]["cars_a_day"] for f in cross.values()) for k in SIDES}
    lines.append("| all crossings | | " + " | ".join(f"{total[k]:,.0f}" for k in SIDES) + " | | | | | | |")
    lost = sum(cross[name]["baseline"]["cars_a_day"] - cross[name][ADAPTED]["cars_a_day"]
               for name in figures["focus"])
    gains = {name: f[ADAPTED]["cars_a_day"] - f["baseline"]["cars_a_day"] for name, f in cross.items()
             if name not in figures["focus"]}
    gone = lost - sum(gains.values())
    moved = (f"Adapted, {focus} carries {lost:,.0f} fewer cars a day; "
             + "".join(f"{name} {v:+,.0f} ({v / lost * 100:+.0f} %), " for name, v in gains.items())
             + f"and {gone:,.0f} ({gone / lost * 100:.0f} %) no longer cross the river at all"
             if lost >= 0.5 else f"Adapted, {focus} carries {-lost:+,.0f} cars a day")
    change = pct((total[ADAPTED] / total["baseline"] - 1) * 100)
    lines += ["", moved + f" (crossings in all {change}). v/c: the busier direction's busiest clock hour "
              "over its capacity at the stop line (where the crossing ends at a signal: saturation flow x "
              "green share, Webster's split on the busiest 15 minutes, as the model times its signals). "
              "Delay: time on the crossing's links beyond free flow, per car.", ""]
    for label in (FIRST, ADAPTED):
        d = figures["delay"][label]
        near = sorted(d["near"].items(), key=lambda kv: -abs(kv[1]))
        lines.append(f"Added delay, {label}: {d['added_vehicle_hours']:+,.0f} vehicle-hours a day over the "
                     f"baseline: {d['on_crossings']:+,.0f} on the crossings themselves; on links ending "
                     f"within {NEAR_M / 1000:g} km of a crossing's end: "
                     + ", ".join(f"{name} {v:+,.0f}" for name, v in near if abs(v) >= 1) + ".")
    lines += ["", "| car trips | baseline | first day | adapted |", "|---|---|---|---|",
              "| cars a day | " + " | ".join(f"{trips[k]['cars_a_day']:,.0f}" for k in SIDES) + " |",
              "| crossing the river | " + " | ".join(f"{trips[k]['crossing_pct']:.1f} %" for k in SIDES)
              + " |"]
    for key, label in (("minutes_crossing", "crossing"), ("minutes_not_crossing", "not crossing"),
                       ("minutes", "all")):
        lines.append(f"| mean trip, {label} (min) | " + " | ".join(f"{trips[k][key]:.2f}" for k in SIDES)
                     + " |")
    lines.append("")
    rebuilt = figures["rebuilt_cars_a_day"]
    lines += ["| baseline trips (rebuilt routes) | share of car trips | minutes added: first day | adapted |",
              "|---|---|---|---|"]
    for kind, s in figures["spread"].items():
        label = f"used {focus}" if kind == "used it" else kind
        lines.append(f"| {label} | {s['pct']:.1f} % | "
                     + " | ".join(f"{s[k]:+.2f}" if math.isfinite(s[k]) else "-" for k in (FIRST, ADAPTED))
                     + " |")
    lines += ["", "Minutes added: the closure's mean trip time minus the baseline's on the same origin and "
              "destination nodes, weighted by the baseline's cars. Routes rebuilt: each baseline trip's "
              "shortest path on the link times of its departure hour; they put "
              + ", ".join(f"{rebuilt[n]:,.0f} cars a day on {n} (counted "
                          f"{cross[n]['baseline']['cars_a_day']:,.0f})" for n in cross) + "."]
    for label, d in figures["detour"].items():
        taken = [f"{name} {v:.0f} %" for name, v in d["to_pct"].items() if v >= 0.5]
        taken += [f"no crossing {d['no_crossing_pct']:.0f} %"] if d["no_crossing_pct"] >= 0.5 else []
        lines.append(f"Rebuilt on the closure's {label} link times, the trips that used {focus} "
                     + (f"take {', '.join(taken)}; " if taken else "") + f"{d['km_added']:+.2f} km a trip.")
    if figures["spacing_km"]:
        lines.append("Crossings apart (km, between their links' mid-points): "
                     + ", ".join(f"{k} {v:.1f}" for k, v in figures["spacing_km"].items()) + ".")
    return lines


EVIDENCE = (
    ("I-35W, Minneapolis, 2007",
     "The bridge carried about 140,000 vehicles a day; after its collapse the network took several weeks "
     "to re-equilibrate (loop detectors, bus ridership, a survey)",
     "Zhu, Levinson, Liu, Harder (2010), The traffic and behavioral effects of the I-35W Mississippi River "
     "bridge collapse, Transportation Research Part A 44(10) 771-784",
     "https://docslib.org/doc/6676382/the-traffic-and-behavioral-effects-of-the-i-35w-mississippi-river-bridge"),
    ("I-35W, counts and vehicle-hours",
     "River-crossing trips fell from 724,585 to 678,606 a day (-6.3 %) after the collapse (arterial "
     "crossings +29.7 %, freeways -15.9 %); in a model re-estimated with observed travel times (demand "
     "fixed), the peak periods' vehicle-hours were 1.481 million a day without the bridge and 1.476-1.478 "
     "million after it reopened: the bridge was worth 0.2-0.3 % of them",
     "D. Levinson, The Fall and Rise of the I-35W Mississippi River Bridge - Part 6: Traffic "
     "(streets.mn, 2012)",
     "http://streets.mn/2012/07/30/the-fall-and-rise-of-the-i-35w-mississippi-river-bridge-part-6-traffic/"),
    ("Nanjing Yangtze River Bridge, closed 28 Oct 2016 for 27 months",
     "Police forecast: river crossings down 12,700 to 319,300 vehicles a day (-3.8 %); 70 % of the bridge's "
     "traffic to the nearest crossing, the Yangzijiang Tunnel, from 48,000 to over 100,000 a day against a "
     "design flow of 80,000; the Yangtze Tunnel from 69,000 to 87,300",
     "Nanjing yesterday, the first day of the bridge's closure: 70 % of crossing vehicles to the Yangzijiang "
     "Tunnel (Changsanjiao city net; a mirror of the report)",
     "http://www.dingqianjf.com/news/show/347/1153227_0.html"),
    ("Nanjing, the first day",
     "The first day (a Saturday): the Yangzijiang Tunnel carried 70 % more than the weekend before and the "
     "Yangtze Tunnel over 30 % more, 'although there is no congestion' (the other report: both directions "
     "'many cars, slow'); metro stations north of the river 13-26 % more passengers",
     "Closure of the first day of the Yangtze River Tunnel traffic rose 70 % (Yangtze Evening News, mirror)",
     "http://fcxn.net/closure-of-the-first-day-of-the-yangtze-river-tunnel-traffic-rose-70-to-work-early-"
     "tomorrow-to-prep-musiland/"),
    ("Hammersmith Bridge, London, closed to motor traffic April 2019",
     "The bridge carried 20,000-25,000 vehicles a day; TfL counts (FOI 2025) show traffic on the "
     "neighbouring Putney and Chiswick bridges lower after a period of settling down, while Wandsworth "
     "Council reports "
     "+25 % in the morning peak on Putney Bridge 2019-2023 and longer journeys; TfL's 2019 analysis singled "
     "out a junction on the approach roads (Chalkers Corner)",
     "Neighbouring bridges (hammersmithbridge.org.uk); TfL FOI-1103-1920, Traffic changes resulting from "
     "Hammersmith Bridge changes; a Chiswick W4 forum thread quoting Wandsworth Council",
     "https://hammersmithbridge.org.uk/p/194/neighbouring-bridges ; https://tfl.gov.uk/corporate/transparency/"
     "freedom-of-information/foi-request-detail?referenceId=FOI-1103-1920 ; "
     "https://new.chiswickw4.com/page/forum/1618682/topic.htm"),
    ("Capacity reductions in general",
     "Cairns, Hass-Klau and Goodwin (1998), about 70 cases of road and bridge closures and capacity cuts: on "
     "average about 11 % of the traffic disappeared (people changed destination, mode, time or made fewer "
     "trips)",
     "Disappearing traffic: what do we know? (W. Ploos van Amstel)",
     "https://www.waltherploosvanamstel.nl/disappearing-traffic-what-do-we-know/"),
)
"""Published closure evidence the plausibility argument cites: (case, what was found, title, address)."""

SETTLED_PCT = 10.0
"""The verdict's bar: a settled closure of one of several crossings adding more than this (%) to the
mean car trip of the whole city is beyond the published cases (I-35W: 0.2-0.3 % of the vehicle-hours);
a judgement."""

QUEUE_VC = 0.9
"""A crossing whose busiest hour runs above this v/c queues (HCM: delay grows steeply near capacity)."""


def plausibility_section(closure: Mapping[str, Any], flows: Mapping[str, Any],
                         settle: Mapping[str, Any] | None = None) -> list[str]:
    """The argument, in Markdown: the adapted effect of the experiment ``closure`` split into the
    share of trips crossing the river x the minutes each loses, checked against the detour geometry,
    the remaining crossings' v/c, the network's settling (``settle``: the figures of :func:`settling`,
    if run) and published closures (``flows``: the figures of :func:`flows_section`)."""
    effect, first = closure["mean_trip_time"], closure["first_day_mean_trip_time"]
    trips, spread, cross = flows["trips"], flows["spread"], flows["crossings"]
    base, adapted, day1 = trips["baseline"], trips[ADAPTED], trips[FIRST]
    focus = " and ".join(flows["focus"]) or "the cut crossing"
    share = base["crossing_pct"] / 100
    lost_crossing = adapted["minutes_crossing"] - base["minutes_crossing"]
    lost_other = adapted["minutes_not_crossing"] - base["minutes_not_crossing"]
    run_effect = adapted["minutes"] - base["minutes"]
    mix = run_effect - share * lost_crossing - (1 - share) * lost_other
    matched = "; ".join(f"{'used ' + focus if kind == 'used it' else kind} ({s['pct']:.1f} % of car trips) "
                        f"{s[ADAPTED]:+.2f} min, {s['pct'] / 100 * s[ADAPTED]:+.2f} on the mean"
                        for kind, s in spread.items())
    lines = ["", "## Is the closure's effect plausible?", "",
             f"**The effect, split.** The {closure['replicates']}-replicate adapted effect is "
             f"{effect['effect']:+.2f} min [{effect['ci'][0]:+.2f}, {effect['ci'][1]:+.2f}] "
             f"({pct(effect['effect_pct'])}) on a {effect['parent']:.2f}-min mean car trip; in the run pair "
             f"above it is {run_effect:+.2f} min. The {base['crossing_pct']:.1f} % of car trips that cross "
             f"the river lose {lost_crossing:+.2f} min each ({base['minutes_crossing']:.2f} -> "
             f"{adapted['minutes_crossing']:.2f} min, "
             f"{pct(lost_crossing / base['minutes_crossing'] * 100)}), "
             f"the others {lost_other:+.2f} min: share crossing x minutes added = {share:.3f} x "
             f"{lost_crossing:+.2f} = {share * lost_crossing:+.2f} min; {(1 - share) * lost_other:+.2f} min "
             f"from the others and {mix:+.2f} min from the change of mix (crossing trips "
             f"{base['crossing_pct']:.1f} -> {adapted['crossing_pct']:.1f} %). Matched on origin and "
             f"destination, by rebuilt baseline route: {matched}."]
    detour = flows["detour"].get(ADAPTED)
    used = spread["used it"]
    bound = math.nan  # minutes the detour alone adds to the mean car trip
    if detour is not None and math.isfinite(detour["km_added"]) and flows["spacing_km"]:
        detour_min = detour["km_added"] / flows["speed_kmh"] * 60
        bound = used["pct"] / 100 * detour_min
        lines += ["", "**Detour geometry.** Neighbouring crossings are "
                  + ", ".join(f"{k} {v:.1f} km" for k, v in flows["spacing_km"].items())
                  + f" apart. The rebuilt routes of the trips that used {focus} grow by "
                  f"{detour['km_added']:+.2f} km; at the baseline's mean speed on the network "
                  f"({flows['speed_kmh']:.0f} km/h) that is "
                  f"{detour_min:+.1f} min a trip, against the {used[ADAPTED]:+.2f} min they lose. Were the "
                  f"detour the only cost, the mean car trip would lose {used['pct']:.1f} % x "
                  f"{detour_min:.1f} = "
                  f"{bound:+.2f} min ({pct(bound / effect['parent'] * 100)}), "
                  f"{bound / effect['effect'] * 100:.0f} % of the adapted effect; the rest is queueing, and "
                  "it is borne as much by the trips that crossed elsewhere "
                  f"({spread['crossed elsewhere'][ADAPTED]:+.2f} min each, no detour at all)."]
    open_ = {name: c for name, c in cross.items() if name not in flows["focus"]}
    worst = max(open_, key=lambda name: open_[name][ADAPTED]["vc"]) if open_ else None
    if worst is not None:
        vc = open_[worst][ADAPTED]["vc"]
        near = flows["delay"][ADAPTED]
        where = max(near["near"], key=lambda name: near["near"][name])
        lines += ["", f"**The remaining crossings' v/c.** The busiest, {worst}, carries "
                  f"{open_[worst][ADAPTED]['busiest_hour_vph']:,.0f} cars in its busiest hour, v/c {vc:.2f}"
                  + (f", below the ~{QUEUE_VC:g} at which a crossing queues: the crossings themselves are "
                     "not the bottleneck" if vc < QUEUE_VC
                     else f", past the ~{QUEUE_VC:g} at which a crossing queues")
                  + f" (delay on it {open_[worst][ADAPTED]['delay_min']:.2f} min a car, "
                  f"{open_[worst]['baseline']['delay_min']:.2f} in the baseline"
                  + (": queues reaching back onto it" if vc < QUEUE_VC and open_[worst][ADAPTED]["delay_min"]
                     > 2 * open_[worst]["baseline"]["delay_min"] + 0.1 else "") + "). Of the "
                  f"{near['added_vehicle_hours']:+,.0f} vehicle-hours a day the closure adds, "
                  f"{near['on_crossings']:+,.0f} are on the crossings and {near['near'][where]:+,.0f} on "
                  f"links ending within {NEAR_M / 1000:g} km of {where}'s ends: the queues are in the "
                  "streets and junctions at its landings, which the bridge's own capacity does not show."]
    gap = closure.get("equilibrium_gap")
    model_settled = bool(settle) and settle["late_gap_policy"] <= 2 * settle["late_gap_parent"] + 0.5
    lasting = settle["late_effect_pct"] if settle else effect["effect_pct"]
    if gap is not None and detour is not None:
        biggest = max(detour["to_pct"], key=detour["to_pct"].get) if detour["to_pct"] else None
        lost = sum(cross[n]["baseline"]["cars_a_day"] for n in flows["focus"])
        counted = {n: (c[ADAPTED]["cars_a_day"] - c["baseline"]["cars_a_day"]) / lost * 100
                   for n, c in open_.items()} if lost else {}
        lines += ["", f"**Has it settled?** The equilibrium gap is {gap['policy']:.1f} % on the closure's "
                  f"adapted days against {gap['parent']:.1f} % in the baseline"
                  + (f"; routed on the closure's own link times the trips that used {focus} would take "
                     + ", ".join(f"{n} {v:.0f} %" for n, v in detour["to_pct"].items() if v >= 0.5)
                     + ", while the counts moved its traffic "
                     + ", ".join(f"{counted[n]:.0f} % to {n}" for n in counted if abs(counted[n]) >= 0.5)
                     + ": the drivers have not spread over the crossings as the quickest paths would"
                     if biggest and counted else "") + ". "
                  + (f"Over {len(settle['days'])} recorded days (the section above) the daily effect runs "
                     + ", ".join(pct(v) for v in settle["effect_pct"])
                     + f"; on the later {settle['late_days']} days it averages "
                     f"{pct(settle['late_effect_pct'])} with the closure's gap at "
                     f"{settle['late_gap_policy']:.1f} % (baseline {settle['late_gap_parent']:.1f} %): "
                     + ("the model has settled and keeps the effect, so it is the model's lasting answer, "
                        "not drivers still learning." if model_settled else
                        "the model has not settled in that time.")
                     if settle else
                     f"{len(flows['days'][ADAPTED])} adapted day(s) after an unannounced closure is not the "
                     "network a planner meets weeks later: the I-35W network took several weeks to "
                     "re-equilibrate.")]
    total = {k: sum(c[k]["cars_a_day"] for c in cross.values()) for k in ("baseline", ADAPTED)}
    fewer = (1 - total[ADAPTED] / total["baseline"]) * 100
    lines += ["", "**Published closures.**", ""]
    lines += [f"- {case}: {found}. {title}, {url}" for case, found, title, url in EVIDENCE]
    first_ratio = day1["minutes_crossing"] / base["minutes_crossing"]
    remaining_vc = max((c[ADAPTED]["vc"] for c in open_.values()), default=math.nan)
    settled = lasting <= SETTLED_PCT
    lines += ["", "**Verdict.** "
              + (f"Where the traffic goes is plausible: the nearest crossings take most of {focus}'s "
                 "traffic, " if open_ else f"With no other crossing, {focus}'s traffic stays on it or goes: ")
              + f"{fewer:.1f} % of river crossings disappear (I-35W: 6.3 %; Nanjing's forecast: 3.8 %; the "
              "capacity-cut cases: about 11 % on average), and trips that stay on one bank are barely "
              f"touched ({lost_other:+.2f} min). The adapted size "
              f"({pct(effect['effect_pct'])} on the mean car trip, "
              f"{pct(lost_crossing / base['minutes_crossing'] * 100)} on crossing trips) "
              + ("is within what a planner would accept for a settled closure (we take at most "
                 f"{SETTLED_PCT:g} % on all car trips, a judgement; I-35W: 0.2-0.3 % of the vehicle-hours)."
                 if settled else
                 f"is not plausible as the closure's lasting effect: above the {SETTLED_PCT:g} % we take "
                 "as the most a settled closure of one of several crossings adds to all car trips (a "
                 "judgement), "
                 "far above the published cases network-wide (I-35W, a bridge of 140,000 vehicles a day in a "
                 "larger network: 0.2-0.3 % of the vehicle-hours) and above the detour geometry"
                 + (f" ({bound:+.2f} min)" if math.isfinite(bound) else "")
                 + f", while the remaining crossings run at v/c {remaining_vc:.2f} or less"
                 + (f"; over {len(settle['days'])} days the model keeps {pct(lasting)} once its gap is back "
                    "near the baseline's, so this is not the first days' learning but the model's answer: "
                    "the delay sits in the streets and junctions at the landings of one crossing, whose "
                    "capacity in the seed city (or a route choice that leaves quicker crossings unused) is "
                    "where to look." if model_settled else
                    "; it comes from queues at the landings of one crossing that the drivers have not yet "
                    "spread to the others, so read it as the first days', not the closure's."))
              + f" The first recorded day ({pct(first['effect_pct'])}, crossing trips x{first_ratio:.1f}) is "
              "an upper bound for an unannounced closure; Nanjing's announced one moved 70 % more traffic "
              "onto the nearest tunnel on its first day, a Saturday, with slow but moving traffic."]
    return lines


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
    parser.add_argument("--settle-days", type=int, default=8,
                        help="recorded days of one more closure pair (seed of the parent) that shows the "
                        "daily effect settling (0: none)")
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
        args.settle_days = min(args.settle_days, 3)
    if not args.seed_list or (args.years is not None and args.years < 1) or args.replicates < 2 \
            or args.closure_days < 2:
        parser.error("--seeds needs a seed, --years >= 1, --replicates >= 2, --closure-days >= 2")
    shown = sys.argv[1:] if argv is None else argv
    args.command = " ".join(["python scripts/traffic_stability.py", *map(shlex.quote, shown)])
    return args


def closure_policy(args: argparse.Namespace, folder: Path, days: int | None = None) -> Path:
    """Write the closure experiment's traffic-only parent and policy into ``folder`` (one year of
    ``days`` recorded days, default ``--closure-days``); the policy's path."""
    overrides: dict[str, dict[str, Any]] = {
        "scenario": {"horizon_years": 1, "period_days": float(days or args.closure_days)}}
    if args.closure_warmup is not None:
        overrides["traffic"] = {"warmup_days": args.closure_warmup}
    if not args.quick:
        return traffic_only(args.closure, folder, overrides)
    parent = traffic_only(args.baseline, folder, overrides)
    policy = folder / "closure.toml"
    policy.write_text(f"extends = {toml_value(parent.name)}\n\n[scenario]\nname = \"closure\"\n\n"
                      f"[traffic]\n{QUICK_LEVER}\n", encoding="utf-8")
    return policy


def settling(args: argparse.Namespace, policy: Path, folder: Path) -> tuple[list[str], dict[str, Any]]:
    """``twin run`` the parent of ``policy`` and ``policy`` (seed of the parent) into ``folder``/parent
    and ``folder``/policy; Markdown and figures of their recorded days: each day's mean car trip, the
    effect and the equilibrium gaps (timeseries/traffic_daily)."""
    from twin.scenario import load_scenario

    parent = policy.parent / tomllib.loads(policy.read_text(encoding="utf-8"))["extends"]
    seed = load_scenario(parent).scenario.seed
    runs = {side: folder / side for side in ("parent", "policy")}
    run_scenarios([(parent, seed, runs["parent"]), (policy, seed, runs["policy"])], args.jobs,
                  args.resume)
    daily = {side: pd.read_parquet(run / "timeseries" / "traffic_daily.parquet").query("recorded")
             .set_index("day") for side, run in runs.items()}
    days = daily["parent"].index.intersection(daily["policy"].index)
    rows = pd.DataFrame({"parent": daily["parent"].mean_trip_time_min[days],
                         "policy": daily["policy"].mean_trip_time_min[days],
                         "gap_parent": daily["parent"].equilibrium_gap_pct[days],
                         "gap_policy": daily["policy"].equilibrium_gap_pct[days]})
    rows["effect_pct"] = (rows.policy / rows.parent - 1) * 100
    late = rows.iloc[len(rows) // 2:]  # the later half of the days
    figures = {"days": [int(d) for d in days], "effect_pct": rows.effect_pct.round(2).tolist(),
               "gap_parent": rows.gap_parent.round(2).tolist(),
               "gap_policy": rows.gap_policy.round(2).tolist(),
               "late_effect_pct": float(late.effect_pct.mean()),
               "late_gap_policy": float(late.gap_policy.mean()),
               "late_gap_parent": float(late.gap_parent.mean()), "late_days": len(late)}
    lines = ["", f"## Closure: {len(rows)} recorded days", "",
             f"`twin run` of the closure and its parent with seed {seed}, one year of {len(rows)} recorded "
             "days (the warm-up as above, without the closure): each day's mean car trip (min), the effect "
             "and the equilibrium gap (%), from `timeseries/traffic_daily`.", "",
             "| day | " + " | ".join(str(d) for d in days) + " |", "|---" * (len(rows) + 1) + "|",
             "| baseline | " + " | ".join(f"{v:.2f}" for v in rows.parent) + " |",
             "| closure | " + " | ".join(f"{v:.2f}" for v in rows.policy) + " |",
             "| effect | " + " | ".join(pct(v) for v in rows.effect_pct) + " |",
             "| gap: baseline | " + " | ".join(f"{v:.1f}" for v in rows.gap_parent) + " |",
             "| gap: closure | " + " | ".join(f"{v:.1f}" for v in rows.gap_policy) + " |", "",
             f"The later {len(late)} days: effect {pct(figures['late_effect_pct'])} on average, the "
             f"closure's gap {figures['late_gap_policy']:.1f} % against the baseline's "
             f"{figures['late_gap_parent']:.1f} %."]
    return lines, figures


def where_traffic_goes(args: argparse.Namespace, policy: Path, experiment: Path,
                       folder: Path) -> tuple[list[str], dict[str, Any]]:
    """``twin run`` the experiment's parent and ``policy`` with the parent's seed (its replicate 0)
    into ``folder``_parent and ``folder``_policy; the section of :func:`flows_section` on them."""
    from twin.scenario import load_scenario

    parent = policy.parent / tomllib.loads(policy.read_text(encoding="utf-8"))["extends"]
    seed = load_scenario(parent).scenario.seed
    runs = {side: folder.with_name(f"{folder.name}_{side}") for side in ("parent", "policy")}
    run_scenarios([(parent, seed, runs["parent"]), (policy, seed, runs["policy"])], args.jobs,
                  args.resume)
    results = pd.read_parquet(experiment / "results.parquet")
    first = results[(results.replicate == 0) & (results.domain == "traffic")
                    & (results.indicator == "mean_trip_time")].set_index("point").value
    same = all(abs(indicator(runs[side], "mean_trip_time").iloc[0] - first.get(point, math.nan)) < 1e-9
               for point, side in enumerate(("parent", "policy")))
    lines, figures = flows_section(runs["parent"], runs["policy"], policy)
    figures["replicate_0"] = same
    interval = load_scenario(policy).modules["traffic"].record_interval_min
    adapted = ", ".join(map(str, figures["days"][ADAPTED]))
    return ["", "## Closure: where the traffic goes", "",
            f"`twin run` of the closure experiment's two scenarios with seed {seed} (its replicate 0: "
            + ("the same mean trips" if same else "NOT the same mean trips as the experiment's replicate 0")
            + "), read from their run folders: `timeseries/link_timeseries` (cars leaving each link per "
            f"{interval:g} minutes) and `timeseries/trip_times` (each platoon's origin and destination "
            "nodes and time). Crossings: the city's bridge links, by road; a trip crosses the river when "
            "its ends lie on different banks (the two parts of the network without its bridges). Baseline: "
            f"the parent's recorded days from the second on (days {adapted} of the period); first day: the "
            f"closure's first recorded day ({figures['days'][FIRST][0]}); adapted: its later days, as in "
            "the table above.", "", *lines], figures


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
        lines, figures["flows"] = where_traffic_goes(args, policy, experiment, work / f"flows{name}")
        out += lines
        if args.settle_days > args.closure_days:
            folder = work / f"settle{name}"
            folder.mkdir(exist_ok=True)
            longer = closure_policy(args, folder, args.settle_days)
            lines, figures["settle"] = settling(args, longer, folder)
            out += lines
        if "mean_trip_time" in figures["closure"] and "first_day_mean_trip_time" in figures["closure"]:
            out += plausibility_section(figures["closure"], figures["flows"], figures.get("settle"))
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
