"""Scenario configuration of the emergency module: incident types, fleets, policy, surge events.

Every key is a validated :func:`~twin.config.option`; cross-field rules (known incident types,
a unit kind for every need) live in ``check`` so ``twin validate`` reports them as one line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from twin.catalog import Catalog
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

DEFAULT_TURNOUT_MIN = {"ambulance": 1.5, "fire_engine": 1.33, "police_car": 1.0, "utility_crew": 10.0}
"""Mean turnout by unit kind, minutes (sources in docs/emergency.md, "Phase model and sources")."""

POLICIES = ("nearest_available", "closest_station", "tiered")
"""Built-in dispatch policies (see :mod:`twin.emergency.dispatch`)."""

POLICY_CATALOG = Catalog(
    "dispatch policy",
    {name: f"twin.emergency.dispatch:{cls}"
     for name, cls in zip(POLICIES, ("NearestAvailable", "ClosestStation", "Tiered"), strict=True)},
    "twin.emergency.register_policy",
)
"""Dispatch policies ``[emergency] policy`` may name: the built-in ones and the plug-ins'."""

UNIT_CATALOG = Catalog(
    "unit class", {"unit": "twin.emergency.units:Unit"}, "twin.emergency.register_unit_class",
    base="twin.emergency.units:Unit",
)
"""Unit classes ``[emergency] unit_class`` may name (subclasses of :class:`~twin.emergency.units.Unit`)."""

UNIT_ARGUMENTS = ("model", "kind", "station", "standby", "index")
"""Arguments the module passes to every unit itself (``unit_options`` may not use these names)."""


def register_policy(name: str, factory: Any) -> None:
    """Make ``factory`` the dispatch policy ``[emergency] policy = "name"`` selects.

    ``factory(**policy_options)`` must return a :class:`~twin.emergency.dispatch.DispatchPolicy`
    (a policy class itself will do); the ``[emergency.policy_options]`` table is checked against
    its signature when the scenario is validated. Call it at import time of a plug-in.
    """
    POLICY_CATALOG.register(name, factory)


