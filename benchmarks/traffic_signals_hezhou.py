"""Signals on Hezhou: the traffic Module alone, day by day from a cold start (no warm-up days).

Run: ``python benchmarks/traffic_signals_hezhou.py [--signals none|arterials|all]
[--link-model kinematic_wave|spatial_queue] [--days N] [--seed S]``. Prints one JSON line a day:
mean and p95 trip time, vehicle-km, unfinished vehicles and the number of signalised approaches.
The Module re-times the signals after each day (Webster's split on the day's busiest 15 minutes),
so day 0 runs on the plan split by approach capacities and later days on re-timed plans. The
other traffic settings are those of scenarios/hezhou_baseline.toml.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from twin.city import City
from twin.config import parse
from twin.engine import TwinModel
from twin.traffic import TrafficConfig, TrafficModule

BASELINE = {"trip_rate": 0.5, "sample_share": 1.0, "platoon": 5, "time_step_s": 3.0,
            "route_choice": "enroute", "route_update_s": 600.0, "skim_smoothing": 0.5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", default="arterials", choices=("none", "arterials", "all"))
    parser.add_argument("--link-model", default="kinematic_wave", choices=("kinematic_wave", "spatial_queue"))
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = parse(TrafficConfig, {**BASELINE, "signals": args.signals, "link_model": args.link_model},
                   source="benchmark")
    module = TrafficModule(config)
    model = TwinModel(City.from_seed("hezhou"), [module], seed=args.seed, period_days=1.0)
    for day in range(args.days):
        model.step()
        load = module.loading
        summary = load.summary()
        time_s = load.row_travel_time_s()
        done = np.isfinite(time_s)
        order = np.argsort(time_s[done])
        share = np.cumsum(load.veh_size[done][order]) / load.veh_size[done].sum()
        p95 = float(time_s[done][order][np.searchsorted(share, 0.95)])
        print(json.dumps({"day": day, "signals": args.signals, "link_model": args.link_model,
                          "signalised_approaches": int((load.sig_cycle > 0).sum()),
                          "mean_trip_min": round(summary["mean_travel_time_s"] / 60.0, 2),
                          "p95_trip_min": round(p95 / 60.0, 1), "vehicle_km": round(summary["vehicle_km"]),
                          "unfinished_vehicles": summary["still_travelling"]}), flush=True)


if __name__ == "__main__":
    main()
