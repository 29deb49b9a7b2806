"""Scenario configuration of the emergency module: incident types, fleets, policy, surge events.

Every key is a validated :func:`~twin.config.option`; cross-field rules (known incident types,
a unit kind for every need) live in ``check`` so ``twin validate`` reports them as one line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from twin.config import frozen_mapping, option

INCIDENT_TYPES = ("medical", "fire", "traffic_accident", "crime", "flood_or_utility")
"""Incident types the module knows."""

UNIT_KINDS = ("ambulance", "fire_engine", "police_car", "utility_crew")
"""Unit kinds, one per agency."""

STATION_FACILITY = {
    "ambulance": "ems_base",
    "fire_engine": "fire_station",
    "police_car": "police_station",
    "utility_crew": "utility_depot",
}
"""The City facility kind that houses each unit kind."""

MAX_UNITS = 1000
"""Most units of one kind a station may hold (a bound on the simulation's size, not a rule of
the service; raise it here for a larger model)."""

POLICIES = ("nearest_available", "closest_station", "tiered")
"""Built-in dispatch policies (see :mod:`twin.emergency.dispatch`)."""

HOURLY_PROFILE = (
    0.6,
    0.5,
    0.45,
    0.4,
    0.4,
    0.45,
    0.6,
    0.8,
    1.0,
    1.1,
    1.15,
    1.2,
    1.2,
    1.2,
    1.2,
    1.2,
    1.2,
    1.25,
    1.25,
    1.2,
    1.1,
    1.0,
    0.85,
    0.7,
)
"""Relative call rate by hour of day (normalised to a mean of 1 when used)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentType:
    """One incident type: how often it happens, what it needs and how long it takes."""

    rate_per_1000: float = option(
        0.1,
        ge=0,
        le=100,
        unit="calls per 1000 residents per day",
        doc="daily call rate per 1000 of the zone's exposure (residents + jobs_weight x jobs)",
    )
    jobs_weight: float = option(0.0, ge=0, le=10, doc="weight of a zone's jobs in its exposure (activity)")
    priority: int = option(
        2, ge=1, le=3, doc="1 = most urgent; the dispatch centre serves lower numbers first"
    )
    units: tuple[str, ...] = option(
        ("ambulance",),
        choices=UNIT_KINDS,
        doc="unit kinds sent, one entry per unit (repeat a kind to send two)",
    )
    on_scene_min: float = option(20.0, gt=0, le=1440, unit="minutes", doc="mean time a unit spends on scene")
    on_scene_distribution: str = option(
        "lognormal", choices=("exponential", "lognormal"), doc="distribution of on-scene times"
    )
    on_scene_cv: float = option(0.5, gt=0, le=10, doc="coefficient of variation of lognormal on-scene times")
    transport_share: float = option(
        0.0, ge=0, le=1, doc="share of calls whose ambulance takes a patient to hospital"
    )
    target_min: float = option(15.0, gt=0, le=1440, unit="minutes",
                               doc="response-time target (call to first arrival)")


