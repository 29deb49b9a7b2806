"""Static user-equilibrium assignment: Sioux Falls (TNTP) and a peak hour on the test city.

Part 1 solves Sioux Falls with bi-conjugate Frank-Wolfe and plain Frank-Wolfe and compares the
total system travel time with the best-known solution. Part 2 assigns a gravity-model peak hour
on the Testville road network and prints the congested zone-to-zone skim in minutes.

    python docs/examples/traffic_assignment_sioux_falls.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from twin import City
from twin.traffic import AssignmentNetwork, assign, assign_road_network, read_tntp_network, read_tntp_trips

SIOUX_FALLS = Path(__file__).resolve().parents[2] / "data" / "tntp" / "SiouxFalls"  # data/README.md
BEST_TSTT = 7_480_225.3449  # total system travel time of the best-known equilibrium

# -- 1. Sioux Falls from TNTP files ----------------------------------------------------------------
net = read_tntp_network(SIOUX_FALLS / "SiouxFalls_net.tntp")
trips = read_tntp_trips(SIOUX_FALLS / "SiouxFalls_trips.tntp", net.n_zones)
network = AssignmentNetwork.from_tntp(net)  # honours FIRST THRU NODE, toll and distance factors
for algorithm in ("bfw", "fw"):
    result = assign(network, trips, algorithm=algorithm, gap=1e-4, max_iterations=5000)
    print(f"Sioux Falls {algorithm:>3}: gap {result.relative_gap:.1e} after {result.iterations:5d} "
          f"iterations, {result.seconds:.2f} s, TSTT {result.tstt:,.0f} "
          f"({result.tstt / BEST_TSTT - 1:+.2%} vs best known)")
    assert result.converged

# -- 2. A peak hour on a city road network ---------------------------------------------------------
city = City.from_seed("testville")
zones = city.zones
peak_vph = np.outer(zones.population, zones.jobs) / zones.jobs.sum() * 0.5  # vehicles per hour
result = assign_road_network(city.network, zones.node, peak_vph, gap=1e-5)
ratio = result.flow / city.network.link_capacity_vph
print(f"\nTestville peak hour: {peak_vph.sum() - np.trace(peak_vph):,.0f} vehicles, gap "
      f"{result.relative_gap:.1e} in {result.iterations} iterations; busiest link at {ratio.max():.0%} "
      f"of capacity; {result.tstt / 3600:,.1f} vehicle-hours")
print("congested travel time between the first five zones, minutes:")
print(np.array2string(result.zone_cost[:5, :5] / 60, precision=1, suppress_small=True))
