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

import numpy as np
from numba import njit

from twin.city import RoadNetwork
from twin.kernels.shortest_path import many_to_many
from twin.traffic.loading_kernel import choose_next_link


def times_to_destinations(
    network: RoadNetwork, link_time_s: np.ndarray, dest_nodes: np.ndarray
) -> np.ndarray:
    """Shortest time from every node to each destination (n_dest x n_nodes, seconds; inf if none)."""
    reverse_to = np.ascontiguousarray(network.link_from[network.in_links], dtype=np.int32)
    reverse_w = np.ascontiguousarray(np.asarray(link_time_s, dtype=np.float64)[network.in_links])
    all_nodes = np.arange(network.n_nodes, dtype=np.int64)
    return many_to_many(
        network.in_start, reverse_to, reverse_w, np.ascontiguousarray(dest_nodes, dtype=np.int64), all_nodes
    )


@njit(cache=True)
def extract_paths(rows, veh_origin, veh_dest_node, veh_dest_idx, out_start, link_to, link_time, dist, noise):
    """Paths (link sequences) of ``rows`` chosen at departure; returns (start offsets, links).

    ``starts`` has len(rows) + 1 entries; row ``rows[i]``'s path is ``links[starts[i]:starts[i+1]]``
    (empty when its origin is its destination or it cannot reach it).
    """
    n = rows.shape[0]
    starts = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        row = rows[i]
        node = veh_origin[row]
        count = 0
        while node != veh_dest_node[row]:
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
