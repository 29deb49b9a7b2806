"""The traffic Module: each year's car demand loaded dynamically on the SimPy clock.

The operating period is loaded day by day: each day (the scenario's ``warmup_days`` first,
unrecorded, then the recorded ones; a fractional last day loads the hours inside it) draws its
trips from the published (or the city's) zone population and jobs and the remembered zone skim,
moves some departures by the remembered delays (:mod:`twin.traffic.departure`) and loads them on
an empty network (the link state is reset at midnight). ``processes`` advances the loading kernel
in chunks of ``publish_interval_s`` on a :func:`~twin.engine.ticker` and publishes
``link_travel_time_s`` after each chunk (reading ``link_extra_vehicles`` into the occupancy, and
``link_speed_factor``, the speed multipliers of hazard areas that emergency publishes, into the
links' free-flow times). At each day's end the remembered zone skim ``zone_travel_time_s`` (an
exponential average, weight ``skim_smoothing``, of the days' skims on experienced link times,
queueing included) is updated and published, and the day's KPIs (day-to-day gap, unfinished trips
and stuck vehicles among them) form a row of ``traffic_daily``. The year's KPIs are the mean of
the recorded days from the second on (the first recorded day is reported apart, ``first_day_*``);
``traffic.warmup_days`` unrecorded traffic-only days settle the memory before the first year. It
warns in one line on gridlock.

Levers: ``capacity_factor`` per named road, ``closed_roads``, one ``new_link`` (two-way, between
the nodes nearest to two points) and ``demand_scale``.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from twin.city import RoadNetwork
from twin.engine import Module, TwinModel, ticker
from twin.engine.model import SECONDS_PER_DAY
from twin.errors import ScenarioError
from twin.indicators import Indicator
from twin.traffic.bus_rows import bus_path_rows
from twin.traffic.config import TrafficConfig
from twin.traffic.connectors import connector_sets, origin_sets, zone_skim
from twin.traffic.demand import generate_trips, gravity_probabilities, zone_trip_factors
from twin.traffic.departure import shift_departures, slot_delays, zone_of_nodes
from twin.traffic.equilibrium import relative_difference, smooth_skim
from twin.traffic.loading import DynamicLoading, LoadingSettings
from twin.traffic.modes import ModeChoice
from twin.traffic.signals import fixed_time_plan, retime
from twin.traffic.transit import bus_lane_links

DAILY_COLUMNS = ["year", "day", "recorded", "mean_trip_time_min", "p95_trip_time_min", "delay_per_trip_min",
                 "vehicle_km", "links_over_90pct_occupancy", "congestion_index", "completed_trips",
                 "unreachable_trips", "unfinished_trips_pct", "stuck_vehicles", "equilibrium_gap_pct",
                 "skim_change_pct", "departures_shifted"]
"""Columns of the ``traffic_daily`` table: one row per loaded day of the period (warm-up days
included, ``recorded`` False), with the day's KPIs (per day; vehicles scaled to the full demand)."""


def _with_links(net: RoadNetwork, source: str, road_names: tuple[str, ...] | None = None,
                **columns: np.ndarray) -> RoadNetwork:
    """``net`` plus the links whose columns (the :meth:`RoadNetwork.from_arrays` keywords from
    ``link_from`` to ``road``, one value per new link) are given; ids after the existing ones."""
    existing = {
        "link_from": net.link_from, "link_to": net.link_to, "length_m": net.link_length_m,
        "free_speed_mps": net.link_free_speed_mps, "lanes": net.link_lanes,
        "capacity_vph": net.link_capacity_vph,
        "jam_density_vpm": net.link_jam_density_vpm, "link_class": net.link_class, "bridge": net.link_bridge,
        "road": net.link_road,
    }
    new_id = int(net.link_id.max()) + 1
    return RoadNetwork.from_arrays(
        node_x=net.node_x,
        node_y=net.node_y,
        node_id=net.node_id,
        **{key: np.concatenate([values, columns[key]]) for key, values in existing.items()},
        road_names=net.road_names if road_names is None else road_names,
        link_id=np.concatenate([net.link_id, new_id + np.arange(len(columns["link_from"]))]),
        source=source,
    )


