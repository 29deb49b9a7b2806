"""Compare two runs or sweep points: indicator differences with confidence intervals.

Each side is a run folder (one replicate) or a point of a sweep folder (``DIR`` when the sweep
has one point, ``DIR@N`` for point N): a set of replicates. When both sides hold the same
replicates with the same seed (common random numbers), differences are paired replicate by
replicate and the interval is Student's t on the paired differences; otherwise the interval is
Welch's t on the two means. With one replicate a side, the interval is unknown (NaN; the table
says why).

Only like is compared with like: sides that differ in city, module set, horizon, operating period
or index definition (weights, bounds, the indicator system's version and hash) are refused unless
``allow_different`` is given, and then the differences head the output; so is a full governance
index against a partial one. Indicators that only one side reports are listed, not dropped.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import TwinInputError
from twin.indicators.index import FULL_INDEX, INDEX_DOMAIN, PARTIAL_INDEX
from twin.scenario.store import RunResult
from twin.sweep.store import SweepStore, run_id

DISTRIBUTION_TABLES = ("incidents", "zone_population")
"""Run tables a comparison loads for its distribution plots, when the runs have them."""

COMPARISON_COLUMNS = [
    "domain", "indicator", "unit", "mean_a", "mean_b", "diff", "ci_low", "ci_high", "n_a", "n_b", "paired",
]
"""Columns of a comparison table: one row per indicator, A and B means, A - B and its interval."""


@dataclasses.dataclass
class Side:
    """One side of a comparison: its label and, per replicate, indicators and kept tables."""

    label: str
    seed: int
    indicators: pd.DataFrame  # replicate, year, domain, indicator, value, unit
    tables: dict[str, pd.DataFrame]  # name -> rows of every replicate, with a 'replicate' column
    definition: dict[str, Any] = dataclasses.field(default_factory=dict)
    """What must match for a like-for-like comparison (see :func:`definition`); empty: unknown."""


LIKE_FOR_LIKE = ("city", "city_data", "modules", "horizon_years", "period_days", "index")
"""The parts of two sides' scenarios that must be equal for :func:`compare` (without
``allow_different``): the city (its name and, where both sides are run folders, the hash of its
data), the module set, the horizon (years), the operating period (days) and the index definition
(``[indicators]`` weights and bounds, and the indicator system where the side records it)."""


def definition(scenario: dict[str, Any], city_hash: str | None = None,
               index_system: dict[str, Any] | None = None) -> dict[str, Any]:
    """The like-for-like parts of a resolved scenario (as plain data, e.g. a manifest's).

    ``index_system``: the manifest's ``index_system`` (version and sha256 of the indicator system).
    """
    if not scenario:
        return {}
    run = scenario.get("scenario", {})
    modules = sorted(k for k in scenario if k not in ("scenario", "indicators", "output"))
    indicators = scenario.get("indicators") or {}
    index = {"weights": {k: w for k, w in (indicators.get("weights") or {}).items() if w != 1.0},
             "bounds": indicators.get("bounds") or {}}  # a domain's weight is 1 unless written
    if index_system:
        index["system"] = f"v{index_system.get('version')} {str(index_system.get('sha256'))[:12]}"
    found = {"city": run.get("city"), "modules": ", ".join(modules),
             "horizon_years": run.get("horizon_years"), "period_days": run.get("period_days"),
             "index": index}
    if city_hash:
        found["city_data"] = city_hash[:12]
    return found


def _point_scenario(base: dict[str, Any], design: pd.DataFrame, point: int) -> dict[str, Any]:
    """A sweep point's scenario: the base with the point's numeric lever/uncertainty values."""
    scenario = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    row = design[design.point == point]
    for column in design.columns:
        section, _, key = str(column).partition(".")
        value = row[column].iloc[0] if len(row) else None
        if key and isinstance(scenario.get(section), dict) and isinstance(value, (int, float)):
            scenario[section][key] = value.item() if hasattr(value, "item") else value
    return scenario


def side_differences(side_a: Side, side_b: Side) -> list[str]:
    """Which like-for-like parts differ, one phrase each ("horizon_years (A 3, B 5)")."""
    a, b = side_a.definition, side_b.definition
    found = []
    for part in LIKE_FOR_LIKE:
        if part in a and part in b and a[part] != b[part]:
            if part == "index":
                if a[part].get("system") and b[part].get("system") and a[part]["system"] != b[part]["system"]:
                    found.append(f"index definition (indicator system A {a[part]['system']}, "
                                 f"B {b[part]['system']})")
                elif _without_system(a[part]) != _without_system(b[part]):
                    found.append("index definition ([indicators] weights or bounds)")
            elif part == "city_data":
                found.append(f"city data (source hash A {a[part]}, B {b[part]})")
            else:
                found.append(f"{part} (A {a[part]}, B {b[part]})")
    return found


def _without_system(index: dict[str, Any]) -> dict[str, Any]:
    """An index definition less the system's identity (a side that does not record it matches any)."""
    return {k: v for k, v in index.items() if k != "system"}


def index_kind(indicators: pd.DataFrame) -> str | None:
    """'full' or 'partial': which governance index the rows hold (None: neither)."""
    names = set(indicators.indicator[indicators.domain == INDEX_DOMAIN])
    return "full" if FULL_INDEX in names else "partial" if PARTIAL_INDEX in names else None


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    return pd.concat(frames, ignore_index=True) if frames else None


def load_side(spec: str) -> Side:
    """A run folder, a sweep folder with one point, or ``SWEEP_DIR@POINT``."""
    folder, _, point_text = spec.partition("@")
    path = Path(folder)
    if (path / "manifest.json").is_file() and not point_text:
        run = RunResult.load(path)
        replicate = int(run.manifest.get("replicate", 0))
        indicators = run.indicators.assign(replicate=replicate)
        tables = {
            name: frame.assign(replicate=replicate)
            for name, frame in {**run.timeseries, **run.state}.items()
            if name in DISTRIBUTION_TABLES
        }
        city_hash = run.manifest.get("inputs", {}).get("city")
        return Side(spec, int(run.manifest.get("seed", 0)), indicators, tables,
                    definition(run.manifest.get("scenario", {}), city_hash, run.manifest.get("index_system")))
    store = SweepStore(path)
    if not store.exists():
        raise TwinInputError(f"{spec}: neither a run folder (manifest.json) nor a sweep folder (sweep.json)")
    manifest = store.manifest()
    if point_text:
        if not point_text.isdigit() or int(point_text) >= manifest["points"]:
            raise TwinInputError(f"{spec}: no point {point_text!r}; points are 0..{manifest['points'] - 1}")
        point = int(point_text)
    elif manifest["points"] == 1:
        point = 0
    else:
        raise TwinInputError(
            f"{spec}: the sweep has {manifest['points']} points; name one as "
            f"{folder}@POINT (0..{manifest['points'] - 1})"
        )
    results = store.results()
    rows = results[(results.point == point) & (results.status == "ok")]
    if rows.empty:
        raise TwinInputError(f"{spec}: point {point} has no successful run")
    columns = ["replicate", "year", "domain", "indicator", "value", "unit"]
    columns += ["better"] if "better" in rows else []  # the direction, where the store keeps it
    indicators = rows[columns].reset_index(drop=True)
    tables: dict[str, pd.DataFrame] = {}
    for name in DISTRIBUTION_TABLES:
        frames = [
            frame.assign(replicate=r)
            for r in sorted(rows.replicate.unique())
            if (frame := store.kept_table(run_id(point, int(r)), name)) is not None
        ]
        if (table := _concat(frames)) is not None:
            tables[name] = table
    base = manifest.get("spec", {}).get("base_scenario", {})
    scenarios = manifest.get("spec", {}).get("scenarios")  # an experiment's: each point's whole scenario
    scenario = scenarios[point] if scenarios else _point_scenario(base, store.design(), point) if base else {}
    return Side(spec, int(manifest["seed"]), indicators, tables,
                definition(scenario, None, manifest.get("index_system")))


@dataclasses.dataclass
class Comparison:
    """The result of :func:`compare`: a table of differences and both sides' data."""

    a: Side
    b: Side
    year: int
    confidence: float
    table: pd.DataFrame  # domain, indicator, unit, mean_a, mean_b, diff, ci_low, ci_high, n_a, n_b, paired
    differences: list[str] = dataclasses.field(default_factory=list)
    """How the sides are not like for like (compared anyway with ``allow_different``)."""
    only_a: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """(domain, indicator) reported by side A only (not compared)."""
    only_b: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """(domain, indicator) reported by side B only (not compared)."""


def _interval(a: np.ndarray, b: np.ndarray, paired: bool, confidence: float) -> tuple[float, float, float]:
    """(difference of means, low, high) of b - a."""
    from scipy import (
        stats,
    )  # imported here: scipy.stats is slow to import and `import twin` loads this module

    diff = float(b.mean() - a.mean())
    if paired:
        d = b - a
        if len(d) < 2:
            return diff, np.nan, np.nan
        half = stats.t.ppf(0.5 + confidence / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        return diff, diff - half, diff + half
    if len(a) < 2 or len(b) < 2:
        return diff, np.nan, np.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + confidence / 2, dof) * se
    return diff, diff - half, diff + half


def compare(a: str | Path, b: str | Path, *, year: int | None = None, confidence: float = 0.95,
            allow_different: bool = False) -> Comparison:
    """Differences B - A of every indicator both sides report, with confidence intervals.

    Sides that are not like for like (:data:`LIKE_FOR_LIKE`) are refused with one line unless
    ``allow_different``.
    """
    if not 0 < confidence < 1:
        raise TwinInputError(f"--confidence must be between 0 and 1, got {confidence}")
    return compare_sides(load_side(str(a)), load_side(str(b)), year=year, confidence=confidence,
                         allow_different=allow_different)


def compare_sides(
    side_a: Side, side_b: Side, *, year: int | None = None, confidence: float = 0.95,
    allow_different: bool = False,
) -> Comparison:
    """:func:`compare` on loaded sides. Paired when both have the same seed and the same two or
    more replicates (common random numbers)."""
    a, b = side_a.label, side_b.label
    differences = side_differences(side_a, side_b)
    if differences and not allow_different:
        raise TwinInputError(
            f"{a} and {b} are not like for like: they differ in {'; '.join(differences)}; "
            "compare runs of the same city, modules, horizon, period and index, or pass "
            "--allow-different")
    years = sorted(set(side_a.indicators.year) & set(side_b.indicators.year))
    if not years:
        raise TwinInputError(f"{a} and {b} share no simulated year")
    if year is None:
        year = years[-1]
    elif year not in years:
        raise TwinInputError(
            f"--year {year}: not simulated by both; years in both: {', '.join(map(str, years))}"
        )
    ia = side_a.indicators[side_a.indicators.year == year]
    ib = side_b.indicators[side_b.indicators.year == year]
    kinds = index_kind(ia), index_kind(ib)
    if None not in kinds and kinds[0] != kinds[1]:
        what = f"governance index (A {kinds[0]}, B {kinds[1]}: a partial index leaves out dimensions)"
        if not allow_different:
            raise TwinInputError(
                f"{a} and {b} are not like for like: they differ in {what} in {year}; compare runs "
                "that both report every dimension, or pass --allow-different")
        differences = [*differences, what]
    reps_a, reps_b = sorted(set(ia.replicate)), sorted(set(ib.replicate))
    paired = side_a.seed == side_b.seed and reps_a == reps_b and len(reps_a) > 1
    keys_a = list(dict.fromkeys(zip(ia.domain, ia.indicator, strict=True)))
    keys_b = list(dict.fromkeys(zip(ib.domain, ib.indicator, strict=True)))
    only_a = [k for k in keys_a if k not in set(keys_b)]
    only_b = [k for k in keys_b if k not in set(keys_a)]
    rows = []
    keys = ia[["domain", "indicator", "unit"]].drop_duplicates().itertuples(index=False)
    for domain, indicator, unit in keys:
        va = ia[(ia.domain == domain) & (ia.indicator == indicator)].sort_values("replicate")
        vb = ib[(ib.domain == domain) & (ib.indicator == indicator)].sort_values("replicate")
        if vb.empty:
            continue
        if paired:  # an indicator may be missing from some replicates: pair the ones both have
            both = va.merge(vb, on="replicate", suffixes=("_a", "_b"))
            x, y = both.value_a.to_numpy(float), both.value_b.to_numpy(float)
        else:
            x, y = va.value.to_numpy(float), vb.value.to_numpy(float)
        if len(x) == 0:
            continue
        diff, low, high = _interval(x, y, paired, confidence)
        rows.append((domain, indicator, unit, x.mean(), y.mean(), diff, low, high, len(x), len(y), paired))
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    return Comparison(side_a, side_b, int(year), confidence, table, differences, only_a, only_b)


def readable(value: float) -> str:
    """A number for people: thousands separators, no e-notation for ordinary values, three
    significant digits below 1,000 (``318,452``, ``12.3``, ``0.0456``); NaN is ``n/a``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size == 0:
        return "0"
    if size < 1e-6:
        return f"{value:.2e}"
    decimals = max(0, 2 - math.floor(math.log10(size)))
    return f"{value:.{decimals}f}"


def beyond_interval(table: pd.DataFrame) -> pd.Series:
    """True where the difference's interval excludes 0 (NaN intervals are never beyond)."""
    return (table.ci_low > 0) | (table.ci_high < 0)


ONE_RUN_NOTE = "interval: n/a (one run per side; use replicates: twin sweep / experiment)"
"""Why a comparison of single runs has no intervals."""


def design_note(comparison: Comparison) -> str:
    """How the intervals were made: paired on common random numbers, Welch, or not at all."""
    c = comparison
    reps = sorted(set(c.a.indicators.replicate)), sorted(set(c.b.indicators.replicate))
    if len(reps[0]) == 1 and len(reps[1]) == 1:
        return f"one run per side (seeds: A {c.a.seed}, B {c.b.seed}); {ONE_RUN_NOTE}"
    if not c.table.empty and c.table.paired.all():
        return (f"{c.confidence:.0%} intervals paired on common random numbers ({len(reps[0])} "
                f"replicates, seed {c.a.seed})")
    why = "seeds differ" if c.a.seed != c.b.seed else "the sides hold different replicates"
    return (f"{c.confidence:.0%} intervals unpaired (Welch; {why}: A seed {c.a.seed} x {len(reps[0])} "
            f"runs, B seed {c.b.seed} x {len(reps[1])} runs)")


def missing_note(label: str, keys: list[tuple[str, str]]) -> str:
    """One line naming the domains (with indicator counts) that only side ``label`` reports."""
    per_domain: dict[str, int] = {}
    for domain, _ in keys:
        per_domain[domain] = per_domain.get(domain, 0) + 1
    listed = ", ".join(f"{d} ({n} indicator{'s' if n > 1 else ''})" for d, n in per_domain.items())
    return f"not compared, reported by {label} only: {listed}"


def directions(comparison: Comparison) -> pd.Series:
    """Each compared indicator's better direction as its runs recorded it ('higher', 'lower';
    '' where neither side says)."""
    known: dict[tuple[str, str], str] = {}
    for side in (comparison.a, comparison.b):
        if "better" in side.indicators:
            rows = side.indicators[["domain", "indicator", "better"]].drop_duplicates()
            known.update({(d, i): b for d, i, b in rows.itertuples(index=False) if isinstance(b, str) and b})
    t = comparison.table
    return pd.Series([known.get(k, "") for k in zip(t.domain, t.indicator, strict=True)], index=t.index,
                     dtype=object)


def readable_table(comparison: Comparison) -> pd.DataFrame:
    """The comparison table as text cells: A, B, B - A, the interval, a '*' where the
    difference is beyond its interval (the interval excludes 0), the sides and the indicator's
    better direction (:func:`directions`)."""
    t = comparison.table
    interval = [
        "n/a" if not (math.isfinite(lo) and math.isfinite(hi)) else f"[{readable(lo)}, {readable(hi)}]"
        for lo, hi in zip(t.ci_low, t.ci_high, strict=True)
    ]
    return pd.DataFrame({
        "domain": t.domain, "indicator": t.indicator, "unit": t.unit,
        "A": t.mean_a.map(readable), "B": t.mean_b.map(readable), "B - A": t["diff"].map(readable),
        f"{comparison.confidence:.0%} interval": interval,
        "beyond": beyond_interval(t).map({True: "*", False: ""}),
        "n_a": t.n_a, "n_b": t.n_b, "better": directions(comparison),
    })


def format_comparison(comparison: Comparison) -> str:
    """A terminal table of the differences B - A, headed by any like-for-like differences and
    how the intervals were made, followed by what was not compared."""
    c = comparison
    lines = []
    if c.differences:
        lines.append(f"sides differ in: {'; '.join(c.differences)}")
    lines.append(f"B = {c.b.label}  vs  A = {c.a.label}, year {c.year}; {design_note(c)}")
    table = readable_table(c)
    lines.append(table.to_string(index=False) if not table.empty else "(no indicator in common)")
    if beyond_interval(c.table).any():
        lines.append("* beyond interval: the interval of B - A excludes 0")
    elif not c.table.empty and c.table.ci_low.notna().any():
        lines.append("no difference is beyond its interval")
    if c.table.ci_low.isna().any() and c.table.ci_low.notna().any():
        lines.append("interval n/a: fewer than two runs (or pairs) report that indicator")
    for label, keys in (("A", c.only_a), ("B", c.only_b)):
        if keys:
            lines.append(missing_note(label, keys))
    return "\n".join(lines)
