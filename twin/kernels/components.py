"""Strongly connected components of a directed graph in CSR form: an iterative numba Tarjan.

The kernel takes plain arrays: ``indptr`` (n + 1) and ``indices`` (one entry per link, the head
node), the out-neighbours of node ``v`` being ``indices[indptr[v]:indptr[v + 1]]``. It replaces
scipy.sparse.csgraph.connected_components(connection="strong") on the traffic tools' path (so
that they never import scipy.sparse); the tests compare the two, label for label, on random
graphs and the seed cities.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def strong_components(indptr, indices, n):
    """Label of each node's strongly connected component (0 .. n_components - 1).

    Tarjan's algorithm with explicit stacks (no recursion): roots are taken in node order,
    each node's out-links from last to first, and components are numbered in the order they
    complete (a component gets its label once every component it reaches is labelled). With
    each node's neighbours sorted by node, that is scipy csgraph's numbering, label for label
    (its depth-first search pops the last-pushed neighbour first). O(n + links) time.
    """
    order = np.full(n, -1, dtype=np.int64)  # discovery index of each node, -1 = unvisited
    low = np.empty(n, dtype=np.int64)  # smallest discovery index reachable within the DFS subtree
    on_stack = np.zeros(n, dtype=np.bool_)
    labels = np.full(n, -1, dtype=np.int64)
    component_stack = np.empty(n, dtype=np.int64)  # Tarjan's stack of open nodes
    call_node = np.empty(n, dtype=np.int64)  # DFS call stack: the node of each frame ...
    call_next = np.empty(n, dtype=np.int64)  # ... and the next of its links to follow (downwards)
    visited = 0
    top = 0
    label = 0
    for root in range(n):
        if order[root] >= 0:
            continue
        order[root] = visited
        low[root] = visited
        visited += 1
        component_stack[top] = root
        top += 1
        on_stack[root] = True
        depth = 0
        call_node[0] = root
        call_next[0] = indptr[root + 1] - 1
        while depth >= 0:
            v = call_node[depth]
            link = call_next[depth]
            if link >= indptr[v]:
                call_next[depth] = link - 1
                w = indices[link]
                if order[w] < 0:  # descend into w
                    order[w] = visited
                    low[w] = visited
                    visited += 1
                    component_stack[top] = w
                    top += 1
                    on_stack[w] = True
                    depth += 1
                    call_node[depth] = w
                    call_next[depth] = indptr[w + 1] - 1
                elif on_stack[w] and order[w] < low[v]:
                    low[v] = order[w]
                continue
            if low[v] == order[v]:  # v roots a component: pop it
                while True:
                    top -= 1
                    w = component_stack[top]
                    on_stack[w] = False
                    labels[w] = label
                    if w == v:
                        break
                label += 1
            depth -= 1
            if depth >= 0:
                parent = call_node[depth]
                if low[v] < low[parent]:
                    low[parent] = low[v]
    return labels

