"""Fixed-time signals at intersections: per-link green windows the loading kernel obeys.

A :class:`SignalPlan` gives every link a cycle (0: no signal), the cycle time at which its green
begins and the green duration, seconds, and its saturation flow. A signalised link discharges
only during its green, at the saturation flow, so its effective capacity is ``saturation x green
/ cycle``. The seed city's link capacities of local streets and collectors (600 and 900 veh/h
per lane) stand for the delays of the junctions along them; at a signal the stop line discharges
at the saturation flow of its lanes (about 1,800 veh/h per lane: 525 pcu/h per metre of approach
width, Webster and Cobbe 1966, "Traffic signals", Road Research Technical Paper 56; HCM 2016's
base is 1,900 pc/h per lane), so a signalised approach discharges at ``max(capacity, lanes x
saturation_vph_per_lane)``.

:func:`fixed_time_plan` builds the default two-phase plans: at each chosen node the approaches
(incoming links) are grouped by heading into two phases along the axis of the highest-capacity
approach (within 45 degrees of it, either direction: phase 1; otherwise phase 2); the cycle less
the lost time (``lost_time_s`` per phase) is split between the phases in proportion to their
critical flow ratios, as in Webster's method (F. V. Webster 1958, "Traffic signal settings", Road
Research Technical Paper 39): ``y = q / s`` of the phase's most loaded lane, with the design flow
``q`` taken as the approach capacity (no demand estimate is at hand), so ``y`` is proportional
to the capacity per lane. Each phase gets at least ``MIN_GREEN_S``. Signals are not coordinated
(every cycle starts at time 0). :func:`retime` splits the green again on measured flows (the
traffic Module does so after every loaded day).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city import RoadNetwork
from twin.errors import TwinInputError
from twin.traffic.config import MIN_GREEN_S, SIGNAL_MODES

COLLECTOR_CLASS, ARTERIAL_CLASS, HIGHWAY_CLASS = 1, 2, 3
"""``RoadNetwork.link_class`` of a collector, an arterial and a highway (``twin.city.LINK_CLASSES``)."""


@dataclasses.dataclass(frozen=True)
class SignalPlan:
    """Per-link fixed-time signal timings, seconds (cycle 0: the link has no signal), and the
    saturation flow at which a signalised link discharges during green, vehicles/hour for the
    whole link (ignored where there is no signal)."""

    cycle_s: np.ndarray
    start_s: np.ndarray
    green_s: np.ndarray
    saturation_vph: np.ndarray

    @classmethod
    def none(cls, n_links: int) -> SignalPlan:
        """No signals on ``n_links`` links."""
        return cls(np.zeros(n_links), np.zeros(n_links), np.zeros(n_links), np.zeros(n_links))

    def discharge_vph(self, capacity_vph: np.ndarray) -> np.ndarray:
        """Each link's discharge rate: the saturation flow where signalised, else ``capacity_vph``."""
        return np.where(self.cycle_s > 0, self.saturation_vph, capacity_vph)

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
    """Boolean per node: whether ``mode`` (see :data:`SIGNAL_MODES`) signalises it.

    A junction with a highway approach is an interchange (grade-separated, as GB 50647-2011 plans
    expressway junctions) and never gets a signal.
    """
    if mode not in SIGNAL_MODES:
        raise TwinInputError(f"signal mode {mode!r}: allowed {', '.join(SIGNAL_MODES)}")
    n_in = np.diff(network.in_start)
    cls = network.link_class[network.in_links]
    node_of = np.repeat(np.arange(network.n_nodes), n_in)

    def approaches(least: int) -> np.ndarray:
        return np.bincount(node_of[cls >= least], minlength=network.n_nodes)

    at_grade = approaches(HIGHWAY_CLASS) == 0
    if mode == "none":
        return np.zeros(network.n_nodes, dtype=bool)
    if mode == "all":
        return (n_in >= 3) & at_grade
    return (approaches(COLLECTOR_CLASS) >= 3) & (approaches(ARTERIAL_CLASS) >= 2) & at_grade


