"""Dynamic-loading kernels on Hezhou (pytest-benchmark): one loading step, route tables, paths.

The loading state is the Hezhou baseline demand run to 08:00 (morning peak), so a step moves a
busy network. ``pytest benchmarks/test_traffic_kernels_bench.py --benchmark-only``.
"""

from __future__ import annotations

import numpy as np
import pytest

from twin import City
from twin.traffic import DynamicLoading, LoadingSettings, extract_paths, generate_trips, times_to_destinations
from twin.traffic.connectors import connector_sets, origin_sets, zone_skim
from twin.traffic.routing import RouteTables


@pytest.fixture(scope="module")
def peak():
    city = City.from_seed("hezhou")
    net = city.network
    origins, connectors = origin_sets(city), connector_sets(city, 6)
    skim = zone_skim(net, net.free_flow_time_s, origins, connectors)
    trips, _ = generate_trips(
        city, city.zones.population, city.zones.jobs, skim, trip_rate=0.5, rng=np.random.default_rng(0),
        origins=origins, connectors=connectors,
    )
    load = DynamicLoading(net, trips, LoadingSettings(time_step_s=2.0, platoon=5, route_update_s=600.0),
                          connectors=connectors)
    load.advance(8 * 3600.0 - 600.0)
    before = load.current_link_times()  # the link times of the previous route refresh
    load.advance(8 * 3600.0)
    return city, load, before


def test_loading_step_hezhou_peak(benchmark, peak):
    _, load, _ = peak
    benchmark.pedantic(load.step, args=(1,), rounds=300, iterations=1, warmup_rounds=5)
    benchmark.extra_info["vehicles_on_links"] = load.vehicles_on_links
    assert load.departed_vehicles == load.arrived_vehicles + load.vehicles_on_links + load.vehicles_waiting


def test_route_table_124_zones_hezhou(benchmark, peak):
    city, load, _ = peak
    times = load.current_link_times()
    dist = benchmark(times_to_destinations, city.network, times, load.dest_nodes, load.dest_start)
    assert dist.shape == (len(load.destinations), city.network.n_nodes)


def test_route_table_repair_at_the_peak_hezhou(benchmark, peak):
    """The 08:00 refresh: tables on the 07:50 link times repaired to the 08:00 ones (exact)."""
    city, load, before = peak
    times = load.current_link_times()

    def tables_before():
        return (RouteTables(city.network, before, load.dest_nodes, load.dest_start),), {}

    benchmark.pedantic(lambda tables: tables.update(times), setup=tables_before, rounds=20)
    benchmark.extra_info["links_changed"] = int((times != before).sum())
    fresh = times_to_destinations(city.network, times, load.dest_nodes, load.dest_start)
    tables = RouteTables(city.network, before, load.dest_nodes, load.dest_start)
    tables.update(times)
    np.testing.assert_array_equal(tables.dist, fresh)


def test_fixed_paths_10k_rows_hezhou(benchmark, peak):
    city, load, _ = peak
    rows = np.arange(10_000, dtype=np.int64)
    net = city.network
    starts, links = benchmark(
        extract_paths,
        rows,
        load.veh_origin,
        load.veh_dest_idx,
        net.out_start,
        net.link_to,
        load.link_time_s,
        load.dist,
        0.1,
    )
    assert len(starts) == rows.size + 1