def _with_new_link(net: RoadNetwork, cfg: TrafficConfig) -> RoadNetwork:
    """The network plus the two directions of ``cfg.new_link`` (link ids after the existing ones)."""
    x1, y1, x2, y2 = cfg.new_link
    a, b = (int(n) for n in net.nearest_node([x1, x2], [y1, y2]))
    if a == b:
        raise ScenarioError(f"traffic.new_link: both ends snap to the same node {a}; move the points apart")
    length = float(np.hypot(net.node_x[a] - net.node_x[b], net.node_y[a] - net.node_y[b]))
    return _with_links(
        net, "traffic.new_link", net.road_names + ("new link",),
        link_from=[a, b], link_to=[b, a], length_m=[length, length],
        free_speed_mps=[cfg.new_link_speed_kph / 3.6] * 2, lanes=[cfg.new_link_lanes] * 2,
        capacity_vph=[cfg.new_link_capacity_vph * cfg.new_link_lanes] * 2, jam_density_vpm=[0.15, 0.15],
        link_class=[2, 2], bridge=[True, True], road=[len(net.road_names)] * 2,
    )


def with_bus_lanes(net: RoadNetwork, roads: tuple[str, ...]) -> tuple[RoadNetwork, np.ndarray]:
    """The network plus a bus-only twin of each link with a bus lane
    (:func:`~twin.traffic.transit.bus_lane_links`), and each link's twin (index, -1: none).

    A twin has its link's nodes, length, free speed, jam density, class and road, one lane and
    ``capacity / lanes`` (veh/h), so its jam storage is ``1 / lanes`` of the link's; the traffic
    Module leaves the link ``(lanes - 1) / lanes`` of its capacity and storage. Without a bus lane
    the network is returned as it is.
    """
    parents = bus_lane_links(net, roads)
    twin_of = np.full(net.n_links, -1, dtype=np.int64)
    if parents.size == 0:
        return net, twin_of
    first_id = int(net.link_id.max()) + 1
    out = _with_links(
        net, "traffic.modes.bus_lanes",
        link_from=net.link_from[parents], link_to=net.link_to[parents], length_m=net.link_length_m[parents],
        free_speed_mps=net.link_free_speed_mps[parents], lanes=np.ones(parents.size, dtype=np.int32),
        capacity_vph=net.link_capacity_vph[parents] / net.link_lanes[parents],
        jam_density_vpm=net.link_jam_density_vpm[parents], link_class=net.link_class[parents],
        bridge=net.link_bridge[parents], road=net.link_road[parents],
    )
    index = pd.Index(out.link_id)
    twin_of = np.full(out.n_links, -1, dtype=np.int64)
    twin_of[index.get_indexer(net.link_id[parents])] = index.get_indexer(first_id + np.arange(parents.size))
    return out, twin_of


