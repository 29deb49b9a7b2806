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
def dijkstra_into(out_start, link_to, weight, sources, dist, pred_link, target=-1):
    """Dijkstra from the nearest of ``sources`` into ``dist`` and ``pred_link`` (-1 = none).

    Lazy-deletion binary heap; ties are broken by node index so results are deterministic.
    With several sources, ``dist`` is the cost from the closest one (a multi-source search).
    With a ``target`` node the search stops once it is settled (nodes farther than it keep inf).
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
        if u == target:
            break
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

    :func:`dijkstra_into` stopped as soon as ``target`` is settled (so the path is one of the
    shortest, the same on every run); a short leg explores only the nodes nearer than its target.
    """
    n = out_start.shape[0] - 1
    dist = np.empty(n)
    pred_link = np.empty(n, dtype=np.int64)
    dijkstra_into(out_start, link_to, weight, np.array([source], dtype=np.int64), dist, pred_link, target)
    if not np.isfinite(dist[target]):
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
def _buckets(head, span, width):
    """Bucket heads (all empty) for queued keys within ``span`` of each other plus one link, and
    the bucket width: ``width`` (the shortest link time) unless that takes over 2**16 buckets.
    The count is a power of two (a bucket is found by masking); ``head`` is reused when it is
    long enough."""
    needed = min(int(span / width) + 3, 65536)
    if needed == 65536:
        width = span / 65533.0
    if head.shape[0] < needed:
        size = 1
        while size < needed:
            size *= 2
        head = np.full(size, -1, dtype=np.int32)
    return head, width


@njit(cache=True, inline="always")
def _push(node, key, width, head, e_node, e_next, e_key, top):
    """Queue ``node`` at ``key`` as entry ``top`` of the pool; returns the next free entry.

    The pool (``e_node``, ``e_key``, ``e_next``: node, key and next entry of the same bucket)
    holds one entry per time a node was lowered: a node lowered again gets a new entry, and the
    entries it left behind are skipped when they come up (their key is no longer its time)."""
    b = int(key / width) & (head.shape[0] - 1)
    e_node[top] = node
    e_key[top] = key
    e_next[top] = head[b]
    head[b] = top
    return top + 1


@njit(cache=True)
def _pool(size):
    """An empty entry pool for :func:`_push` with room for ``size`` entries."""
    return np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int32), np.empty(size, dtype=np.float64)


@njit(cache=True)
def _settle_towards(in_start, in_links, in_from, in_weight, dist, next_link, top, lowest, width,
                    head, e_node, e_next, e_key, wanted, remaining):
    """Dijkstra towards a target on the links into each settled node, from the ``top`` queued entries.

    The queue is Dial's buckets (:func:`_buckets`): a node at time ``d`` sits in bucket
    ``int(d / width)`` modulo ``len(head)``, a singly linked list of pool entries
    (:func:`_push`), scanned upwards from the ``lowest`` queued time; an entry whose key is no
    longer its node's time is skipped (lazy deletion: a lowered node is queued again rather
    than moved). ``in_from`` and ``in_weight`` are the tail and weight of each link in
    ``in_links`` order (read in sequence). Links taking at least ``width`` settle each node
    once; a node lowered within its own bucket after it was settled is settled again (the same
    labels, more work). Each node's first link on its way is kept in ``next_link``.

    With ``remaining`` > 0 the search stops once the ``remaining`` nodes marked in ``wanted``
    are settled (their marks cleared) and their bucket is done: every node whose time falls in
    that bucket or an earlier one then holds its exact time, and every other node a time (an
    upper bound of its own, or inf) above every settled one. With -1 it settles every node.

    Returns True with the queue empty, or False, the labels unfinished, if the pool ran out of
    entries (it holds as many as the links and nodes, which a search needs only when lowered
    nodes settle again).
    """
    mask = head.shape[0] - 1
    cur = int(lowest / width)
    queued = top
    while queued > 0:
        b = cur & mask
        e = head[b]
        if e < 0:
            if remaining == 0:  # the wanted nodes and their bucket are settled: drop the rest
                head[:] = -1
                return True
            cur += 1
            continue
        head[b] = e_next[e]
        queued -= 1
        v = e_node[e]
        d = e_key[e]
        if d != dist[v]:
            continue
        if remaining > 0 and wanted[v]:
            wanted[v] = False
            remaining -= 1
        for k in range(in_start[v], in_start[v + 1]):
            u = in_from[k]
            nd = d + in_weight[k]
            if nd < dist[u]:
                dist[u] = nd
                next_link[u] = in_links[k]
                if top == e_node.shape[0]:
                    head[:] = -1
                    return False
                top = _push(u, nd, width, head, e_node, e_next, e_key, top)
                queued += 1
    return True


