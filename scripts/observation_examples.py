"""Regenerate data/observed/examples: one small synthetic observation file per kind.

Runs scenarios/testville_quick.toml (seed 1) into a temporary folder, gives its trip_times
origin and destination nodes drawn at random (the traffic module does not record them yet), observes
it with ``twin observe`` (seed 1, default noise, every trip a probe) and keeps the first rows of
each file. Usage: ``.venv/bin/python scripts/observation_examples.py`` (about ten seconds).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from twin import load_scenario, run
from twin.observations import observe

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "observed" / "examples"
ROWS = 8
"""Rows kept per kind."""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        run(load_scenario(ROOT / "scenarios" / "testville_quick.toml"), folder, progress=False, picture=False)
        trips_path = folder / "timeseries" / "trip_times.parquet"
        trips = pd.read_parquet(trips_path)
        rng = np.random.default_rng(1)
        trips["origin"] = rng.integers(0, 151, len(trips))  # testville's nodes 0..150
        trips["destination"] = rng.integers(0, 151, len(trips))
        trips.to_parquet(trips_path, index=False)
        tables = observe(folder, Path(tmp) / "obs", sample={"counts": 0.05, "travel_times": 1.0}, seed=1)
    for kind, table in tables.items():
        if kind == "counts":
            table = table[table.vehicles > 0]  # not only the empty small hours
        table.head(ROWS).to_csv(OUT / f"{kind}.csv", index=False, float_format="%.6g")


if __name__ == "__main__":
    main()
