"""Static assignment (pytest-benchmark): Sioux Falls to gap 1e-4 and 1e-5, one all-or-nothing load.

    pytest -m benchmark benchmarks/test_traffic_assignment_bench.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twin.traffic import AssignmentNetwork, assign, read_tntp_network, read_tntp_trips
from twin.traffic.assignment import _od_by_node, all_or_nothing

FOLDER = Path(__file__).resolve().parents[1] / "data" / "tntp" / "SiouxFalls"


@pytest.fixture(scope="module")
def sioux_falls():
    net = read_tntp_network(FOLDER / "SiouxFalls_net.tntp")
    demand = read_tntp_trips(FOLDER / "SiouxFalls_trips.tntp", net.n_zones)
    network = AssignmentNetwork.from_tntp(net)
    assign(network, demand, max_iterations=2)  # compile outside the timing
    return network, demand


@pytest.mark.parametrize(("algorithm", "gap"), [("bfw", 1e-4), ("bfw", 1e-5), ("fw", 1e-4)])
def test_sioux_falls_assignment(benchmark, sioux_falls, algorithm, gap):
    network, demand = sioux_falls
    result = benchmark(assign, network, demand, algorithm=algorithm, gap=gap, max_iterations=5000)
    benchmark.extra_info["iterations"] = result.iterations
    assert result.converged


def test_hezhou_all_or_nothing_124_zones(benchmark):
    from twin import City

    hezhou = City.from_seed("hezhou")
    zones = hezhou.zones
    demand = np.outer(zones.population, zones.jobs) / zones.jobs.sum() * 0.06
    np.fill_diagonal(demand, 0.0)
    g = AssignmentNetwork.from_road_network(hezhou.network, zones.node).graph
    origins, destinations, od = _od_by_node(g, demand)
    flow, total = benchmark(all_or_nothing, g, g.fft, origins, destinations, od)
    assert np.isfinite(total) and flow.sum() > 0
