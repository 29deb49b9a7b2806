"""Dynamic network loading: trips in, vehicle rows moved through link queues by a numba kernel.

:class:`DynamicLoading` owns the state arrays of :mod:`twin.traffic.loading_kernel` and advances
them in chunks: before each chunk it measures the current link times (free-flow time plus the
queue waiting to leave divided by the capacity), recomputes the times to every destination, and
for fixed routes gives the rows departing in the chunk their paths. Between chunks a caller
(the traffic Module on the SimPy clock, or :func:`simulate`) can read the state and change the
extra vehicles other modules put on the roads.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable

import numpy as np

from twin.city import RoadNetwork
from twin.errors import TwinInputError
from twin.traffic import loading_kernel as lk
from twin.traffic.config import LINK_MODELS, ROUTE_CHOICES
from twin.traffic.connectors import NodeSets
from twin.traffic.routing import RouteTables, extract_paths, times_to_destinations
from twin.traffic.signals import SignalPlan
from twin.traffic.trips import Trips


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoadingSettings:
    """Parameters of the dynamic loading.

    Attributes:
        time_step_s: kernel step, seconds (1-5); at most the shortest open link's free-flow time.
        platoon: vehicles per row (a trip of ``count`` vehicles becomes ceil(count / platoon) rows).
        route_choice: ``"fixed"`` or ``"enroute"`` (see :mod:`twin.traffic.routing`).
        link_model: ``"kinematic_wave"`` (Newell's, space frees after the backward wave has crossed
            the link) or ``"spatial_queue"`` (space frees at once); see :mod:`.loading_kernel`.
        route_update_s: how often link times and the times to destinations are recomputed.
        route_noise: relative spread of the per-vehicle tie-breaking noise on route costs.
        route_tolerance: share of the time to a destination by which a link time change must
            shift it before that destination's route table is updated (0: every table exact at
            every refresh; see :class:`~twin.traffic.routing.RouteTables`).
        record_interval_s: length of the link time-series intervals, seconds.
        horizon_s: simulated time; trips still on the road then are reported as incomplete.
    """

    time_step_s: float = 2.0
    platoon: int = 5
    route_choice: str = "enroute"
    link_model: str = "kinematic_wave"
    route_update_s: float = 300.0
    route_noise: float = 0.1
    route_tolerance: float = 0.0
    record_interval_s: float = 900.0
    horizon_s: float = 86_400.0

    def __post_init__(self) -> None:
        if not 0.1 <= self.time_step_s <= 60.0:
            raise TwinInputError(f"time step {self.time_step_s:g} s: allowed 0.1 to 60 s (1-5 s recommended)")
        if self.platoon < 1:
            raise TwinInputError(f"platoon {self.platoon}: must be at least 1 vehicle")
        if self.route_choice not in ROUTE_CHOICES:
            raise TwinInputError(f"route choice {self.route_choice!r}: allowed {', '.join(ROUTE_CHOICES)}")
        if self.link_model not in LINK_MODELS:
            raise TwinInputError(f"link model {self.link_model!r}: allowed {', '.join(LINK_MODELS)}")
        if not 0.0 <= self.route_tolerance <= 1.0:
            raise TwinInputError(f"route tolerance {self.route_tolerance:g}: allowed 0 to 1")
        if self.route_update_s < self.time_step_s:
            raise TwinInputError("route_update_s must be at least the time step")
        if self.horizon_s <= 0 or self.record_interval_s <= 0:
            raise TwinInputError("horizon_s and record_interval_s must be > 0")


@dataclasses.dataclass(frozen=True, eq=False)
class PathRows:
    """Rows that carry their own path (buses): each follows its links whatever the route choice,
    arrives at the end of them and is left out of the trip results (:meth:`DynamicLoading.summary`),
    but takes road capacity and storage, and counts in the link records, as ``size`` vehicles.

    Attributes:
        depart_s: departure of each row, seconds.
        size: vehicles (car equivalents) each row weighs, at least 1.
        path_start, path: row ``i`` drives ``path[path_start[i]:path_start[i + 1]]`` (link indices,
            at least one link, each the successor of the one before).
    """

    depart_s: np.ndarray
    size: np.ndarray
    path_start: np.ndarray
    path: np.ndarray

    def __len__(self) -> int:
        return len(self.depart_s)

    @classmethod
    def none(cls) -> PathRows:
        """No path rows."""
        return cls(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64),
                   np.zeros(0, dtype=np.int64))


def trip_rows(trips: Trips, platoon: int) -> tuple[np.ndarray, np.ndarray]:
    """Split trips into rows of at most ``platoon`` vehicles: (trip index per row, row size)."""
    n_rows = -(-trips.count.astype(np.int64) // platoon)
    trip_of_row = np.repeat(np.arange(len(trips), dtype=np.int64), n_rows)
    first = np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    rank = np.arange(len(trip_of_row)) - first
    size = np.minimum(platoon, trips.count[trip_of_row].astype(np.int64) - rank * platoon)
    return trip_of_row, size.astype(np.int32)


def backward_wave_time_s(fft_s: np.ndarray, capacity_vps: np.ndarray, storage_veh: np.ndarray,
                         row_veh: float = 1.0) -> np.ndarray:
    """Time the backward wave takes to cross each link, ``L / w``, seconds (0 where undefined).

    Triangular fundamental diagram per link (all lanes): free speed ``v = L / fft``, capacity
    ``q``, jam density ``K = storage / L``; critical density ``k_c = q / v`` and backward wave
    speed ``w = q / (K - k_c)``, so ``L / w = storage / q - fft``. A link whose jam storage does
    not exceed ``q x fft`` (``K <= k_c``, no congested branch) or without capacity gets 0: space
    frees at once there, as in the spatial queue.

    ``storage`` here is what whole rows of ``row_veh`` vehicles can fill, ``max(floor(storage_veh
    / row_veh), 1) x row_veh`` (an empty link always takes one row): each row holds its space for
    ``fft + L / w`` = that storage over ``q``, so the link passes ``q`` when saturated. On the
    full storage a 96 m one-lane street (14.4 vehicles, rows of 5: 10 fit) passed 10 vehicles
    per 40 s, 69 % of its capacity.
    """
    rows = np.maximum(np.floor(storage_veh / row_veh + 1e-9), 1.0) * row_veh
    with np.errstate(divide="ignore", invalid="ignore"):
        wave = np.where(capacity_vps > 0, rows / capacity_vps - fft_s, 0.0)
    return np.ascontiguousarray(np.maximum(wave, 0.0), dtype=np.float64)


class DynamicLoading:
    """The mesoscopic loading of ``trips`` on ``network``.

    Args:
        network: the road graph.
        trips: the demand (trips with ``count == 0`` are ignored).
        settings: see :class:`LoadingSettings`.
        capacity_vph: per-link capacity override (e.g. after a corridor lever), vehicles/hour.
        storage_veh: per-link storage override (e.g. scaled with a sampled share of the demand).
        closed: per-link boolean, links that take no vehicles.
        bus_only: per-link boolean, links only the path rows drive (bus lanes,
            :func:`twin.traffic.module.with_bus_lanes`): closed to routed rows (infinite time in
            their routes, in :attr:`closed`), open to path rows.
        signals: fixed-time signals per link (default none), see :mod:`twin.traffic.signals`.
        connectors: with zone connectors, ``trips.destination`` holds destination zones (rows of
            ``connectors``) and a row arrives at the first of its zone's connectors it reaches
            (:mod:`twin.traffic.connectors`); without, destinations are nodes.
        path_rows: rows with their own paths (buses, :class:`PathRows`), after the trips' rows
            (rows ``n_trip_rows`` on); a row whose path crosses a closed link does not run.
    """

    def __init__(
        self,
        network: RoadNetwork,
        trips: Trips,
        settings: LoadingSettings,
        *,
        capacity_vph: np.ndarray | None = None,
        storage_veh: np.ndarray | None = None,
        closed: np.ndarray | None = None,
        signals: SignalPlan | None = None,
        connectors: NodeSets | None = None,
        path_rows: PathRows | None = None,
        bus_only: np.ndarray | None = None,
    ) -> None:
        self.network = network
        self.settings = s = settings
        m = network.n_links
        shut = np.zeros(m, dtype=bool) if closed is None else np.asarray(closed, dtype=bool)
        self.link_open = (~shut).astype(np.float64)  # what every row may use
        self.closed = shut if bus_only is None else shut | np.asarray(bus_only, dtype=bool)  # to routed rows
        cap = network.link_capacity_vph if capacity_vph is None else np.asarray(capacity_vph, np.float64)
        self.capacity_vps = np.ascontiguousarray(cap, dtype=np.float64) / 3600.0
        self.fft = np.ascontiguousarray(network.free_flow_time_s, dtype=np.float64)
        storage = network.storage_veh if storage_veh is None else storage_veh
        self.storage = np.ascontiguousarray(storage, dtype=np.float64)
        self.length_m = np.ascontiguousarray(network.link_length_m, dtype=np.float64)
        open_fft = self.fft[~self.closed]
        shortest = int(np.flatnonzero(~self.closed)[np.argmin(open_fft)])
        limit = np.floor(self.fft[shortest] * 10) / 10
        if s.time_step_s > self.fft[shortest] + 1e-9:
            raise TwinInputError(
                f"time step {s.time_step_s:g} s is longer than the free-flow time of the shortest link "
                f"(link id {network.link_id[shortest]}, {self.fft[shortest]:.2f} s): a vehicle could not "
                f"cross it in one step; use a time step of at most {limit:g} s"
            )
        self.link_extra = np.zeros(m, dtype=np.float64)
        self.wave_time_s = backward_wave_time_s(self.fft, self.capacity_vps, self.storage, s.platoon)
        if s.link_model == "spatial_queue":
            self.wave_time_s[:] = 0.0
        self.signals = SignalPlan.none(m) if signals is None else signals
        self.sig_cycle, self.sig_start, self.sig_green = (
            np.ascontiguousarray(a, dtype=np.float64)
            for a in (self.signals.cycle_s, self.signals.start_s, self.signals.green_s)
        )
        self.out_vps = np.ascontiguousarray(self.signals.discharge_vph(cap), dtype=np.float64) / 3600.0
        self.effective_vps = self.out_vps * self.signals.green_share
        self.red_delay_s = self.signals.red_delay_s
        self.link_tag = np.zeros(m)  # node model priority tags, seconds
        self.node_clock = np.zeros(network.n_nodes)
        self.link_stamp = np.zeros(m, dtype=np.int64)

        # rows, sorted by departure time: the trips' rows, then the path rows
        trip_of_row, size = trip_rows(trips, s.platoon)
        own = PathRows.none() if path_rows is None else path_rows
        self.trip_of_row = trip_of_row
        self.n_trip_rows = n_trips = len(trip_of_row)
        self.n_rows = n = n_trips + len(own)
        first_links = own.path[own.path_start[:-1]]
        self.veh_origin = np.ascontiguousarray(
            np.concatenate([trips.origin[trip_of_row], network.link_from[first_links]]), dtype=np.int64)
        # row k of the route table: destination node destinations[k] (the node dest_nodes[k]), or
        # zone destinations[k] (its connectors dest_nodes[dest_start[k]:dest_start[k + 1]])
        self.destinations, dest_idx = np.unique(trips.destination[trip_of_row], return_inverse=True)
        self.veh_dest_idx = np.zeros(n, dtype=np.int64)  # path rows read no route table
        self.veh_dest_idx[:n_trips] = dest_idx
        self.dest_nodes, self.dest_start = self.destinations.astype(np.int64), None
        if connectors is not None:
            self.dest_nodes, self.dest_start = connectors.subset(self.destinations)
        self.veh_depart = np.ascontiguousarray(np.concatenate([trips.depart_s[trip_of_row], own.depart_s]),
                                               dtype=np.float64)
        self.veh_size = np.ascontiguousarray(np.concatenate([size, own.size]), dtype=np.int64)
        self.max_size = float(max(s.platoon, self.veh_size.max(initial=0)))  # budgets always pass a row
        self.veh_order = np.argsort(self.veh_depart, kind="stable").astype(np.int64)
        self.veh_link = np.full(n, lk.WAITING, dtype=np.int64)
        self.veh_ready = np.zeros(n)
        self.veh_enter = np.zeros(n)
        self.veh_arrive = np.full(n, np.nan)
        self.veh_end_node = np.full(n, -1, dtype=np.int64)  # the node each row arrived at (-1: not yet)
        self.veh_path_pos = np.zeros(n, dtype=np.int64)
        self.veh_path_first = np.zeros(n, dtype=np.int64)
        self.veh_path_len = np.zeros(n, dtype=np.int64)
        self.veh_path_end = np.zeros(n, dtype=np.int64)  # > 0: the row follows its own path to its end
        self.path_buf = np.zeros(1, dtype=np.int32)
        if len(own):
            bus = np.arange(n_trips, n)
            self.assign_paths(bus, own.path_start, own.path)
            self.veh_path_end[bus] = self.veh_path_first[bus] + self.veh_path_len[bus]
        self.path_enter = np.full(len(self.path_buf), np.nan)  # when a path row entered each link of its path

        # link queues: ring buffers sized by storage (every row is at least one vehicle)
        rows_cap = np.floor(self.storage).astype(np.int64) + 1
        self.q_off = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(rows_cap, out=self.q_off[1:])
        self.q_buf = np.zeros(self.q_off[-1], dtype=np.int64)
        self.g_time = np.zeros(self.q_off[-1])  # rows that left within a wave time: the ring behind the head
        self.g_len = np.zeros(m, dtype=np.int64)
        self.ghost = np.zeros(m)
        self.q_head = np.zeros(m, dtype=np.int64)
        self.q_len = np.zeros(m, dtype=np.int64)
        self.occ = np.zeros(m)
        self.out_budget = np.zeros(m)
        self.in_budget = np.zeros(m)
        self.budget_t = np.full(m, -s.time_step_s)
        self.node_rows = np.zeros(network.n_nodes, dtype=np.int64)
        self.max_occ = np.zeros(m)
        self.max_queue = np.zeros(m)
        self._queued = np.zeros(m, dtype=np.int64)
        self.wait_buf = np.zeros(n, dtype=np.int64)
        self.counters = np.zeros(7, dtype=np.int64)
        n_int = int(np.ceil(s.horizon_s / s.record_interval_s))
        self.rec_exits = np.zeros((n_int, m))
        self.rec_entries = np.zeros((n_int, m))
        self.rec_time = np.zeros((n_int, m))
        self.rec_vkm = np.zeros((n_int, m))

        self.t = 0.0
        self.steps_done = 0
        self.next_update = 0.0
        self._paths_until = -np.inf
        self.seconds = {"routing": 0.0, "loading": 0.0}
        self.link_time_s = self.fft.copy()
        self.link_time_s[self.closed] = np.inf
        self.routes = RouteTables(network, self.link_time_s, self.dest_nodes, self.dest_start,
                                  tolerance=s.route_tolerance)
        self.dist = self.routes.dist  # repaired in place at each refresh
        self._tables_until = np.inf  # steps up to this time read only the nodes the tables were searched to
        reach = np.ones(n, dtype=bool)
        reach[:n_trips] = np.isfinite(self.dist[self.veh_dest_idx[:n_trips], self.veh_origin[:n_trips]])
        if len(own):
            crossed = np.add.reduceat(shut[own.path].astype(np.int64), own.path_start[:-1])
            reach[n_trips:] = crossed == 0
        self.veh_link[~reach] = lk.UNREACHABLE
        self.unreachable_vehicles = int(self.veh_size[:n_trips][~reach[:n_trips]].sum())
        self.unreachable_trips = int(np.unique(trip_of_row[~reach[:n_trips]]).size)
        self.unrun_path_rows = int((~reach[n_trips:]).sum())

    def route_table(self, link_time_s: np.ndarray) -> np.ndarray:
        """Time from every node to each destination on ``link_time_s`` (n_dest x n_nodes, seconds)."""
        return times_to_destinations(self.network, link_time_s, self.dest_nodes, self.dest_start)

    # -- stepping --------------------------------------------------------------------------------
    def current_link_times(self) -> np.ndarray:
        """Free-flow time, plus the mean red wait at a signal, plus the waiting queue over the
        effective capacity (capacity x green / cycle), per link, seconds (inf when closed)."""
        lk.queued_vehicles(
            self.t,
            self.q_off,
            self.q_head,
            self.q_len,
            self.q_buf,
            self.veh_ready,
            self.veh_size,
            self._queued,
        )
        np.maximum(self.max_queue, self._queued, out=self.max_queue)
        with np.errstate(divide="ignore"):
            times = self.fft + self.red_delay_s + self._queued / self.effective_vps
        times[self.closed] = np.inf
        return times

    def queued_vehicles(self) -> np.ndarray:
        """Vehicles standing in each link's queue now (reached the link end, not yet left)."""
        self.current_link_times()
        return self._queued.copy()

    def _update_routes(self) -> None:
        start = time.perf_counter()
        s = self.settings
        times = self.current_link_times()
        self.link_time_s = times
        self.next_update = self.t + s.route_update_s
        need = self._read_until(self.next_update) if s.route_tolerance == 0 else None
        self.routes.update(times, self._on_way_tables(), need)
        if s.route_choice == "fixed":
            depart = self.veh_depart[self.veh_order]
            due = self.veh_order[(depart >= self._paths_until) & (depart < self.next_update)]
            self._paths_until = self.next_update
            due = due[self.veh_link[due] == lk.WAITING]
            due = due[self.veh_path_len[due] == 0]
            if due.size:
                starts, links = extract_paths(due, self.veh_origin, self.veh_dest_idx,
                                              self.network.out_start, self.network.link_to,
                                              self.link_time_s, self.dist, s.route_noise)
                self.assign_paths(due, starts, links)
        self.seconds["routing"] += time.perf_counter() - start

    def _on_way_tables(self) -> np.ndarray:
        """Per destination, whether a row still heads there (its table is still read)."""
        on_way = (self.veh_link != lk.ARRIVED) & (self.veh_link != lk.UNREACHABLE) & (self.veh_path_end == 0)
        return np.bincount(self.veh_dest_idx[on_way], minlength=len(self.dist)) > 0

    def _read_until(self, until_s: float) -> tuple[np.ndarray, np.ndarray]:
        """The nodes at which each destination's table is read before ``until_s`` (start offsets
        per destination, nodes): where the rows on links reach their link's end, and the origins
        of the rows waiting there or departing before then (a row only moves on to nodes nearer
        its destination). A step after ``until_s`` needs the tables in full (:meth:`step`)."""
        routed = self.veh_path_end == 0  # path rows read no table
        on_link = np.flatnonzero((self.veh_link >= 0) & routed)
        leaving = np.flatnonzero((self.veh_link == lk.WAITING) & routed
                                 & (self.veh_depart < until_s + self.settings.time_step_s))
        rows = np.concatenate([on_link, leaving])
        nodes = np.concatenate([self.network.link_to[self.veh_link[on_link]], self.veh_origin[leaving]])
        dest = self.veh_dest_idx[rows]
        order = np.argsort(dest, kind="stable")
        start = np.zeros(len(self.dist) + 1, dtype=np.int64)
        np.cumsum(np.bincount(dest, minlength=len(self.dist)), out=start[1:])
        self._tables_until = until_s
        return start, nodes[order].astype(np.int64)

    def assign_paths(self, rows: np.ndarray, starts: np.ndarray, links: np.ndarray) -> None:
        """Give ``rows`` fixed paths (``links[starts[i]:starts[i+1]]`` for ``rows[i]``) before they depart."""
        self.veh_path_first[rows] = len(self.path_buf) + starts[:-1]
        self.veh_path_pos[rows] = self.veh_path_first[rows]  # the kernel moves it along the path
        self.veh_path_len[rows] = np.diff(starts)
        self.path_buf = np.concatenate([self.path_buf, np.asarray(links, dtype=np.int32)])

    def paths(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row's fixed path as (start offsets, links), empty for rows without one."""
        starts = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(self.veh_path_len, out=starts[1:])
        index = np.repeat(self.veh_path_first - starts[:-1], self.veh_path_len) + np.arange(starts[-1])
        return starts, self.path_buf[index]

    def advance(self, until_s: float) -> None:
        """Run the kernel up to time ``until_s`` (whole steps; never past the horizon)."""
        s = self.settings
        until_s = min(until_s, s.horizon_s)
        while self.t < until_s - 1e-9:
            if self.t >= self.next_update - 1e-9:
                self._update_routes()
            stop = min(until_s, self.next_update)
            n_steps = max(1, int(np.ceil((stop - self.t) / s.time_step_s - 1e-9)))
            self.step(n_steps)

    def step(self, n_steps: int = 1) -> None:
        """Run exactly ``n_steps`` kernel steps (routes as last updated)."""
        s = self.settings
        net = self.network
        if self.t + (n_steps - 1) * s.time_step_s > self._tables_until + 1e-6:
            self.routes.update(self.link_time_s, self._on_way_tables())  # past the nodes prepared for
            self._tables_until = np.inf
        start = time.perf_counter()
        lk.run_steps(
            self.t,
            n_steps,
            s.time_step_s,
            self.steps_done,
            s.route_choice == "enroute",
            s.route_noise,
            self.max_size,
            net.out_start,
            net.link_to,
            net.in_start,
            net.in_links,
            self.fft,
            self.storage,
            self.capacity_vps,
            self.out_vps,
            self.length_m,
            self.link_open,
            self.link_extra,
            self.wave_time_s,
            self.link_tag,
            self.node_clock,
            self.link_stamp,
            self.sig_cycle,
            self.sig_start,
            self.sig_green,
            self.link_time_s,
            self.dist,
            self.path_buf,
            self.veh_order,
            self.veh_origin,
            self.veh_dest_idx,
            self.veh_depart,
            self.veh_size,
            self.veh_link,
            self.veh_ready,
            self.veh_enter,
            self.veh_arrive,
            self.veh_end_node,
            self.veh_path_pos,
            self.veh_path_end,
            self.path_enter,
            self.q_off,
            self.q_head,
            self.q_len,
            self.q_buf,
            self.g_time,
            self.g_len,
            self.ghost,
            self.occ,
            self.out_budget,
            self.in_budget,
            self.budget_t,
            self.node_rows,
            self.max_occ,
            self.wait_buf,
            self.counters,
            s.record_interval_s,
            self.rec_exits,
            self.rec_entries,
            self.rec_time,
            self.rec_vkm,
        )
        self.t += n_steps * s.time_step_s
        self.steps_done += n_steps
        self.seconds["loading"] += time.perf_counter() - start

    def run(self) -> DynamicLoading:
        """Run to the horizon, stopping early once every reachable vehicle has arrived."""
        s = self.settings
        reachable = int(self.veh_size[self.veh_link != lk.UNREACHABLE].sum())
        while self.t < s.horizon_s - 1e-9 and self.arrived_vehicles < reachable:
            self.advance(self.t + s.route_update_s)
        return self

    # -- results ---------------------------------------------------------------------------------
    @property
    def departed_vehicles(self) -> int:
        return int(self.counters[2])

    @property
    def arrived_vehicles(self) -> int:
        return int(self.counters[3])

    @property
    def vehicles_on_links(self) -> int:
        return int(self.counters[4])

    @property
    def vehicles_waiting(self) -> int:
        """Departed vehicles still waiting at their origin to enter the first link."""
        return int(self.counters[5])

    @property
    def link_traversals(self) -> int:
        """Rows that have left a link (each row is up to ``platoon`` vehicles)."""
        return int(self.counters[6])

    def peak_arrivals_vph(self) -> np.ndarray:
        """Each link's arrivals (vehicles entering it) in its busiest record interval, veh/h: the
        demand on an approach, which its queue does not cap as the green caps its outflow (only a
        full link, spilling back, holds its arrivals upstream)."""
        return self.rec_entries.max(axis=0) * 3600.0 / self.settings.record_interval_s

    def row_travel_time_s(self) -> np.ndarray:
        """Travel time of each row (arrival minus departure, NaN if not arrived), seconds."""
        return self.veh_arrive - self.veh_depart

    def free_flow_row_time_s(self) -> np.ndarray:
        """Each trip row's (rows before ``n_trip_rows``) free-flow shortest time from origin to
        destination, seconds."""
        fft = self.fft.copy()
        fft[self.closed] = np.inf
        dist = self.route_table(fft)
        n = self.n_trip_rows
        return dist[self.veh_dest_idx[:n], self.veh_origin[:n]]

    def _path_row_vehicles(self) -> tuple[int, int, int, float]:
        """The path rows' vehicles departed, on links and waiting at their origin now, and their
        vehicle-km so far."""
        bus = slice(self.n_trip_rows, self.n_rows)
        size, link = self.veh_size[bus], self.veh_link[bus]
        waiting = self.wait_buf[: self.counters[1]]
        waiting = waiting[waiting >= self.n_trip_rows]
        gone = self.veh_order[: self.counters[0]]  # rows whose departure time has come
        gone = gone[(gone >= self.n_trip_rows) & (self.veh_link[gone] != lk.UNREACHABLE)]
        done = self.veh_path_pos[bus] - self.veh_path_first[bus] + (link == lk.ARRIVED)  # links left
        on_paths = self.path_buf[: self.veh_path_end[bus].max(initial=0)]  # the path rows' paths come first
        driven = np.cumsum(np.concatenate([[0.0], self.length_m[on_paths]]))
        first = self.veh_path_first[bus]
        km = float((size * (driven[first + done] - driven[first])).sum()) / 1000.0
        return (int(self.veh_size[gone].sum()), int(size[link >= 0].sum()), int(self.veh_size[waiting].sum()),
                km)

    def path_row_link_times_s(self) -> np.ndarray:
        """Mean time the path rows (buses) took on each link they have left, seconds (NaN on links
        none has left): from entering the link to entering the next one of its path, or to
        arriving at the path's end."""
        bus = np.arange(self.n_trip_rows, self.n_rows)
        first, pos, link = self.veh_path_first[bus], self.veh_path_pos[bus], self.veh_link[bus]
        arrived = link == lk.ARRIVED
        count = np.where((link >= 0) | arrived, pos - first + arrived, 0)  # links left
        at = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())  # path positions
        last = np.repeat(arrived, count) & (at == np.repeat(pos, count))  # the last link of an arrived row
        nxt = self.path_enter[np.minimum(at + 1, len(self.path_enter) - 1)]
        spent = np.where(last, np.repeat(self.veh_arrive[bus], count), nxt) - self.path_enter[at]
        links, m = self.path_buf[at], self.network.n_links
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(links, weights=spent, minlength=m) / np.bincount(links, minlength=m)

    def summary(self) -> dict:
        """Trips, completed vehicles, mean and total travel time, unreachable trips, vehicle-km,
        seconds: of the trips' rows only (path rows, buses, are left out)."""
        n = self.n_trip_rows
        tt = self.row_travel_time_s()[:n]
        done = self.veh_link[:n] == lk.ARRIVED
        weights = self.veh_size[:n][done]
        total = float((tt[done] * weights).sum())
        completed = int(weights.sum())
        trips = int(self.veh_size[:n].sum())
        bus_departed, bus_on_links, bus_waiting, bus_km = self._path_row_vehicles()
        return {
            "trips": trips,
            "completed": completed,
            "mean_travel_time_s": total / completed if completed else float("nan"),
            "total_travel_time_s": total,
            "unreachable_trips": self.unreachable_trips,
            "unreachable_vehicles": self.unreachable_vehicles,
            "still_travelling": self.vehicles_on_links - bus_on_links + self.vehicles_waiting - bus_waiting,
            "not_departed": trips - (self.departed_vehicles - bus_departed) - self.unreachable_vehicles,
            "simulated_s": self.t,
            "vehicle_km": float(self.rec_vkm.sum()) - bus_km,
            "link_traversals": self.link_traversals,
        }


