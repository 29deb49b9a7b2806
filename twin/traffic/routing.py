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
from twin.kernels.shortest_path import trees_to_targets
from twin.traffic.loading_kernel import choose_next_link


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
    unreachable) hold the trees on ``weight_s``, the link times they were computed on. An
    update passes only the links whose time changed to :func:`~twin.kernels.shortest_path.trees_to_targets`,
    which repairs each tree (the subtrees behind slower links, the nodes before faster ones)
    to the same floats a search from scratch gives.

    Args:
        network: the road graph.
        link_time_s: the link times of the first tables (inf on closed links), seconds.
        dest_nodes, dest_start: the destinations, as in :func:`times_to_destinations`.
        tolerance: relative change of a link's time below which the tables keep its old time
            (0: every change counts and the tables are exact; 0.05: a link's time must move by
            more than 5 % of the time the tables hold before they take it in).
    """

    def __init__(self, network: RoadNetwork, link_time_s: np.ndarray, dest_nodes: np.ndarray,
                 dest_start: np.ndarray | None = None, *, tolerance: float = 0.0) -> None:
        self.network = network
        self.dest_nodes = np.ascontiguousarray(dest_nodes, dtype=np.int64)
        n_dest = len(self.dest_nodes) if dest_start is None else len(dest_start) - 1
        whole = np.arange(n_dest + 1, dtype=np.int64)
        self.dest_start = whole if dest_start is None else np.ascontiguousarray(dest_start, dtype=np.int64)
        self.tolerance = tolerance
        self.weight_s = np.array(link_time_s, dtype=np.float64)
        self.dist = np.empty((n_dest, network.n_nodes), dtype=np.float64)
        self.next_link = np.empty((n_dest, network.n_nodes), dtype=np.int32)
        self._run(np.ones(n_dest, dtype=np.bool_), True, np.zeros(0, dtype=np.int64), np.zeros(0))

    def update(self, link_time_s: np.ndarray, active: np.ndarray | None = None) -> int:
        """Take in the new link times (seconds); returns the number of links whose time changed.

        ``active`` (per destination, optional) marks the tables still needed: the others are
        left as they are, no longer matching ``weight_s``, and must not be read again.
        """
        new = np.asarray(link_time_s, dtype=np.float64)
        old = self.weight_s
        differ = new != old
        if self.tolerance > 0:
            with np.errstate(invalid="ignore"):
                differ &= ~(np.abs(new - old) <= self.tolerance * old)
        changed = np.flatnonzero(differ)
        if changed.size:
            old_weight = old[changed]
            old[changed] = new[changed]
            if active is None:
                active = np.ones(len(self.dist), dtype=np.bool_)
            self._run(np.asarray(active, dtype=np.bool_), False, changed, old_weight)
        return int(changed.size)

    def _run(self, active: np.ndarray, fresh: bool, changed: np.ndarray, old_weight: np.ndarray) -> None:
        net = self.network
        trees_to_targets(net.out_start, net.link_to, net.in_start, net.in_links, net.link_from, self.weight_s,
                         self.dest_start, self.dest_nodes, active, fresh, changed, old_weight, self.dist,
                         self.next_link, max(1, min(len(self.dist), 4 * numba.get_num_threads())))


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
