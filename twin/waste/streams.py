"""The four sorted waste streams and their defaults: generation rates, densities, containers, plants.

Streams are indexed in the order of :data:`STREAMS` everywhere (bin columns, kernel arrays,
tables). Defaults are typical figures for a Chinese prefecture-level city (about 1.1 kg per
resident and day in all); every one of them is a scenario key an analyst can change.
"""

from __future__ import annotations

STREAMS: tuple[str, ...] = ("kitchen", "recyclable", "hazardous", "residual")
"""The four streams of the seed paper's sorting campaign, in index order."""

RESIDUAL = STREAMS.index("residual")
"""Index of the residual stream: where unsorted (non-compliant) waste ends up."""

RECYCLED_STREAMS: tuple[str, ...] = ("kitchen", "recyclable")
"""Streams whose clean collected mass counts towards the recycling rate."""

PLANT_KINDS: dict[str, tuple[str, ...]] = {
    "kitchen": ("compost_plant",),
    "recyclable": ("recycling_centre",),
    "hazardous": ("hazardous_facility",),
    "residual": ("incinerator", "landfill"),
}
"""Facility kinds (see :data:`twin.city.facilities.FACILITY_KINDS`) that accept each stream."""

RESIDENT_KG_DAY = {"kitchen": 0.40, "recyclable": 0.20, "hazardous": 0.005, "residual": 0.35}
"""Waste generated per resident and day, kg, if everything were sorted correctly."""

JOB_KG_DAY = {"kitchen": 0.10, "recyclable": 0.15, "hazardous": 0.002, "residual": 0.15}
"""Waste generated per job (workplace) and day, kg."""

DENSITY_KG_L = {"kitchen": 0.50, "recyclable": 0.08, "hazardous": 0.30, "residual": 0.20}
"""Loose bulk density in a bin, kg per litre (converts mass to the volume that fills bins)."""

CONTAINER_L = {"kitchen": 240.0, "recyclable": 1100.0, "hazardous": 120.0, "residual": 1100.0}
"""Volume of one standard container, litres; a collection point holds one or more."""

COLLECT_EVERY_DAYS = {"kitchen": 1, "recyclable": 3, "hazardous": 14, "residual": 2}
"""Fixed schedule: days between two collections of a bin, by stream (food waste daily)."""

DESIGN_DAYS = {"kitchen": 2.0, "recyclable": 4.5, "hazardous": 21.0, "residual": 3.0}
"""Days of expected waste a collection point holds: 1.5 times the fixed interval above, so a
point on the default schedule has a margin for busy days and noise."""

TRUCKS = {"kitchen": 6, "recyclable": 4, "hazardous": 1, "residual": 8}
"""Trucks per stream (the whole fleet, spread over the waste depots)."""

TRUCK_CAPACITY_KG = {"kitchen": 5000.0, "recyclable": 3000.0, "hazardous": 2000.0, "residual": 8000.0}
"""Payload of one truck, kg."""

WEEKDAY_FACTORS = (0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.0)
"""Generation by weekday (Monday first), relative to the weekly mean (they average 1)."""

HOURLY_PROFILE = (
    0.005,
    0.005,
    0.005,
    0.005,
    0.01,
    0.02,
    0.06,
    0.08,
    0.07,
    0.05,
    0.04,
    0.05,
    0.06,
    0.06,
    0.04,
    0.04,
    0.04,
    0.05,
    0.07,
    0.08,
    0.06,
    0.05,
    0.03,
    0.02,
)
"""Share of a day's waste put out in each hour (midnight first; sums to 1)."""
