"""Regenerate data/observed/examples: one small synthetic observation file per kind.

Runs scenarios/testville_quick.toml (seed 1) into a temporary folder (its trip_times record each
trip's origin node and destination zone; a probe ends at the zone's node), observes it with
``twin observe`` (seed 1, default noise, every trip a probe) and keeps the first rows of
each file. Usage: ``.venv/bin/python scripts/observation_examples.py`` (about ten seconds).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

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
        tables = observe(folder, Path(tmp) / "obs", sample={"counts": 0.05, "travel_times": 1.0}, seed=1)
    for kind, table in tables.items():
        if kind == "counts":
            table = table[table.vehicles > 0]  # not only the empty small hours
        table.head(ROWS).to_csv(OUT / f"{kind}.csv", index=False, float_format="%.6g")


if __name__ == "__main__":
    main()