def simulate(network: RoadNetwork, trips: Trips, settings: LoadingSettings, **kwargs) -> DynamicLoading:
    """Load ``trips`` on ``network`` to the horizon (or until every vehicle arrived)."""
    return DynamicLoading(network, trips, settings, **kwargs).run()


def warm_up(route_choices: Iterable[str] = ROUTE_CHOICES, parallel_tables: bool = True) -> float:
    """Compile (or load from numba's cache) the kernels of :func:`simulate`; returns the seconds taken.

    A 4-node ring with a chord, loaded for two minutes with each of ``route_choices`` (default:
    all, which covers every kernel; the en-route branch re-chooses links at nodes), through the
    same constructors the CSV readers use. Its route tables are small enough for one thread;
    with ``parallel_tables`` (for networks where :func:`~twin.traffic.routing.parallel_tables`
    holds) they are also built and updated on all threads.
    """
    start = time.perf_counter()
    network = RoadNetwork.from_arrays(
        node_x=[0.0, 100.0, 100.0, 0.0], node_y=[0.0, 0.0, 100.0, 100.0],
        link_from=[0, 1, 2, 3, 0, 2], link_to=[1, 2, 3, 0, 2, 0], length_m=[100.0] * 4 + [141.0] * 2,
        free_speed_mps=10.0, lanes=1, capacity_vph=1800.0, source="warm-up",
    )
    trips = Trips.from_arrays([0, 1, 2], [2, 3, 0], [0.0, 5.0, 10.0], [10, 5, 5])
    for choice in route_choices:
        settings = LoadingSettings(time_step_s=1.0, route_choice=choice, route_update_s=30.0,
                                   record_interval_s=60.0, horizon_s=120.0)
        simulate(network, trips, settings)
    if parallel_tables:
        tables = RouteTables(network, network.free_flow_time_s, np.array([0, 2]), parallel=True)
        tables.update(network.free_flow_time_s * 2.0)
    return time.perf_counter() - start
