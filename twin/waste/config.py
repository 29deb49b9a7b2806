"""The ``[waste]`` scenario section: generation, sorting, bins, sensors, fleet, policy and routing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from twin.catalog import Catalog
from twin.city.facilities import FACILITY_KINDS
from twin.config import frozen_mapping, option
from twin.waste.streams import (
    COLLECT_EVERY_DAYS,
    CONTAINER_L,
    DENSITY_KG_L,
    DESIGN_DAYS,
    JOB_KG_DAY,
    PLANT_KINDS,
    RESIDENT_KG_DAY,
    STREAMS,
    TRUCK_CAPACITY_KG,
    TRUCKS,
    WEEKDAY_FACTORS,
)

POLICIES = ("fixed", "sensor", "predicted")
"""Collection policies: fixed schedule, sensor-driven, predicted fill (no sensors)."""


TRUCK_CATALOG = Catalog(
    "truck class", {"truck": "twin.waste.fleet:Truck"}, "twin.waste.register_truck_class",
    base="twin.waste.fleet:Truck",
)
"""Truck classes ``[waste] truck_class`` may name (subclasses of :class:`~twin.waste.fleet.Truck`)."""

TRUCK_ARGUMENTS = ("model", "stream", "capacity_g", "depot", "depot_node", "plant_nodes")
"""Arguments the module passes to every truck itself (``truck_options`` may not use these names)."""


def register_truck_class(name: str, cls: type) -> None:
    """Make ``cls``, a subclass of :class:`~twin.waste.fleet.Truck`, the class of every truck when
    ``[waste] truck_class = "name"``; ``[waste.truck_options]`` are passed to it as keyword
    arguments. Call it at import time of a plug-in."""
    TRUCK_CATALOG.register(name, cls)


def _per_stream(default: Mapping) -> Mapping:
    return frozen_mapping(default)


@dataclasses.dataclass(frozen=True, kw_only=True)
class WasteConfig:
    # policy
    policy: str = option(
        "fixed", choices=POLICIES, doc="fixed schedule, sensor-driven, or predicted fill (no sensors)"
    )
    collect_every_days: Mapping[str, int] = option(
        default_factory=lambda: _per_stream(COLLECT_EVERY_DAYS),
        ge=1,
        le=28,
        unit="days",
        doc="fixed policy: bins of each stream are emptied every k days",
    )
    must_threshold: float = option(
        0.8,
        gt=0,
        le=1,
        unit="share of capacity",
        doc="sensor/predicted: bins expected above this by day's end must be visited",
    )
    optional_threshold: float = option(
        0.6,
        gt=0,
        le=1,
        unit="share of capacity",
        doc="sensor/predicted: bins between this and must_threshold are optional",
    )
    optional_prize: float = option(
        900.0,
        ge=0,
        le=1e6,
        unit="s (or m) per full bin",
        doc="what visiting a full optional bin is worth to the planner",
    )
    # sensors
    sensor_coverage: float = option(1.0, ge=0, le=1, unit="share", doc="share of bins with a fill sensor")
    sensor_noise: float = option(
        0.05, ge=0, le=1, unit="share of capacity", doc="standard deviation of a sensor reading"
    )
    sensor_failure_rate: float = option(
        0.02, ge=0, le=1, unit="per day", doc="chance that a sensor gives no reading on a day"
    )
    # generation and sorting
    resident_kg_day: Mapping[str, float] = option(
        default_factory=lambda: _per_stream(RESIDENT_KG_DAY),
        ge=0,
        le=20,
        unit="kg/resident/day",
        doc="true material by stream",
    )
    job_kg_day: Mapping[str, float] = option(
        default_factory=lambda: _per_stream(JOB_KG_DAY),
        ge=0,
        le=20,
        unit="kg/job/day",
        doc="true material by stream at workplaces",
    )
    zone_generation_factor: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=0, le=10,
        doc="multiplies every stream's waste of the buildings in a zone, by zone or district name (a "
        "zone's own factor wins over its district's; 1 elsewhere); bins stay sized from the unscaled "
        "rates, so fill readings reveal it",
    )
    noise_cv: float = option(0.3, ge=0, le=3, unit="", doc="day-to-day variation of a building's waste")
    weekday_factors: tuple[float, ...] = option(
        WEEKDAY_FACTORS, ge=0, le=100, unit="",
        doc="generation Monday..Sunday relative to the mean (7 values)"
    )
    start_weekday: int = option(0, ge=0, le=6, doc="weekday of the period's first day (0 = Monday)")
    compliance: float = option(
        0.6, ge=0, le=1, unit="share", doc="sorting compliance: share of sorted material put in the right bin"
    )
    missort: float = option(
        0.2, ge=0, le=1, unit="share", doc="share of non-compliant residual material thrown into sorted bins"
    )
    # bins
    cluster_m: float = option(
        150.0, ge=10, le=10_000, unit="m", doc="size of the square cells that share collection points"
    )
    density_kg_l: Mapping[str, float] = option(
        default_factory=lambda: _per_stream(DENSITY_KG_L),
        gt=0,
        le=2,
        unit="kg/L",
        doc="bulk density in a bin by stream",
    )
    container_l: Mapping[str, float] = option(
        default_factory=lambda: _per_stream(CONTAINER_L),
        gt=0,
        le=40_000,
        unit="L",
        doc="volume of one container by stream",
    )
    design_days: Mapping[str, float] = option(
        default_factory=lambda: _per_stream(DESIGN_DAYS),
        gt=0,
        le=60,
        unit="days",
        doc="points of each stream hold this many days of expected waste",
    )
    initial_fill: float = option(
        0.5,
        ge=0,
        le=1,
        unit="share of capacity",
        doc="bins start the period filled uniformly between 0 and this",
    )
    # fleet
    trucks: Mapping[str, int] = option(
        default_factory=lambda: _per_stream(TRUCKS),
        ge=0,
        le=1000,
        doc="trucks per stream, shared between the waste depots by expected work (depot_trucks sets them "
        "depot by depot)",
    )
    depot_trucks: Mapping[str, tuple[int, ...]] = option(
        default_factory=frozen_mapping,
        ge=0,
        le=1000,
        doc="trucks of a stream at each waste depot (in the city's depot order); for the streams "
        "listed it replaces trucks (twin waste size proposes it); unlisted streams share trucks "
        "between depots by expected work",
    )
    truck_capacity_kg: Mapping[str, float] = option(
        default_factory=lambda: _per_stream(TRUCK_CAPACITY_KG),
        gt=0,
        le=100_000,
        unit="kg",
        doc="payload of one truck by stream",
    )
    plants: Mapping[str, tuple[str, ...]] = option(
        default_factory=lambda: _per_stream(PLANT_KINDS),
        choices=FACILITY_KINDS,
        doc="facility kinds where each stream is unloaded",
    )
    shift_start_h: float = option(6.0, ge=0, lt=24, unit="h", doc="time of day the trucks leave the depot")
    shift_h: float = option(8.0, gt=0, le=16, unit="h", doc="shift length; no bin is started after it")
    service_s: float = option(45.0, ge=0, le=3600, unit="s/container", doc="time to empty one container")
    unload_min: float = option(15.0, ge=0, le=600, unit="min", doc="time to unload at a plant")
    # routing
    route_objective: str = option(
        "time", choices=("time", "distance"), doc="what the route planner minimises"
    )
    route_iterations: int = option(
        50, ge=1, le=100_000, unit="iterations",
        doc="PyVRP iterations per routing problem (same routes on any machine; docs/waste.md, "
        "'Plan quality', for the gap to longer solves)"
    )
    route_seconds: float | None = option(
        None,
        gt=0,
        le=3600,
        unit="s/day",
        doc="optional wall-clock cap on routing per simulated day, shared by its "
        "problems in proportion to their bins; when it binds, routes depend "
        "on the machine's speed (no longer bitwise reproducible)",
    )
    # costs
    cost_per_km: float = option(3.0, ge=0, le=1e6, unit="CNY/km", doc="fuel and maintenance")
    cost_per_hour: float = option(120.0, ge=0, le=1e6, unit="CNY/h", doc="crew and truck time")
    co2_kg_per_km: float = option(1.1, ge=0, le=100, unit="kg/km", doc="CO2 of a refuse truck")
    record_positions: bool = option(True, doc="record truck positions at each stop (truck_positions table)")
    truck_class: str = option("truck", choices=TRUCK_CATALOG, doc="class of the trucks (mesa Agents)")
    truck_options: Mapping[str, Any] = option(
        default_factory=frozen_mapping, doc="keyword arguments passed to every truck of truck_class"
    )

    def check(self) -> str | None:
        problem = TRUCK_CATALOG.options_problem("truck_options", self.truck_class, self.truck_options,
                                                reserved=TRUCK_ARGUMENTS)
        if problem:
            return problem
        for key in (
            "collect_every_days",
            "resident_kg_day",
            "job_kg_day",
            "density_kg_l",
            "container_l",
            "design_days",
            "trucks",
            "depot_trucks",
            "truck_capacity_kg",
            "plants",
        ):
            for stream in getattr(self, key):
                if stream not in STREAMS:
                    return f"{key}: unknown stream {stream!r}; streams: {', '.join(STREAMS)}"
        for stream in STREAMS:
            if stream in self.depot_trucks:
                if sum(self.depot_trucks[stream]) < 1:
                    return (
                        f"stream {stream!r} has no trucks (depot_trucks.{stream} = "
                        f"{list(self.depot_trucks[stream])}); every stream needs at least one"
                    )
            elif self.trucks.get(stream, TRUCKS[stream]) < 1:
                return (
                    f"stream {stream!r} has no trucks (trucks.{stream} = 0); every stream needs at least one"
                )
            if not self.plants.get(stream, PLANT_KINDS[stream]):
                return f"stream {stream!r} has no plant kinds (plants.{stream} is empty)"
        if len(self.weekday_factors) != 7:
            return f"weekday_factors: expected 7 values (Monday..Sunday), got {len(self.weekday_factors)}"
        if self.optional_threshold > self.must_threshold:
            return (
                f"optional_threshold ({self.optional_threshold:g}) must not exceed must_threshold "
                f"({self.must_threshold:g})"
            )
        return None

    def stream_values(self, key: str, defaults: Mapping[str, float]) -> np.ndarray:
        """A per-stream setting as an array in :data:`STREAMS` order (missing streams: defaults)."""
        values = getattr(self, key)
        return np.array([float(values.get(s, defaults[s])) for s in STREAMS])

    def plant_kinds(self, stream: str) -> tuple[str, ...]:
        return tuple(self.plants.get(stream, PLANT_KINDS[stream]))
