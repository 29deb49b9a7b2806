"""Route tables kept up to date (RouteTables) against a plain-Python Dijkstra from scratch."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from traffic_twin import random_trips

from twin.traffic import DynamicLoading, LoadingSettings
from twin.traffic.routing import RouteTables, times_to_destinations


def python_times_to(net, link_time_s, targets) -> np.ndarray:
    """Time from every node to the nearest of ``targets``: heapq Dijkstra over the incoming links."""
    dist = [float("inf")] * net.n_nodes
    heap = []
    for t in targets:
        dist[int(t)] = 0.0
        heap.append((0.0, int(t)))
    heapq.heapify(heap)
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist[v]:
            continue
        for link in net.in_links[net.in_start[v] : net.in_start[v + 1]]:
            u = int(net.link_from[link])
            nd = d + float(link_time_s[link])
            if nd < dist[u]:
                dist[u] = nd
                heapq.heappush(heap, (nd, u))
    return np.array(dist)


@pytest.fixture(scope="module")
def net(testville):
    return testville.network


def _changes(net, rng, times, fft, k):
    """New link times: ``k`` links slower or faster (one closed), as queues grow and clear."""
    new = times.copy()
    links = rng.choice(net.n_links, size=k, replace=False)
    new[links] = fft[links] * rng.uniform(1.0, 4.0, k)
    if k > 3:
        new[links[0]] = np.inf
    return new


@pytest.mark.parametrize("parallel", [False, True])
def test_tables_at_tolerance_zero_equal_searches_from_scratch(net, parallel):
    """Every update at tolerance 0 gives the floats of a plain Dijkstra from scratch (bitwise), on
    one thread or on all."""
    rng = np.random.default_rng(5)
    fft = np.asarray(net.free_flow_time_s, dtype=np.float64)
    dest_nodes = np.array([0, 17, 60, 61, 62, net.n_nodes - 1], dtype=np.int64)
    dest_start = np.array([0, 1, 2, 5, 6], dtype=np.int64)  # the third destination is three nodes
    times = fft.copy()
    tables = RouteTables(net, times, dest_nodes, dest_start, parallel=parallel)
    for k in (1, 3, 10, 40, 200, 0):
        times = _changes(net, rng, times, fft, k) if k else times
        assert tables.update(times) == 4
        for i in range(4):
            group = dest_nodes[dest_start[i] : dest_start[i + 1]]
            np.testing.assert_array_equal(tables.dist[i], python_times_to(net, times, group))
        np.testing.assert_array_equal(tables.dist, times_to_destinations(net, times, dest_nodes, dest_start))


def test_tolerance_lags_within_its_share_and_catches_up(net):
    """With a tolerance a table either holds exactly the times of an earlier update (within
    ``max_lag`` updates) or the current ones; a closed link on its ways updates it at once."""
    rng = np.random.default_rng(8)
    fft = np.asarray(net.free_flow_time_s, dtype=np.float64)
    dest_nodes = np.arange(0, net.n_nodes, 10, dtype=np.int64)
    times = fft.copy()
    tables = RouteTables(net, times, dest_nodes, tolerance=0.05, max_lag=3)
    history = [times]
    lagged = 0
    for _ in range(8):
        times = times.copy()
        links = rng.choice(net.n_links, size=5, replace=False)
        times[links] *= rng.uniform(1.0, 1.2, 5)  # small changes
        history.append(times)
        tables.update(times)
        assert np.all(tables.updates - tables.version <= 3)
        for i, node in enumerate(dest_nodes):
            held = history[tables.version[i]]
            np.testing.assert_array_equal(tables.dist[i], python_times_to(net, held, [node]))
        lagged += int((tables.version < tables.updates).sum())
    assert lagged > 0  # the tolerance did leave some tables alone
    way = tables.next_link[0][tables.next_link[0] >= 0]
    closed = times.copy()
    closed[way] = np.inf  # every first link towards destination 0 closed
    tables.update(closed)
    assert tables.version[0] == tables.updates
    np.testing.assert_array_equal(tables.dist[0], python_times_to(net, closed, [dest_nodes[0]]))


def test_inactive_tables_are_not_updated(net):
    fft = np.asarray(net.free_flow_time_s, dtype=np.float64)
    tables = RouteTables(net, fft, np.array([3, 40], dtype=np.int64))
    before = tables.dist[0].copy()
    slower = fft * 2.0
    assert tables.update(slower, np.array([False, True])) == 1
    np.testing.assert_array_equal(tables.dist[0], before)
    np.testing.assert_array_equal(tables.dist[1], python_times_to(net, slower, [40]))


def test_tables_searched_to_the_needed_nodes_hold_their_times(net):
    """A table searched only until its needed nodes are settled holds the exact time at every node
    up to the farthest of them, and a larger time everywhere else (never taken for a nearer node);
    a later update without ``need`` searches it again in full."""
    rng = np.random.default_rng(3)
    fft = np.asarray(net.free_flow_time_s, dtype=np.float64)
    dest_nodes = np.array([0, 17, 60, 61, 62, net.n_nodes - 1], dtype=np.int64)
    dest_start = np.array([0, 1, 2, 5, 6], dtype=np.int64)
    tables = RouteTables(net, fft, dest_nodes, dest_start)
    times = _changes(net, rng, fft, fft, 40)
    need_start = np.array([0, 3, 3, 4, 6], dtype=np.int64)  # the second table is needed nowhere
    need_node = rng.choice(net.n_nodes, size=6, replace=False).astype(np.int64)
    assert tables.update(times, need=(need_start, need_node)) == 4
    for i in range(4):
        exact = python_times_to(net, times, dest_nodes[dest_start[i] : dest_start[i + 1]])
        needed = need_node[need_start[i] : need_start[i + 1]]
        farthest = exact[needed].max() if needed.size else 0.0
        near = exact <= farthest
        assert near[needed].all()
        np.testing.assert_array_equal(tables.dist[i][near], exact[near])
        assert np.all(tables.dist[i][~near] > farthest)
    assert tables.partial.all()
    tables.update(times)
    np.testing.assert_array_equal(tables.dist, times_to_destinations(net, times, dest_nodes, dest_start))


class _FullTables(DynamicLoading):
    """The loading with every route table searched in full at each refresh (no ``need``)."""

    def _read_until(self, until_s):
        return None


@pytest.mark.parametrize("route_choice", ["enroute", "fixed"])
def test_loading_on_tables_searched_to_the_needed_nodes_equals_full_tables(net, route_choice):
    """Searching each table only as far as its rows can read it before the next refresh gives the
    very same congested day, bit for bit, as the full tables."""
    trips = random_trips(net.n_nodes, 3000, np.random.default_rng(4))
    settings = LoadingSettings(time_step_s=1.0, route_choice=route_choice, route_update_s=30.0,
                               horizon_s=3600.0)
    bounded, full = DynamicLoading(net, trips, settings).run(), _FullTables(net, trips, settings).run()
    assert bounded.routes.partial.any() and not full.routes.partial.any()
    assert bounded.arrived_vehicles > 0
    for name in ("veh_arrive", "veh_link", "rec_exits", "rec_time", "max_occ"):
        np.testing.assert_array_equal(getattr(bounded, name), getattr(full, name))
