"""The traffic Module: each year's car demand loaded dynamically on the SimPy clock.

``start_year`` builds the day's trips from the published (or the city's) zone population and
jobs and the remembered zone skim (after ``warmup_days`` unrecorded days in the first year);
``processes`` advances the loading kernel in chunks of
``publish_interval_s`` on a :func:`~twin.engine.ticker` and publishes ``link_travel_time_s`` after
each chunk (reading ``link_extra_vehicles`` into the occupancy, and ``link_speed_factor``, the
speed multipliers of hazard areas that emergency publishes, into the links' free-flow times);
``end_year`` finishes the period,
publishes the remembered zone skim ``zone_travel_time_s`` (an exponential average, weight
``skim_smoothing``, of the days' skims on experienced link times, queueing included), and
records the KPIs (day-to-day gap, unfinished trips and stuck vehicles among them), the link time
series, per-trip travel times and the stuck queues; it warns in one line on gridlock.

Levers: ``capacity_factor`` per named road, ``closed_roads``, one ``new_link`` (two-way, between
the nodes nearest to two points) and ``demand_scale``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from twin.city import RoadNetwork
from twin.engine import Module, TwinModel, ticker
from twin.errors import ScenarioError
from twin.indicators import Indicator
from twin.traffic.config import TrafficConfig
from twin.traffic.connectors import connector_sets, origin_sets, zone_skim
from twin.traffic.demand import generate_trips, gravity_probabilities
from twin.traffic.equilibrium import relative_difference, smooth_skim
from twin.traffic.loading import DynamicLoading, LoadingSettings
from twin.traffic.signals import fixed_time_plan, retime


def _with_new_link(net: RoadNetwork, cfg: TrafficConfig) -> RoadNetwork:
    """The network plus the two directions of ``cfg.new_link`` (link ids after the existing ones)."""
    x1, y1, x2, y2 = cfg.new_link
    a, b = (int(n) for n in net.nearest_node([x1, x2], [y1, y2]))
    if a == b:
        raise ScenarioError(f"traffic.new_link: both ends snap to the same node {a}; move the points apart")
    length = float(np.hypot(net.node_x[a] - net.node_x[b], net.node_y[a] - net.node_y[b]))
    new_id = int(net.link_id.max()) + 1
    cat = np.concatenate
    return RoadNetwork.from_arrays(
        node_x=net.node_x,
        node_y=net.node_y,
        node_id=net.node_id,
        link_from=cat([net.link_from, [a, b]]),
        link_to=cat([net.link_to, [b, a]]),
        length_m=cat([net.link_length_m, [length, length]]),
        free_speed_mps=cat([net.link_free_speed_mps, [cfg.new_link_speed_kph / 3.6] * 2]),
        lanes=cat([net.link_lanes, [cfg.new_link_lanes] * 2]),
        capacity_vph=cat([net.link_capacity_vph, [cfg.new_link_capacity_vph * cfg.new_link_lanes] * 2]),
        jam_density_vpm=cat([net.link_jam_density_vpm, [0.15, 0.15]]),
        link_class=cat([net.link_class, [2, 2]]),
        bridge=cat([net.link_bridge, [True, True]]),
        road=cat([net.link_road, [len(net.road_names)] * 2]),
        road_names=net.road_names + ("new link",),
        link_id=cat([net.link_id, [new_id, new_id + 1]]),
        source="traffic.new_link",
    )


class TrafficModule(Module):
    """Car traffic: demand, mesoscopic loading, published link times and the year's KPIs."""

    name = "traffic"
    domain = "traffic"
    config_class = TrafficConfig

    def setup(self, model: TwinModel) -> None:
        cfg = self.config
        city_net = model.city.network
        self.network = _with_new_link(city_net, cfg) if cfg.new_link else city_net
        # position in the traffic network of each city link (published arrays use city order)
        self.city_links = pd.Index(self.network.link_id).get_indexer(city_net.link_id)
        capacity = self.network.link_capacity_vph.copy()
        for road, factor in cfg.capacity_factor.items():
            capacity[self.network.links_of_road(road)] *= factor
        closed = np.zeros(self.network.n_links, dtype=bool)
        for road in cfg.closed_roads:
            closed[self.network.links_of_road(road)] = True
        self.capacity, self.closed = capacity * cfg.sample_share, closed
        self.origins = origin_sets(model.city)  # where each zone's trips start and end
        self.connectors = connector_sets(model.city, cfg.zone_connectors)
        self.storage = self.network.storage_veh * cfg.sample_share
        self.signals = fixed_time_plan(self.network, self.capacity, cfg.signals, cfg.signal_cycle_s,
                                       cfg.signal_lost_time_s, cfg.signal_saturation_vph * cfg.sample_share)
        self.settings = LoadingSettings(
            time_step_s=cfg.time_step_s,
            platoon=cfg.platoon,
            route_choice=cfg.route_choice,
            link_model=cfg.link_model,
            route_update_s=cfg.route_update_s,
            route_noise=cfg.route_noise,
            route_tolerance=cfg.route_tolerance,
            record_interval_s=cfg.record_interval_min * 60.0,
            horizon_s=model.period_s,
        )
        self.loading: DynamicLoading | None = None
        self._series: list[pd.DataFrame] = []
        self._trip_times: list[pd.DataFrame] = []
        self._dropped = 0
        self._remembered: np.ndarray | None = None  # the skim this year's destinations were drawn on
        self._od = np.zeros((0, 0))  # expected trips between zones this year (gap weights)
        self._gap = self._change = 0.0  # this year's day-to-day gap and skim change, %
        self._stuck: list[pd.DataFrame] = []
        self._unfinished_pct = self._stuck_vehicles = 0.0
        self._warmup_days = 0  # warm-up days run before the first year

    def _city_order(self, values: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(values[self.city_links])

    def start_year(self, model: TwinModel, year: int) -> None:
        city, cfg = model.city, self.config
        population = model.published.get("zone_population", city.zones.population)
        jobs = model.published.get("zone_jobs", city.zones.jobs)
        skim = model.published.get("zone_travel_time_s")
        if skim is None:
            fft = self.network.free_flow_time_s.copy()
            fft[self.closed] = np.inf
            skim = zone_skim(self.network, fft, self.origins, self.connectors)
        if self._remembered is None:  # the first year: settle the memory on unrecorded days
            for day in range(cfg.warmup_days):
                rng = model.rng_for("traffic/warmup", day)
                load = self._load_day(model, year, population, jobs, skim, rng)
                load.advance(model.period_s)
                self._retime_signals(load)
                experienced = self._experienced_skim(load)
                trips = self._expected_trips(population, jobs, skim)
                gap = 100.0 * relative_difference(experienced, skim, trips)
                skim = smooth_skim(skim, experienced, cfg.skim_smoothing)
                self._warmup_days = day + 1
                if gap < cfg.warmup_gap_pct:
                    break
            if cfg.warmup_days:
                model.published.publish("zone_travel_time_s", skim, "s", self.name)
        self._remembered = skim
        self._od = self._expected_trips(population, jobs, skim)
        rng = model.rng_for("traffic/demand", year)
        self.loading = self._load_day(model, year, population, jobs, skim, rng)
        self._publish_link_times(model)

    def _expected_trips(self, population: np.ndarray, jobs: np.ndarray, skim: np.ndarray) -> np.ndarray:
        """Expected trips between zones (residents x gravity probabilities on ``skim``): gap weights."""
        probabilities = gravity_probabilities(jobs, skim, self.config.gravity_beta_per_min)
        return np.asarray(population, dtype=np.float64)[:, None] * probabilities

    def _load_day(self, model: TwinModel, year: int, population: np.ndarray, jobs: np.ndarray,
                  skim: np.ndarray, rng: np.random.Generator) -> DynamicLoading:
        """A day's loading (not yet run) of trips drawn on the zone skim ``skim`` (seconds)."""
        cfg = self.config
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
            period_s=model.period_s,
            rng=rng,
            origins=self.origins,
            connectors=self.connectors,
        )
        wanted = cfg.trip_rate * cfg.demand_scale * float(np.sum(population))
        if len(trips) == 0 and cfg.sample_share < 1 and wanted > 0:
            raise ScenarioError(
                f"key 'traffic.sample_share': {cfg.sample_share:g} leaves no simulated vehicle in {year} "
                "(the traffic indicators would be empty); raise it")
        return DynamicLoading(
            self.network,
            trips,
            self.settings,
            capacity_vph=self.capacity,
            storage_veh=self.storage,
            closed=self.closed,
            connectors=self.connectors,
            signals=self.signals,
        )

    def _experienced_skim(self, load: DynamicLoading) -> np.ndarray:
        """Zone times (s) on the day's experienced link times, queueing included.

        A link's time is the mean traversal time of the vehicles that left it (free-flow where
        none did), and at least its free-flow time plus the queue still standing at the end of
        the period over its capacity, so a gridlocked link does not read as empty.
        """
        exits = load.rec_exits.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            experienced = np.where(exits > 0, load.rec_time.sum(axis=0) / exits, load.fft)
        experienced = np.maximum(experienced, load.current_link_times())
        experienced[self.closed] = np.inf
        return zone_skim(self.network, experienced, self.origins, self.connectors)

    def _publish_link_times(self, model: TwinModel) -> None:
        times = self.loading.current_link_times()
        model.published.publish("link_travel_time_s", self._city_order(times), "s", self.name)

    def _tick(self, model: TwinModel, now: float) -> None:
        extra = model.published.get("link_extra_vehicles")
        if extra is not None:
            self.loading.link_extra[self.city_links] = extra
        speed = model.published.get("link_speed_factor")
        if speed is not None:  # hazard areas: slowed roads, or (a crawl) closed ones
            fft = self.network.free_flow_time_s.copy()
            fft[self.city_links] /= speed
            self.loading.fft = fft
        self.loading.advance(now)
        self._publish_link_times(model)

    def processes(self, model: TwinModel):
        yield ticker(model.env, self.config.publish_interval_s, lambda now: self._tick(model, now))

    def end_year(self, model: TwinModel, year: int) -> None:
        load, cfg = self.loading, self.config
        load.advance(model.period_s)
        self._retime_signals(load)
        self._publish_link_times(model)
        experienced = self._experienced_skim(load)
        remembered = smooth_skim(self._remembered, experienced, cfg.skim_smoothing)
        self._gap = 100.0 * relative_difference(experienced, self._remembered, self._od)
        self._change = 100.0 * relative_difference(self._remembered, remembered, self._od)
        model.published.publish("zone_travel_time_s", remembered, "s", self.name)
        self._record(year)
        self._report_gridlock(year)

    def _retime_signals(self, load: DynamicLoading) -> None:
        """Time the signals for the next day by Webster's split on this day's busiest 15 minutes
        (the day's highest interval flow per link, veh/h), as an engineer times a fixed plan on
        counts; the first day runs on the plan split by approach capacities."""
        peak = load.rec_exits.max(axis=0) * 3600.0 / load.settings.record_interval_s
        self.signals = retime(self.signals, self.network, peak, self.config.signal_lost_time_s)

    def _report_gridlock(self, year: int) -> None:
        """Unfinished trips, vehicles stuck at the end of the period and where; warn above the limit."""
        load, cfg = self.loading, self.config
        summary = load.summary()
        reachable = summary["trips"] - summary["unreachable_vehicles"]
        self._unfinished_pct = 100.0 * (reachable - summary["completed"]) / reachable if reachable else 0.0
        queued = load.queued_vehicles() / cfg.sample_share
        self._stuck_vehicles = float(queued.sum()) + load.vehicles_waiting / cfg.sample_share
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
            }
        ).sort_values(["queued_veh", "link"], ascending=[False, True], ignore_index=True)
        self._stuck.append(stuck.head(20))
        if self._unfinished_pct > cfg.gridlock_warn_pct:
            by_road = stuck.groupby("road", sort=True)["queued_veh"].sum()
            worst = (f"worst queue on {by_road.idxmax()} ({by_road.max():.0f} vehicles)"
                     if len(by_road) else "no standing queue (trips still driving)")
            warnings.warn(
                f"traffic {year}: {self._unfinished_pct:.1f} % of car trips not finished by the end of "
                f"the period, {self._stuck_vehicles:.0f} vehicles stuck; {worst}",
                stacklevel=2,
            )

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
                    "time_s": k * interval,
                    "link": self._link_index()[link],
                    "flow_vph": exits * 3600.0 / interval / self.config.sample_share,
                    "speed_mps": exits * length / load.rec_time[k, link].clip(min=1e-9),
                    "density_vpm": load.rec_time[k, link] / interval / length / self.config.sample_share,
                }
            )
        )
        done = np.isfinite(load.veh_arrive)
        self._trip_times.append(
            pd.DataFrame(
                {
                    "year": np.full(int(done.sum()), year, dtype=np.int64),
                    "depart_s": load.veh_depart[done],
                    "travel_time_s": load.row_travel_time_s()[done],
                    "vehicles": load.veh_size[done] / self.config.sample_share,
                }
            )
        )

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        load = self.loading
        tt = load.row_travel_time_s()
        done = np.isfinite(tt)
        size = load.veh_size[done].astype(np.float64)
        times = tt[done]
        free = load.free_flow_row_time_s()[done]
        vehicles = max(size.sum(), 1.0)
        order = np.argsort(times, kind="stable")
        cum = np.cumsum(size[order])
        p95 = float(times[order][np.searchsorted(cum, 0.95 * cum[-1])]) if cum.size else 0.0
        mean_s = float((times * size).sum() / vehicles)
        delay_s = float(((times - free) * size).sum() / vehicles)
        over = float((load.max_occ > 0.9 * load.storage).mean()) * 100.0
        congestion = float((times * size).sum() / max((free * size).sum(), 1e-9))
        summary = load.summary()
        per_vehicle = 1.0 / self.config.sample_share  # real vehicles per simulated vehicle
        return [
            Indicator(
                self.domain,
                "mean_trip_time",
                mean_s / 60.0,
                "min",
                "lower",
                (40.0, 10.0),
                "mean car trip time, departure to arrival",
            ),
            Indicator(
                self.domain,
                "p95_trip_time",
                p95 / 60.0,
                "min",
                "lower",
                (90.0, 20.0),
                "95th percentile of car trip times",
            ),
            Indicator(
                self.domain,
                "delay_per_trip",
                delay_s / 60.0,
                "min",
                "lower",
                (15.0, 0.0),
                "mean time lost against the free-flow shortest path",
            ),
            Indicator(
                self.domain,
                "vehicle_km",
                summary["vehicle_km"] * per_vehicle,
                "veh-km",
                "",
                None,
                "vehicle-kilometres driven in the operating period",
            ),
            Indicator(
                self.domain,
                "links_over_90pct_occupancy",
                over,
                "%",
                "lower",
                (10.0, 0.0),
                "share of links whose occupancy exceeded 90 % of their storage at some moment",
            ),
            Indicator(
                self.domain,
                "congestion_index",
                congestion,
                "ratio",
                "lower",
                (2.0, 1.0),
                "actual over free-flow trip time, all completed trips",
            ),
            Indicator(
                self.domain,
                "completed_trips",
                summary["completed"] * per_vehicle,
                "vehicles",
                "",
                None,
                "car trips that arrived within the period",
            ),
            Indicator(
                self.domain,
                "unreachable_trips",
                summary["unreachable_vehicles"] * per_vehicle,
                "vehicles",
                "",
                None,
                "car trips with no open route (counted, not driven)",
            ),
            Indicator(
                self.domain,
                "unfinished_trips",
                self._unfinished_pct,
                "%",
                "",
                None,
                "share of reachable car trips not arrived by the end of the period (gridlock or late "
                "departures); where: timeseries stuck_queues",
            ),
            Indicator(
                self.domain,
                "stuck_vehicles",
                self._stuck_vehicles,
                "vehicles",
                "",
                None,
                "vehicles standing in link queues or waiting to enter the network at the end of the period",
            ),
            Indicator(
                self.domain,
                "equilibrium_gap",
                self._gap,
                "%",
                "",
                None,
                "day-to-day gap: trip-weighted |remembered - experienced| zone time over experienced",
            ),
            Indicator(
                self.domain,
                "skim_change",
                self._change,
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
        ]

    def timeseries(self) -> dict[str, pd.DataFrame]:
        if not self._series:
            return {}
        return {
            "link_timeseries": pd.concat(self._series, ignore_index=True),
            "trip_times": pd.concat(self._trip_times, ignore_index=True),
            "stuck_queues": pd.concat(self._stuck, ignore_index=True),
        }

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
