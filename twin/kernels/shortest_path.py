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


@njit(cache=True)
def point_to_point(out_start, link_to, link_from, weight, source, target):
    """Links of a shortest path from ``source`` to ``target`` in driving order (empty if none).

    Dijkstra stopped as soon as ``target`` is settled (same heap and tie-breaking as
    :func:`dijkstra_into`, so the path is one of the shortest, the same on every run); a short leg
    explores only the nodes nearer than its target.
    """
    n = out_start.shape[0] - 1
    dist = np.full(n, np.inf)
    pred_link = np.full(n, -1, dtype=np.int64)
    heap_key = np.empty(link_to.shape[0] + 1, dtype=np.float64)
    heap_node = np.empty(link_to.shape[0] + 1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    dist[source] = 0.0
    size = _heap_push(heap_key, heap_node, 0, 0.0, source)
    while size > 0:
        d, u, size = _heap_pop(heap_key, heap_node, size)
        if done[u]:
            continue
        done[u] = True
        if u == target:
            break
        for link in range(out_start[u], out_start[u + 1]):
            v = link_to[link]
            nd = d + weight[link]
            if nd < dist[v]:
                dist[v] = nd
                pred_link[v] = link
                size = _heap_push(heap_key, heap_node, size, nd, v)
    if not done[target]:
        return np.empty(0, dtype=np.int64)
    return path_links(pred_link, link_from, target)


def travel_time_matrix(network, weight, sources, targets) -> np.ndarray:
    """Many-to-many costs on a :class:`~twin.city.RoadNetwork` (e.g. seconds from link times)."""
    return many_to_many(
        network.out_start,
        network.link_to,
        np.ascontiguousarray(weight, dtype=np.float64),
        np.ascontiguousarray(sources, dtype=np.int64),
        np.ascontiguousarray(targets, dtype=np.int64),
    )


@njit(cache=True)
def _settle_towards(in_start, in_links, link_from, weight, dist, next_link, heap_key, heap_node, size):
    """Dijkstra towards a target on the links into each popped node, from a heap of lowered nodes.

    Labels only decrease (a node is pushed again on each strict decrease; older entries are
    skipped when popped), and each node's first link on its way is kept in ``next_link``.
    """
    while size > 0:
        d, v, size = _heap_pop(heap_key, heap_node, size)
        if d > dist[v]:
            continue
        for k in range(in_start[v], in_start[v + 1]):
            link = in_links[k]
            u = link_from[link]
            nd = d + weight[link]
            if nd < dist[u]:
                dist[u] = nd
                next_link[u] = link
                size = _heap_push(heap_key, heap_node, size, nd, u)


@njit(cache=True)
def _tree_to(targets, in_start, in_links, link_from, weight, dist, next_link, heap_key, heap_node):
    """Time from every node to the nearest of ``targets`` and each node's first link on the way."""
    dist[:] = np.inf
    next_link[:] = -1
    size = 0
    for target in targets:
        if dist[target] > 0.0:
            dist[target] = 0.0
            size = _heap_push(heap_key, heap_node, size, 0.0, target)
    _settle_towards(in_start, in_links, link_from, weight, dist, next_link, heap_key, heap_node, size)


@njit(cache=True)
def _update_tree_to(changed, old_weight, out_start, link_to, in_start, in_links, link_from, weight,
                    dist, next_link, affected, stack, heap_key, heap_node):
    """Bring a tree to a target (``dist``, ``next_link`` on the old weights) to the new ``weight``.

    Only ``changed`` links differ (``old_weight`` their previous weights). Nodes whose way runs
    through a link that became slower lose their labels (the subtree under that link) and start
    again from their unaffected neighbours; links that became faster lower their tail. A
    Dijkstra from the lowered nodes then settles the rest. The labels end as the least fixed
    point of ``dist[u] = min(dist[v] + weight[u -> v])``, the same floats as :func:`_tree_to`.
    """
    n_affected = 0
    for c in range(changed.shape[0]):
        link = changed[c]
        u = link_from[link]
        if weight[link] > old_weight[c] and next_link[u] == link and not affected[u]:
            affected[u] = True
            stack[n_affected] = u
            n_affected += 1
    i = 0
    while i < n_affected:  # the subtrees: nodes whose first link leads into an affected node
        x = stack[i]
        i += 1
        for k in range(in_start[x], in_start[x + 1]):
            link = in_links[k]
            u = link_from[link]
            if next_link[u] == link and not affected[u]:
                affected[u] = True
                stack[n_affected] = u
                n_affected += 1
    for i in range(n_affected):
        dist[stack[i]] = np.inf
        next_link[stack[i]] = -1
    size = 0
    for i in range(n_affected):
        a = stack[i]
        for link in range(out_start[a], out_start[a + 1]):
            b = link_to[link]
            if affected[b]:
                continue
            nd = dist[b] + weight[link]
            if nd < dist[a]:
                dist[a] = nd
                next_link[a] = link
        if dist[a] < np.inf:
            size = _heap_push(heap_key, heap_node, size, dist[a], a)
    for c in range(changed.shape[0]):
        link = changed[c]
        u = link_from[link]
        if weight[link] < old_weight[c] and not affected[u]:
            nd = dist[link_to[link]] + weight[link]
            if nd < dist[u]:
                dist[u] = nd
                next_link[u] = link
                size = _heap_push(heap_key, heap_node, size, nd, u)
    for i in range(n_affected):
        affected[stack[i]] = False
    _settle_towards(in_start, in_links, link_from, weight, dist, next_link, heap_key, heap_node, size)


@njit(cache=True, parallel=True)
def trees_to_targets(out_start, link_to, in_start, in_links, link_from, weight, target_start, target_node,
                     active, fresh, changed, old_weight, dist, next_link, n_blocks):
    """Shortest times from every node to each target, in place (``dist``, ``next_link``: n_targets x
    n_nodes; first link of each node's way, -1 at the target or when unreachable). Target ``i``
    is the node set ``target_node[target_start[i]:target_start[i + 1]]`` (the nearest counts).

    With ``fresh`` every active row is computed from scratch; otherwise the rows hold the trees
    on the previous weights, of which only the links ``changed`` differed (``old_weight``), and
    each active row is updated (:func:`_update_tree_to`) to exactly the from-scratch result.
    Rows with ``active`` False are left as they are. Parallel over ``n_blocks`` blocks of
    targets (each with its own work arrays); each row's result is independent of the blocks.
    """
    n = out_start.shape[0] - 1
    m = link_to.shape[0]
    n_targets = target_start.shape[0] - 1
    for b in prange(n_blocks):
        heap_key = np.empty(m + n + changed.shape[0] + 1, dtype=np.float64)
        heap_node = np.empty(m + n + changed.shape[0] + 1, dtype=np.int64)
        affected = np.zeros(n, dtype=np.bool_)
        stack = np.empty(n, dtype=np.int64)
        for i in range(b, n_targets, n_blocks):
            if not active[i]:
                continue
            if fresh:
                targets = target_node[target_start[i] : target_start[i + 1]]
                _tree_to(targets, in_start, in_links, link_from, weight, dist[i], next_link[i],
                         heap_key, heap_node)
            else:
                _update_tree_to(changed, old_weight, out_start, link_to, in_start, in_links, link_from,
                                weight, dist[i], next_link[i], affected, stack, heap_key, heap_node)
