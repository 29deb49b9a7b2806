"""Travel times for emergency units: cached shortest-path trees from stations and hospitals.

Units route on the traffic model's current link times (``link_travel_time_s`` in
``model.published``; free-flow times without traffic), made faster for blue lights:

    t_link = (free_flow / f_units + (1 - queue_bypass_share) * max(current - free_flow / f_traffic, 0))
             / speed_factor

where ``f_units`` and ``f_traffic`` are the hazard areas' speed multipliers for units and for
general traffic (1 outside any open surge window; the traffic model's current times already hold
``free_flow / f_traffic``, so only the queue over it counts as congestion).

Every question a dispatcher asks is a lookup in four trees rebuilt only when link times change:
from each station to every node, from every node back to each station, and from every node to
the nearest hospital. The trees come from :func:`twin.kernels.shortest_path.many_to_many`
(numba, one Dijkstra per source), so a call never runs a search of its own.
"""

from __future__ import annotations

import time

import numpy as np

from twin.city import RoadNetwork
from twin.kernels.shortest_path import many_to_many


def emergency_link_times(
    free_flow_s: np.ndarray,
    current_s: np.ndarray,
    speed_factor: float,
    queue_bypass_share: float,
    hazard_units: np.ndarray | float = 1.0,
    hazard_traffic: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Link times (s) for an emergency vehicle, given free-flow and current link times (s).

    ``hazard_units`` and ``hazard_traffic`` are the speed multipliers of hazard areas for units
    and for general traffic (the module docstring gives the formula).
    """
    free_traffic = free_flow_s / hazard_traffic
    delay = np.maximum(current_s - free_traffic, 0.0)
    base = np.minimum(free_flow_s, current_s) / hazard_units
    return (base + (1.0 - queue_bypass_share) * delay) / speed_factor


class TravelTimes:
    """Station and hospital trees on one network; refresh with :meth:`update`.

    Args:
        network: the road network.
        station_nodes: node of each station (row ``s`` of the station trees).
        hospital_nodes: nodes of the hospitals patients are taken to (may be empty).
    """

    def __init__(self, network: RoadNetwork, station_nodes: np.ndarray, hospital_nodes: np.ndarray) -> None:
        self.network = network
        self.station_nodes = np.asarray(station_nodes, dtype=np.int64)
        self.hospital_nodes = np.asarray(hospital_nodes, dtype=np.int64)
        self._station_sources, self._station_row = np.unique(self.station_nodes, return_inverse=True)
        self._sources, self._row = np.unique(
            np.concatenate([self.station_nodes, self.hospital_nodes]), return_inverse=True
        )
        self._reverse_to = np.ascontiguousarray(network.link_from[network.in_links], dtype=np.int32)
        self._targets = np.arange(network.n_nodes, dtype=np.int64)
        self._last_link_s: np.ndarray | None = None
        self.rebuilds = 0

    def update(self, link_s: np.ndarray) -> bool:
        """Rebuild the trees for emergency link times ``link_s`` unless they are unchanged."""
        if self._last_link_s is not None and np.array_equal(self._last_link_s, link_s):
            return False
        w = np.ascontiguousarray(link_s, dtype=np.float64)
        net = self.network
        forward = many_to_many(net.out_start, net.link_to, w, self._station_sources, self._targets)
        backward = many_to_many(
            net.in_start,
            self._reverse_to,
            np.ascontiguousarray(w[net.in_links]),
            self._sources,
            self._targets,
        )
        n_st = len(self.station_nodes)
        self.from_station = forward[self._station_row]
        """Seconds from station ``s`` to node ``v``: ``from_station[s, v]``."""
        self.to_station = backward[self._row[:n_st]]
        """Seconds from node ``v`` to station ``s``: ``to_station[s, v]``."""
        if len(self.hospital_nodes):
            to_hospital = backward[self._row[n_st:]]
            self.nearest_hospital = np.argmin(to_hospital, axis=0)
            """Index (into ``hospital_nodes``) of the hospital nearest to each node in time."""
            self.time_to_hospital = to_hospital[self.nearest_hospital, self._targets]
            """Seconds from each node to its nearest hospital."""
        self._last_link_s = w.copy()
        self.rebuilds += 1
        return True


def warm_up() -> float:
    """Compile (or load from numba's cache) the kernel of :class:`TravelTimes`; returns the seconds taken.

    Station and hospital trees on a 3-node ring, through the same constructor a city's network uses.
    """
    start = time.perf_counter()
    network = RoadNetwork.from_arrays(node_x=[0.0, 100.0, 0.0], node_y=[0.0, 0.0, 100.0],
                                      link_from=[0, 1, 2], link_to=[1, 2, 0], length_m=100.0,
                                      free_speed_mps=10.0, lanes=1, capacity_vph=1800.0, source="warm-up")
    TravelTimes(network, np.array([0]), np.array([1])).update(network.link_length_m / 10.0)
    return time.perf_counter() - start
