"""Hezhou-day benchmark: the traffic Module alone on one simulated day of the Hezhou baseline.

Run: ``python benchmarks/traffic_hezhou_day.py [--route-choice fixed|enroute]``. Prints seconds
per simulated day (demand, routing, loading), vehicles, vehicle-link traversals per second and
the first-call (numba compile or cache load) time separately.
"""

from __future__ import annotations

import argparse
import json
import time

from twin.city import City
from twin.config import parse
from twin.engine import TwinModel
from twin.traffic import DynamicLoading, LoadingSettings, TrafficConfig, TrafficModule, Trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route-choice", default="enroute", choices=("fixed", "enroute"))
    parser.add_argument("--trip-rate", type=float, default=0.5)
    parser.add_argument("--platoon", type=int, default=2)
    parser.add_argument("--sample-share", type=float, default=0.2)
    parser.add_argument("--route-update-s", type=float, default=600.0)
    parser.add_argument("--time-step", type=float, default=2.0)
    parser.add_argument("--route-tolerance", type=float, default=0.0)
    args = parser.parse_args()
    city = City.from_seed("hezhou")
    start = time.perf_counter()
    tiny = Trips.from_arrays([0], [int(city.network.link_to[0])], [0.0], 1)
    DynamicLoading(city.network, tiny, LoadingSettings(horizon_s=60.0)).run()
    first_call = time.perf_counter() - start
    config = parse(
        TrafficConfig,
        {
            "trip_rate": args.trip_rate,
            "route_choice": args.route_choice,
            "platoon": args.platoon,
            "route_update_s": args.route_update_s,
            "sample_share": args.sample_share,
            "time_step_s": args.time_step,
            "route_tolerance": args.route_tolerance,
        },
        source="benchmark",
    )
    module = TrafficModule(config)
    model = TwinModel(city, [module], seed=42, period_days=1.0)
    start = time.perf_counter()
    model.step()
    day = time.perf_counter() - start
    load = module.loading
    summary = load.summary()
    print(
        json.dumps(
            {
                "first_call_s": round(first_call, 2),
                "seconds_per_day": round(day, 2),
                "loading_s": round(load.seconds["loading"], 2),
                "routing_s": round(load.seconds["routing"], 2),
                "vehicles": summary["trips"],
                "rows": load.n_rows,
                "completed": summary["completed"],
                "vehicle_link_traversals": int(load.rec_exits.sum()),
                "vehicle_link_traversals_per_s": round(load.rec_exits.sum() / day),
                "mean_travel_time_s": round(summary["mean_travel_time_s"], 1),
                **{k: v for k, v in vars(args).items()},
            }
        )
    )


if __name__ == "__main__":
    main()
