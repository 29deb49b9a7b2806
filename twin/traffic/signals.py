"""Fixed-time signals at intersections: per-link green windows the loading kernel obeys.

A :class:`SignalPlan` gives every link a cycle (0: no signal), the cycle time at which its green
begins and the green duration, seconds. A signalised link discharges only during its green, at
its capacity (the saturation flow), so its effective capacity is ``capacity x green / cycle``.

:func:`fixed_time_plan` builds the default two-phase plans: at each chosen node the approaches
(incoming links) are grouped by heading into two phases along the axis of the highest-capacity
approach (within 45 degrees of it, either direction: phase 1; otherwise phase 2); the cycle less
the lost time (``lost_time_s`` per phase) is split between the phases in proportion to their
critical (highest) approach capacity, each phase getting at least ``MIN_GREEN_S``; nodes of
neighbouring signals are offset by nothing (no coordination). Webster's method splits the green
by the critical flow ratios; without a demand estimate the approach capacities stand in for it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city import RoadNetwork
from twin.errors import TwinInputError
from twin.traffic.config import MIN_GREEN_S, SIGNAL_MODES

COLLECTOR_CLASS, ARTERIAL_CLASS = 1, 2
"""``RoadNetwork.link_class`` of a collector and of an arterial (``twin.city.LINK_CLASSES``);
higher is a highway."""


@dataclasses.dataclass(frozen=True)
class SignalPlan:
    """Per-link fixed-time signal timings, seconds (cycle 0: the link has no signal)."""

    cycle_s: np.ndarray
    start_s: np.ndarray
    green_s: np.ndarray

    @classmethod
    def none(cls, n_links: int) -> SignalPlan:
        """No signals on ``n_links`` links."""
        return cls(np.zeros(n_links), np.zeros(n_links), np.zeros(n_links))

    @property
    def green_share(self) -> np.ndarray:
        """Green over cycle per link (1 without a signal): the effective share of the capacity."""
        return np.where(self.cycle_s > 0, self.green_s / np.where(self.cycle_s > 0, self.cycle_s, 1.0), 1.0)

    @property
    def red_delay_s(self) -> np.ndarray:
        """Mean wait at red of a vehicle arriving at random, ``red^2 / (2 cycle)``, seconds (0 without
        a signal): the uniform delay of Webster's formula at low flow."""
        red = self.cycle_s - self.green_s
        return np.where(self.cycle_s > 0, red**2 / (2.0 * np.where(self.cycle_s > 0, self.cycle_s, 1.0)), 0.0)

    @property
    def signalised_links(self) -> int:
        """How many links have a signal (approaches of signalised nodes)."""
        return int((self.cycle_s > 0).sum())


def signal_nodes(network: RoadNetwork, mode: str) -> np.ndarray:
    """Boolean per node: whether ``mode`` (see :data:`SIGNAL_MODES`) signalises it."""
    n_in = np.diff(network.in_start)
    if mode == "none":
        return np.zeros(network.n_nodes, dtype=bool)
    if mode == "all":
        return n_in >= 3
    if mode != "arterials":
        raise TwinInputError(f"signal mode {mode!r}: allowed {', '.join(SIGNAL_MODES)}")
    cls = network.link_class[network.in_links]
    node_of = np.repeat(np.arange(network.n_nodes), n_in)
    n_arterial = np.bincount(node_of[cls >= ARTERIAL_CLASS], minlength=network.n_nodes)
    n_collector = np.bincount(node_of[cls >= COLLECTOR_CLASS], minlength=network.n_nodes)
    return (n_collector >= 3) & (n_arterial >= 2)


def fixed_time_plan(
    network: RoadNetwork, capacity_vph: np.ndarray, mode: str, cycle_s: float, lost_time_s: float
) -> SignalPlan:
    """Two-phase fixed-time signals at the nodes ``mode`` picks (see the module docstring).

    Args:
        network: the road graph.
        capacity_vph: per-link capacity (saturation flow of an approach), vehicles/hour.
        mode: one of :data:`SIGNAL_MODES`.
        cycle_s: cycle length, seconds.
        lost_time_s: lost time per phase (start-up plus clearance), seconds.
    """
    plan = SignalPlan.none(network.n_links)
    dx = network.node_x[network.link_to] - network.node_x[network.link_from]
    dy = network.node_y[network.link_to] - network.node_y[network.link_from]
    heading = np.arctan2(dy, dx)
    effective = cycle_s - 2.0 * lost_time_s
    for node in np.flatnonzero(signal_nodes(network, mode)):
        links = network.in_links[network.in_start[node] : network.in_start[node + 1]]
        cap = capacity_vph[links]
        axis = heading[links[np.argmax(cap)]]
        off_axis = np.abs(np.sin(heading[links] - axis)) > np.sqrt(0.5)  # more than 45 degrees off
        if off_axis.all() or not off_axis.any():
            continue  # one heading only: nothing to separate
        crit_axis, crit_off = cap[~off_axis].max(), cap[off_axis].max()
        floor = min(MIN_GREEN_S, effective / 2.0)
        first = min(max(effective * crit_axis / (crit_axis + crit_off), floor), effective - floor)
        green = np.array([first, effective - first])
        phase = off_axis.astype(np.int64)
        plan.cycle_s[links] = cycle_s
        plan.green_s[links] = green[phase]
        plan.start_s[links] = np.where(phase == 0, 0.0, green[0] + lost_time_s)
    return plan
