"""The ``[traffic]`` scenario section: demand, loading settings and network levers.

Needs only :mod:`twin.config`, so ``twin validate`` checks a scenario without numba or pandas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from twin.config import frozen_mapping, option
from twin.traffic.modes_config import ModesConfig

HOURLY_PROFILE = (0.5, 0.3, 0.2, 0.2, 0.4, 1.2, 3.5, 8.0, 9.0, 6.0, 5.0, 5.2,
                  5.8, 5.4, 5.0, 5.4, 6.5, 8.5, 8.0, 5.5, 4.0, 3.0, 2.0, 1.0)
"""Relative car departures per hour of the day (two commuting peaks), hour 0 = midnight."""

ROUTE_CHOICES = ("fixed", "enroute")
"""Route choice in the loading: path fixed at departure, or next link re-chosen at every node."""

LINK_MODELS = ("kinematic_wave", "spatial_queue")
"""Link model of the loading: Newell's kinematic wave (space frees after the backward wave has
crossed the link), or the spatial queue (space frees the instant a vehicle leaves)."""

SIGNAL_MODES = ("none", "arterials", "all")
"""Which junctions get fixed-time signals: none; crossings of an arterial (or highway) with
another arterial or a collector (three or more collector-or-higher approaches, two or more of them
arterial-or-higher; local streets joining an arterial keep priority control, as GB 50647-2011
plans them); every junction with three or more approaches. Junctions with a highway approach are
interchanges and never signalised."""

MIN_GREEN_S = 15.0
"""Shortest green of a signal phase, seconds (an assumption: pedestrians crossing a two-lane street
at 1.2 m/s plus a start-up margin)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrafficConfig:
    # demand
    trip_rate: float = option(
        0.5,
        ge=0,
        le=5,
        unit="car trips per resident per day",
        doc="car trips each resident makes on the simulated day",
    )
    demand_scale: float = option(1.0, ge=0, le=10, doc="lever: multiplies the car demand")
    zone_trip_factor: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=0, le=10,
        doc="multiplies the car trips sent from a zone, by zone or district name (a zone's own factor "
        "wins over its district's; 1 elsewhere): zone demand that trip_rate alone cannot shape",
    )
    hourly_profile: tuple[float, ...] = option(
        HOURLY_PROFILE, ge=0, le=1e6, doc="24 relative departure weights, hour 0 = midnight"
    )
    gravity_beta_per_min: float = option(
        0.08, ge=0, le=2, unit="1/min", doc="destination choice: weight jobs x exp(-beta x minutes)"
    )
    zone_connectors: int = option(
        6,
        ge=1,
        le=16,
        unit="nodes",
        doc="connectors per zone: its arriving car trips leave the network at the first of up to "
        "this many nodes, spread over its buildings, that they reach (1: one node per zone)",
    )
    sample_share: float = option(
        1.0,
        ge=0.01,
        le=1,
        doc="simulate this share of the car trips, with link "
        "capacity and storage scaled by it; counts are scaled back up (a sample "
        "with no vehicle is an error)",
    )
    # loading
    time_step_s: float = option(2.0, ge=0.5, le=5, unit="s", doc="loading kernel time step")
    platoon: int = option(5, ge=1, le=50, unit="vehicles", doc="vehicles moved together as one row")
    route_choice: str = option(
        "enroute",
        choices=ROUTE_CHOICES,
        doc="fixed: path at departure; enroute: next link re-chosen at nodes",
    )
    link_model: str = option(
        "kinematic_wave",
        choices=LINK_MODELS,
        doc="kinematic_wave: space a vehicle leaves frees after the backward wave has crossed the "
        "link (Newell); spatial_queue: it frees at once (no backward wave)",
    )
    signals: str = option(
        "arterials",
        choices=SIGNAL_MODES,
        doc="fixed-time two-phase signals at junctions: none; arterials (arterial x arterial and "
        "arterial x collector: 3+ collector-or-higher approaches, 2+ of them arterial or highway); "
        "all (every junction of 3+ approaches)",
    )
    signal_cycle_s: float = option(
        90.0, ge=30, le=240, unit="s", doc="signal cycle length (green split by approach capacity)"
    )
    signal_lost_time_s: float = option(
        4.0, ge=0, le=15, unit="s", doc="lost time per signal phase (start-up and clearance)"
    )
    signal_saturation_vph: float = option(
        1800.0,
        ge=600,
        le=2400,
        unit="veh/h/lane",
        doc="saturation flow of a signalised approach lane: it discharges during green at the larger "
        "of its capacity and lanes x this (Webster and Cobbe 1966: 525 pcu/h per metre of width)",
    )
    route_update_s: float = option(
        600.0, ge=10, le=3600, unit="s", doc="how often current link times and routes are recomputed"
    )
    route_noise: float = option(0.1, ge=0, le=1, doc="relative spread of per-vehicle route cost noise")
    route_tolerance: float = option(
        0.0, ge=0, le=1, doc="a destination's route table is updated only when a link time change shifts "
        "the time to it by more than this share (0: every table exact at every refresh)"
    )
    publish_interval_s: float = option(
        60.0, ge=1, le=3600, unit="s", doc="kernel chunk length: link times are published this often"
    )
    record_interval_min: float = option(15.0, ge=1, le=240, unit="minutes", doc="link time-series interval")
    # day-to-day memory and gridlock
    skim_smoothing: float = option(
        0.5,
        gt=0,
        le=1,
        doc="weight a of the day's experienced zone times in the remembered skim that the next "
        "year's destinations (and zone_travel_time_s) use: S = (1 - a) S_before + a S_day; "
        "1 = last day's times only",
    )
    warmup_days: int = option(
        0,
        ge=0,
        le=20,
        unit="days",
        doc="unrecorded days loaded before the first year, each updating the remembered skim "
        "(starts it near the day-to-day equilibrium instead of at free flow); at most this many "
        "when warmup_gap_pct is set",
    )
    warmup_gap_pct: float = option(
        0.0,
        ge=0,
        le=100,
        unit="%",
        doc="stop the warm-up days early once a day's equilibrium_gap is below this (0: run them all)",
    )
    gridlock_warn_pct: float = option(
        5.0,
        ge=0,
        le=100,
        unit="%",
        doc="warn (one line) when more than this share of reachable car trips is not finished "
        "by the end of the period",
    )
    levers_in_warmup: bool = option(
        False,
        doc="false: the first year's warm-up days (scenario.warmup_days and traffic.warmup_days) run "
        "without the network levers (closed_roads, capacity_factor, new_link), so travellers meet "
        "them on the first recorded day and adapt from there; true: the warm-up has them already",
    )
    departure_window_min: float = option(
        30.0, ge=0, le=180, unit="minutes",
        doc="day-to-day departure-time adaptation: a traveller shifts departure by at most this "
        "either way (0: departure times never adapt); docs/traffic.md, 'Days, warm-up and adaptation'",
    )
    departure_band_min: float = option(
        5.0, ge=0, le=120, unit="minutes",
        doc="indifference band: only trips whose departure slot's remembered delay exceeds this move",
    )
    departure_shift_share: float = option(
        0.2, ge=0, le=1, doc="share of the trips above the band that move their departure each day",
    )
    # network levers
    capacity_factor: Mapping[str, float] = option(
        default_factory=frozen_mapping, gt=0, le=10, doc="lever: capacity multiplier by road name"
    )
    closed_roads: tuple[str, ...] = option((), doc="lever: roads (by name) closed to traffic")
    new_link: tuple[float, ...] = option(
        (), ge=-1e7, le=1e7, unit="m",
        doc="lever: [x1, y1, x2, y2]: a two-way road between the nodes nearest to these points"
    )
    new_link_lanes: int = option(2, ge=1, le=8, doc="lanes each way of the new link")
    new_link_speed_kph: float = option(50.0, gt=0, le=130, unit="km/h", doc="free speed of the new link")
    new_link_capacity_vph: float = option(
        1800.0, gt=0, le=3000, unit="veh/h/lane", doc="capacity per lane of the new link"
    )
    # travel modes
    modes: ModesConfig = option(
        default_factory=ModesConfig,
        doc="travel modes: person trips split among car, bus, e-bike and walk, buses on the roads "
        "(docs/traffic.md, 'Travel modes'); off by default",
    )

    def check(self) -> str | None:
        if len(self.hourly_profile) != 24 or sum(self.hourly_profile) <= 0:
            return "hourly_profile: give 24 non-negative weights, not all zero"
        if self.signal_cycle_s - 2 * self.signal_lost_time_s < 2 * MIN_GREEN_S:
            return (f"signal_cycle_s: {self.signal_cycle_s:g} s with {self.signal_lost_time_s:g} s lost "
                    f"per phase leaves under {MIN_GREEN_S:g} s of green per phase; allowed "
                    f"signal_cycle_s >= 2 x signal_lost_time_s + {2 * MIN_GREEN_S:g}")
        if self.new_link and len(self.new_link) != 4:
            return "new_link: give four numbers [x1, y1, x2, y2] in metres"
        return None
