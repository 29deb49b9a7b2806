"""The sweep folder: one atomic file per finished run, then one consolidated results table.

Layout of a sweep folder::

    sweep.json                 the sweep as resolved (file, base scenario), its digest, the design
    design.parquet             point, one column per lever and uncertainty (+ unit:KEY for SALib)
    runs/p000012-r0003.parquet one file per finished run: its indicator rows, or one error row
    tables/p000012-r0003/NAME.parquet   run tables kept for `twin compare` (sweep.keep_tables)
    results.parquet            every run's rows with the lever and uncertainty values as columns

A run file is written under a hidden temporary name and moved into place with ``os.replace``
(:mod:`twin.writing`: the user's umask, one line on a write error), so
a file under runs/ is always complete: a killed sweep loses no finished run, and a resumed sweep
runs exactly the points whose file is missing. Tables are written before the run file, so a
run file also means its tables are complete.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import TwinInputError
from twin.reading import read_json, read_project_file, read_table
from twin.scenario.store import write_table
from twin.writing import LEFTOVER, atomic_file, atomic_write_text, output_errors

RUN_COLUMNS = [
    "run_id",
    "point",
    "replicate",
    "seed",
    "status",
    "error",
    "year",
    "domain",
    "indicator",
    "value",
    "unit",
    "better",
]
"""Columns of a run file; results.parquet adds the lever and uncertainty columns after ``seed``."""


MANIFEST_KEYS = ("digest", "design", "levers", "uncertainties", "points", "seed", "spec")
"""Keys of sweep.json that readers rely on."""


def run_id(point: int, replicate: int) -> str:
    """The name of a run in a sweep folder, e.g. ``p000012-r0003``."""
    return f"p{point:06d}-r{replicate:04d}"


def atomic_write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write Parquet to a hidden temporary file beside ``path``, then rename it into place."""
    with atomic_file(path) as tmp:
        write_table(frame, tmp)


def run_rows(
    rid: str, point: int, replicate: int, seed: int, indicators: pd.DataFrame | None, error: str = ""
) -> pd.DataFrame:
    """A run file's table: the run's indicator rows, or one error row carrying the message.

    ``indicators`` has the indicator table's columns plus ``better`` ("higher", "lower" or "").
    """
    if indicators is None:
        frame = pd.DataFrame(
            {
                "year": np.array([-1], dtype=np.int64),
                "domain": [""],
                "indicator": [""],
                "value": [np.nan],
                "unit": [""],
                "better": [""],
            }
        )
    else:
        frame = indicators[["year", "domain", "indicator", "value", "unit", "better"]].reset_index(drop=True)
        frame = frame.astype({"year": "int64", "value": "float64"})
    frame.insert(0, "error", error)
    frame.insert(0, "status", "ok" if indicators is not None else "error")
    frame.insert(0, "seed", np.int64(seed))
    frame.insert(0, "replicate", np.int64(replicate))
    frame.insert(0, "point", np.int64(point))
    frame.insert(0, "run_id", rid)
    return frame[RUN_COLUMNS]


