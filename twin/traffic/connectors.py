"""Where a zone's car trips join and leave the road network: origin nodes and zone connectors.

A zone's trips start at the nodes of its residential buildings, weighted by their residents
(:func:`origin_sets`), and end at its *connectors* (:func:`connector_sets`): up to ``K`` nodes
spread over the zone's buildings. The zone's buildings are split into ``K`` equal angular
sectors around their activity-weighted centre (activity = residents + jobs, summed per node);
each non-empty sector's connector is the node nearest to that sector's activity-weighted centre,
weighted by the sector's share of the zone's activity. No random draw: the same city gives the
same connectors.

A destination is the zone, not a node: its route table is one reverse shortest-path search
from all its connectors at once (time 0 at each, as if a centroid were joined to each by a
zero-time link), so a zone needs one tree however many connectors it has, and a vehicle arrives
at the first of its destination zone's connectors it reaches (the one nearest in time along its
route). :func:`zone_skim` gives the zone-to-zone times of the same model: the resident-weighted
mean, over the origin zone's origin nodes, of the time to the destination zone's nearest connector.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city import City, RoadNetwork
from twin.traffic.routing import times_to_destinations


@dataclasses.dataclass(frozen=True, eq=False)
class NodeSets:
    """A weighted set of network nodes per zone: zone ``z`` has ``node[start[z]:start[z + 1]]``.

    Attributes:
        start: offsets, one more than zones.
        node: node positions (0-based) in the road network.
        weight: each node's share of its zone (sums to 1 per zone).
    """

    start: np.ndarray
    node: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.start) - 1

    @classmethod
    def single(cls, nodes: np.ndarray) -> NodeSets:
        """One node per zone (weight 1): the one-centroid model."""
        nodes = np.asarray(nodes, dtype=np.int64)
        return cls(np.arange(len(nodes) + 1, dtype=np.int64), nodes.copy(), np.ones(len(nodes)))

    @classmethod
    def from_groups(cls, zone: np.ndarray, node: np.ndarray, weight: np.ndarray, n_zones: int) -> NodeSets:
        """Sets from (zone, node, weight) rows; weights of a repeated (zone, node) are summed and
        each zone's weights scaled to sum to 1; nodes sorted within a zone."""
        key, inverse = np.unique(np.asarray(zone, np.int64) * (1 << 32) + np.asarray(node, np.int64),
                                 return_inverse=True)
        total = np.bincount(inverse, weights=np.asarray(weight, np.float64), minlength=len(key))
        zones = key >> 32
        start = np.zeros(n_zones + 1, dtype=np.int64)
        np.cumsum(np.bincount(zones, minlength=n_zones), out=start[1:])
        per_zone = np.bincount(zones, weights=total, minlength=n_zones)
        return cls(start, key & ((1 << 32) - 1), total / per_zone[zones])

    def subset(self, zones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nodes of ``zones`` concatenated and their offsets (len(zones) + 1)."""
        counts = self.start[np.asarray(zones) + 1] - self.start[zones]
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        index = np.repeat(self.start[zones] - offsets[:-1], counts) + np.arange(offsets[-1])
        return self.node[index], offsets

    def contains(self, zone: np.ndarray, node: np.ndarray) -> np.ndarray:
        """Whether ``node[i]`` is in the set of ``zone[i]`` (elementwise)."""
        owner = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.start))
        n = np.int64(1) << 32
        return np.isin(np.asarray(zone, np.int64) * n + np.asarray(node, np.int64), owner * n + self.node)


def origin_sets(city: City) -> NodeSets:
    """Each zone's trip origins: its residential buildings' nodes weighted by residents (the zone's
    node when it has no resident)."""
    b, zones = city.buildings, city.zones
    homes = b.residents > 0
    empty = np.setdiff1d(np.arange(len(zones)), b.zone[homes])
    return NodeSets.from_groups(
        np.concatenate([b.zone[homes], empty]),
        np.concatenate([b.node[homes], zones.node[empty]]),
        np.concatenate([b.residents[homes].astype(np.float64), np.ones(len(empty))]),
        len(zones),
    )


def connector_sets(city: City, per_zone: int) -> NodeSets:
    """Up to ``per_zone`` connectors of each zone, spread over its buildings (see the module doc).

    A zone without buildings keeps its zone node.
    """
    b, zones, net = city.buildings, city.zones, city.network
    activity = NodeSets.from_groups(b.zone, b.node, b.residents + b.jobs + 1e-9, len(zones))
    empty = np.flatnonzero(np.diff(activity.start) == 0)
    owner = np.repeat(np.arange(len(zones)), np.diff(activity.start))
    x, y, w = net.node_x[activity.node], net.node_y[activity.node], activity.weight
    cx = np.bincount(owner, weights=w * x, minlength=len(zones))[owner]
    cy = np.bincount(owner, weights=w * y, minlength=len(zones))[owner]
    angle = np.mod(np.arctan2(y - cy, x - cx), 2.0 * np.pi)
    sector = np.minimum((angle * per_zone / (2.0 * np.pi)).astype(np.int64), per_zone - 1)
    group = owner * per_zone + sector
    n_groups = len(zones) * per_zone
    group_w = np.bincount(group, weights=w, minlength=n_groups)
    gx = np.bincount(group, weights=w * x, minlength=n_groups)[group] / group_w[group]
    gy = np.bincount(group, weights=w * y, minlength=n_groups)[group] / group_w[group]
    gap = np.hypot(x - gx, y - gy)
    order = np.lexsort((activity.node, gap, group))  # per sector: nearest its centre, then lowest node
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    return NodeSets.from_groups(
        np.concatenate([owner[first], empty]),
        np.concatenate([activity.node[first], zones.node[empty]]),
        np.concatenate([group_w[group[first]], np.ones(len(empty))]),
        len(zones),
    )


def zone_skim(
    network: RoadNetwork, link_time_s: np.ndarray, origins: NodeSets, connectors: NodeSets
) -> np.ndarray:
    """Zone-to-zone times (zones x zones, seconds): from each origin zone's origin nodes (mean
    weighted by residents, over those that reach the destination) to the nearest connector of
    each destination zone; inf when none reaches it."""
    to_zone = times_to_destinations(network, link_time_s, connectors.node, connectors.start)
    times = to_zone[:, origins.node]  # destination zones x origin nodes, grouped by origin zone
    reach = np.isfinite(times)
    first = np.minimum(origins.start[:-1], len(origins.node) - 1)
    total = np.add.reduceat(np.where(reach, times, 0.0) * origins.weight, first, axis=1)
    share = np.add.reduceat(reach * origins.weight, first, axis=1)
    share[:, np.diff(origins.start) == 0] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(share > 0, total / share, np.inf).T