class TrafficModule(Module):
    """Car traffic: demand, mesoscopic loading, published link times and the year's KPIs."""

    name = "traffic"
    domain = "traffic"
    config_class = TrafficConfig

    def setup(self, model: TwinModel) -> None:
        cfg = self.config
        city_net = model.city.network
        network = _with_new_link(city_net, cfg) if cfg.new_link else city_net
        self.twin_of = np.full(network.n_links, -1, dtype=np.int64)  # each link's bus-only twin
        if cfg.modes.enabled:
            network, self.twin_of = with_bus_lanes(network, cfg.modes.bus_lanes)
        self.network = network
        self._lane = np.flatnonzero(self.twin_of >= 0)  # links with a bus lane, and their twins
        self._twin = self.twin_of[self._lane]
        self.car_links = np.ones(network.n_links, dtype=bool)  # links cars may use (not a twin)
        self.car_links[self._twin] = False
        # position in the traffic network of each city link (published arrays use city order)
        self.city_links = pd.Index(self.network.link_id).get_indexer(city_net.link_id)
        capacity = self.network.link_capacity_vph.copy()
        for road, factor in cfg.capacity_factor.items():
            capacity[self.network.links_of_road(road)] *= factor
        closed = np.zeros(self.network.n_links, dtype=bool)
        for road in cfg.closed_roads:
            closed[self.network.links_of_road(road)] = True
        # the network before the levers (a new link closed): the first year's warm-up days run on it
        parent_capacity = self.network.link_capacity_vph
        self.parent_closed = np.zeros(self.network.n_links, dtype=bool)
        self.parent_closed[np.setdiff1d(np.arange(self.network.n_links), self.city_links)] = True
        self.origins = origin_sets(model.city)  # where each zone's trips start and end
        self.zone_factor = zone_trip_factors(model.city, cfg.zone_trip_factor)  # None: no factor
        self.connectors = connector_sets(model.city, cfg.zone_connectors)
        self.modes: ModeChoice | None = None
        if cfg.modes.enabled:  # buses take road space; bus and e-bike lanes take lanes
            self.modes = ModeChoice(model.city, self.network, self.city_links, capacity, closed,
                                    self.parent_closed, cfg.modes, self.origins, self.connectors,
                                    self.twin_of)
            capacity, parent_capacity = self.modes.supply.car_capacity_vph, self.modes.base.car_capacity_vph
        self.capacity, self.closed = capacity * cfg.sample_share, closed
        self.parent_capacity = parent_capacity * cfg.sample_share
        self.parent_storage = self.network.storage_veh * cfg.sample_share
        self.storage = self.parent_storage.copy()  # a bus lane's jam storage is its twin's
        lanes = self.network.link_lanes[self._lane]
        self.storage[self._lane] *= (lanes - 1.0) / lanes

        def plan(capacity: np.ndarray, lanes: np.ndarray | None = None):
            """The scenario's signal plan on ``capacity`` (veh/h), discharging from ``lanes``."""
            saturation = cfg.signal_saturation_vph * cfg.sample_share
            return fixed_time_plan(self.network, capacity, cfg.signals, cfg.signal_cycle_s,
                                   cfg.signal_lost_time_s, saturation, lanes=lanes)

        self.signals = plan(self.capacity if cfg.levers_in_warmup else self.parent_capacity)  # first day's
        self._saturation: dict[bool, np.ndarray] = {}  # approaches' saturation flows (veh/h) by pre-policy
        if self._lane.size:  # with a bus lane, the link's cars discharge from lanes - 1, its twin from one
            car_lanes = self.network.link_lanes.copy()
            car_lanes[self._lane] -= 1
            self._saturation = {True: plan(self.parent_capacity).saturation_vph,
                                False: plan(self.capacity, car_lanes).saturation_vph}
        self.settings = LoadingSettings(
            time_step_s=cfg.time_step_s,
            platoon=cfg.platoon,
            route_choice=cfg.route_choice,
            link_model=cfg.link_model,
            route_update_s=cfg.route_update_s,
            route_noise=cfg.route_noise,
            route_tolerance=cfg.route_tolerance,
            record_interval_s=cfg.record_interval_min * 60.0,
            horizon_s=min(model.period_s, SECONDS_PER_DAY),
        )
        self.loading: DynamicLoading | None = None
        self._series: list[pd.DataFrame] = []
        self._trip_times: list[pd.DataFrame] = []
        self._dropped = 0
        self._remembered: np.ndarray | None = None  # the skim this year's destinations were drawn on
        self._od = np.zeros((0, 0))  # expected trips between zones this year (gap weights)
        self._stuck: list[pd.DataFrame] = []
        self._warmup_days = 0  # warm-up days run before the first year
        self._daily: list[tuple] = []  # rows of traffic_daily
        self._first_year = True
        self.day = 0  # the day of the period being loaded
        self._pre_policy = False  # this day runs on the network before the levers
        self._shifted = 0  # vehicles whose departure moved today
        n_slots = int(np.ceil(SECONDS_PER_DAY / self.settings.record_interval_s))
        self._node_zone = zone_of_nodes(self.origins.start, self.origins.node, self.network.n_nodes)
        self._delay = np.zeros((len(model.city.zones), n_slots))  # remembered delay per (zone, slot), s
        self._length_kmh_s = model.city.network.link_length_m * 3.6  # km/h x s: over a time, a speed
        self._flow_of: tuple[DynamicLoading | None, int] = (None, -1)  # loading, interval of link_flow_vph

    def _city_order(self, values: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(values[self.city_links])

    def start_year(self, model: TwinModel, year: int) -> None:
        city, cfg = model.city, self.config
        self._year = year
        self._population = model.published.get("zone_population", city.zones.population)
        self._jobs = model.published.get("zone_jobs", city.zones.jobs)
        self._pre_policy = self._first_year and not cfg.levers_in_warmup
        skim = model.published.get("zone_travel_time_s", None)
        if skim is None:
            fft = self.network.free_flow_time_s.copy()
            fft[(self.parent_closed if self._pre_policy else self.closed) | ~self.car_links] = np.inf
            skim = zone_skim(self.network, fft, self.origins, self.connectors)
        self._remembered = skim
        if self._first_year:  # settle the memory on unrecorded traffic-only days
            for day in range(cfg.warmup_days):
                self.loading = self._load_day(model, year, model.rng_for("traffic/warmup", day),
                                              model.rng_for("traffic/departure/warmup", day))
                gap, _, _ = self._finish_day(model)
                self._warmup_days = day + 1
                if gap < cfg.warmup_gap_pct:
                    break
        self._day_stuck: dict[int, pd.DataFrame] = {}
        self._start_day(model, 0)

    def _days_in_period(self, model: TwinModel) -> int:
        """Days the period loads (a fractional last day counts as one)."""
        return max(1, int(np.ceil(model.period_s / SECONDS_PER_DAY - 1e-9)))

    def _start_day(self, model: TwinModel, day: int) -> None:
        """Draw and start loading day ``day`` of the period (0: the first, warm-up days included)."""
        self.day = day
        self._pre_policy = self._first_year and not self.config.levers_in_warmup and day < model.warmup_days
        demand = model.rng_for("traffic/demand" if day == 0 else f"traffic/demand/day{day}", self._year)
        shift = model.rng_for(f"traffic/departure/day{day}", self._year)
        self.loading = self._load_day(model, self._year, demand, shift,
                                      min(SECONDS_PER_DAY, model.period_s - day * SECONDS_PER_DAY))
        self._publish_link_times(model)

    def _roll_to(self, model: TwinModel, day: int) -> None:
        """Finish the days before ``day`` and start it."""
        while self.day < day:
            self._end_day(model)
            self._start_day(model, self.day + 1)

    def _remember(self, remembered: np.ndarray, experienced: np.ndarray) -> np.ndarray:
        """Tomorrow's remembered zone skim (s) from today's memory and experience."""
        return smooth_skim(remembered, experienced, self.config.skim_smoothing)

    def _finish_day(self, model: TwinModel, recorded: bool = False) -> tuple[float, float, np.ndarray]:
        """Run the day's loading to its end, re-time the signals, update and publish the memory
        (``recorded``: the day is one the KPIs average, not a warm-up day).

        Returns the day's equilibrium gap and skim change (%) and each row's free-flow time (s).
        """
        load, cfg = self.loading, self.config
        load.advance(load.settings.horizon_s)
        self._retime_signals(load)
        self._publish_link_times(model)
        link_times = self._experienced_link_times(load)
        experienced = zone_skim(self.network, link_times, self.origins, self.connectors)
        remembered = self._remember(self._remembered, experienced)
        if self.modes is not None:  # the buses' times where they drove, the link's experienced ones elsewhere
            bus_times = load.path_row_link_times_s()
            empty = link_times.copy()  # an open bus lane no bus drove today: its free-flow time
            empty[self._twin] = np.where(self.closed[self._twin], np.inf, load.fft[self._twin])
            bus_times = np.where(np.isfinite(bus_times), bus_times, empty)
            self.modes.end_day(self._year, self.day, recorded, bus_times, cfg.skim_smoothing)
        gap = 100.0 * relative_difference(experienced, self._remembered, self._od)
        change = 100.0 * relative_difference(self._remembered, remembered, self._od)
        self._remembered = remembered
        model.published.publish("zone_travel_time_s", remembered, "s", self.name)
        free = load.free_flow_row_time_s()
        cars = slice(0, load.n_trip_rows)  # the buses' rows come after
        arrive = np.where(np.isfinite(load.veh_arrive[cars]), load.veh_arrive[cars], load.settings.horizon_s)
        depart = load.veh_depart[cars]
        delay = np.maximum(arrive - depart - free, 0.0)
        n_zones, n_slots = self._delay.shape
        zone = self._node_zone[load.veh_origin[cars]]
        day_delay, count = slot_delays(zone, depart, delay, load.veh_size[cars], n_zones,
                                       load.settings.record_interval_s, n_slots)
        a = cfg.skim_smoothing
        self._delay = np.where(count > 0, (1.0 - a) * self._delay + a * day_delay, self._delay)
        return gap, change, free

    def _end_day(self, model: TwinModel) -> None:
        """Finish the day and keep its row of ``traffic_daily`` (and, if recorded, its tables)."""
        recorded = self.day >= model.warmup_days
        gap, change, free = self._finish_day(model, recorded)
        unfinished, stuck_vehicles, stuck = self._gridlock(self._year)
        self._daily.append((self._year, self.day, recorded, *self._day_kpis(free), unfinished, stuck_vehicles,
                            gap, change, self._shifted))
        if recorded:
            self._record(self._year)
            self._stuck.append(stuck.head(20))
            self._day_stuck[self.day] = stuck

    def _expected_trips(self, population: np.ndarray, jobs: np.ndarray, skim: np.ndarray) -> np.ndarray:
        """Expected trips between zones (residents x gravity probabilities on ``skim``): gap weights."""
        probabilities = gravity_probabilities(jobs, skim, self.config.gravity_beta_per_min)
        return np.asarray(population, dtype=np.float64)[:, None] * probabilities

    def _load_day(self, model: TwinModel, year: int, rng: np.random.Generator, shift_rng: np.random.Generator,
                  day_s: float = SECONDS_PER_DAY) -> DynamicLoading:
        """A day's loading (not yet run): trips drawn on the remembered skim, departures moved by the
        remembered delays, on the network before the levers when ``self._pre_policy``; ``day_s``:
        the day's length (s, a day at most; a fractional last day is shorter)."""
        population, jobs, skim = self._population, self._jobs, self._remembered
        day_s = min(day_s, model.period_s)
        self._od = self._expected_trips(population, jobs, skim)
        cfg = self.config
        car_od = None
        if self.modes is not None:  # the car share of every mode's person trips
            car_od = self.modes.car_od(population, jobs, cfg.gravity_beta_per_min, skim,
                                       pre_policy=self._pre_policy)
            self._od = car_od
        if self.zone_factor is not None:
            self._od = self._od * self.zone_factor[:, None]
        trips, self._dropped = generate_trips(
            model.city,
            population,
            jobs,
            skim,
            trip_rate=cfg.trip_rate,
            hourly_profile=cfg.hourly_profile,
            beta_per_min=cfg.gravity_beta_per_min,
            scale=cfg.demand_scale * cfg.sample_share,
            platoon=cfg.platoon,
            period_s=day_s,
            rng=rng,
            origins=self.origins,
            connectors=self.connectors,
            car_od=car_od,
            zone_factor=self.zone_factor,
        )
        factor = 1.0 if self.zone_factor is None else self.zone_factor
        per_day = float(self._od.sum()) if car_od is not None else cfg.trip_rate * float(np.sum(population
                                                                                           * factor))
        wanted = per_day * cfg.demand_scale
        if len(trips) == 0 and cfg.sample_share < 1 and wanted > 0:
            raise ScenarioError(
                f"key 'traffic.sample_share': {cfg.sample_share:g} leaves no simulated vehicle in {year} "
                "(the traffic indicators would be empty); raise it")
        window = cfg.departure_window_min * 60.0
        moved = shift_departures(trips.depart_s, self._node_zone[trips.origin], self._delay,
                                 slot_s=self.settings.record_interval_s, window_s=window,
                                 band_s=cfg.departure_band_min * 60.0, share=cfg.departure_shift_share,
                                 day_s=day_s, rng=shift_rng)
        self._shifted = int(trips.count[moved != trips.depart_s].sum())
        trips = dataclasses.replace(trips, depart_s=moved)
        if self._saturation:
            saturation = self._saturation[self._pre_policy]
            self.signals = dataclasses.replace(self.signals, saturation_vph=saturation)
        buses = None
        if self.modes is not None:  # the buses of the day's lines, as vehicles
            supply = self.modes.base if self._pre_policy else self.modes.supply
            buses = bus_path_rows(supply.lines, supply.headway_min, cfg.modes.bus_pce, cfg.sample_share,
                                  day_s, cfg.modes.bus_service_hours)
        return DynamicLoading(
            self.network,
            trips,
            dataclasses.replace(self.settings, horizon_s=day_s),
            capacity_vph=self.parent_capacity if self._pre_policy else self.capacity,
            storage_veh=self.parent_storage if self._pre_policy else self.storage,
            closed=self.parent_closed if self._pre_policy else self.closed,
            connectors=self.connectors,
            signals=self.signals,
            path_rows=buses,
            bus_only=~self.car_links,
        )

    def _experienced_link_times(self, load: DynamicLoading) -> np.ndarray:
        """The day's experienced link times (s), queueing included (the zone skim is on them).

        A link's time is the mean traversal time of the vehicles that left it (free-flow where
        none did), and at least its free-flow time plus the queue still standing at the end of
        the period over its capacity, so a gridlocked link does not read as empty.
        """
        exits = load.rec_exits.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            experienced = np.where(exits > 0, load.rec_time.sum(axis=0) / exits, load.fft)
        experienced = np.maximum(experienced, load.current_link_times())
        experienced[load.closed] = np.inf
        return experienced

    def _publish_link_times(self, model: TwinModel) -> None:
        """Publish the links' current times (s) and speeds (km/h; 0 on a closed link) and their
        flows over the latest complete record interval (veh/h; 0 in a day's first interval)."""
        load = self.loading
        times = self._city_order(load.current_link_times())
        model.published.publish("link_travel_time_s", times, "s", self.name)
        speed = np.divide(self._length_kmh_s, times, out=np.zeros(times.size), where=times > 0)
        model.published.publish("link_speed_kmh", speed, "km/h", self.name)  # inf time: 0 km/h
        interval = load.settings.record_interval_s
        last = int((load.t + 1e-9) // interval) - 1
        if self._flow_of[0] is not load or self._flow_of[1] != last:  # changes once per interval
            self._flow_of = (load, last)
            exits = load.rec_exits[last] if last >= 0 else np.zeros(load.rec_exits.shape[1])
            model.published.publish("link_flow_vph", self._city_order(exits * (3600.0 / interval)), "veh/h",
                                    self.name)

    def _tick(self, model: TwinModel, now: float) -> None:
        self._roll_to(model, min(int((now + 1e-6) // SECONDS_PER_DAY), self._days_in_period(model) - 1))
        extra = model.published.get("link_extra_vehicles", None)
        if extra is not None:
            self.loading.link_extra[self.city_links] = extra
        speed = model.published.get("link_speed_factor", None)
        if speed is not None:  # hazard areas: slowed roads, or (a crawl) closed ones
            fft = self.network.free_flow_time_s.copy()
            fft[self.city_links] /= speed
            fft[self._twin] = fft[self._lane]  # a bus lane is slowed with its road
            self.loading.fft = fft
        self.loading.advance(now - self.day * SECONDS_PER_DAY)
        self._publish_link_times(model)

    def processes(self, model: TwinModel):
        yield ticker(model.env, self.config.publish_interval_s, lambda now: self._tick(model, now))

    def end_year(self, model: TwinModel, year: int) -> None:
        self._roll_to(model, self._days_in_period(model) - 1)
        self._end_day(model)
        self._first_year = False
        self._report_gridlock(year)

    def _retime_signals(self, load: DynamicLoading) -> None:
        """Time the signals for the next day by Webster's split on this day's busiest 15 minutes of
        arrivals (the vehicles entering each approach in its busiest interval, veh/h), as an engineer
        times a fixed plan on counts taken upstream of the queue; the first day runs on the plan
        split by approach capacities. Webster's flow is the demand: an approach's outflow is capped
        by its own green, so a split on outflows would never give a newly loaded approach more."""
        self.signals = retime(self.signals, self.network, load.peak_arrivals_vph(),
                              self.config.signal_lost_time_s)

    def _gridlock(self, year: int) -> tuple[float, float, pd.DataFrame]:
        """The day's unfinished trips (%), vehicles stuck at its end and where (the stuck links)."""
        load, cfg = self.loading, self.config
        summary = load.summary()
        reachable = summary["trips"] - summary["unreachable_vehicles"]
        unfinished = 100.0 * (reachable - summary["completed"]) / reachable if reachable else 0.0
        queued = load.queued_vehicles() / cfg.sample_share
        stuck_vehicles = float(queued.sum()) + load.vehicles_waiting / cfg.sample_share
        link = np.flatnonzero(queued >= 1.0)
        road = self.network.link_road[link]
        names = np.array(self.network.road_names + ("",), dtype=object)[road]  # road -1: unnamed
        city_link = self._link_index()[link]
        stuck = pd.DataFrame(
            {
                "year": np.full(link.size, year, dtype=np.int64),
                "link": city_link,
                "road": [n or f"link {i}" for n, i in zip(names, city_link, strict=True)],
                "queued_veh": queued[link],
                "day": np.full(link.size, self.day, dtype=np.int64),
            }
        ).sort_values(["queued_veh", "link"], ascending=[False, True], ignore_index=True)
        return unfinished, stuck_vehicles, stuck

    def _report_gridlock(self, year: int) -> None:
        """Warn in one line when a recorded day left more than the limit of trips unfinished."""
        days = self.daily_frame()
        days = days[(days.year == year) & days.recorded]
        if days.empty:
            return
        worst_row = days.loc[days.unfinished_trips_pct.idxmax()]
        unfinished = float(worst_row.unfinished_trips_pct)
        if unfinished > self.config.gridlock_warn_pct:
            by_road = self._day_stuck[int(worst_row.day)].groupby("road", sort=True)["queued_veh"].sum()
            worst = (f"worst queue on {by_road.idxmax()} ({by_road.max():.0f} vehicles)"
                     if len(by_road) else "no standing queue (trips still driving)")
            warnings.warn(
                f"traffic {year}: {unfinished:.1f} % of car trips not finished by the end of day "
                f"{int(worst_row.day) + 1} of the period, {worst_row.stuck_vehicles:.0f} vehicles stuck; "
                f"{worst}",
                stacklevel=2,
            )

    def daily_frame(self) -> pd.DataFrame:
        """All ``traffic_daily`` rows so far (one per loaded day)."""
        return pd.DataFrame(self._daily, columns=DAILY_COLUMNS)

    def _link_index(self) -> np.ndarray:
        """City link index of each traffic link (new links numbered after the city's)."""
        index = np.empty(self.network.n_links, dtype=np.int64)
        index[self.city_links] = np.arange(len(self.city_links))
        extra = np.setdiff1d(np.arange(self.network.n_links), self.city_links)
        index[extra] = len(self.city_links) + np.arange(extra.size)
        return index

    def _record(self, year: int) -> None:
        load = self.loading
        interval = self.settings.record_interval_s
        k, link = np.nonzero(load.rec_exits)
        exits = load.rec_exits[k, link]
        length = load.length_m[link]
        self._series.append(
            pd.DataFrame(
                {
                    "year": np.full(k.size, year, dtype=np.int64),
                    "time_s": self.day * SECONDS_PER_DAY + k * interval,
                    "link": self._link_index()[link],
                    "flow_vph": exits * 3600.0 / interval / self.config.sample_share,
                    "speed_mps": exits * length / load.rec_time[k, link].clip(min=1e-9),
                    "density_vpm": load.rec_time[k, link] / interval / length / self.config.sample_share,
                }
            )
        )
        done = np.isfinite(load.veh_arrive)
        done[load.n_trip_rows:] = False  # car trips only
        self._trip_times.append(
            pd.DataFrame(
                {
                    "year": np.full(int(done.sum()), year, dtype=np.int64),
                    "depart_s": self.day * SECONDS_PER_DAY + load.veh_depart[done],
                    "travel_time_s": load.row_travel_time_s()[done],
                    "vehicles": load.veh_size[done] / self.config.sample_share,
                    "origin": load.veh_origin[done],  # node ids of the city network
                    "destination_zone": load.destinations[load.veh_dest_idx[done]].astype(np.int64),
                    "destination": load.veh_end_node[done],  # the node it arrived at
                }
            )
        )

    def _day_kpis(self, free: np.ndarray) -> tuple[float, ...]:
        """The day's KPIs in ``DAILY_COLUMNS`` order, from mean_trip_time_min to unreachable_trips;
        ``free``: each row's free-flow time (s)."""
        load = self.loading
        tt = load.row_travel_time_s()[: load.n_trip_rows]  # car trips only
        done = np.isfinite(tt)
        size = load.veh_size[: load.n_trip_rows][done].astype(np.float64)
        times = tt[done]
        free = free[done]
        vehicles = max(size.sum(), 1.0)
        order = np.argsort(times, kind="stable")
        cum = np.cumsum(size[order])
        p95 = float(times[order][np.searchsorted(cum, 0.95 * cum[-1])]) if cum.size else 0.0
        summary = load.summary()
        per_vehicle = 1.0 / self.config.sample_share  # real vehicles per simulated vehicle
        return (
            float((times * size).sum() / vehicles) / 60.0,
            p95 / 60.0,
            float(((times - free) * size).sum() / vehicles) / 60.0,
            summary["vehicle_km"] * per_vehicle,
            float((load.max_occ > 0.9 * load.storage)[self.car_links].mean()) * 100.0,
            float((times * size).sum() / max((free * size).sum(), 1e-9)),
            summary["completed"] * per_vehicle,
            summary["unreachable_vehicles"] * per_vehicle,
        )

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        days = self.daily_frame()
        days = days[(days.year == year) & days.recorded]
        adapted = days.iloc[1:] if len(days) > 1 else days
        v = adapted.drop(columns=["year", "day", "recorded"]).mean()
        first = days.iloc[0]
        return [
            Indicator(
                self.domain,
                "first_day_mean_trip_time",
                float(first.mean_trip_time_min),
                "min",
                "",
                None,
                "mean car trip time on the first recorded day of the year (a shock's first-day effect; "
                "the other traffic KPIs are means over the recorded days after it)",
            ),
            Indicator(
                self.domain,
                "first_day_unfinished_trips",
                float(first.unfinished_trips_pct),
                "%",
                "",
                None,
                "share of reachable car trips not arrived by the end of the first recorded day",
            ),
            Indicator(
                self.domain,
                "recorded_days",
                float(len(days)),
                "days",
                "",
                None,
                "days of the period the traffic KPIs average (after the warm-up days)",
            ),
            Indicator(
                self.domain,
                "mean_trip_time",
                float(v.mean_trip_time_min),
                "min",
                "lower",
                (40.0, 10.0),
                "mean car trip time, departure to arrival",
            ),
            Indicator(
                self.domain,
                "p95_trip_time",
                float(v.p95_trip_time_min),
                "min",
                "lower",
                (90.0, 20.0),
                "95th percentile of car trip times",
            ),
            Indicator(
                self.domain,
                "delay_per_trip",
                float(v.delay_per_trip_min),
                "min",
                "lower",
                (15.0, 0.0),
                "mean time lost against the free-flow shortest path",
            ),
            Indicator(
                self.domain,
                "vehicle_km",
                float(v.vehicle_km),
                "veh-km",
                "",
                None,
                "vehicle-kilometres driven a day",
            ),
            Indicator(
                self.domain,
                "links_over_90pct_occupancy",
                float(v.links_over_90pct_occupancy),
                "%",
                "lower",
                (10.0, 0.0),
                "share of links whose occupancy exceeded 90 % of their storage at some moment",
            ),
            Indicator(
                self.domain,
                "congestion_index",
                float(v.congestion_index),
                "ratio",
                "lower",
                (2.0, 1.0),
                "actual over free-flow trip time, all completed trips",
            ),
            Indicator(
                self.domain,
                "completed_trips",
                float(v.completed_trips),
                "vehicles",
                "",
                None,
                "car trips a day that arrived by midnight",
            ),
            Indicator(
                self.domain,
                "unreachable_trips",
                float(v.unreachable_trips),
                "vehicles",
                "",
                None,
                "car trips with no open route (counted, not driven)",
            ),
            Indicator(
                self.domain,
                "unfinished_trips",
                float(v.unfinished_trips_pct),
                "%",
                "",
                None,
                "share of reachable car trips not arrived by midnight (gridlock or late departures); "
                "where: timeseries stuck_queues; per day: traffic_daily",
            ),
            Indicator(
                self.domain,
                "stuck_vehicles",
                float(v.stuck_vehicles),
                "vehicles",
                "",
                None,
                "vehicles standing in link queues or waiting to enter the network at midnight",
            ),
            Indicator(
                self.domain,
                "equilibrium_gap",
                float(v.equilibrium_gap_pct),
                "%",
                "",
                None,
                "day-to-day gap: trip-weighted |remembered - experienced| zone time over experienced",
            ),
            Indicator(
                self.domain,
                "skim_change",
                float(v.skim_change_pct),
                "%",
                "",
                None,
                "trip-weighted change of the remembered zone times from this year to the next",
            ),
            Indicator(
                self.domain,
                "warmup_days",
                self._warmup_days,
                "days",
                "",
                None,
                "unrecorded days loaded before the first year to settle the remembered skim",
            ),
        ] + ([] if self.modes is None
             else self.modes.indicators(self.domain, year, float(v.mean_trip_time_min)))

    def timeseries(self) -> dict[str, pd.DataFrame]:
        if not self._series:
            return {}
        return {
            "link_timeseries": pd.concat(self._series, ignore_index=True),
            "trip_times": pd.concat(self._trip_times, ignore_index=True),
            "stuck_queues": pd.concat(self._stuck, ignore_index=True),
            "traffic_daily": self.daily_frame(),
        } | ({} if self.modes is None else {"mode_daily": self.modes.daily_frame()})

    def snapshot(self) -> dict[str, pd.DataFrame]:
        load = self.loading
        if load is None:
            return {}
        exits = load.rec_exits.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            speed = np.where(
                exits > 0,
                exits * load.length_m / load.rec_time.sum(axis=0).clip(min=1e-9),
                load.length_m / load.fft,
            )
        return {
            "link_state": pd.DataFrame(
                {
                    "link": self._link_index(),
                    "flow_veh": exits / self.config.sample_share,
                    "mean_speed_mps": speed,
                    "speed_ratio": np.clip(speed * load.fft / load.length_m, 0.0, 1.0),
                    "max_queue_veh": load.max_queue / self.config.sample_share,
                }
            ).sort_values("link", ignore_index=True)
        }
