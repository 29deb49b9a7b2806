"""Zone connectors on Hezhou: the traffic Module alone, one day after the baseline's warm-up days.

Run: ``python benchmarks/traffic_connectors_hezhou.py [--connectors K | --zone-node] [--seed S]``. Prints the
mean trip time, the share of reachable trips unfinished at the end of the day, vehicle-km, the
share of links that reached 90 % of their storage and the largest queue on the links into the
nodes where trips end. ``--zone-node`` ends every zone's trips at its one zone node (the model
before connectors). The traffic settings are those of scenarios/hezhou_baseline.toml.
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib

import numpy as np

from twin.city import City
from twin.config import parse
from twin.engine import TwinModel
from twin.traffic import TrafficConfig, TrafficModule
from twin.traffic.connectors import NodeSets

BASELINE = {"trip_rate": 0.5, "sample_share": 1.0, "platoon": 5, "time_step_s": 3.0,
            "route_choice": "enroute", "route_update_s": 600.0, "link_model": "spatial_queue",
            "skim_smoothing": 0.5, "warmup_days": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connectors", type=int, default=6, help="zone_connectors (default 6)")
    parser.add_argument("--zone-node", action="store_true", help="one node per zone: the zone's node")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a [traffic] key, a TOML value (e.g. link_model='\"kinematic_wave\"')")
    args = parser.parse_args()
    city = City.from_seed("hezhou")
    overrides = tomllib.loads("\n".join(args.set))
    module = TrafficModule(parse(TrafficConfig, {**BASELINE, "zone_connectors": args.connectors, **overrides},
                                 source="benchmark"))
    model = TwinModel(city, [module], seed=args.seed, period_days=1.0)
    model.setup()
    if args.zone_node:
        module.connectors = NodeSets.single(city.zones.node)
    start = time.perf_counter()
    model.step()
    wall = time.perf_counter() - start
    load = module.loading
    summary = load.summary()
    reachable = summary["trips"] - summary["unreachable_vehicles"]
    into_ends = np.isin(city.network.link_to, module.connectors.node)
    print(json.dumps({
        "ends": "zone node" if args.zone_node else f"{args.connectors} connectors",
        "seed": args.seed,
        **overrides,
        "vehicles": summary["trips"],
        "mean_trip_min": round(summary["mean_travel_time_s"] / 60.0, 2),
        "unfinished_pct": round(100.0 * (reachable - summary["completed"]) / reachable, 2),
        "vehicle_km": round(summary["vehicle_km"]),
        "links_over_90pct_storage": round(100.0 * float((load.max_occ > 0.9 * load.storage).mean()), 2),
        "max_queue_into_trip_ends": float(load.max_queue[into_ends].max()),
        "dropped_platoons": module._dropped,
        "routing_s": round(load.seconds["routing"], 1),
        "wall_s": round(wall, 1),
    }))


if __name__ == "__main__":
    main()
