"""Route choice on current link times: times to destinations and paths chosen from them.

Routes are chosen on a table ``dist`` (destinations x nodes) of shortest times *to* each
destination, computed by the shared numba Dijkstra on the reversed graph (one search per
destination, parallel over destinations). A vehicle at a node takes the outgoing link that
minimises ``link time + time onwards``, over links that bring it strictly closer, with a small
deterministic per-vehicle noise that spreads vehicles over equally short routes
(:func:`~twin.traffic.loading_kernel.choose_next_link`).

- fixed: the whole path is chosen at departure on the table of that moment (:func:`extract_paths`);
- enroute: the next link is chosen at every node on the latest table (a dynamic user optimum in
  the sense of UXsim: instantaneous times, refreshed every ``route_update_s``).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit

from twin.city import RoadNetwork
from twin.kernels.shortest_path import trees_to_targets, trees_to_targets_serial
from twin.traffic.loading_kernel import choose_next_link

SERIAL_BELOW = 1 << 18
"""Destinations x links below which the tables are computed on one thread: a few milliseconds of
work, less than waking the other threads costs on a busy machine (10x on the 10x10 grid at load 15)."""


def parallel_tables(n_dest: int, n_links: int) -> bool:
    """Whether the route tables of ``n_dest`` destinations on ``n_links`` links run in parallel."""
    return n_dest * n_links >= SERIAL_BELOW


def times_to_destinations(
    network: RoadNetwork, link_time_s: np.ndarray, dest_nodes: np.ndarray,
    dest_start: np.ndarray | None = None,
) -> np.ndarray:
    """Shortest time from every node to each destination (n_dest x n_nodes, seconds; inf if none).

    With ``dest_start`` (offsets, n_dest + 1), destination ``k`` is the node set
    ``dest_nodes[dest_start[k]:dest_start[k + 1]]`` (a zone's connectors) and the time is to the
    nearest of them: one search per set, started from all its nodes at time 0.
    """
    return RouteTables(network, link_time_s, dest_nodes, dest_start).dist


class RouteTables:
    """Times from every node to each destination, kept up to date as the link times change.

    ``dist`` (n_dest x n_nodes, seconds; inf where a destination cannot be reached) and
    ``next_link`` (each node's first link on its shortest way, -1 at the destination or when
    unreachable) hold one shortest-path tree per destination. An update passes only the links
    whose time changed to :func:`~twin.kernels.shortest_path.trees_to_targets`, which repairs
    each tree (the subtrees behind slower links, the nodes before faster ones) to the same
    floats a search from scratch gives.

    With a ``tolerance`` > 0 a destination's table is left as it is while no link time changed
    since the times it holds shifts the time from that link's tail to the destination by more
    than ``tolerance`` (a share: 0.02 is 2 %); its times then lag by at most that share per
    changed link on a way. Every table is brought up to date at least every ``max_lag``
    updates. With 0 (the default) every table is exact after every update.

    An update may also say where each table will be read until the next one (``need``): at
    tolerance 0 each such table is then searched from scratch only until those nodes hold their
    times. Every node nearer the destination than the farthest of them holds its exact time
    (a vehicle at a needed node only ever moves to nearer ones), every other node a time above
    all of those (so it is never taken for a nearer one); such a table is searched again, not
    repaired, at its next update.

    Args:
        network: the road graph.
        link_time_s: the link times of the first tables (inf on closed links), seconds.
        dest_nodes, dest_start: the destinations, as in :func:`times_to_destinations`.
        tolerance: the share described above (0 to 1).
        max_lag: updates a table may be left behind with a tolerance.
        parallel: whether the tables run on every numba thread (default: by
            :func:`parallel_tables`).
    """

    def __init__(self, network: RoadNetwork, link_time_s: np.ndarray, dest_nodes: np.ndarray,
                 dest_start: np.ndarray | None = None, *, tolerance: float = 0.0, max_lag: int = 6,
                 parallel: bool | None = None) -> None:
        self.network = network
        self.dest_nodes = np.ascontiguousarray(dest_nodes, dtype=np.int64)
        n_dest = len(self.dest_nodes) if dest_start is None else len(dest_start) - 1
        whole = np.arange(n_dest + 1, dtype=np.int64)
        self.dest_start = whole if dest_start is None else np.ascontiguousarray(dest_start, dtype=np.int64)
        self.tolerance = tolerance
        self.max_lag = max_lag
        self.parallel = parallel_tables(n_dest, network.n_links) if parallel is None else parallel
        self.dist = np.empty((n_dest, network.n_nodes), dtype=np.float64)
        self.next_link = np.empty((n_dest, network.n_nodes), dtype=np.int32)
        self.updates = 0
        self.version = np.zeros(n_dest, dtype=np.int64)  # the update whose link times each table holds
        self.partial = np.zeros(n_dest, dtype=np.bool_)  # tables searched only to the nodes needed
        self.held_s = {0: np.array(link_time_s, dtype=np.float64)}  # link times of the versions held
        self._run(self.held_s[0], np.ones(n_dest, dtype=np.bool_), True, np.zeros(0, dtype=np.int64),
                  np.zeros(0), 0.0)

    def update(self, link_time_s: np.ndarray, active: np.ndarray | None = None,
               need: tuple[np.ndarray, np.ndarray] | None = None) -> int:
        """Take in the new link times (seconds); returns the number of tables brought up to date.

        ``active`` (per destination, optional) marks the tables still needed: the others are
        left as they are and must not be read again. ``need`` (optional; used at tolerance 0):
        ``(start, nodes)``, offsets (n_dest + 1) into the nodes at which each active table will
        be read until the next update (see the class).
        """
        new = np.array(link_time_s, dtype=np.float64)
        active = np.ones(len(self.dist), dtype=np.bool_) if active is None else np.asarray(active, np.bool_)
        self.updates += 1
        updated = np.zeros(len(self.dist), dtype=np.bool_)
        bounded = need is not None and self.tolerance == 0.0
        fresh = active & (self.partial | bounded)
        if fresh.any():
            self._run(new, fresh, True, np.zeros(0, dtype=np.int64), np.zeros(0), 0.0, updated,
                      need if bounded else None)
            self.partial[fresh] = bounded
        for version in np.unique(self.version[active & ~fresh]):
            held = self.held_s[int(version)]
            changed = np.flatnonzero(new != held)
            group = active & ~fresh & (self.version == version)
            if not changed.size:
                updated |= group
                continue
            lagging = self.updates - version >= self.max_lag
            self._run(new, group, False, changed, held[changed], 0.0 if lagging else self.tolerance, updated)
        self.version[updated] = self.updates
        kept = set(self.version[active & ~self.partial].tolist())
        self.held_s = {v: w for v, w in self.held_s.items() if v in kept}
        if self.updates in kept:
            self.held_s[self.updates] = new
        return int(updated.sum())

    def _run(self, weight: np.ndarray, active: np.ndarray, fresh: bool, changed: np.ndarray,
             old_weight: np.ndarray, tolerance: float, updated: np.ndarray | None = None,
             need: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        net = self.network
        updated = np.zeros(len(self.dist), dtype=np.bool_) if updated is None else updated
        need_start, need_node = (np.zeros(0, dtype=np.int64),) * 2 if need is None else (
            np.ascontiguousarray(a, dtype=np.int64) for a in need)
        args = (net.out_start, net.link_to, net.in_start, net.in_links, net.link_from, weight,
                self.dest_start, self.dest_nodes, active, fresh, changed, old_weight, tolerance, self.dist,
                self.next_link, updated)
        if self.parallel:
            trees_to_targets(*args, max(1, min(len(self.dist), 4 * numba.get_num_threads())), need_start,
                             need_node)
        else:
            trees_to_targets_serial(*args, need_start, need_node)


@njit(cache=True)
def extract_paths(rows, veh_origin, veh_dest_idx, out_start, link_to, link_time, dist, noise):
    """Paths (link sequences) of ``rows`` chosen at departure; returns (start offsets, links).

    ``starts`` has len(rows) + 1 entries; row ``rows[i]``'s path is ``links[starts[i]:starts[i+1]]``,
    ending at the first node at time 0 from its destination (the node, or one of the zone's
    connectors); empty when its origin is there already or it cannot reach it.
    """
    n = rows.shape[0]
    starts = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        row = rows[i]
        node = veh_origin[row]
        count = 0
        while dist[veh_dest_idx[row], node] > 0.0:
            link = choose_next_link(node, veh_dest_idx[row], row, out_start, link_to, link_time, dist, noise)
            if link < 0:
                count = 0
                break
            count += 1
            node = link_to[link]
        starts[i + 1] = starts[i] + count
    links = np.empty(starts[n], dtype=np.int32)
    for i in range(n):
        row = rows[i]
        node = veh_origin[row]
        for j in range(starts[i], starts[i + 1]):
            link = choose_next_link(node, veh_dest_idx[row], row, out_start, link_to, link_time, dist, noise)
            links[j] = link
            node = link_to[link]
    return starts, links