@njit(cache=True)
def _tree_to(targets, need, bounded, in_start, in_links, in_from, in_weight, width, dist, next_link, head,
             e_node, e_next, e_key, wanted):
    """Time from every node to the nearest of ``targets`` and each node's first link on the way;
    False if the entry pool was too small (see :func:`_settle_towards`). With ``bounded`` the
    search stops once the ``need`` nodes are settled (``wanted``: all False, left so)."""
    dist[:] = np.inf
    next_link[:] = -1
    remaining = -1
    if bounded:
        remaining = 0
        for v in need:
            if not wanted[v]:
                wanted[v] = True
                remaining += 1
    top = 0
    for target in targets:
        if dist[target] > 0.0:
            dist[target] = 0.0
            top = _push(target, 0.0, width, head, e_node, e_next, e_key, top)
    done = _settle_towards(in_start, in_links, in_from, in_weight, dist, next_link, top, 0.0, width,
                           head, e_node, e_next, e_key, wanted, remaining)
    if bounded:
        for v in need:  # the unreachable ones, or all when the pool ran out
            wanted[v] = False
    return done


@njit(cache=True)
def _shifts(changed, old_weight, link_to, link_from, weight, dist, next_link, tolerance):
    """Whether a changed link moves the time to the target from its tail by more than ``tolerance``
    (a share of that time): a slower link on the tail's way by its increase, a faster link by
    the time it saves; a link that opens a way to an unreachable node always counts."""
    for c in range(changed.shape[0]):
        link = changed[c]
        u = link_from[link]
        if weight[link] > old_weight[c]:
            if next_link[u] == link and weight[link] - old_weight[c] > tolerance * dist[u]:
                return True
        else:
            via = dist[link_to[link]] + weight[link]
            if via < dist[u] and (dist[u] == np.inf or dist[u] - via > tolerance * dist[u]):
                return True
    return False


