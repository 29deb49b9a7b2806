"""Does the no-policy migration baseline stay put? District shares per year, before and after.

Run: ``python benchmarks/migration_equilibrium.py`` (options: ``--years``, ``--seed``).

Migration alone on Hezhou (the [migration] sections of scenarios/hezhou_baseline.toml and
scenarios/hezhou_new_district_policy.toml, free-flow skim), four runs:

- ``before``: the model as issue 17 found it: no zone constants, no housing trend, and the new
  districts with the 52,000 and 30,000 dwellings the seed then had;
- ``zero``: today's seed and baseline, constants zeroed (``zone_constants = "zero"``);
- ``baseline``: the shipped baseline (calibrated constants);
- ``policy``: the new-district policy on the same constants.

Prints a Markdown table: each district's share of residents (%) per year, the largest change
relative to the base year, and the time of the calibration (first year, numba compiled).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from twin import City
from twin.engine import TwinModel
from twin.migration import MigrationModule
from twin.scenario.spec import load_scenario

ROOT = Path(__file__).resolve().parent.parent
ISSUE_STOCK = {"chengdong": 52_000, "hsr_new_town": 30_000}
"""The new districts' dwellings in the seed before issue 17 (mostly empty)."""


def with_stock(city: City, stock: dict[str, int]) -> City:
    """The city with each named district's dwellings raised to ``stock``, spread by zone area."""
    zones = city.zones
    dwellings = zones.dwellings.copy()
    for name, total in stock.items():
        members = zones.district == city.districts.index(name)
        share = zones.area_m2[members] / zones.area_m2[members].sum()
        dwellings[members] += np.floor((total - dwellings[members].sum()) * share).astype(np.int64)
    return dataclasses.replace(city, zones=dataclasses.replace(zones, dwellings=dwellings))


def district_shares(city: City, module: MigrationModule) -> np.ndarray:
    population = module.state.households.zone_population(len(city.zones))
    by_district = np.bincount(city.zones.district, weights=population, minlength=len(city.districts))
    return 100.0 * by_district / by_district.sum()


def run(city: City, config, seed: int, years: int) -> tuple[np.ndarray, float]:
    """District shares (%) for the base year and each year; seconds of the first year."""
    module = MigrationModule(config)
    model = TwinModel(city, [module], seed=seed, horizon_years=years, period_days=0.001)
    model.setup()
    shares = [district_shares(city, module)]
    seconds = []
    for _ in range(years):
        start = time.perf_counter()
        model.step()
        seconds.append(time.perf_counter() - start)
        shares.append(district_shares(city, module))
    return np.array(shares), seconds[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=None, help="default: the baseline scenario's")
    args = parser.parse_args()
    base = load_scenario(ROOT / "scenarios" / "hezhou_baseline.toml")
    policy = load_scenario(ROOT / "scenarios" / "hezhou_new_district_policy.toml")
    seed = base.scenario.seed if args.seed is None else args.seed
    start = time.perf_counter()
    city = City.from_seed(base.scenario.city)
    print(f"city generated in {time.perf_counter() - start:.2f} s; seed {seed}, {args.years} years\n")
    migration = base.modules["migration"]
    runs = {
        "before": (with_stock(city, ISSUE_STOCK),
                   dataclasses.replace(migration, zone_constants="zero", housing_growth_rate=0.0)),
        "zero": (city, dataclasses.replace(migration, zone_constants="zero")),
        "baseline": (city, migration),
        "policy": (city, policy.modules["migration"]),
    }
    names = city.districts.name
    print("| run | year | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    summary = []
    for label, (run_city, config) in runs.items():
        shares, first = run(run_city, config, seed, args.years)
        for year, row in enumerate(shares):
            cells = " | ".join(f"{v:.2f}" for v in row)
            print(f"| {label} | {'base' if year == 0 else year} | {cells} |")
        worst = 100.0 * np.abs(shares[1:] / shares[0] - 1.0).max(axis=0)
        summary.append((label, worst, first))
    print("\nlargest change of each district's share over the years, relative to the base year (%):\n")
    print("| run | " + " | ".join(names) + " | first year, s |")
    print("|---|" + "---|" * (len(names) + 1))
    for label, worst, first in summary:
        print(f"| {label} | " + " | ".join(f"{v:.1f}" for v in worst) + f" | {first:.2f} |")


if __name__ == "__main__":
    main()