def default_types() -> Mapping[str, IncidentType]:
    """A plausible default set of the five incident types."""
    return frozen_mapping(
        {
            "medical": IncidentType(
                rate_per_1000=0.30,
                priority=1,
                units=("ambulance",),
                on_scene_min=20.0,
                transport_share=0.7,
                target_min=8.0,
            ),
            "fire": IncidentType(
                rate_per_1000=0.02,
                jobs_weight=0.5,
                priority=1,
                units=("fire_engine", "fire_engine", "ambulance"),
                on_scene_min=45.0,
                target_min=10.0,
            ),
            "traffic_accident": IncidentType(
                rate_per_1000=0.04,
                jobs_weight=1.0,
                priority=2,
                units=("police_car", "ambulance"),
                on_scene_min=30.0,
                transport_share=0.4,
                target_min=12.0,
            ),
            "crime": IncidentType(
                rate_per_1000=0.25,
                jobs_weight=0.5,
                priority=2,
                units=("police_car",),
                on_scene_min=30.0,
                target_min=15.0,
            ),
            "flood_or_utility": IncidentType(
                rate_per_1000=0.02, priority=3, units=("utility_crew",), on_scene_min=90.0, target_min=60.0
            ),
        }
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExtraStation:
    """A station added by the scenario (a siting lever), snapped to the nearest road node."""

    name: str = option("new station", doc="label")
    unit_kind: str = option("ambulance", choices=UNIT_KINDS, doc="kind of units it houses")
    x: float = option(0.0, ge=-1e7, le=1e7, unit="m", doc="easting")
    y: float = option(0.0, ge=-1e7, le=1e7, unit="m", doc="northing")
    units: int = option(1, ge=1, le=MAX_UNITS, doc="units housed")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SurgeEvent:
    """A surge ("wartime") window: more calls in some zones, and the wartime rules switched on."""

    start_h: float = option(0.0, ge=0, le=8784, unit="hours",
                            doc="start, hours from the operating period's start")
    end_h: float = option(1.0, gt=0, le=8784, unit="hours",
                          doc="end, hours from the operating period's start")
    rate_multiplier: float = option(3.0, ge=0, le=100,
                                    doc="call rates in the surge zones are multiplied by this")
    zones: tuple[str, ...] = option((), doc="zone names hit by the surge; empty = every zone")
    districts: tuple[str, ...] = option((), doc="district names hit by the surge (added to zones)")


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmergencyConfig:
    """The ``[emergency]`` scenario section."""

    types: Mapping[str, IncidentType] = option(
        default_factory=default_types,
        doc="incident types simulated, by name (the table replaces the default set)",
    )
    rate_scale: float = option(1.0, ge=0, le=100, doc="multiplies every call rate (a demand lever)")
    hourly_profile: tuple[float, ...] = option(
        HOURLY_PROFILE, ge=0, le=1e6, doc="24 relative hourly call rates (normalised to mean 1)"
    )
    units_per_station: Mapping[str, int] = option(
        default_factory=lambda: frozen_mapping(
            {"ambulance": 3, "fire_engine": 2, "police_car": 3, "utility_crew": 2}
        ),
        ge=0,
        le=MAX_UNITS,
        doc="units at each city station of the kind's facility (ems_base, fire_station, ...)",
    )
    standby_per_station: Mapping[str, int] = option(
        default_factory=lambda: frozen_mapping(
            {"ambulance": 1, "fire_engine": 0, "police_car": 1, "utility_crew": 1}
        ),
        ge=0,
        le=MAX_UNITS,
        doc="reserve units per station, on duty only during a surge",
    )
    stations: tuple[ExtraStation, ...] = option((), doc="stations added by the scenario")
    policy: str = option("nearest_available", choices=POLICIES, doc="dispatch policy")
    tiered_reserve: Mapping[str, int] = option(
        default_factory=lambda: frozen_mapping({"ambulance": 2}),
        ge=0,
        le=MAX_UNITS,
        doc="policy 'tiered': units of a kind kept free for priority-1 calls",
    )
    speed_factor: float = option(
        1.25, gt=0, le=3, doc="emergency vehicles drive this much faster than traffic"
    )
    queue_bypass_share: float = option(
        0.5, ge=0, le=1, doc="share of the congestion delay (over free flow) units avoid"
    )
    turnout_min: float = option(1.0, ge=0, le=1440, unit="minutes",
                                doc="time from dispatch to leaving the station")
    handover_min: float = option(15.0, ge=0, le=1440, unit="minutes", doc="patient handover time at hospital")
    skim_refresh_min: float = option(
        60.0, ge=1, le=1440, unit="minutes",
        doc="how often travel-time trees are rebuilt when link times change"
    )
    busy_sample_min: float = option(15.0, ge=1, le=1440, unit="minutes",
                                    doc="interval of the busy_units time series")
    loss_system: bool = option(
        False, doc="calls finding no free unit are lost instead of queued (validation)"
    )
    surge: tuple[SurgeEvent, ...] = option((), doc="surge windows (wartime rules apply inside them)")
    defer_priority: int = option(
        3, ge=1, le=4, doc="in a surge, calls of this priority number or higher wait until it ends (4 = none)"
    )
    mutual_aid: Mapping[str, tuple[str, ...]] = option(
        default_factory=lambda: frozen_mapping(
            {
                "ambulance": ("fire_engine",),
                "utility_crew": ("fire_engine",),
                "police_car": (),
                "fire_engine": (),
            }
        ),
        doc="in a surge, kinds that may stand in for a kind with no free unit",
    )

    def check(self) -> str | None:
        """Cross-field rules: known type and kind names, 24 hours, a unit for every need."""
        if not self.types:
            return f"types is empty: give at least one incident type ({', '.join(INCIDENT_TYPES)})"
        for name in self.types:
            if name not in INCIDENT_TYPES:
                return f"types.{name} is not an incident type; allowed: {', '.join(INCIDENT_TYPES)}"
        for key, table in (
            ("units_per_station", self.units_per_station),
            ("standby_per_station", self.standby_per_station),
            ("tiered_reserve", self.tiered_reserve),
            ("mutual_aid", self.mutual_aid),
        ):
            for kind in table:
                if kind not in UNIT_KINDS:
                    return f"{key}.{kind} is not a unit kind; allowed: {', '.join(UNIT_KINDS)}"
        for kind, helpers in self.mutual_aid.items():
            for helper in helpers:
                if helper not in UNIT_KINDS:
                    return (
                        f"mutual_aid.{kind}: {helper!r} is not a unit kind; allowed: {', '.join(UNIT_KINDS)}"
                    )
        if len(self.hourly_profile) != 24 or sum(self.hourly_profile) <= 0:
            return "hourly_profile needs 24 non-negative numbers, not all zero"
        extra = {s.unit_kind for s in self.stations}
        for name, spec in self.types.items():
            for kind in spec.units:
                if self.units_per_station.get(kind, 0) == 0 and kind not in extra:
                    return (
                        f"types.{name}.units needs a {kind!r} but no station has one "
                        f"(units_per_station.{kind} is 0 and no [[emergency.stations]] of that kind)"
                    )
        for i, event in enumerate(self.surge):
            if event.end_h <= event.start_h:
                return f"surge[{i}].end_h must be after start_h ({event.start_h:g})"
        return None

    def station_units(self, kind: str) -> int:
        """Units of ``kind`` at each city station of the kind's facility."""
        return int(self.units_per_station.get(kind, 0))
