"""Write the governance index's inputs measured in a run folder to tests/data (one row each).

    python scripts/index_baseline_inputs.py RUN_FOLDER [--year YEAR]

The test tests/test_indicators.py::test_the_hezhou_baseline_scores_strictly_inside_every_dimension
reads the file: rerun this on a fresh `twin run scenarios/hezhou_baseline.toml` after a module
changes what it reports, and bump the system's version when its targets or bounds change.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pandas as pd

from twin.indicators import load_system

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "hezhou_baseline_index_inputs.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder of scenarios/hezhou_baseline.toml")
    parser.add_argument("--year", type=int, help="the year to read (default: the first)")
    args = parser.parse_args()
    table = pd.read_parquet(args.run / "indicators.parquet")
    year = args.year if args.year is not None else int(table.year.min())
    table = table[table.year == year]
    values = {f"{d}.{i}": v for d, i, v in zip(table.domain, table.indicator, table.value, strict=True)}
    system = load_system()
    with OUT.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["key", "value", "unit"])
        for dim in system.dimensions:
            for ind in dim.indicators:
                writer.writerow([ind.key, f"{values[ind.key]:.6g}", ind.unit])
    print(f"{OUT}: {year} of {args.run}")


if __name__ == "__main__":
    main()
