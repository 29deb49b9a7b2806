"""Compare two runs or sweep points: indicator differences with confidence intervals.

Each side is a run folder (one replicate) or a point of a sweep folder (``DIR`` when the sweep
has one point, ``DIR@N`` for point N): a set of replicates. When both sides hold the same
replicates with the same seed (common random numbers), differences are paired replicate by
replicate and the interval is Student's t on the paired differences; otherwise the interval is
Welch's t on the two means. With one replicate a side, the interval is unknown (NaN).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import TwinInputError
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
        return Side(spec, int(run.manifest.get("seed", 0)), indicators, tables)
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
    indicators = rows[["replicate", "year", "domain", "indicator", "value", "unit"]].reset_index(drop=True)
    tables: dict[str, pd.DataFrame] = {}
    for name in DISTRIBUTION_TABLES:
        frames = [
            frame.assign(replicate=r)
            for r in sorted(rows.replicate.unique())
            if (frame := store.kept_table(run_id(point, int(r)), name)) is not None
        ]
        if (table := _concat(frames)) is not None:
            tables[name] = table
    return Side(spec, int(manifest["seed"]), indicators, tables)


@dataclasses.dataclass
class Comparison:
    """The result of :func:`compare`: a table of differences and both sides' data."""

    a: Side
    b: Side
    year: int
    confidence: float
    table: pd.DataFrame  # domain, indicator, unit, mean_a, mean_b, diff, ci_low, ci_high, n_a, n_b, paired


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


def compare(a: str | Path, b: str | Path, *, year: int | None = None, confidence: float = 0.95) -> Comparison:
    """Differences B - A of every indicator both sides report, with confidence intervals."""
    if not 0 < confidence < 1:
        raise TwinInputError(f"--confidence must be between 0 and 1, got {confidence}")
    return compare_sides(load_side(str(a)), load_side(str(b)), year=year, confidence=confidence)


def compare_sides(
    side_a: Side, side_b: Side, *, year: int | None = None, confidence: float = 0.95
) -> Comparison:
    """:func:`compare` on loaded sides. Paired when both have the same seed and replicates."""
    a, b = side_a.label, side_b.label
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
    reps_a, reps_b = sorted(set(ia.replicate)), sorted(set(ib.replicate))
    paired = side_a.seed == side_b.seed and reps_a == reps_b
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
    return Comparison(side_a, side_b, int(year), confidence, table)


def format_comparison(comparison: Comparison) -> str:
    """A terminal table of the differences B - A."""
    c = comparison
    kind = "paired on common random numbers" if c.table.paired.all() else "unpaired (Welch)"
    head = f"B = {c.b.label}  vs  A = {c.a.label}, year {c.year}, {c.confidence:.0%} intervals, {kind}"
    table = c.table.drop(columns="paired").set_index(["domain", "indicator", "unit"])
    with pd.option_context(
        "display.max_rows", 500, "display.width", 200, "display.float_format", "{:,.4g}".format
    ):
        return f"{head}\n{table.to_string()}"
