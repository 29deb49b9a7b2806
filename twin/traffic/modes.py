"""Mode choice: each zone pair's person trips split among car, bus, e-bike and walk.

A multinomial logit on generalised minutes ``G`` (zones x zones per mode, docs/traffic.md,
"Travel modes"): the share of mode ``m`` between zones ``i`` and ``j`` is
``exp(c_m - theta G_mij) / sum_k exp(c_k - theta G_kij)`` over the modes available there (a
finite ``G``), with

* car: the remembered (smoothed, congested) zone skim, the parking search, and the running cost
  per km of the shortest road distance plus the destination's parking price, over the value of time;
* bus: the best bus journey (:func:`~twin.traffic.transit.transit_skim`: weighted walks and
  waits, riding on the remembered times the simulated buses took on each link, a bus lane's
  bus-only twin link included) plus the fare;
* e-bike: the shortest path over every road but highways at the e-bike speed (faster on e-bike lanes);
* walk: the same path at walking speed.

The constants ``c`` (car's fixed at 0) are fitted by a fixed point, ``c_m += ln(s_m / S_m)``,
until the trip-weighted modelled shares ``S`` reproduce the base shares ``s``
(:func:`calibrate_constants`). Everything is a zones x zones array: no object per trip.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city import City, RoadNetwork
from twin.city.network import LINK_CLASSES
from twin.errors import ScenarioError
from twin.traffic.connectors import NodeSets, zone_skim
from twin.traffic.modes_config import MODES, ModesConfig
from twin.traffic.transit import (
    BusLines,
    general_capacity_vph,
    generate_lines,
    headways_min,
    named_lines,
    road_links,
    transit_skim,
    twin_index,
)

CALIBRATION_ROUNDS = 500
"""Most fixed-point rounds of :func:`calibrate_constants`."""


def logit_shares(utility: np.ndarray) -> np.ndarray:
    """Multinomial logit shares over axis 0 (modes); ``-inf`` marks an unavailable mode. Where no
    mode is available every share is 0."""
    top = np.max(utility, axis=0)
    weight = np.exp(utility - np.where(np.isfinite(top), top, 0.0))
    total = weight.sum(axis=0)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def utilities(constants: np.ndarray, generalised_min: np.ndarray, logit_per_min: float) -> np.ndarray:
    """``c_m - theta G_m`` per mode (``-inf`` where ``G`` is infinite)."""
    with np.errstate(invalid="ignore"):
        u = constants.reshape((-1,) + (1,) * (generalised_min.ndim - 1)) - logit_per_min * generalised_min
    return np.where(np.isfinite(generalised_min), u, -np.inf)


def mode_totals(shares: np.ndarray, person_trips: np.ndarray) -> np.ndarray:
    """Person trips by each mode (summed over the zone pairs)."""
    return (shares * person_trips[None]).reshape(len(shares), -1).sum(axis=1)


def calibrate_constants(generalised_min: np.ndarray, person_trips: np.ndarray, target: np.ndarray,
                        logit_per_min: float, tolerance: float) -> np.ndarray:
    """Constants (car's 0) with which the trip-weighted shares reproduce ``target``.

    Raises ScenarioError when the fixed point does not reach ``tolerance`` (a mode with no
    available zone pair, say).
    """
    constants = np.zeros(len(target))
    for _ in range(CALIBRATION_ROUNDS):
        totals = mode_totals(logit_shares(utilities(constants, generalised_min, logit_per_min)), person_trips)
        modelled = totals / max(totals.sum(), 1e-300)
        with np.errstate(divide="ignore"):
            step = np.log(target / modelled)
        if np.all(np.abs(modelled / target - 1.0) <= tolerance):
            return constants
        if not np.all(np.isfinite(step)):
            break
        constants = constants + step
        constants -= constants[0]
    missing = [m for m, s in zip(MODES, modelled, strict=True) if s == 0]
    why = f"no zone pair can use {', '.join(missing)}" if missing else "the fit did not settle"
    raise ScenarioError(f"traffic.modes.base_shares: the mode constants cannot reproduce the base shares "
                        f"({why}); change base_shares or switch traffic.modes off")


@dataclasses.dataclass(frozen=True, eq=False)
class ModeSupply:
    """What each mode offers between zones, apart from the car times that change day to day.

    Built by :meth:`build` from the city, the traffic network and one :class:`ModesConfig` (the
    scenario's, or its base without levers).

    Attributes:
        config: the settings.
        lines: the bus lines on the traffic network, driving each bus lane's twin instead of its
            link; ``headway_min`` each run's headway.
        bus_lane: links with a bus lane (one lane less for cars; the lane is the link's twin).
        car_capacity_vph: each link's capacity left to cars (bus and e-bike lanes; the buses
            themselves are vehicles of the loading, :mod:`twin.traffic.bus_rows`).
        distance_m: shortest road distance between zones.
        ebike_min, walk_min: generalised minutes by e-bike and on foot (inf where not possible).
        parking_yuan: parking price of a car trip to each zone.
    """

    config: ModesConfig
    lines: BusLines
    headway_min: np.ndarray
    bus_lane: np.ndarray
    car_capacity_vph: np.ndarray
    distance_m: np.ndarray
    ebike_min: np.ndarray
    walk_min: np.ndarray
    parking_yuan: np.ndarray
    zone_x: np.ndarray
    zone_y: np.ndarray

    @classmethod
    def build(cls, city: City, network: RoadNetwork, capacity_vph: np.ndarray, closed: np.ndarray,
              lines: BusLines, cfg: ModesConfig, origins: NodeSets, connectors: NodeSets,
              twin_of: np.ndarray | None = None) -> ModeSupply:
        """``capacity_vph``: link capacities before the modes' levers (veh/h); ``closed``: links no
        one may use; ``lines`` on ``network``; ``twin_of``: each link's bus-only twin (-1: none;
        None: no bus lane), from :func:`twin.traffic.module.with_bus_lanes`, which reads
        ``cfg.bus_lanes``."""
        headway = headways_min(lines, cfg.base_headway_min, dict(cfg.bus_headway_min), cfg.bus_headway_factor)
        twin_of = np.full(network.n_links, -1, dtype=np.int64) if twin_of is None else twin_of
        bus_lane = twin_of >= 0
        lines = lines.on(twin_index(twin_of))
        ebike_lane = road_links(network, cfg.ebike_lanes, "traffic.modes.ebike_lanes", arterials=True)
        ebike_lane[twin_of[bus_lane]] = False  # an e-bike lane narrows the cars' lanes, not the bus lane
        capacity = np.where(ebike_lane, capacity_vph * cfg.ebike_lane_capacity_factor, capacity_vph)
        capacity = general_capacity_vph(network, capacity, bus_lane)
        length = network.link_length_m
        slow = closed | (network.link_class == LINK_CLASSES.index("highway"))  # no e-bike or walk
        ebike_mps = np.where(ebike_lane, cfg.ebike_lane_speed_kph, cfg.ebike_speed_kph) / 3.6
        walk_s = np.where(slow, np.inf, length / (cfg.walk_speed_kph / 3.6))
        ebike_s = np.where(slow, np.inf, length / ebike_mps)
        parking = np.full(len(city.zones), cfg.parking_price_yuan)
        for district, price in cfg.parking_price_by_district.items():
            if district not in city.districts.name:
                raise ScenarioError(f"key 'traffic.modes.parking_price_by_district.{district}': no such "
                                    f"district; allowed: {', '.join(city.districts.name)}")
            parking[city.zones.district == city.districts.name.index(district)] = price
        return cls(
            config=cfg, lines=lines, headway_min=headway, bus_lane=bus_lane, car_capacity_vph=capacity,
            distance_m=zone_skim(network, np.where(closed, np.inf, length), origins, connectors),
            ebike_min=zone_skim(network, ebike_s, origins, connectors) / 60.0,
            walk_min=zone_skim(network, walk_s, origins, connectors) / 60.0,
            parking_yuan=parking, zone_x=np.asarray(city.zones.x, np.float64),
            zone_y=np.asarray(city.zones.y, np.float64),
        )

    def generalised_min(self, network: RoadNetwork, car_skim_s: np.ndarray,
                        link_time_s: np.ndarray) -> np.ndarray:
        """Generalised minutes per mode (modes x zones x zones) on the car skim (s) and the buses'
        link times (s)."""
        cfg = self.config
        per_yuan = 60.0 / cfg.value_of_time_yuan_h
        bus = self._bus_min(network, link_time_s, cfg.out_of_vehicle_weight, cfg.bus_transfer_min)
        with np.errstate(invalid="ignore"):
            money = cfg.car_cost_yuan_km * self.distance_m / 1000.0 + self.parking_yuan[None, :]
            car = car_skim_s / 60.0 + cfg.parking_search_min + per_yuan * money
        return np.stack([car, bus + per_yuan * cfg.bus_fare_yuan, self.ebike_min, self.walk_min])

    def door_to_door_min(self, network: RoadNetwork, car_skim_s: np.ndarray,
                         link_time_s: np.ndarray) -> np.ndarray:
        """Door-to-door minutes per mode (modes x zones x zones), as a travel survey counts them:
        :meth:`generalised_min` without money, weights or transfer penalties (car: the skim plus
        ``parking_search_min``; bus: walks, waits and rides at face value)."""
        cfg = self.config
        bus = self._bus_min(network, link_time_s, 1.0, 0.0)
        return np.stack([car_skim_s / 60.0 + cfg.parking_search_min, bus, self.ebike_min, self.walk_min])

    def _bus_min(self, network: RoadNetwork, link_time_s: np.ndarray, weight: float,
                 transfer_min: float) -> np.ndarray:
        """The best bus journey's minutes with walks and waits weighted ``weight`` and ``transfer_min``
        per change, on the buses' link times (s)."""
        cfg = self.config
        return transit_skim(network, self.lines, link_time_s, self.headway_min, self.zone_x, self.zone_y,
                            access_m=cfg.bus_access_m, walk_kph=cfg.walk_speed_kph, detour=cfg.detour_factor,
                            out_of_vehicle_weight=weight, dwell_s=cfg.bus_dwell_s, transfer_min=transfer_min)


def city_lines(city: City, cfg: ModesConfig) -> BusLines:
    """The city's bus lines on its own network: the generated ones (``cfg.bus_lines``), then the
    seed's named ones (``city.bus_lines``)."""
    lines = generate_lines(city, cfg.bus_lines, cfg.bus_stop_spacing_m)
    seeded = named_lines(city, city.bus_lines, cfg.bus_stop_spacing_m, f"city {city.name}: bus_lines")
    if seeded is None:
        return lines
    _check_names(lines.name + seeded.name, f"city {city.name}: bus_lines")
    return lines + seeded


def _check_names(names: tuple[str, ...], key: str) -> None:
    """A ScenarioError naming ``key`` when two bus lines share a name."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(f"{key}: bus line name {twice[0]!r} is taken (generated lines are B1, B2, ...; "
                            f"lines: {', '.join(names)})")


MODE_DAILY_COLUMNS = ["year", "day", "recorded", *(f"{m}_trips" for m in MODES), *(f"{m}_min" for m in MODES)]
"""Columns of the ``mode_daily`` table: person trips by each mode on each loaded day, and their
mean door-to-door minutes (:meth:`ModeSupply.door_to_door_min`, trip-weighted)."""


class ModeChoice:
    """The traffic Module's mode choice: supplies with and without the levers, the constants,
    the buses' remembered link times and each day's person trips by mode.

    Args:
        city, network: the city and the traffic network (``city_links``: each city link's
            position in it).
        capacity_vph, closed: link capacities and closures with the network levers;
            ``parent_closed``: the closures before them.
        cfg: the scenario's ``[traffic.modes]``.
        twin_of: each link's bus-only twin (-1: none; None: no bus lane).
    """

    def __init__(self, city: City, network: RoadNetwork, city_links: np.ndarray, capacity_vph: np.ndarray,
                 closed: np.ndarray, parent_closed: np.ndarray, cfg: ModesConfig, origins: NodeSets,
                 connectors: NodeSets, twin_of: np.ndarray | None = None) -> None:
        self.network, self.config = network, cfg
        base_lines = city_lines(city, cfg)
        lines = base_lines
        extra = named_lines(city, cfg.named_lines, cfg.bus_stop_spacing_m, "key 'traffic.modes.named_lines'")
        if extra is not None:
            _check_names(lines.name + extra.name, "key 'traffic.modes.named_lines'")
            lines = lines + extra
        lines = lines.on(city_links).avoiding(network, closed)  # closed roads: detours, not cuts
        self.supply = ModeSupply.build(city, network, capacity_vph, closed, lines, cfg, origins, connectors,
                                       twin_of)
        self.base = ModeSupply.build(city, network, network.link_capacity_vph, parent_closed,
                                     base_lines.on(city_links).avoiding(network, parent_closed),
                                     cfg.without_levers(), origins, connectors)
        self.target = np.array([cfg.base_shares[m] for m in MODES])
        self.constants = np.zeros(len(MODES))
        twin = np.zeros(network.n_links, dtype=bool)
        if twin_of is not None:
            twin[twin_of[twin_of >= 0]] = True
        self.link_memory_s = np.where(parent_closed & ~twin, np.inf, network.free_flow_time_s)  # twins: free
        self.fitting = True  # the constants are fitted until the first recorded day has been drawn
        self._today = np.zeros(len(MODES))
        self._days: list[tuple] = []

    def person_trips(self, generalised_min: np.ndarray, population: np.ndarray, jobs: np.ndarray,
                     beta_per_min: float) -> np.ndarray:
        """Person trips a day between zones: each resident's ``person_trip_rate`` trips sent by the
        gravity model (jobs x exp(-beta x minutes)) on the best mode's generalised minutes."""
        from twin.traffic.demand import gravity_probabilities

        best_s = 60.0 * np.min(generalised_min, axis=0)
        rate = self.config.person_trip_rate
        destinations = gravity_probabilities(jobs, best_s, beta_per_min)
        return rate * np.asarray(population, np.float64)[:, None] * destinations

    def car_od(self, population: np.ndarray, jobs: np.ndarray, beta_per_min: float, car_skim_s: np.ndarray, *,
               pre_policy: bool) -> np.ndarray:
        """Expected car trips a day between zones (vehicles), on the remembered car skim (s) and the
        buses' remembered link times; on the supply before the levers when ``pre_policy``."""
        cfg = self.config
        if self.fitting:  # on the base supply: a lever then moves the shares away from the base
            base = self.base.generalised_min(self.network, car_skim_s, self.link_memory_s)
            trips = self.person_trips(base, population, jobs, beta_per_min)
            self.constants = calibrate_constants(base, trips, self.target, cfg.logit_per_min,
                                                 cfg.calibration_tolerance)
        supply = self.base if pre_policy else self.supply
        generalised = supply.generalised_min(self.network, car_skim_s, self.link_memory_s)
        trips = self.person_trips(generalised, population, jobs, beta_per_min)
        shares = logit_shares(utilities(self.constants, generalised, cfg.logit_per_min))
        by_mode = shares * trips[None]
        door = supply.door_to_door_min(self.network, car_skim_s, self.link_memory_s)
        with np.errstate(invalid="ignore"):  # inf x 0 where a mode is not available
            trip_min = np.where(by_mode > 0, door * by_mode, 0.0).reshape(len(MODES), -1).sum(axis=1)
        totals = mode_totals(shares, trips)
        self._today = np.concatenate([totals, trip_min / np.maximum(totals, 1e-300)])
        return trips * shares[0] / cfg.car_occupancy

    def end_day(self, year: int, day: int, recorded: bool, experienced_link_s: np.ndarray,
                weight: float) -> None:
        """Keep the day's person trips by mode and remember the buses' link times
        (``experienced_link_s``, s: the simulated buses' mean time on each link they drove, the
        link's experienced time elsewhere)."""
        from twin.traffic.equilibrium import smooth_skim

        self._days.append((year, day, recorded, *self._today))
        self.link_memory_s = smooth_skim(self.link_memory_s, experienced_link_s, weight)
        if recorded:
            self.fitting = False

    def daily_frame(self):
        """The ``mode_daily`` rows so far."""
        import pandas as pd

        return pd.DataFrame(self._days, columns=MODE_DAILY_COLUMNS)

    def indicators(self, domain: str, year: int, car_trip_min: float) -> list:
        """The year's mode shares (mean over its recorded days), person trips, bus network and
        door-to-door times; ``car_trip_min``: the loaded mean car trip (the KPI ``mean_trip_time``)."""
        from twin.indicators import Indicator

        days = self.daily_frame()
        days = days[(days.year == year) & days.recorded]
        trips = days[[f"{m}_trips" for m in MODES]].to_numpy()
        totals = trips.mean(axis=0)
        shares = 100.0 * totals / max(totals.sum(), 1e-300)
        car, bus, ebike, walk = (float(s) for s in shares)
        minutes = (trips * days[[f"{m}_min" for m in MODES]].to_numpy()).sum(axis=0)  # trip-minutes
        car_door = car_trip_min + self.config.parking_search_min  # the loaded trip, not the skim
        minutes[0] = trips[:, 0].sum() * car_door
        door = minutes / np.maximum(trips.sum(axis=0), 1e-300)
        return [
            Indicator(domain, "person_trip_time", float(minutes.sum() / max(trips.sum(), 1e-300)), "min",
                      "lower", (40.0, 10.0), "mean door-to-door person trip time, every mode (cars: "
                      "car_door_to_door_time; other modes on the remembered times; bounds ASSUMPTION)"),
            Indicator(domain, "car_door_to_door_time", car_door, "min", "lower", (40.0, 10.0),
                      "mean car trip door to door: mean_trip_time (loaded, in the vehicle) + "
                      "parking_search_min (finding a space and walking from it); bounds ASSUMPTION"),
            Indicator(domain, "bus_trip_time", float(door[1]), "min", "lower", (60.0, 15.0),
                      "mean bus trip door to door: walks, waits and rides (bounds ASSUMPTION)"),
            Indicator(domain, "car_share", car, "%", "lower", (40.0, 10.0),
                      "share of person trips by car (lower: fewer cars on the roads; bounds ASSUMPTION)"),
            Indicator(domain, "bus_share", bus, "%", "higher", (0.0, 20.0),
                      "share of person trips by bus (higher: more public transport; bounds ASSUMPTION)"),
            Indicator(domain, "ebike_share", ebike, "%", "", None, "share of person trips by e-bike"),
            Indicator(domain, "walk_share", walk, "%", "", None, "share of person trips on foot"),
            Indicator(domain, "person_trips", float(totals.sum()), "trips", "", None,
                      "person trips a day by every mode"),
            Indicator(domain, "bus_lines", float(len(self.supply.lines.name)), "lines", "", None,
                      "bus lines (each run both ways)"),
            Indicator(domain, "bus_route_km", self.supply.lines.length_km(self.network), "km", "", None,
                      "route length of the bus lines, both directions"),
        ]
