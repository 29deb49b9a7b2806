"""The run folder: tables written to a temporary folder, hashed, then moved into place atomically.

Layout of a run folder::

    manifest.json          scenario as resolved, seed, version, input and output hashes, timings
    indicators.parquet     year, domain, indicator, value, unit, better, low, high (also indicators.csv)
    timeseries/NAME.parquet
    state/NAME.parquet     final state for the viewer
    city.png               default picture (when [output] picture = true)

An interrupted or failed run leaves no half-written folder: everything goes into a hidden
sibling folder first and is renamed into place only when complete (:mod:`twin.writing`: one
writer per folder, --force never leaves the folder missing, the user's umask).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from twin.errors import TwinInputError
from twin.reading import read_json, read_table


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Parquet with a fixed layout (no index), so equal frames give equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def rerun_remedy(path: Path) -> str:
    """What to do about a damaged run folder ``path`` (for :func:`twin.reading.damaged`)."""
    return f"rerun its scenario with `twin run SCENARIO --out {path} --force`"


INDICATOR_COLUMNS = ("year", "domain", "indicator", "value", "unit")
"""Columns of indicators.parquet that readers rely on (runs before better, low and high lack them)."""


@dataclass
class RunResult:
    """What a run produced: the indicator table, time series, final state and manifest."""

    path: Path | None
    indicators: pd.DataFrame
    timeseries: dict[str, pd.DataFrame] = field(default_factory=dict)
    state: dict[str, pd.DataFrame] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    def value(self, domain: str, indicator: str, year: int | None = None) -> float:
        """One indicator value (the last year unless ``year`` is given)."""
        rows = self.indicators[(self.indicators.domain == domain)
                               & (self.indicators.indicator == indicator)]
        if year is not None:
            rows = rows[rows.year == year]
        if rows.empty:
            raise KeyError(f"no indicator {domain}.{indicator}")
        return float(rows.sort_values("year").value.iloc[-1])

    def summary(self) -> pd.DataFrame:
        """Indicators as a table with one column per year."""
        table = self.indicators.pivot_table(
            index=["domain", "indicator", "unit"], columns="year", values="value", sort=False
        )
        return table

    @classmethod
    def load(cls, path: str | Path) -> RunResult:
        """Read a run folder written by :func:`twin.run`."""
        path = Path(path)
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise TwinInputError(f"{path}: not a run folder (no manifest.json)")
        remedy = rerun_remedy(path)
        manifest = read_json(manifest_path, what="run manifest", remedy=remedy)
        ts, state = (
            {p.stem: read_table(p, what="run table", remedy=remedy)
             for p in sorted((path / kind).glob("*.parquet"))}
            for kind in ("timeseries", "state")
        )
        indicators = read_table(path / "indicators.parquet", what="run indicator table", remedy=remedy,
                                columns=INDICATOR_COLUMNS)
        return cls(path, indicators, ts, state, manifest)
