"""numba Dijkstra against scipy.sparse.csgraph, its slow and obviously-correct twin."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

from twin.kernels import dijkstra, many_to_many, nearest_source, path_links, shortest_path_trees
from twin.kernels.shortest_path import trees_to_targets


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


def _reverse_search(net, w, sources):
    """Times to ``sources`` by the one-to-all kernel on the reversed graph (min over the set)."""
    reverse_to = np.ascontiguousarray(net.link_from[net.in_links], dtype=np.int32)
    reverse_w = np.ascontiguousarray(w[net.in_links])
    return nearest_source(net.in_start, reverse_to, reverse_w, np.asarray(sources, dtype=np.int64))[0]


def _trees(net, w, target_start, target_node, active=None, changed=None, old_weight=None, tables=None):
    n_targets = len(target_start) - 1
    fresh = tables is None
    dist, next_link = (np.empty((n_targets, net.n_nodes)), np.empty((n_targets, net.n_nodes), np.int32)) \
        if fresh else tables
    trees_to_targets(net.out_start, net.link_to, net.in_start, net.in_links, net.link_from, w,
                     target_start, target_node, np.ones(n_targets, np.bool_) if active is None else active,
                     fresh, np.zeros(0, np.int64) if changed is None else changed,
                     np.zeros(0) if old_weight is None else old_weight, 0.0, dist, next_link,
                     np.zeros(n_targets, np.bool_), 3, np.zeros(0, np.int64), np.zeros(0, np.int64))
    return dist, next_link


def test_trees_to_targets_match_reverse_searches(net_and_weight):
    net, w = net_and_weight
    target_node = np.array([0, 5, 9, 40, 77, net.n_nodes - 1], dtype=np.int64)
    target_start = np.array([0, 1, 2, 3, 6], dtype=np.int64)  # the last target is a set of three nodes
    dist, next_link = _trees(net, w, target_start, target_node)
    for i in range(4):
        group = target_node[target_start[i] : target_start[i + 1]]
        np.testing.assert_array_equal(dist[i], _reverse_search(net, w, group))
        way = next_link[i] >= 0  # each node's first link leads to a node exactly that much closer
        assert not way[group].any()
        link = next_link[i][way]
        np.testing.assert_array_equal(dist[i][way], dist[i][net.link_to[link]] + w[link])


def test_tree_updates_equal_searches_from_scratch(net_and_weight):
    """Repairing the trees after links get slower, faster, closed and reopened gives the same floats."""
    net, w0 = net_and_weight
    rng = np.random.default_rng(11)
    target_node = np.array([0, 5, 9, 40, 77, net.n_nodes - 1], dtype=np.int64)
    target_start = np.array([0, 1, 2, 3, 4, 6], dtype=np.int64)
    w = w0.copy()
    tables = _trees(net, w, target_start, target_node)
    for k in range(12):
        changed = np.sort(rng.choice(net.n_links, size=[1, 5, 40][k % 3], replace=False))
        old = w[changed].copy()
        w[changed] = w0[changed] * rng.uniform(0.3, 6.0, len(changed))
        if k % 4 == 1:
            w[changed[:1]] = np.inf  # closed; reopened by a later change
        _trees(net, w, target_start, target_node, changed=changed, old_weight=old, tables=tables)
        fresh = _trees(net, w, target_start, target_node)
        np.testing.assert_array_equal(tables[0], fresh[0])
        way = tables[1] >= 0
        rows, nodes = np.nonzero(way)
        link = tables[1][way]
        np.testing.assert_array_equal(tables[0][way], tables[0][rows, net.link_to[link]] + w[link])
        assert np.all(net.link_from[link] == nodes)


def test_inactive_trees_are_left_alone(net_and_weight):
    net, w = net_and_weight
    target_node = np.array([3, 40], dtype=np.int64)
    target_start = np.array([0, 1, 2], dtype=np.int64)
    dist, next_link = _trees(net, w, target_start, target_node)
    before = dist.copy()
    changed = np.array([0, 1, 2], dtype=np.int64)
    w2 = w.copy()
    w2[changed] *= 3.0
    _trees(net, w2, target_start, target_node, active=np.array([False, True]), changed=changed,
           old_weight=w[changed], tables=(dist, next_link))
    np.testing.assert_array_equal(dist[0], before[0])
    np.testing.assert_array_equal(dist[1], _reverse_search(net, w2, [40]))
