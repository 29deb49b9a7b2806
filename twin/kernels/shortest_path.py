"""Shortest paths on the CSR road graph: numba Dijkstra, one-to-all and many-to-many.

Weights are per-link costs (usually travel times in seconds). Kernels take plain arrays:
``out_start`` (n_nodes + 1), ``link_to`` (n_links) and ``weight`` (n_links), with links sorted by
origin node as :class:`~twin.city.RoadNetwork` stores them. scipy.sparse.csgraph.dijkstra is the
slow, obviously-correct twin the tests compare against.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _heap_push(heap_key, heap_node, size, key, node):
    i = size
    heap_key[i] = key
    heap_node[i] = node
    while i > 0:
        parent = (i - 1) >> 1
        if heap_key[parent] <= heap_key[i]:
            break
        heap_key[parent], heap_key[i] = heap_key[i], heap_key[parent]
        heap_node[parent], heap_node[i] = heap_node[i], heap_node[parent]
        i = parent
    return size + 1


@njit(cache=True)
def _heap_pop(heap_key, heap_node, size):
    key = heap_key[0]
    node = heap_node[0]
    size -= 1
    heap_key[0] = heap_key[size]
    heap_node[0] = heap_node[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and heap_key[left + 1] < heap_key[left]:
            child = left + 1
        if heap_key[i] <= heap_key[child]:
            break
        heap_key[child], heap_key[i] = heap_key[i], heap_key[child]
        heap_node[child], heap_node[i] = heap_node[i], heap_node[child]
        i = child
    return key, node, size


@njit(cache=True)
def dijkstra_into(out_start, link_to, weight, sources, dist, pred_link):
    """Dijkstra from the nearest of ``sources`` into ``dist`` and ``pred_link`` (-1 = none).

    Lazy-deletion binary heap; ties are broken by node index so results are deterministic.
    With several sources, ``dist`` is the cost from the closest one (a multi-source search).
    """
    n = out_start.shape[0] - 1
    dist[:] = np.inf
    pred_link[:] = -1
    heap_key = np.empty(link_to.shape[0] + sources.shape[0], dtype=np.float64)
    heap_node = np.empty(link_to.shape[0] + sources.shape[0], dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    size = 0
    for source in sources:
        if dist[source] > 0.0:
            dist[source] = 0.0
            size = _heap_push(heap_key, heap_node, size, 0.0, source)
    while size > 0:
        d, u, size = _heap_pop(heap_key, heap_node, size)
        if done[u]:
            continue
        done[u] = True
        for link in range(out_start[u], out_start[u + 1]):
            v = link_to[link]
            nd = d + weight[link]
            if nd < dist[v]:
                dist[v] = nd
                pred_link[v] = link
                size = _heap_push(heap_key, heap_node, size, nd, v)


@njit(cache=True)
def dijkstra(out_start, link_to, weight, source):
    """Travel cost from ``source`` to every node, and the link used to reach each node."""
    return nearest_source(out_start, link_to, weight, np.array([source], dtype=np.int64))


@njit(cache=True)
def nearest_source(out_start, link_to, weight, sources):
    """Cost from the nearest of ``sources`` to every node (one multi-source search)."""
    n = out_start.shape[0] - 1
    dist = np.empty(n, dtype=np.float64)
    pred_link = np.empty(n, dtype=np.int64)
    dijkstra_into(out_start, link_to, weight, sources, dist, pred_link)
    return dist, pred_link


@njit(cache=True, parallel=True)
def many_to_many(out_start, link_to, weight, sources, targets):
    """Cost matrix (len(sources) x len(targets)); parallel over sources, same result on any threads."""
    n = out_start.shape[0] - 1
    result = np.empty((sources.shape[0], targets.shape[0]), dtype=np.float64)
    for s in prange(sources.shape[0]):
        dist = np.empty(n, dtype=np.float64)
        pred = np.empty(n, dtype=np.int64)
        dijkstra_into(out_start, link_to, weight, sources[s : s + 1], dist, pred)
        for t in range(targets.shape[0]):
            result[s, t] = dist[targets[t]]
    return result


@njit(cache=True, parallel=True)
def shortest_path_trees(out_start, link_to, weight, sources):
    """Predecessor links of the shortest-path tree from each source (len(sources) x n_nodes)."""
    n = out_start.shape[0] - 1
    preds = np.empty((sources.shape[0], n), dtype=np.int64)
    for s in prange(sources.shape[0]):
        dist = np.empty(n, dtype=np.float64)
        dijkstra_into(out_start, link_to, weight, sources[s : s + 1], dist, preds[s])
    return preds


@njit(cache=True)
def path_links(pred_link, link_from, target):
    """Links of the path that ends at ``target``, in driving order (empty if unreachable)."""
    count = 0
    node = target
    while pred_link[node] >= 0:
        count += 1
        node = link_from[pred_link[node]]
    out = np.empty(count, dtype=np.int64)
    node = target
    for i in range(count - 1, -1, -1):
        link = pred_link[node]
        out[i] = link
        node = link_from[link]
    return out


def travel_time_matrix(network, weight, sources, targets) -> np.ndarray:
    """Many-to-many costs on a :class:`~twin.city.RoadNetwork` (e.g. seconds from link times)."""
    return many_to_many(
        network.out_start,
        network.link_to,
        np.ascontiguousarray(weight, dtype=np.float64),
        np.ascontiguousarray(sources, dtype=np.int64),
        np.ascontiguousarray(targets, dtype=np.int64),
    )
