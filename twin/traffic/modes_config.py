"""The ``[traffic.modes]`` scenario table: person trips, the mode choice and its levers.

Needs only :mod:`twin.config`, so ``twin validate`` checks a scenario without numba or pandas.
The model and the sources of every default: docs/traffic.md, "Travel modes".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from twin.city.seedfile import BusLineSpec, check_bus_lines
from twin.config import frozen_mapping, option

MODES = ("car", "bus", "ebike", "walk")
"""The travel modes, in the order of every mode array."""

BASE_SHARES = {"car": 0.20, "bus": 0.08, "ebike": 0.40, "walk": 0.32}
"""Base-year shares of person trips the alternative-specific constants are calibrated to
(car 20, bus 8 and walk + e-bike 72 % checked against the published aggregates in
docs/traffic.md, "Published mode shares of small and medium cities"; the walk / e-bike split is an
ASSUMPTION)."""

LEVER_KEYS = ("bus_headway_factor", "bus_headway_min", "bus_lanes", "ebike_lanes",
              "ebike_lane_capacity_factor", "parking_price_yuan", "parking_price_by_district", "named_lines")
"""Keys that are levers: the constants are calibrated with each at its default, so setting one
moves the shares away from the base."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModesConfig:
    enabled: bool = option(
        False,
        doc="split person trips among car, bus, e-bike and walk by a logit on generalised time; the "
        "car share (over car_occupancy) is the car demand loaded (false: traffic.trip_rate car trips "
        "per resident, no other mode)",
    )
    person_trip_rate: float = option(
        2.6, ge=0, le=10, unit="trips per resident per day",
        doc="person trips by every mode each resident makes on a day",
    )
    car_occupancy: float = option(
        1.4, ge=1, le=5, unit="persons per car", doc="person trips per car trip"
    )
    base_shares: Mapping[str, float] = option(
        default_factory=lambda: frozen_mapping(BASE_SHARES), ge=0, le=1,
        doc="base-year share of each mode (car, bus, ebike, walk; sum 1) the constants are calibrated to",
    )
    logit_per_min: float = option(
        0.05, gt=0, le=2, unit="1/min", doc="logit scale: utility lost per minute of generalised time"
    )
    value_of_time_yuan_h: float = option(
        20.0, gt=0, le=1000, unit="yuan/h", doc="converts money costs into generalised minutes"
    )
    out_of_vehicle_weight: float = option(
        2.0, ge=1, le=5, doc="weight of walking to and waiting for a bus against in-vehicle minutes"
    )
    car_cost_yuan_km: float = option(0.6, ge=0, le=10, unit="yuan/km", doc="car running cost per km")
    parking_search_min: float = option(
        3.0, ge=0, le=60, unit="min", doc="time to find a space and walk from it, per car trip"
    )
    parking_price_yuan: float = option(
        2.0, ge=0, le=200, unit="yuan per car trip", doc="lever: parking price at the destination, city-wide"
    )
    parking_price_by_district: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=0, le=200, unit="yuan per car trip",
        doc="lever: parking price at destinations in the named districts (others: parking_price_yuan)",
    )
    bus_fare_yuan: float = option(2.0, ge=0, le=50, unit="yuan", doc="bus fare per trip (transfers free)")
    bus_lines: int = option(
        0, ge=0, le=40, doc="bus lines generated between district centres and stations (0: one per "
        "50,000 residents, at least one); each runs both ways"
    )
    named_lines: tuple[BusLineSpec, ...] = option(
        (), doc="bus lines by named roads, facilities or points, besides the generated ones and the "
        "seed city's bus_lines (a table each: name, via, headway_min)",
    )
    bus_headway_min: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=1, le=120, unit="min",
        doc="lever: headway of the named lines (B1, B2, ... or a named line's name; others: the line's "
        "own headway_min, or base_headway_min)",
    )
    base_headway_min: float = option(10.0, ge=1, le=120, unit="min", doc="headway of every bus line")
    bus_headway_factor: float = option(
        1.0, ge=0.1, le=10, doc="lever: multiplies every line's headway (0.5: buses twice as often)"
    )
    bus_pce: float = option(2.0, ge=1, le=5, unit="car equivalents", doc="road space one bus takes")
    bus_service_hours: tuple[float, ...] = option(
        (6.0, 22.0), ge=0, le=24, unit="h",
        doc="[first, last]: every run leaves its terminal every headway from the first hour of the day "
        "until before the last",
    )
    bus_stop_spacing_m: float = option(500.0, ge=100, le=3000, unit="m", doc="distance between bus stops")
    bus_dwell_s: float = option(20.0, ge=0, le=300, unit="s", doc="time a bus stands at each stop")
    bus_access_m: float = option(
        800.0, ge=100, le=5000, unit="m", doc="longest walk (straight line) from a zone centre to a stop"
    )
    bus_transfer_min: float = option(5.0, ge=0, le=60, unit="min", doc="penalty per change of line")
    bus_lanes: tuple[str, ...] = option(
        (), doc="lever: named roads where one lane per direction (on links of two lanes or more) is "
        "taken from general traffic for buses, which run there at free speed",
    )
    ebike_speed_kph: float = option(16.0, gt=0, le=40, unit="km/h", doc="e-bike speed in mixed traffic")
    ebike_lane_speed_kph: float = option(20.0, gt=0, le=40, unit="km/h", doc="e-bike speed on an e-bike lane")
    ebike_lanes: tuple[str, ...] = option(
        (), doc="lever: named roads, or 'arterials' (every arterial), with a separated e-bike lane"
    )
    ebike_lane_capacity_factor: float = option(
        1.0, gt=0, le=1, doc="lever: car capacity multiplier on links given an e-bike lane"
    )
    walk_speed_kph: float = option(4.5, gt=0, le=10, unit="km/h", doc="walking speed")
    detour_factor: float = option(
        1.3, ge=1, le=3, doc="network over straight-line distance for walks to and from bus stops"
    )
    calibration_tolerance: float = option(
        1e-4, gt=0, le=0.1, doc="the constants are fitted until every modelled base share is within "
        "this share (relative) of its target"
    )

    def check(self) -> str | None:
        if set(self.base_shares) != set(MODES):
            return f"base_shares: give one share for each of {', '.join(MODES)}"
        if abs(sum(self.base_shares.values()) - 1.0) > 1e-6:
            return f"base_shares: the shares must sum to 1, got {sum(self.base_shares.values()):g}"
        if min(self.base_shares.values()) <= 0:
            return "base_shares: every share must be > 0 (a mode with no trip cannot be calibrated)"
        hours = self.bus_service_hours
        if len(hours) != 2 or not hours[0] < hours[1]:
            return (f"bus_service_hours: give [first, last] hours of the day with first < last, "
                    f"got {list(hours)}")
        return check_bus_lines(self.named_lines, None, "named_lines")

    def without_levers(self) -> ModesConfig:
        """The same settings with every lever at its default (what the constants are calibrated on)."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        base = {}
        for key in LEVER_KEYS:
            f = fields[key]
            base[key] = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        return dataclasses.replace(self, **base)