class SweepStore:
    """Reads and writes one sweep folder (paths are absolute so workers anywhere can write)."""

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()
        self.runs = self.path / "runs"
        self.tables = self.path / "tables"

    @property
    def manifest_path(self) -> Path:
        return self.path / "sweep.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        if not self.exists():
            raise TwinInputError(f"{self.path}: not a sweep folder (no sweep.json)")
        return read_json(self.manifest_path, what="sweep manifest", remedy=self._start_again,
                         keys=MANIFEST_KEYS)

    def create(self, manifest: dict[str, Any], points: pd.DataFrame) -> None:
        """Write sweep.json and design.parquet (atomically) into a new or empty folder."""
        self.runs.mkdir(parents=True, exist_ok=True)
        atomic_write_table(_storable(points), self.path / "design.parquet")
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True))

    @property
    def _start_again(self) -> str:
        """What to do about a damaged file the whole sweep depends on."""
        return f"delete the folder {self.path} and run the sweep again"

    @property
    def _redo(self) -> str:
        """What to do about a damaged file that a resumed sweep writes again."""
        return f"delete it and finish the sweep with `twin sweep SPEC --out {self.path} --resume`"

    def design(self) -> pd.DataFrame:
        return read_table(self.path / "design.parquet", what="sweep design", remedy=self._start_again,
                          columns=["point"])

    def run_path(self, rid: str) -> Path:
        return self.runs / f"{rid}.parquet"

    def finished(self) -> set[str]:
        """Run ids with a complete run file (its Parquet footer read: a damaged one is an error)."""
        if not self.runs.is_dir():
            return set()
        import pyarrow.parquet as pq

        paths = sorted(self.runs.glob("*.parquet"))
        for path in paths:
            read_project_file(path, pq.read_metadata, what="sweep run file", remedy=self._redo)
        return {p.stem for p in paths}

    def remove_leftovers(self) -> list[str]:
        """Delete temporary files of runs killed while writing (only under the sweep's claim).

        Warns once naming what was removed; returns the removed paths, relative to the folder.
        """
        removed = []
        for path in sorted(self.path.rglob(".*")):
            if path.is_file() and (LEFTOVER.match(path.name) or path.name.endswith(".tmp")):
                path.unlink(missing_ok=True)
                removed.append(str(path.relative_to(self.path)))
        if removed:
            warnings.warn(f"{self.path}: removed temporary files of killed runs: {', '.join(removed)}",
                          stacklevel=2)
        return removed

    def unfinished_creation(self) -> bool:
        """True for a folder killed while being created: design.parquet but no sweep.json, no run."""
        if self.exists() or not (self.path / "design.parquet").is_file():
            return False
        allowed = {"design.parquet", "runs", "tables", "timing.json"}
        return (all(p.name in allowed or p.name.startswith(".") for p in self.path.iterdir())
                and not self.finished())

    def failed(self) -> set[str]:
        """Run ids whose run file is an error row."""
        out = set()
        for path in sorted(self.runs.glob("*.parquet")):
            status = read_table(path, what="sweep run file", remedy=self._redo, read=["status"]).status
            if (status == "error").any():
                out.add(path.stem)
        return out

    def run_status(self, rid: str) -> str | None:
        """'ok' or 'error' for a finished run, None when it has no run file."""
        path = self.run_path(rid)
        if not path.is_file():
            return None
        status = read_table(path, what="sweep run file", remedy=self._redo, read=["status"]).status
        return "error" if (status == "error").any() else "ok"

    def write_run(self, rows: pd.DataFrame, tables: dict[str, pd.DataFrame] | None = None) -> None:
        """Store one run: its kept tables first, then its run file (the 'finished' mark)."""
        rid = str(rows.run_id.iloc[0])
        with output_errors(self.path):
            for name, frame in (tables or {}).items():
                atomic_write_table(frame, self.tables / rid / f"{name}.parquet")
            atomic_write_table(rows, self.run_path(rid))

    def write_timing(self, runs: int, seconds: float) -> None:
        """Append one session's throughput (runs, wall seconds) to timing.json (not to results)."""
        path = self.path / "timing.json"
        sessions = []
        if path.is_file():
            sessions = read_json(path, what="sweep timing file", remedy="delete it", kind=list)
        sessions.append({"runs": runs, "seconds": round(seconds, 4)})
        atomic_write_text(path, json.dumps(sessions, indent=2))

    def consolidate(self) -> pd.DataFrame:
        """Write results.parquet (runs in point and replicate order, design values joined)."""
        paths = sorted(self.runs.glob("*.parquet"))
        if not paths:
            raise TwinInputError(f"{self.path}: no finished runs to consolidate")
        runs = pd.concat([read_table(p, what="sweep run file", remedy=self._redo, columns=RUN_COLUMNS)
                          for p in paths], ignore_index=True)
        design = self.design()
        results = runs.merge(design, on="point", how="left", sort=False)
        variables = [c for c in design.columns if c != "point" and not c.startswith("unit:")]
        first = ["run_id", "point", "replicate", "seed"]
        results = results[first + variables + [c for c in RUN_COLUMNS if c not in first]]
        results = results.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
        atomic_write_table(results, self.path / "results.parquet")
        return results

    def results(self) -> pd.DataFrame:
        path = self.path / "results.parquet"
        if not path.is_file():
            raise TwinInputError(f"{self.path}: no results.parquet (run `twin sweep ... --resume` to finish)")
        return read_table(path, what="sweep results table", remedy=self._redo, columns=RUN_COLUMNS)

    def kept_table(self, rid: str, name: str) -> pd.DataFrame | None:
        path = self.tables / rid / f"{name}.parquet"
        if not path.is_file():
            return None
        return read_table(path, what="sweep run table",
                          remedy=f"delete {self.run_path(rid)} and this table, then resume the sweep "
                                 f"with `twin sweep SPEC --out {self.path} --resume`")


def _storable(points: pd.DataFrame) -> pd.DataFrame:
    """Object columns (categorical values of mixed or list type) as text, for Parquet."""
    out = points.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: v if isinstance(v, str) else json.dumps(v))
    return out
