"""Foundation kernels and set-up costs on the Hezhou seed city (pytest-benchmark)."""

from __future__ import annotations

import numpy as np
import pytest

from twin import City
from twin.city.generate import generate_city
from twin.city.seedfile import load_seed
from twin.kernels import dijkstra, many_to_many


@pytest.fixture(scope="module")
def hezhou():
    return City.from_seed("hezhou")


def test_generate_hezhou(benchmark):
    spec, digest = load_seed("hezhou")
    city = benchmark(generate_city, spec, None, digest)
    benchmark.extra_info["links"] = city.network.n_links
    benchmark.extra_info["buildings"] = len(city.buildings)


def test_dijkstra_one_to_all_hezhou(benchmark, hezhou):
    net = hezhou.network
    w = np.asarray(net.free_flow_time_s)
    dijkstra(net.out_start, net.link_to, w, 0)  # compile (or load from cache) outside the timing
    dist, _ = benchmark(dijkstra, net.out_start, net.link_to, w, 0)
    assert np.isfinite(dist).all()


def test_zone_skim_hezhou(benchmark, hezhou):
    """Zone-to-zone travel-time skim (every zone centroid node to every other)."""
    net = hezhou.network
    w = np.asarray(net.free_flow_time_s)
    zones = hezhou.zones.node.astype(np.int64)
    many_to_many(net.out_start, net.link_to, w, zones[:2], zones)
    skim = benchmark(many_to_many, net.out_start, net.link_to, w, zones, zones)
    assert skim.shape == (len(zones), len(zones))


def test_scipy_dijkstra_one_to_all_hezhou(benchmark, hezhou):
    """The peer: scipy.sparse.csgraph.dijkstra on the same graph and weights."""
    from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

    net = hezhou.network
    graph = net.adjacency(np.asarray(net.free_flow_time_s))
    dist = benchmark(scipy_dijkstra, graph, True, 0)
    assert np.isfinite(dist).all()


def test_scipy_zone_skim_hezhou(benchmark, hezhou):
    from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

    net = hezhou.network
    graph = net.adjacency(np.asarray(net.free_flow_time_s))
    zones = hezhou.zones.node
    skim = benchmark(lambda: scipy_dijkstra(graph, True, zones)[:, zones])
    assert skim.shape == (len(zones), len(zones))
