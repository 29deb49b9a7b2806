"""Hezhou-day benchmark: the traffic Module alone on simulated days of the Hezhou baseline.

Run: ``python benchmarks/traffic_hezhou_day.py [--warmup-days N] [--route-choice fixed|enroute] [--modes]``.
Every loading setting defaults to the ``[traffic]`` section of scenarios/hezhou_baseline.toml
(trip rate, sample share, platoon, time step, route update interval, route choice, link model,
signals, zone connectors, skim smoothing and its traffic-only warm-up days), the rest to
:class:`~twin.traffic.TrafficConfig`. The module loads the warm-up days and then the measured
day, as the baseline's first year does; ``--warmup-days 0`` measures a day on free-flow skims
(a jammed day). Prints, for the measured day, wall seconds (demand, routing, loading) and the
process CPU seconds of all days, plus vehicles, completed trips, the mean trip time, and the
first-call (numba compile or cache load) time separately. ``--modes`` switches ``[traffic.modes]`` on
(the car share of person trips, and the buses, are loaded).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

from twin.city import City
from twin.config import parse, read_toml
from twin.engine import TwinModel
from twin.traffic import DynamicLoading, LoadingSettings, TrafficConfig, TrafficModule, Trips

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "hezhou_baseline.toml"


def main() -> None:
    base = read_toml(BASELINE, "scenario")["traffic"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route-choice", default=base.get("route_choice", "enroute"),
                        choices=("fixed", "enroute"))
    parser.add_argument("--trip-rate", type=float, default=base.get("trip_rate", 0.5))
    parser.add_argument("--platoon", type=int, default=base.get("platoon", 5))
    parser.add_argument("--sample-share", type=float, default=base.get("sample_share", 1.0))
    parser.add_argument("--route-update-s", type=float, default=base.get("route_update_s", 600.0))
    parser.add_argument("--time-step", type=float, default=base.get("time_step_s", 2.0))
    parser.add_argument("--route-tolerance", type=float, default=base.get("route_tolerance", 0.0))
    parser.add_argument("--warmup-days", type=int, default=base.get("warmup_days", 0),
                        help="traffic-only days loaded before the measured one (default: the baseline's)")
    parser.add_argument("--modes", action="store_true", help="travel modes on (traffic.modes.enabled)")
    args = parser.parse_args()
    city = City.from_seed("hezhou")
    start = time.perf_counter()
    tiny = Trips.from_arrays([0], [int(city.network.link_to[0])], [0.0], 1)
    DynamicLoading(city.network, tiny, LoadingSettings(horizon_s=60.0)).run()
    first_call = time.perf_counter() - start
    options = {k: v for k, v in base.items() if k in {f.name for f in dataclasses.fields(TrafficConfig)}}
    options.update(trip_rate=args.trip_rate, route_choice=args.route_choice, platoon=args.platoon,
                   route_update_s=args.route_update_s, sample_share=args.sample_share,
                   time_step_s=args.time_step, route_tolerance=args.route_tolerance,
                   warmup_days=args.warmup_days)
    if args.modes:
        options["modes"] = {**options.get("modes", {}), "enabled": True}
    module = TrafficModule(parse(TrafficConfig, options, source="benchmark"))
    model = TwinModel(city, [module], seed=42, period_days=1.0)
    start, cpu = time.perf_counter(), time.process_time()
    model.step()
    days = time.perf_counter() - start
    cpu = time.process_time() - cpu
    load = module.loading
    summary = load.summary()
    print(
        json.dumps(
            {
                "first_call_s": round(first_call, 2),
                "days": args.warmup_days + 1,
                "wall_s_all_days": round(days, 2),
                "cpu_s_all_days": round(cpu, 2),
                "loading_s": round(load.seconds["loading"], 2),
                "routing_s": round(load.seconds["routing"], 2),
                "vehicles": summary["trips"],
                "rows": load.n_rows,
                "bus_rows": load.n_rows - getattr(load, "n_trip_rows", load.n_rows),
                "completed": summary["completed"],
                "vehicle_link_traversals": int(load.rec_exits.sum()),
                "mean_travel_time_s": round(summary["mean_travel_time_s"], 1),
                "load_average_1min": round(os.getloadavg()[0], 2),
                **{k: v for k, v in vars(args).items()},
            }
        )
    )


if __name__ == "__main__":
    main()
