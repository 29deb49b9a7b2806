"""numba Dijkstra against scipy.sparse.csgraph, its slow and obviously-correct twin."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

from twin.kernels import dijkstra, many_to_many, nearest_source, path_links, shortest_path_trees


@pytest.fixture(scope="module")
def net_and_weight(testville):
    net = testville.network
    weight = np.asarray(net.free_flow_time_s) * np.random.default_rng(3).uniform(0.5, 2.0, net.n_links)
    return net, weight


def test_one_to_all_matches_scipy(net_and_weight):
    net, w = net_and_weight
    reference = scipy_dijkstra(net.adjacency(w), indices=np.arange(net.n_nodes))
    for source in range(0, net.n_nodes, 7):
        dist, pred = dijkstra(net.out_start, net.link_to, w, source)
        np.testing.assert_allclose(dist, reference[source], rtol=1e-12)
        for target in (0, net.n_nodes - 1):
            links = path_links(pred, net.link_from, target)
            assert np.isclose(w[links].sum(), dist[target])
            if len(links):
                assert net.link_from[links[0]] == source and net.link_to[links[-1]] == target
                assert np.all(net.link_to[links[:-1]] == net.link_from[links[1:]])


def test_many_to_many_and_trees_match_scipy(net_and_weight):
    net, w = net_and_weight
    sources = np.array([0, 5, 9, net.n_nodes - 1], dtype=np.int64)
    targets = np.arange(0, net.n_nodes, 3, dtype=np.int64)
    reference = scipy_dijkstra(net.adjacency(w), indices=sources)[:, targets]
    np.testing.assert_allclose(many_to_many(net.out_start, net.link_to, w, sources, targets), reference)
    trees = shortest_path_trees(net.out_start, net.link_to, w, sources)
    for row, source in enumerate(sources):
        _, pred = dijkstra(net.out_start, net.link_to, w, source)
        np.testing.assert_array_equal(trees[row], pred)


def test_nearest_source_is_min_over_sources(net_and_weight):
    net, w = net_and_weight
    sources = np.array([3, 40, 77], dtype=np.int64)
    dist, _ = nearest_source(net.out_start, net.link_to, w, sources)
    reference = scipy_dijkstra(net.adjacency(w), indices=sources).min(axis=0)
    np.testing.assert_allclose(dist, reference)


def test_unreachable_is_infinite():
    out_start = np.array([0, 1, 1], dtype=np.int64)  # 0 -> 1, node 1 has no way back
    link_to = np.array([1], dtype=np.int32)
    dist, pred = dijkstra(out_start, link_to, np.array([2.0]), 1)
    assert dist[0] == np.inf and pred[0] == -1
    assert len(path_links(pred, np.array([0], dtype=np.int32), 0)) == 0
