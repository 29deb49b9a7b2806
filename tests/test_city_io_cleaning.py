"""Network cleaning: chain merging keeps shortest-path distances, contraction removes short links."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csgraph, csr_matrix

from twin.city.io.cleaning import (
    CleaningReport,
    LinkTable,
    clean_network,
    contract_short_links,
    merge_chains,
)


def table(links, xy=None, **attrs) -> LinkTable:
    """A LinkTable from (from, to, length) triples; attributes default to one class for all."""
    links = np.asarray(links, dtype=np.float64)
    n = int(links[:, :2].max()) + 1
    xy = np.column_stack([np.arange(n) * 100.0, np.zeros(n)]) if xy is None else np.asarray(xy, float)
    m = len(links)
    cols = {"speed_mps": np.full(m, 10.0), "lanes": np.ones(m, np.int32),
            "capacity_vph": np.full(m, 600.0), "link_class": np.zeros(m, np.int8),
            "bridge": np.zeros(m, bool), "road": np.full(m, -1, np.int32)}
    cols.update({k: np.asarray(v) for k, v in attrs.items()})
    return LinkTable(node_x=xy[:, 0], node_y=xy[:, 1], node_id=np.arange(n) + 1000,
                     link_from=links[:, 0].astype(np.int64), link_to=links[:, 1].astype(np.int64),
                     length_m=links[:, 2], **cols)


def two_way(path, length=100.0):
    return [(a, b, length) for a, b in zip(path[:-1], path[1:], strict=True)] + \
           [(b, a, length) for a, b in zip(path[:-1], path[1:], strict=True)]


def test_two_way_chain_merges_to_one_link_each_way():
    # a junction 0 with a spur 0-3 and a road 0-1-2-4 whose nodes 1, 2 are shape points; 4 joins 5, 6
    t = table(two_way([0, 1, 2, 4]) + two_way([0, 3]) + two_way([4, 5]) + two_way([4, 6]) + two_way([0, 7]))
    out = merge_chains(t)
    assert out.n_nodes == t.n_nodes - 2
    long = out.length_m == 300.0
    assert long.sum() == 2  # one each way, lengths summed
    assert set(zip(out.node_id[out.link_from[long]], out.node_id[out.link_to[long]], strict=True)) == {
        (1000, 1004), (1004, 1000)}


def test_one_way_chain_merges_but_attribute_change_stops_it():
    # ring 0->1->2->3->0 one way; link 1->2 is faster, so node 1 and node 2 must stay
    speed = np.array([10.0, 20.0, 10.0, 10.0])
    t = table([(0, 1, 50), (1, 2, 50), (2, 3, 50), (3, 0, 50), (0, 4, 10), (4, 0, 10)],
              speed_mps=np.concatenate([speed, [10.0, 10.0]]))
    out = merge_chains(t)
    # node 3 is a shape point (2->3->0 same physics); nodes 1 and 2 are kept
    assert sorted(out.node_id) == [1000, 1001, 1002, 1004]
    assert sorted(out.length_m) == [10, 10, 50, 50, 100]


def test_u_turn_node_is_not_a_shape_point():
    # dead end 0 <-> 1: node 1 has one link in and one out, but back to where it came from
    t = table(two_way([2, 0, 1]) + two_way([0, 3]))
    out = merge_chains(t)
    assert 1001 in out.node_id


def test_short_links_are_contracted_and_reported():
    # a 5 m link between junctions 1 and 2 (speed 10 m/s, step 2 s -> 20 m threshold)
    xy = [(0, 0), (100, 0), (105, 0), (205, 0), (100, 100), (105, -100)]
    links = two_way([0, 1]) + [(1, 2, 5.0), (2, 1, 5.0)] + two_way([2, 3]) + two_way([1, 4]) + two_way([2, 5])
    t = table(links, xy=xy)
    report = CleaningReport()
    out = contract_short_links(t, 2.0, report)
    assert out.n_nodes == 5 and out.n_links == t.n_links - 2
    assert report.short_links_contracted == 2 and report.short_nodes_merged == 1
    assert report.short_length_lost_m == 10.0
    assert report.short_places_xy == [(102.5, 0.0)]
    assert np.all(out.length_m >= out.speed_mps * 2.0)


def shortest_distances(t: LinkTable, nodes: np.ndarray) -> np.ndarray:
    g = csr_matrix((t.length_m, (t.link_from, t.link_to)), shape=(t.n_nodes, t.n_nodes))
    return csgraph.dijkstra(g, indices=nodes)[:, nodes]


@pytest.mark.parametrize("seed", [0, 1])
def test_chain_merging_keeps_shortest_path_distances(seed):
    """On a random street grid with shape points and one-way streets, scipy's Dijkstra between
    the junctions that survive gives the same distances before and after merging chains."""
    rng = np.random.default_rng(seed)
    n = 8
    grid = np.arange(n * n).reshape(n, n)
    links, nxt = [], n * n
    for r in range(n):
        for c in range(n):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr >= n or c + dc >= n:
                    continue
                path = [grid[r, c]] + list(range(nxt, nxt + 2)) + [grid[r + dr, c + dc]]
                nxt += 2
                seg = rng.uniform(5, 60, 3)
                links += [(a, b, s) for a, b, s in zip(path[:-1], path[1:], seg, strict=True)]
                if dc == 0 or r % 3:  # some east-west streets are one-way
                    links += [(b, a, s) for a, b, s in zip(path[:-1], path[1:], seg, strict=True)]
    t = table(links)
    out, report = clean_network(t, time_step_s=1e-6)  # no contraction: merging only
    assert report.short_links_contracted == 0
    kept = np.searchsorted(t.node_id, out.node_id)
    assert report.chain_nodes_removed == t.n_nodes - out.n_nodes > 2 * n * (n - 1)  # most shape points
    np.testing.assert_allclose(shortest_distances(out, np.arange(out.n_nodes)),
                               shortest_distances(t, kept), rtol=1e-12)


def test_largest_strong_component_is_kept_and_counted():
    # 0<->1<->2 strongly connected; 3 only reachable (one way in), 4-5 a separate pair
    t = table(two_way([0, 1, 2]) + [(2, 3, 100.0)] + two_way([4, 5]) + two_way([1, 6]))
    out, report = clean_network(t, time_step_s=1.0)
    assert report.scc_parts == 3
    assert (report.scc_dropped_nodes, report.scc_dropped_links) == (3, 3)
    assert set(out.node_id) <= {1000, 1001, 1002, 1006}