def register_unit_class(name: str, cls: type) -> None:
    """Make ``cls``, a subclass of :class:`~twin.emergency.units.Unit`, the class of every unit
    when ``[emergency] unit_class = "name"``; ``[emergency.unit_options]`` are passed to it as
    keyword arguments. Call it at import time of a plug-in."""
    UNIT_CATALOG.register(name, cls)

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
    call_handling_min: float = option(
        1.5, ge=0, le=1440, unit="minutes",
        doc="mean time from the call to the dispatch decision (answer, interrogate, dispatch)",
    )
    call_handling_cv: float = option(
        0.5, ge=0, le=10, doc="coefficient of variation of lognormal call-handling times (0 = fixed)"
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
                call_handling_min=2.0,
                on_scene_min=20.0,
                transport_share=0.7,
                target_min=12.0,
            ),
            "fire": IncidentType(
                rate_per_1000=0.02,
                jobs_weight=0.5,
                priority=1,
                units=("fire_engine", "fire_engine", "ambulance"),
                call_handling_min=1.0,
                on_scene_min=45.0,
                target_min=7.0,
            ),
            "traffic_accident": IncidentType(
                rate_per_1000=0.04,
                jobs_weight=1.0,
                priority=2,
                units=("police_car", "ambulance"),
                call_handling_min=1.5,
                on_scene_min=30.0,
                transport_share=0.4,
                target_min=12.0,
            ),
            "crime": IncidentType(
                rate_per_1000=0.25,
                jobs_weight=0.5,
                priority=2,
                units=("police_car",),
                call_handling_min=1.5,
                on_scene_min=30.0,
                target_min=15.0,
            ),
            "flood_or_utility": IncidentType(
                rate_per_1000=0.02,
                priority=3,
                units=("utility_crew",),
                call_handling_min=3.0,
                on_scene_min=90.0,
                target_min=60.0,
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
                            doc="start, hours from the start of the recorded period (after the warm-up days)")
    end_h: float = option(1.0, gt=0, le=8784, unit="hours",
                          doc="end, hours from the start of the recorded period (after the warm-up days)")
    rate_multiplier: float = option(3.0, ge=0, le=100,
                                    doc="call rates in the surge zones are multiplied by this")
    zones: tuple[str, ...] = option((), doc="zone names hit by the surge; empty = every zone")
    districts: tuple[str, ...] = option((), doc="district names hit by the surge (added to zones)")
    circle: tuple[float, ...] = option(
        (), ge=-1e7, le=1e7, unit="m", doc="hazard area: [x, y, radius] in city coordinates"
    )
    polygon: tuple[tuple[float, ...], ...] = option(
        (), ge=-1e7, le=1e7, unit="m", doc="hazard area: [[x, y], ...] corners in city coordinates"
    )
    type_multipliers: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=0, le=100,
        doc="extra multiplier of some types' rates in the place (e.g. flood_or_utility = 10)",
    )
    road_speed_factor: float = option(
        1.0, gt=0, le=1, doc="speeds on roads inside the circle, polygon or districts are multiplied by this"
    )
    close_roads: bool = option(
        False, doc="roads inside are closed to general traffic (units still pass, at road_speed_factor)"
    )


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
    policy: str = option("nearest_available", choices=POLICY_CATALOG, doc="dispatch policy")
    policy_options: Mapping[str, Any] = option(
        default_factory=frozen_mapping,
        doc="keyword arguments of a registered policy's factory (the built-in policies take none)",
    )
    unit_class: str = option("unit", choices=UNIT_CATALOG, doc="class of the units (mesa Agents)")
    unit_options: Mapping[str, Any] = option(
        default_factory=frozen_mapping, doc="keyword arguments passed to every unit of unit_class"
    )
    tiered_reserve: Mapping[str, int] = option(
        default_factory=lambda: frozen_mapping({"ambulance": 2}),
        ge=0,
        le=MAX_UNITS,
        doc="policy 'tiered': units of a kind kept free for priority-1 calls",
    )
    speed_factor: float = option(
        1.15, gt=0, le=3, doc="emergency vehicles drive this much faster than traffic (lights and sirens)"
    )
    queue_bypass_share: float = option(
        0.5, ge=0, le=1, doc="share of the congestion delay (over free flow) units avoid"
    )
    turnout_min: Mapping[str, float] = option(
        default_factory=lambda: frozen_mapping(DEFAULT_TURNOUT_MIN),
        ge=0,
        le=1440,
        unit="minutes",
        doc="mean time from dispatch to leaving the station, by unit kind (kinds left out keep the default)",
    )
    turnout_cv: float = option(
        0.3, ge=0, le=10, doc="coefficient of variation of lognormal turnout times (0 = fixed)"
    )
    handover_min: float = option(15.0, ge=0, le=1440, unit="minutes",
                                 doc="mean patient handover time at hospital")
    handover_cv: float = option(
        0.5, ge=0, le=10, doc="coefficient of variation of lognormal handover times (0 = fixed)"
    )
    skim_refresh_min: float = option(
        60.0, ge=1, le=1440, unit="minutes",
        doc="how often travel-time trees are rebuilt when link times change"
    )
    busy_sample_min: float = option(15.0, ge=1, le=1440, unit="minutes",
                                    doc="interval of the busy_units time series")
    unanswered_after_min: float = option(
        60.0, gt=0, le=1440, unit="minutes",
        doc="a call no unit reached within this long of it is unanswered; calls still open at the "
        "period's end but younger are censored (open_at_end_calls). 60: far beyond any response norm "
        "(China's 12-15 min urban ambulance goal, 5 min to the scene for fire)",
    )
    loss_system: bool = option(
        False, doc="calls finding no free unit are lost instead of queued (validation)"
    )
    surge: tuple[SurgeEvent, ...] = option((), doc="surge windows (wartime rules apply inside them)")
    defer_priority: int = option(
        3, ge=1, le=4, doc="in a surge, calls of this priority number or higher wait until it ends (4 = none)"
    )
    wartime_priority: Mapping[str, int] = option(
        default_factory=frozen_mapping, ge=1, le=3,
        doc="in a surge, these incident types take this priority instead of their own",
    )
    wartime_trigger_calls: int = option(
        0, ge=0, le=100_000,
        doc="switch to wartime rules when this many calls wait for a unit (0 = only in surge windows)",
    )
    wartime_hold_min: float = option(
        60.0, ge=0, le=1440, unit="minutes",
        doc="a wartime switched on by the load lasts at least this long, then ends when no call waits",
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
            ("turnout_min", self.turnout_min),
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
        problem = (
            (self.policy in POLICIES and self.policy_options and (
                f"policy_options: the built-in policy {self.policy!r} takes none"
                " (tiered's reserve is tiered_reserve); options are for a plug-in's policy"))
            or POLICY_CATALOG.options_problem("policy_options", self.policy, self.policy_options)
            or UNIT_CATALOG.options_problem("unit_options", self.unit_class, self.unit_options,
                                            reserved=UNIT_ARGUMENTS)
        )
        if problem:
            return problem
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
        for name in self.wartime_priority:
            if name not in self.types:
                allowed = ", ".join(self.types)
                return f"wartime_priority.{name} is not a simulated incident type; allowed: {allowed}"
        for i, event in enumerate(self.surge):
            problem = surge_problem(event, tuple(self.types))
            if problem:
                return f"surge[{i}].{problem}"
        return None

    def turnout_s(self, kind: str) -> float:
        """Mean turnout of ``kind`` in seconds (its default when ``turnout_min`` leaves it out)."""
        return float(self.turnout_min.get(kind, DEFAULT_TURNOUT_MIN[kind])) * 60.0

    def station_units(self, kind: str) -> int:
        """Units of ``kind`` at each city station of the kind's facility."""
        return int(self.units_per_station.get(kind, 0))


def surge_problem(event: SurgeEvent, types: tuple[str, ...]) -> str | None:
    """What is wrong with one surge event (a key and the rule), or None."""
    if event.end_h <= event.start_h:
        return f"end_h must be after start_h ({event.start_h:g})"
    if event.circle and (len(event.circle) != 3 or event.circle[2] <= 0):
        return f"circle must be [x, y, radius] with radius > 0 (metres), got {list(event.circle)}"
    if event.polygon and (len(event.polygon) < 3 or any(len(p) != 2 for p in event.polygon)):
        return "polygon must be a list of at least 3 [x, y] corners (metres)"
    for name in event.type_multipliers:
        if name not in types:
            return f"type_multipliers.{name} is not a simulated incident type; allowed: {', '.join(types)}"
    return None
