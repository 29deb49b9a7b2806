"""Static user-equilibrium traffic assignment with BPR link costs: Frank-Wolfe and bi-conjugate Frank-Wolfe.

The problem (Beckmann): find link flows ``x`` that minimise the sum over links of the integral of
the cost ``c_a(x_a) = fft_a * (1 + b_a * (x_a / cap_a) ** power_a) + fixed_a``, subject to every
OD demand being carried on some path. At the optimum every used path of an OD pair has the least
cost (Wardrop's first principle).

Design:

- :class:`AssignmentNetwork` holds the links (any order, 0-based nodes), their BPR parameters,
  the node of each zone and the nodes paths may not pass through (TNTP centroids). It builds a
  CSR graph once, in which each such node is split in two: its outgoing links leave the original
  node, its incoming links enter a new sink node, so a path may start or end there but never pass
  through it. Dijkstra from :mod:`twin.kernels.shortest_path` runs unchanged on that graph.
- :func:`all_or_nothing` loads the demand on shortest-path trees with numba kernels: serially on
  small problems, else in parallel over a fixed number of blocks of origins (``prange``); each
  block sums into its own flow vector and the blocks are added in order, so the result is the same
  on any number of threads.
- :func:`assign` iterates: all-or-nothing on current costs gives the target ``y`` and the
  shortest-path cost; the relative gap ``(c.x - c.y) / c.x`` measures distance from equilibrium;
  the direction is ``y - x`` (Frank-Wolfe) or a conjugate combination of ``y`` with the previous
  targets (bi-conjugate Frank-Wolfe, Mitradjieva & Lindberg 2013, as AequilibraE implements
  it); the step is an exact line search on the Beckmann objective (safeguarded Newton on its
  derivative).

Iteration 1 is the all-or-nothing load at free-flow costs; each further iteration is one line
search step. The reported gap is that of the returned flows.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from functools import cached_property

import numpy as np
from numba import njit, prange

from twin.errors import TwinInputError
from twin.kernels.shortest_path import dijkstra_into, many_to_many
from twin.traffic.bpr import beckmann, bpr_cost, bpr_derivative, bpr_time

ALGORITHMS = ("fw", "bfw")
"""Frank-Wolfe and bi-conjugate Frank-Wolfe."""

_MAX_BLOCKS = 64  # blocks of origins per all-or-nothing load; fixed so results never depend on threads
_PARALLEL_WORK = 200_000  # origins x links below which one thread beats waking the others
_MAX_CONJUGATE = 0.99999  # largest weight on the previous target point (AequilibraE's limit)


@dataclasses.dataclass(frozen=True)
class _Graph:
    """The CSR graph the kernels run on (links sorted by origin, no-through nodes split)."""

    order: np.ndarray  # graph link -> input link
    out_start: np.ndarray
    link_from: np.ndarray
    link_to: np.ndarray
    fft: np.ndarray
    b: np.ndarray
    power: np.ndarray
    capacity: np.ndarray
    fixed: np.ndarray
    origin_node: np.ndarray  # per zone: graph node trips start from
    destination_node: np.ndarray  # per zone: graph node trips end at


@dataclasses.dataclass(frozen=True, eq=False)
class AssignmentNetwork:
    """Links with BPR costs and zones, ready for :func:`assign`.

    Args:
        n_nodes: number of nodes; links refer to nodes 0..n_nodes-1.
        link_from, link_to: end nodes of each link (any order; results come back in this order).
        free_flow_time: ``fft`` per link (>= 0; the unit of every time and cost in the result).
        capacity: per link, in the unit of the demand per period (> 0 where ``b`` > 0).
        b, power: BPR parameters per link (>= 0).
        fixed_cost: flow-independent cost per link (tolls, distance terms; >= 0), in time units.
        zone_node: node of each zone (trips start and end there).
        no_through: boolean per node; paths may start or end at these nodes but not pass through.
    """

    n_nodes: int
    link_from: np.ndarray
    link_to: np.ndarray
    free_flow_time: np.ndarray
    capacity: np.ndarray
    b: np.ndarray
    power: np.ndarray
    fixed_cost: np.ndarray
    zone_node: np.ndarray
    no_through: np.ndarray
    source: str = "assignment network"

    def __post_init__(self) -> None:
        for name in ("link_from", "link_to", "zone_node"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        for name in ("free_flow_time", "capacity", "b", "power", "fixed_cost"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float64))
        object.__setattr__(self, "no_through", np.asarray(self.no_through, dtype=bool))
        m = len(self.link_from)
        if m == 0:
            raise TwinInputError(f"{self.source}: no links")
        for name in ("link_to", "free_flow_time", "capacity", "b", "power", "fixed_cost"):
            if len(getattr(self, name)) != m:
                raise TwinInputError(
                    f"{self.source}: {name} has {len(getattr(self, name))} values, expected {m}"
                )
        if len(self.no_through) != self.n_nodes:
            raise TwinInputError(f"{self.source}: no_through has {len(self.no_through)} values, "
                                 f"expected {self.n_nodes}")
        for name in ("link_from", "link_to", "zone_node"):
            a = getattr(self, name)
            if len(a) and (a.min() < 0 or a.max() >= self.n_nodes):
                raise TwinInputError(f"{self.source}: {name} refers to nodes outside 0..{self.n_nodes - 1}")
        for name in ("free_flow_time", "b", "power", "fixed_cost"):
            a = getattr(self, name)
            bad = np.flatnonzero(~np.isfinite(a) | (a < 0))
            if bad.size:
                raise TwinInputError(f"{self.source}: {name} must be finite and >= 0 (link {bad[0]})")
        bad = np.flatnonzero(~(self.capacity > 0) & (self.b > 0))
        if bad.size:
            raise TwinInputError(f"{self.source}: capacity must be > 0 where b > 0 (link {bad[0]})")

    @classmethod
    def from_tntp(cls, net) -> AssignmentNetwork:
        """From a :class:`~twin.traffic.tntp.TntpNetwork`: zone z is node z, nodes below FIRST THRU NODE
        are not passed through, the fixed cost is ``TOLL FACTOR * toll + DISTANCE FACTOR * length``."""
        no_through = np.zeros(net.n_nodes, dtype=bool)
        no_through[: max(net.first_thru_node - 1, 0)] = True
        return cls(
            n_nodes=net.n_nodes, link_from=net.init_node - 1, link_to=net.term_node - 1,
            free_flow_time=net.free_flow_time, capacity=net.capacity, b=net.b, power=net.power,
            fixed_cost=net.fixed_cost, zone_node=np.arange(net.n_zones, dtype=np.int64),
            no_through=no_through, source=str(net.path),
        )

    @classmethod
    def from_road_network(
        cls,
        network,
        zone_node: np.ndarray,
        *,
        b: float = 0.15,
        power: float = 4.0,
        free_flow_time_s: np.ndarray | None = None,
        capacity_vph: np.ndarray | None = None,
    ) -> AssignmentNetwork:
        """From a :class:`~twin.city.RoadNetwork`: times in seconds, capacities in vehicles/hour.

        Args:
            network: the road network (its ``free_flow_time_s`` and ``link_capacity_vph`` by default).
            zone_node: network node of each zone (e.g. ``city.zones.node``); several zones may share one.
            b, power: BPR parameters for every link.
            free_flow_time_s, capacity_vph: per-link overrides (scenario levers, closures as long times).
        """
        fft = network.free_flow_time_s if free_flow_time_s is None else free_flow_time_s
        cap = network.link_capacity_vph if capacity_vph is None else capacity_vph
        m = network.n_links
        return cls(
            n_nodes=network.n_nodes, link_from=network.link_from, link_to=network.link_to,
            free_flow_time=np.asarray(fft, dtype=np.float64), capacity=np.asarray(cap, dtype=np.float64),
            b=np.full(m, b), power=np.full(m, power), fixed_cost=np.zeros(m),
            zone_node=np.asarray(zone_node, dtype=np.int64), no_through=np.zeros(network.n_nodes, dtype=bool),
            source="road network",
        )

    @property
    def n_links(self) -> int:
        return len(self.link_from)

    @property
    def n_zones(self) -> int:
        return len(self.zone_node)

    @cached_property
    def graph(self) -> _Graph:
        """The CSR graph the kernels use (built once)."""
        sink = np.full(self.n_nodes, -1, dtype=np.int64)
        blocked = np.flatnonzero(self.no_through)
        sink[blocked] = self.n_nodes + np.arange(blocked.size)
        n_graph = self.n_nodes + blocked.size
        link_from = np.asarray(self.link_from, dtype=np.int64)
        link_to = np.asarray(self.link_to, dtype=np.int64)
        link_to = np.where(sink[link_to] >= 0, sink[link_to], link_to)
        order = np.argsort(link_from, kind="stable")
        out_start = np.zeros(n_graph + 1, dtype=np.int64)
        out_start[1:] = np.cumsum(np.bincount(link_from, minlength=n_graph))
        capacity = np.where(self.b > 0, self.capacity, 1.0)  # capacity is irrelevant when b == 0

        def column(a, dtype=np.float64):
            return np.ascontiguousarray(np.asarray(a)[order], dtype=dtype)

        zone = np.asarray(self.zone_node, dtype=np.int64)
        return _Graph(
            order=order, out_start=out_start, link_from=column(link_from, np.int64),
            link_to=column(link_to, np.int64), fft=column(self.free_flow_time), b=column(self.b),
            power=column(self.power), capacity=column(capacity), fixed=column(self.fixed_cost),
            origin_node=zone, destination_node=np.where(sink[zone] >= 0, sink[zone], zone),
        )


@dataclasses.dataclass(frozen=True, eq=False)
class AssignmentResult:
    """An equilibrium (or the last iterate): per-link arrays in the network's link order.

    Times and costs are in the unit of the free-flow times; flows in the unit of the demand.

    Attributes:
        algorithm: "fw" or "bfw".
        flow: link flows.
        time: BPR travel time of each link at its flow.
        cost: generalized cost (time + fixed cost) of each link at its flow.
        zone_cost: least generalized cost between zones at the final costs (zones x zones, 0 on the
            diagonal, inf where unreachable): the skim for accessibility.
        tstt: total system travel time, sum of flow x time.
        beckmann: the Beckmann objective at the flows.
        relative_gap: ``(c.x - c.y) / c.x`` of the returned flows (y: all-or-nothing on their costs).
        gap_history: relative gap after each iteration (length ``iterations``).
        iterations: iterations done (iteration 1 is the free-flow all-or-nothing load).
        converged: whether ``relative_gap`` reached the target.
        seconds: wall-clock seconds of the iterations.
    """

    algorithm: str
    flow: np.ndarray
    time: np.ndarray
    cost: np.ndarray
    zone_cost: np.ndarray
    tstt: float
    beckmann: float
    relative_gap: float
    gap_history: np.ndarray
    iterations: int
    converged: bool
    seconds: float

    def summary(self) -> dict:
        """The headline figures as plain JSON-ready values."""
        return {
            "algorithm": self.algorithm, "tstt": self.tstt, "beckmann": self.beckmann,
            "relative_gap": self.relative_gap, "iterations": self.iterations,
            "converged": self.converged, "seconds": round(self.seconds, 4),
        }


# -- kernels ------------------------------------------------------------------------------------
@njit(cache=True)
def load_origins(out_start, link_from, link_to, cost, origins, destinations, demand, first, last, flow):
    """Add the all-or-nothing load of origins ``first..last-1`` to ``flow``; returns sum of demand x cost.

    Serial: one Dijkstra per origin, then each node of the shortest-path tree passes its load to
    its parent, leaves first (Kahn's order on the tree, robust to zero-cost links). The sum is
    inf if some demand cannot reach its destination.
    """
    n = out_start.shape[0] - 1
    dist = np.empty(n)
    pred = np.empty(n, dtype=np.int64)
    load = np.empty(n)
    children = np.empty(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    source = np.empty(1, dtype=np.int64)
    total = 0.0
    for o in range(first, last):
        source[0] = origins[o]
        dijkstra_into(out_start, link_to, cost, source, dist, pred)
        load[:] = 0.0
        for j in range(destinations.shape[0]):
            trips = demand[o, j]
            if trips > 0.0:
                load[destinations[j]] += trips
                total += trips * dist[destinations[j]]
        children[:] = 0
        for v in range(n):
            if pred[v] >= 0:
                children[link_from[pred[v]]] += 1
        size = 0
        for v in range(n):
            if children[v] == 0 and pred[v] >= 0:
                queue[size] = v
                size += 1
        head = 0
        while head < size:
            v = queue[head]
            head += 1
            link = pred[v]
            parent = link_from[link]
            flow[link] += load[v]
            load[parent] += load[v]
            children[parent] -= 1
            if children[parent] == 0 and pred[parent] >= 0:
                queue[size] = parent
                size += 1
    return total


@njit(cache=True, parallel=True)
def load_blocks(out_start, link_from, link_to, cost, origins, destinations, demand, n_blocks):
    """:func:`load_origins` over ``n_blocks`` contiguous blocks of origins in parallel.

    Each block accumulates into its own row and the rows are summed in block order, so the result
    does not depend on the number of threads.
    """
    m = link_to.shape[0]
    n_origins = origins.shape[0]
    block_flow = np.zeros((n_blocks, m))
    block_cost = np.zeros(n_blocks)
    for blk in prange(n_blocks):
        block_cost[blk] = load_origins(out_start, link_from, link_to, cost, origins, destinations, demand,
                                       blk * n_origins // n_blocks, (blk + 1) * n_origins // n_blocks,
                                       block_flow[blk])
    flow = np.zeros(m)
    total = 0.0
    for blk in range(n_blocks):
        total += block_cost[blk]
        for a in range(m):
            flow[a] += block_flow[blk, a]
    return flow, total


def all_or_nothing(graph: _Graph, cost: np.ndarray, origins: np.ndarray, destinations: np.ndarray,
                   demand: np.ndarray) -> tuple[np.ndarray, float]:
    """All-or-nothing link flows (graph order) of ``demand`` (origins x destinations), and demand x cost.

    Small problems (origins x links below ``_PARALLEL_WORK``) run serially, larger ones in
    ``_MAX_BLOCKS`` blocks: the choice depends on the problem only, never on the thread count.
    """
    args = (graph.out_start, graph.link_from, graph.link_to, cost, origins, destinations, demand)
    if not _in_blocks(origins.size, graph.link_to.size):
        flow = np.zeros(graph.link_to.size)
        return flow, load_origins(*args, 0, origins.size, flow)
    return load_blocks(*args, min(origins.size, _MAX_BLOCKS))


@njit(cache=True)
def line_search(flow, direction, fft, b, power, capacity, fixed):
    """Step in [0, 1] minimising the Beckmann objective along ``flow + step * direction``.

    Finds the root of the derivative ``sum(direction * cost(flow + step * direction))``, which
    increases with the step because costs increase with flow: Newton steps kept inside a
    shrinking bracket (bisection when a Newton step would leave it), to double precision.
    """
    lo, hi = 0.0, 1.0
    slope_hi, _ = _slope(flow, direction, 1.0, fft, b, power, capacity, fixed)
    if slope_hi <= 0.0:
        return 1.0
    slope_lo, _ = _slope(flow, direction, 0.0, fft, b, power, capacity, fixed)
    if slope_lo >= 0.0:
        return 0.0
    step = slope_lo / (slope_lo - slope_hi)  # secant start
    for _ in range(200):
        slope, curvature = _slope(flow, direction, step, fft, b, power, capacity, fixed)
        if slope == 0.0:
            return step
        if slope < 0.0:
            lo = step
        else:
            hi = step
        new = step - slope / curvature if curvature > 0.0 else -1.0
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - step) <= 1e-15 or hi - lo <= 1e-15:
            return new
        step = new
    return step


@njit(cache=True)
def _slope(flow, direction, step, fft, b, power, capacity, fixed):
    """Derivative of the Beckmann objective along ``direction`` at ``step``, and its second derivative."""
    slope = 0.0
    curvature = 0.0
    for a in range(flow.shape[0]):
        d = direction[a]
        if d != 0.0:
            x = max(flow[a] + step * d, 0.0)
            ratio = x / capacity[a]
            p = power[a]
            slope += d * (fixed[a] + fft[a] * (1.0 + b[a] * ratio**p))
            if x > 0.0:
                curvature += d * d * fft[a] * b[a] * p / capacity[a] * ratio ** (p - 1.0)
    return slope, curvature


# -- the algorithm -------------------------------------------------------------------------------
class _Conjugates:
    """Bi-conjugate Frank-Wolfe target points: s_{k-1}, s_{k-2} and the last step (Mitradjieva &
    Lindberg 2013). Holds 0, 1 or 2 previous targets; a full step (step ~ 1) restarts it."""

    def __init__(self) -> None:
        self.previous: list[np.ndarray] = []
        self.step = 0.0

    def target(self, x: np.ndarray, y: np.ndarray, hessian: np.ndarray) -> np.ndarray:
        """The next target point s_k; the search direction is s_k - x."""
        if not self.previous:
            return y
        if len(self.previous) == 1:  # conjugate Frank-Wolfe: s = a s_{k-1} + (1 - a) y
            s1 = self.previous[0]
            d1 = hessian * (s1 - x)
            den = d1 @ (y - s1)
            alpha = (d1 @ (y - x)) / den if den != 0.0 else 0.0
            alpha = min(max(alpha, 0.0), _MAX_CONJUGATE)
            return alpha * s1 + (1.0 - alpha) * y
        s1, s2 = self.previous
        tau = self.step
        d1 = s1 - x  # the previous direction, shortened
        d2 = tau * s1 - x + (1.0 - tau) * s2  # the one before, seen from x
        g = y - x
        h2 = hessian * d2
        den = h2 @ (s2 - s1)
        mu = max(-(h2 @ g) / den if den != 0.0 else 0.0, 0.0)
        h1 = hessian * d1
        den = h1 @ d1
        nu = max((-(h1 @ g) / den if den != 0.0 else 0.0) + mu * tau / (1.0 - tau), 0.0)
        beta0 = 1.0 / (1.0 + mu + nu)
        return beta0 * y + nu * beta0 * s1 + mu * beta0 * s2

    def record(self, target: np.ndarray, step: float) -> None:
        if step >= _MAX_CONJUGATE:
            self.previous = []
            return
        self.previous = [target] + self.previous[:1]
        self.step = step


def assign(
    network: AssignmentNetwork,
    demand: np.ndarray,
    *,
    algorithm: str = "bfw",
    gap: float = 1e-4,
    max_iterations: int = 1000,
) -> AssignmentResult:
    """User-equilibrium link flows for ``demand`` (zones x zones) on ``network``.

    Args:
        network: links, BPR parameters and zones.
        demand: trips per period from zone i (row) to zone j (column); the diagonal is ignored.
        algorithm: "bfw" (bi-conjugate Frank-Wolfe, default) or "fw" (Frank-Wolfe).
        gap: stop when the relative gap is at most this (> 0).
        max_iterations: stop after this many iterations (>= 1) even if the gap is larger.

    Raises:
        TwinInputError: bad arguments, or demand between zones that no path connects.
    """
    if algorithm not in ALGORITHMS:
        raise TwinInputError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    if not gap > 0:
        raise TwinInputError(f"gap must be > 0, got {gap}")
    if max_iterations < 1:
        raise TwinInputError(f"max_iterations must be >= 1, got {max_iterations}")
    demand = np.array(demand, dtype=np.float64)
    if demand.shape != (network.n_zones, network.n_zones):
        raise TwinInputError(
            f"demand must be {network.n_zones} x {network.n_zones} (zones), got {demand.shape}"
        )
    if not np.all(np.isfinite(demand)) or demand.min(initial=0.0) < 0:
        raise TwinInputError("demand must be finite and >= 0")
    np.fill_diagonal(demand, 0.0)  # intrazonal trips never load the network
    g = network.graph
    origins, destinations, od = _od_by_node(g, demand)
    params = (g.fft, g.b, g.power, g.capacity, g.fixed)

    def load(cost):
        return all_or_nothing(g, cost, origins, destinations, od)

    start = time.perf_counter()
    cost = np.empty_like(g.fft)
    hessian = np.empty_like(g.fft)
    bpr_cost(np.zeros_like(g.fft), *params, cost)
    x, shortest = load(cost)
    if not np.isfinite(shortest):
        _raise_unreachable(network, demand)
    conjugates = _Conjugates()
    history = []
    while True:
        bpr_cost(x, *params, cost)
        y, shortest = load(cost)
        total = float(cost @ x)
        history.append((total - shortest) / total if total > 0 else 0.0)
        if history[-1] <= gap or len(history) >= max_iterations:
            break
        if algorithm == "bfw":
            bpr_derivative(x, g.fft, g.b, g.power, g.capacity, hessian)
            target = conjugates.target(x, y, hessian)
            if cost @ (target - x) >= 0.0:  # not a descent direction: fall back to Frank-Wolfe
                conjugates = _Conjugates()
                target = y
        else:
            target = y
        step = line_search(x, target - x, *params)
        x = np.maximum(x + step * (target - x), 0.0)
        if algorithm == "bfw":
            conjugates.record(target, step)
    seconds = time.perf_counter() - start
    travel_time = bpr_time(x, g.fft, g.b, g.power, g.capacity)
    zone_cost = many_to_many(g.out_start, g.link_to, cost, g.origin_node, g.destination_node)
    np.fill_diagonal(zone_cost, 0.0)
    return AssignmentResult(
        algorithm=algorithm, flow=_input_order(g, x), time=_input_order(g, travel_time),
        cost=_input_order(g, cost), zone_cost=zone_cost, tstt=float(x @ travel_time),
        beckmann=float(beckmann(x, *params)), relative_gap=history[-1], gap_history=np.array(history),
        iterations=len(history), converged=history[-1] <= gap, seconds=seconds,
    )


def relative_gap(network: AssignmentNetwork, demand: np.ndarray, flow: np.ndarray) -> float:
    """Relative gap ``(c.x - c.y) / c.x`` of given link flows (network order), e.g. a published solution.

    ``c`` is the generalized cost at ``flow`` and ``y`` the all-or-nothing load of ``demand`` on it.
    """
    g = network.graph
    x = np.ascontiguousarray(np.asarray(flow, dtype=np.float64)[g.order])
    demand = np.array(demand, dtype=np.float64)
    np.fill_diagonal(demand, 0.0)
    cost = np.empty_like(x)
    bpr_cost(x, g.fft, g.b, g.power, g.capacity, g.fixed, cost)
    _, shortest = all_or_nothing(g, cost, *_od_by_node(g, demand))
    total = float(cost @ x)
    return (total - shortest) / total if total > 0 else 0.0


def assign_road_network(
    network, zone_node: np.ndarray, demand_vph: np.ndarray, **options
) -> AssignmentResult:
    """Equilibrium on a :class:`~twin.city.RoadNetwork` with BPR (b 0.15, power 4) on its capacities.

    ``demand_vph`` is vehicles per hour between zones (rows: origin); times in the result are
    seconds. ``options`` go to :func:`assign` (algorithm, gap, max_iterations). For repeated runs,
    build :meth:`AssignmentNetwork.from_road_network` once and call :func:`assign`.
    """
    return assign(AssignmentNetwork.from_road_network(network, zone_node), demand_vph, **options)


def _in_blocks(n_origins: int, n_links: int) -> bool:
    """Whether all-or-nothing loads of ``n_origins`` origins on ``n_links`` links run in parallel blocks."""
    return n_origins * n_links >= _PARALLEL_WORK


def uses_blocks(network: AssignmentNetwork, demand: np.ndarray) -> bool:
    """Whether :func:`assign` of ``demand`` on ``network`` loads flows in parallel blocks
    (:func:`load_blocks`), so that a warm-up loads that kernel only when the run needs it."""
    demand = np.array(demand, dtype=np.float64)
    np.fill_diagonal(demand, 0.0)
    return _in_blocks(_od_by_node(network.graph, demand)[0].size, network.graph.link_to.size)


def warm_up(algorithms: Iterable[str] = ALGORITHMS, blocks: bool = True) -> float:
    """Compile (or load from numba's cache) the kernels of :func:`assign`; returns the seconds taken.

    Two routes between two zones on a 3-node network, congested, so that both algorithms take
    line-search steps (and bi-conjugate directions) as on a real network. Call it before timing
    :func:`assign`, so that the timing excludes the first-call cost. The defaults cover every
    kernel; ``algorithms`` and ``blocks`` (see :func:`uses_blocks`) narrow it to one run's.
    """
    start = time.perf_counter()
    network = AssignmentNetwork(
        n_nodes=3, link_from=np.array([0, 0, 2, 1]), link_to=np.array([1, 2, 1, 0]),
        free_flow_time=np.array([1.0, 0.6, 0.6, 1.0]), capacity=np.ones(4), b=np.full(4, 0.15),
        power=np.full(4, 4.0), fixed_cost=np.zeros(4), zone_node=np.array([0, 1]),
        no_through=np.zeros(3, dtype=bool), source="warm-up",
    )
    demand = np.array([[0.0, 10.0], [1.0, 0.0]])
    for algorithm in algorithms:
        assign(network, demand, algorithm=algorithm, gap=1e-12, max_iterations=4)
    if blocks:
        g = network.graph
        load_blocks(g.out_start, g.link_from, g.link_to, g.fft, g.origin_node, g.destination_node, demand, 2)
    return time.perf_counter() - start


def _od_by_node(g: _Graph, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand aggregated onto the distinct origin and destination graph nodes that carry trips."""
    rows = np.flatnonzero(demand.sum(axis=1) > 0)
    cols = np.flatnonzero(demand.sum(axis=0) > 0)
    origins, o_index = np.unique(g.origin_node[rows], return_inverse=True)
    destinations, d_index = np.unique(g.destination_node[cols], return_inverse=True)
    od = np.zeros((origins.size, destinations.size))
    np.add.at(od, (o_index[:, None], d_index[None, :]), demand[np.ix_(rows, cols)])
    return origins.astype(np.int64), destinations.astype(np.int64), od


def _input_order(g: _Graph, values: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[g.order] = values
    out.flags.writeable = False
    return out


def _raise_unreachable(network: AssignmentNetwork, demand: np.ndarray) -> None:
    g = network.graph
    costs = many_to_many(g.out_start, g.link_to, g.fft, g.origin_node, g.destination_node)
    bad = np.argwhere((demand > 0) & ~np.isfinite(costs))
    i, j = bad[0]
    raise TwinInputError(
        f"{network.source}: {bad.shape[0]} OD pairs with trips have no path "
        f"(first: zone {i + 1} to zone {j + 1}, {demand[i, j]:g} trips)"
    )