def fixed_time_plan(
    network: RoadNetwork,
    capacity_vph: np.ndarray,
    mode: str,
    cycle_s: float,
    lost_time_s: float,
    saturation_vph_per_lane: float,
    lanes: np.ndarray | None = None,
) -> SignalPlan:
    """Two-phase fixed-time signals at the nodes ``mode`` picks (see the module docstring).

    Args:
        network: the road graph.
        capacity_vph: per-link capacity, vehicles/hour.
        mode: one of :data:`SIGNAL_MODES`.
        cycle_s: cycle length, seconds.
        lost_time_s: lost time per phase (start-up plus clearance), seconds.
        saturation_vph_per_lane: saturation flow of a signalised approach lane, vehicles/hour;
            an approach discharges during green at ``max(capacity, lanes x this)``.
        lanes: the lanes each link discharges from (default ``network.link_lanes``; a link with a
            bus lane: one less for its cars, the lane being its bus-only twin's).
    """
    lanes = network.link_lanes if lanes is None else lanes
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
        per_lane = cap / lanes[links]  # flow ratio y = q / s with q = capacity
        first = _first_green(effective, per_lane[~off_axis].max(), per_lane[off_axis].max())
        phase = off_axis.astype(np.int64)
        plan.cycle_s[links] = cycle_s
        plan.saturation_vph[links] = np.maximum(cap, lanes[links] * saturation_vph_per_lane)
        plan.green_s[links] = np.where(phase == 0, first, effective - first)
        plan.start_s[links] = np.where(phase == 0, 0.0, first + lost_time_s)
    return plan


def _first_green(effective_s: float, y_first, y_second):
    """Webster's split of ``effective_s`` seconds of green between two phases of critical flow
    ratios ``y_first`` and ``y_second`` (arrays or numbers): the first phase's green, seconds,
    each phase getting at least ``MIN_GREEN_S`` (half the green if that is less); an even split
    where both ratios are 0."""
    total = np.asarray(y_first + y_second, dtype=np.float64)
    share = np.divide(y_first, total, out=np.full(total.shape, 0.5), where=total > 0)
    floor = np.minimum(MIN_GREEN_S, effective_s / 2.0)
    return np.clip(effective_s * share, floor, effective_s - floor)


def retime(plan: SignalPlan, network: RoadNetwork, flow_vph: np.ndarray, lost_time_s: float) -> SignalPlan:
    """The same phases and cycles with the green split again by Webster's rule on measured flows.

    Each signalised node's effective green (cycle less the lost time of its two phases) is split
    in proportion to the phases' critical flow ratios ``max(flow / saturation)`` over their
    approaches; ``flow_vph`` is per link, vehicles/hour (e.g. a day's busiest 15 minutes).
    """
    signal = np.flatnonzero(plan.cycle_s > 0)
    if signal.size == 0:
        return plan
    node = network.link_to[signal]
    second = plan.start_s[signal] > 0
    y = np.asarray(flow_vph, dtype=np.float64)[signal] / plan.saturation_vph[signal]
    y_phase = np.zeros((network.n_nodes, 2))
    np.maximum.at(y_phase, (node, second.astype(np.int64)), y)
    effective = plan.cycle_s[signal] - 2.0 * lost_time_s
    first = _first_green(effective, y_phase[node, 0], y_phase[node, 1])
    green = np.where(second, effective - first, first)
    start = np.where(second, first + lost_time_s, 0.0)
    cycle, saturation = plan.cycle_s.copy(), plan.saturation_vph.copy()
    green_all, start_all = plan.green_s.copy(), plan.start_s.copy()
    green_all[signal], start_all[signal] = green, start
    return SignalPlan(cycle, start_all, green_all, saturation)
