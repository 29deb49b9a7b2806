"""Loading-kernel cost on a synthetic Hezhou demand (no signals): compare two trees of the code.

Run: ``python benchmarks/traffic_node_loop.py LABEL`` (with ``PYTHONPATH`` pointing at an export of
another commit to time its kernel). 60,000 trips of 5 vehicles from random nodes to nodes about
2.5 km away, departures on the hourly profile, 3 s steps, en-route choice, 10 h loaded. Prints CPU
seconds, the kernel's and the routing's seconds, mean trip time, arrivals and row traversals.
"""

from __future__ import annotations

import json
import resource
import sys

import numpy as np

from twin.city import City
from twin.traffic import DynamicLoading, LoadingSettings, Trips
from twin.traffic.config import HOURLY_PROFILE


def main() -> None:
    net = City.from_seed("hezhou").network
    rng = np.random.default_rng(3)
    n = 60_000
    weights = np.array(HOURLY_PROFILE) / sum(HOURLY_PROFILE)
    depart = rng.choice(24, n, p=weights) * 3600.0 + rng.uniform(0, 3600, n)
    origin = rng.integers(0, net.n_nodes, n)
    x = net.node_x[origin] + rng.normal(0, 2500, n)
    y = net.node_y[origin] + rng.normal(0, 2500, n)
    dest = net.nearest_node(x, y)
    keep = origin != dest
    trips = Trips.from_arrays(origin[keep], dest[keep], depart[keep], 5)
    settings = LoadingSettings(time_step_s=3.0, platoon=5, horizon_s=36_000.0, route_choice="enroute",
                               route_update_s=600.0)
    tiny = Trips.from_arrays([0], [int(net.link_to[0])], [0.0], 1)
    DynamicLoading(net, tiny, LoadingSettings(horizon_s=60.0)).run()  # compile or load the kernels
    load = DynamicLoading(net, trips, settings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    load.run()
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - before
    summary = load.summary()
    print(json.dumps({"label": sys.argv[1] if len(sys.argv) > 1 else "", "cpu_s": round(cpu, 1),
                      "loading_s": round(load.seconds["loading"], 1),
                      "routing_s": round(load.seconds["routing"], 1),
                      "mean_trip_min": round(summary["mean_travel_time_s"] / 60.0, 2),
                      "completed": summary["completed"], "link_traversals": summary["link_traversals"]}))


if __name__ == "__main__":
    main()
