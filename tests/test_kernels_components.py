"""numba strongly connected components against scipy.sparse.csgraph and a plain-Python twin."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from twin.kernels.components import strong_components


def _csr(n: int, link_from: np.ndarray, link_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays with each node's neighbours sorted (as RoadNetwork stores links)."""
    order = np.lexsort((link_to, link_from))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(link_from, minlength=n), out=indptr[1:])
    return indptr, np.ascontiguousarray(link_to[order], dtype=np.int64)


def _python_twin(n: int, link_from: np.ndarray, link_to: np.ndarray) -> list[frozenset[int]]:
    """Components by definition: u and v share one when each reaches the other (O(n * links))."""
    out: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(link_from.tolist(), link_to.tolist(), strict=True):
        out[a].append(b)
    reach = []
    for start in range(n):
        seen, todo = {start}, [start]
        while todo:
            for w in out[todo.pop()]:
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        reach.append(seen)
    return sorted({frozenset(v for v in reach[u] if u in reach[v]) for u in range(n)}, key=min)


def _partition(labels: np.ndarray) -> list[frozenset[int]]:
    return sorted((frozenset(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels)), key=min)


def _random_graph(rng, n: int, links_per_node: float, self_loops: bool):
    m = int(rng.poisson(links_per_node * n)) if n else 0
    link_from, link_to = rng.integers(0, max(n, 1), m), rng.integers(0, max(n, 1), m)
    if not self_loops:
        keep = link_from != link_to
        link_from, link_to = link_from[keep], link_to[keep]
    return link_from.astype(np.int64), link_to.astype(np.int64)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 40, 300])
@pytest.mark.parametrize("links_per_node", [0.0, 0.7, 1.2, 3.0])
@pytest.mark.parametrize("self_loops", [False, True])
def test_random_graphs_match_scipy_label_for_label(n, links_per_node, self_loops):
    """Same partition as scipy and the definition, and scipy's very labels (which the largest
    component's tie-break relies on); sparse graphs leave isolated nodes and many small parts."""
    rng = np.random.default_rng(1000 * n + int(10 * links_per_node) + self_loops)
    for _ in range(5):
        link_from, link_to = _random_graph(rng, n, links_per_node, self_loops)
        indptr, indices = _csr(n, link_from, link_to)
        labels = strong_components(indptr, indices, n)
        graph = sparse.csr_matrix((np.ones(len(link_from)), (link_from, link_to)), shape=(n, n))
        parts, reference = connected_components(graph, connection="strong")
        np.testing.assert_array_equal(labels, reference)
        assert labels.max(initial=-1) + 1 == parts
        if n <= 40:
            assert _partition(labels) == _python_twin(n, link_from, link_to)


def test_a_cycle_a_tail_and_an_isolated_node():
    """0 -> 1 -> 2 -> 0 is one component; 2 -> 3 hangs off it; 4 has no link; 5 a self-loop."""
    link_from, link_to = np.array([0, 1, 2, 2, 5]), np.array([1, 2, 0, 3, 5])
    labels = strong_components(*_csr(6, link_from, link_to), 6)
    assert _partition(labels) == [frozenset({0, 1, 2}), frozenset({3}), frozenset({4}), frozenset({5})]
    assert labels[3] < labels[0]  # a component is numbered after every one it reaches


@pytest.mark.parametrize("city", ["hezhou", "testville"])
def test_seed_networks_match_scipy(city, request):
    """A seed city's network is one component; with a few links cut it splits as scipy says."""
    net = request.getfixturevalue(city).network
    link_from, link_to = np.asarray(net.link_from, np.int64), np.asarray(net.link_to, np.int64)
    labels = strong_components(np.asarray(net.out_start), np.asarray(net.link_to), net.n_nodes)
    assert not labels.any()
    keep = np.random.default_rng(4).random(net.n_links) > 0.1
    link_from, link_to = link_from[keep], link_to[keep]
    labels = strong_components(*_csr(net.n_nodes, link_from, link_to), net.n_nodes)
    graph = sparse.csr_matrix((np.ones(len(link_from)), (link_from, link_to)), shape=(net.n_nodes,) * 2)
    np.testing.assert_array_equal(labels, connected_components(graph, connection="strong")[1])
    assert labels.max() > 0
