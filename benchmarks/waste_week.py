"""A simulated week of waste collection: seconds per simulated day, simulation vs routing.

Runs the waste module alone on a seed city for each policy asked for and prints, per policy:
bins, setup seconds, seconds per simulated day split into routing (distance matrices + PyVRP)
and simulation (generation, sensors, trucks driving on the SimPy clock), and the policy's km,
overflow and cost over the week (the policy-sanity figures of docs/waste.md).

    python benchmarks/waste_week.py --city hezhou --days 7 --cluster-m 150 --policy fixed sensor
"""

from __future__ import annotations

import argparse
import json
import os
import time

from twin import City, TwinModel
from twin.config import parse
from twin.waste import WasteConfig, WasteModule

HEZHOU_FLEET = {"kitchen": [3, 7, 5], "recyclable": [3, 7, 4], "hazardous": [1, 0, 0], "residual": [4, 12, 3]}
"""The Hezhou baseline's fleet (``depot_trucks``, from ``twin waste size``)."""


def run(city_name: str, days: float, cluster_m: float, policy: str, iterations: int, seed: int) -> dict:
    city = City.from_seed(city_name)
    waste = {"policy": policy, "cluster_m": cluster_m, "route_iterations": iterations}
    if city_name == "hezhou":
        waste["depot_trucks"] = HEZHOU_FLEET
    module = WasteModule(parse(WasteConfig, waste, source="benchmark", key="waste"))
    model = TwinModel(city, [module], seed=seed, period_days=days)
    start = time.perf_counter()
    model.setup()
    setup_s = time.perf_counter() - start
    start = time.perf_counter()
    model.run_years()
    total_s = time.perf_counter() - start
    daily = module.daily_frame()
    generated = daily.generated_g.sum()
    return {
        "city": city_name, "policy": policy, "days": days, "bins": len(module.bins), "cluster_m": cluster_m,
        "route_iterations": iterations, "setup_s": round(setup_s, 2),
        "per_day_s": round(total_s / days, 2), "routing_per_day_s": round(module.routing_s / days, 2),
        "simulation_per_day_s": round((total_s - module.routing_s) / days, 2),
        "truck_km": round(float(daily.km.sum()), 1), "truck_hours": round(float(daily.truck_hours.sum()), 1),
        "visits": int(daily.visits.sum()), "missed_bins": int(daily.missed_bins.sum()),
        "deferred_bins": int(daily.deferred_bins.sum()),
        "collected_t": round(daily.collected_g.sum() / 1e6, 1),
        "generated_t": round(generated / 1e6, 1), "overflow_t": round(daily.overflow_g.sum() / 1e6, 2),
        "overflow_bin_days": int(daily.overflow_bins.sum()),
        "litter_share_pct": round(100.0 * daily.overflow_g.sum() / max(generated, 1), 3),
        "balance_exact": bool(((daily.in_bins_start_g + daily.generated_g - daily.collected_g
                                - daily.overflow_g - daily.in_bins_end_g) == 0).all()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", default="hezhou")
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--cluster-m", type=float, default=150.0)
    parser.add_argument("--policy", nargs="+", default=["fixed", "sensor"])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()}")
    rows = []
    for policy in args.policy:
        row = run(args.city, args.days, args.cluster_m, policy, args.iterations, args.seed)
        rows.append(row)
        print(json.dumps(row))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