@njit(cache=True)
def _update_tree_to(changed, old_weight, out_start, link_to, in_start, in_links, in_from, in_weight,
                    link_from, weight, width, longest, dist, next_link, affected, stack, head, e_node,
                    e_next, e_key, max_affected):
    """Bring a tree to a target (``dist``, ``next_link`` on the old weights) to the new ``weight``.

    Only ``changed`` links differ (``old_weight`` their previous weights). Nodes whose way runs
    through a link that became slower lose their labels (the subtree under that link) and start
    again from their unaffected neighbours; links that became faster lower their tail. A
    Dijkstra from the lowered nodes then settles the rest. The labels end as the least fixed
    point of ``dist[u] = min(dist[v] + weight[u -> v])``, the same floats as :func:`_tree_to`.

    Returns the bucket heads (longer ones if the queued keys spread wider than ``head`` holds)
    and whether the tree must be searched from scratch: left alone because more than
    ``max_affected`` nodes would lose their labels (a search from scratch is then cheaper), or
    left unfinished because the entry pool ran out (:func:`_settle_towards`).
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
        if n_affected > max_affected:
            for j in range(n_affected):
                affected[stack[j]] = False
            return head, True
        x = stack[i]
        i += 1
        for k in range(in_start[x], in_start[x + 1]):
            u = in_from[k]
            if next_link[u] == in_links[k] and not affected[u]:
                affected[u] = True
                stack[n_affected] = u
                n_affected += 1
    for i in range(n_affected):
        dist[stack[i]] = np.inf
        next_link[stack[i]] = -1
    for i in range(n_affected):  # the affected nodes' best way through an unaffected neighbour
        a = stack[i]
        for link in range(out_start[a], out_start[a + 1]):
            b = link_to[link]
            if not affected[b] and dist[b] + weight[link] < dist[a]:
                dist[a] = dist[b] + weight[link]
                next_link[a] = link
    for c in range(changed.shape[0]):  # faster links ahead of unaffected nodes
        link = changed[c]
        u = link_from[link]
        if weight[link] < old_weight[c] and not affected[u] and dist[link_to[link]] + weight[link] < dist[u]:
            dist[u] = dist[link_to[link]] + weight[link]
            next_link[u] = link
            stack[n_affected] = u  # lowered nodes join the list to queue
            n_affected += 1
    lowest = np.inf
    highest = 0.0
    for i in range(n_affected):
        affected[stack[i]] = False
        d = dist[stack[i]]
        if d < np.inf:
            lowest = min(lowest, d)
            highest = max(highest, d)
    if lowest == np.inf:
        return head, False
    head, width = _buckets(head, highest - lowest + longest, width)
    top = 0
    for i in range(n_affected):
        if dist[stack[i]] < np.inf:
            top = _push(stack[i], dist[stack[i]], width, head, e_node, e_next, e_key, top)
    done = _settle_towards(in_start, in_links, in_from, in_weight, dist, next_link, top, lowest, width,
                           head, e_node, e_next, e_key, affected, -1)
    return head, not done


@njit(cache=True)
def _link_range(weight):
    """The shortest positive and the longest finite link time (1 and 0 when there are none)."""
    width = np.inf
    longest = 0.0
    for w in weight:
        if 0.0 < w < width:
            width = w
        if w < np.inf and w > longest:
            longest = w
    return (1.0 if width == np.inf else width), longest


@njit(cache=True)
def _trees_block(b, n_blocks, out_start, link_to, in_start, in_links, in_from, in_weight, link_from, weight,
                 width, longest, target_start, target_node, active, fresh, changed, old_weight, tolerance,
                 dist, next_link, updated, need_start, need_node):
    """The rows ``b, b + n_blocks, ...`` of :func:`trees_to_targets`, with work arrays of their own."""
    n = out_start.shape[0] - 1
    head, block_width = _buckets(np.empty(0, dtype=np.int32), longest, width)
    e_node, e_next, e_key = _pool(n + link_to.shape[0] + changed.shape[0] + 1)
    affected = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n + changed.shape[0], dtype=np.int64)
    bounded = need_start.shape[0] > 0
    need = need_node[:0]
    for i in range(b, target_start.shape[0] - 1, n_blocks):
        if not active[i]:
            continue
        redo = fresh
        if not fresh:
            if tolerance > 0.0 and not _shifts(changed, old_weight, link_to, link_from, weight, dist[i],
                                               next_link[i], tolerance):
                continue
            head, redo = _update_tree_to(changed, old_weight, out_start, link_to, in_start, in_links, in_from,
                                         in_weight, link_from, weight, width, longest, dist[i], next_link[i],
                                         affected, stack, head, e_node, e_next, e_key, n // 8)
        updated[i] = True
        if redo:
            targets = target_node[target_start[i] : target_start[i + 1]]
            if bounded:
                need = need_node[need_start[i] : need_start[i + 1]]
            while not _tree_to(targets, need, bounded, in_start, in_links, in_from, in_weight, block_width,
                               dist[i], next_link[i], head, e_node, e_next, e_key, affected):
                e_node, e_next, e_key = _pool(2 * e_node.shape[0])


@njit(cache=True, parallel=True)
def trees_to_targets(out_start, link_to, in_start, in_links, link_from, weight, target_start, target_node,
                     active, fresh, changed, old_weight, tolerance, dist, next_link, updated, n_blocks,
                     need_start, need_node):
    """Shortest times from every node to each target, in place (``dist``, ``next_link``: n_targets x
    n_nodes; first link of each node's way, -1 at the target or when unreachable). Target ``i``
    is the node set ``target_node[target_start[i]:target_start[i + 1]]`` (the nearest counts).

    With ``fresh`` every active row is computed from scratch; otherwise the rows hold the trees
    on the previous weights, of which only the links ``changed`` differed (``old_weight``), and
    each active row is updated (:func:`_update_tree_to`) to exactly the from-scratch result,
    except, with ``tolerance`` > 0, rows on which no change shifts the time from its link's tail
    by more than that share (:func:`_shifts`). ``updated`` marks the rows computed or updated;
    rows with ``active`` False are left as they are. Parallel over ``n_blocks`` blocks of
    targets (each with its own work arrays); each row's result is independent of the blocks.

    With ``need_start`` (n_targets + 1 offsets; empty: every node) each row is searched from
    scratch (``fresh`` must be True) only until the nodes ``need_node[need_start[i]:need_start[i +
    1]]`` hold their times (:func:`_settle_towards`): the nodes nearer the target than the
    farthest of them hold exact times, the others upper bounds above those; such a row cannot
    be updated later, only searched again.
    """
    width, longest = _link_range(weight)
    in_from = link_from[in_links]
    in_weight = weight[in_links]
    for b in prange(n_blocks):
        _trees_block(b, n_blocks, out_start, link_to, in_start, in_links, in_from, in_weight, link_from,
                     weight, width, longest, target_start, target_node, active, fresh, changed, old_weight,
                     tolerance, dist, next_link, updated, need_start, need_node)


@njit(cache=True)
def trees_to_targets_serial(out_start, link_to, in_start, in_links, link_from, weight, target_start,
                            target_node, active, fresh, changed, old_weight, tolerance, dist, next_link,
                            updated, need_start, need_node):
    """:func:`trees_to_targets` on the calling thread alone: for small tables, where waking the
    other threads costs more than the work (and a process that calls only this one loads no
    threading layer)."""
    width, longest = _link_range(weight)
    _trees_block(0, 1, out_start, link_to, in_start, in_links, link_from[in_links], weight[in_links],
                 link_from, weight, width, longest, target_start, target_node, active, fresh, changed,
                 old_weight, tolerance, dist, next_link, updated, need_start, need_node)
