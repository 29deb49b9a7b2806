"""Static assignment on Sioux Falls: iterations and seconds to relative gap 1e-4 and 1e-5.

Prints a Markdown table to compare with the AequilibraE 1.7.2 figures quoted in
data/tntp/README.md (BFW: 1e-4 in 0.8 s / 118 iterations, 1e-5 in 1.9 s / 279 iterations;
FW: 1,054 iterations for 1e-4). The first call (numba compile or cache load) is timed apart.

    python benchmarks/traffic_assignment_sioux_falls.py [--repeat 5] [--hezhou]

``--hezhou`` adds a strategic run on the Hezhou seed city (124 zones, gravity demand).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from twin.traffic import AssignmentNetwork, assign, read_tntp_flows, read_tntp_network, read_tntp_trips

FOLDER = Path(__file__).resolve().parents[1] / "data" / "tntp" / "SiouxFalls"
BEST_TSTT = 7_480_225.3449
AEQUILIBRAE = {("bfw", 1e-4): "118 it, 0.8 s", ("bfw", 1e-5): "279 it, 1.9 s", ("fw", 1e-4): "1,054 it, -",
               ("fw", 1e-5): "-"}


def sioux_falls(repeat: int) -> None:
    start = time.perf_counter()
    net = read_tntp_network(FOLDER / "SiouxFalls_net.tntp")
    demand = read_tntp_trips(FOLDER / "SiouxFalls_trips.tntp", net.n_zones)
    network = AssignmentNetwork.from_tntp(net)
    assign(network, demand, max_iterations=2)
    print(f"first call (read files, compile or load numba cache): {time.perf_counter() - start:.2f} s")
    best = read_tntp_flows(FOLDER / "SiouxFalls_flow.tntp")[2]
    print(f"\n| algorithm | gap | iterations | seconds (median of {repeat}) | TSTT vs best "
          "| worst link flow | AequilibraE 1.7.2 |")
    print("|---|---|---|---|---|---|---|")
    for algorithm in ("bfw", "fw"):
        for gap in (1e-4, 1e-5):
            runs = [assign(network, demand, algorithm=algorithm, gap=gap, max_iterations=20_000)
                    for _ in range(repeat)]
            r = runs[0]
            seconds = float(np.median([run.seconds for run in runs]))
            worst = np.max(np.abs(r.flow - best) / best)
            print(f"| {algorithm} | {gap:g} | {r.iterations:,} | {seconds:.3f} "
                  f"| {r.tstt / BEST_TSTT - 1:+.2e} | {worst:.2e} | {AEQUILIBRAE[(algorithm, gap)]} |")


def hezhou() -> None:
    from twin import City

    city = City.from_seed("hezhou")
    zones = city.zones
    demand = np.outer(zones.population, zones.jobs) / zones.jobs.sum() * 0.06  # peak-hour vehicles
    network = AssignmentNetwork.from_road_network(city.network, zones.node)
    assign(network, demand, max_iterations=2)
    for gap in (1e-2, 1e-3):
        r = assign(network, demand, gap=gap, max_iterations=500)
        print(f"Hezhou ({city.network.n_links:,} links, {len(zones)} zones, {demand.sum():,.0f} veh/h): "
              f"BFW gap {r.relative_gap:.1e} in {r.iterations} iterations, {r.seconds:.2f} s "
              f"({r.seconds / r.iterations * 1000:.0f} ms per iteration)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--hezhou", action="store_true")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), cores: {os.cpu_count()}")
    sioux_falls(args.repeat)
    if args.hezhou:
        hezhou()


if __name__ == "__main__":
    main()
