"""Car trips from zone population and jobs: trip rate, time-of-day profile, gravity destinations.

(With travel modes on, the car trips between zones come from the mode choice instead,
:mod:`twin.traffic.modes`, and only the draws below are the same.)

Each origin zone produces ``population x trip_rate x factor x scale`` car trips a day (Poisson; ``factor``
the zone's ``zone_trip_factor``, 1 by default), released
in platoons of ``platoon`` vehicles. A platoon's destination zone is drawn with probability
proportional to ``jobs_j x exp(-beta x t_ij)`` (a doubly-unconstrained gravity model on the zone
travel-time skim), its departure hour from the hourly profile (restricted to the hours inside
the operating period, uniform within the hour). Origins are the nodes of the zone's residential
buildings (weighted by residents), destinations the zone itself: a platoon ends at the first of
the zone's connectors it reaches (:mod:`twin.traffic.connectors`), so that routes need one
shortest-path tree per zone. Platoons that start at a connector of their destination zone are
dropped (they would not use a road); their number is returned.

Common random numbers: each origin zone draws its platoons from its own stream, spawned per zone
(:class:`numpy.random.SeedSequence`) from one draw of the caller's Generator: first one uniform
that sets the zone's number of platoons by the Poisson inverse distribution function (monotone in
the zone's expected platoons), then one row of four uniforms per platoon (destination, origin,
departure hour, second in the hour, each by inverse transform). Changing one zone's demand (its
``zone_trip_factor``) therefore leaves every other zone's platoons bitwise the same, and raising
it keeps the zone's own platoons and adds new ones after them; so runs that differ in one
district's factor differ by that district's added trips (``twin calibrate`` differentiates the
link counts by district this way, :mod:`twin.observations.fit_traffic`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from twin.city import City
from twin.city.zones import zone_factors
from twin.traffic.config import HOURLY_PROFILE
from twin.traffic.connectors import NodeSets
from twin.traffic.trips import Trips


def gravity_probabilities(jobs: np.ndarray, zone_time_s: np.ndarray, beta_per_min: float) -> np.ndarray:
    """Row-stochastic destination probabilities, ``jobs_j exp(-beta t_ij)`` normalised per origin."""
    t_min = np.where(np.isfinite(zone_time_s), zone_time_s / 60.0, np.inf)
    weight = np.asarray(jobs, dtype=np.float64)[None, :] * np.exp(-beta_per_min * t_min)
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def zone_trip_factors(city: City, factors: Mapping[str, float]) -> np.ndarray | None:
    """Per-zone multipliers of the car trips sent (``traffic.zone_trip_factor``: names of zones or
    districts, a zone's own factor winning over its district's; 1 elsewhere), or None when none is
    given (the trips are then drawn exactly as without the key).

    Raises:
        ScenarioError: a name that is neither a district nor a zone (one line listing both).
    """
    return zone_factors(city.zones, city.districts, factors, "traffic.zone_trip_factor")


def _inverse_cdf(cumulative: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn by inverse transform: for each uniform ``u`` in [0, 1), the first index whose
    ``cumulative`` weight (non-decreasing, scaled to end at 1) exceeds it; zero weights are never drawn."""
    return np.minimum(np.searchsorted(cumulative / cumulative[-1], u, side="right"), len(cumulative) - 1)


def generate_trips(
    city: City,
    population: np.ndarray,
    jobs: np.ndarray,
    zone_time_s: np.ndarray,
    *,
    trip_rate: float,
    hourly_profile: tuple[float, ...] = HOURLY_PROFILE,
    beta_per_min: float = 0.08,
    scale: float = 1.0,
    platoon: int = 5,
    period_s: float = 86_400.0,
    rng: np.random.Generator,
    origins: NodeSets,
    connectors: NodeSets,
    car_od: np.ndarray | None = None,
    zone_factor: np.ndarray | None = None,
) -> tuple[Trips, int]:
    """The day's car trips as platoons (destinations: zone indices), and the number dropped.

    Args:
        population, jobs: per zone (residents, jobs).
        zone_time_s: zone-to-zone travel times, seconds (zones x zones).
        trip_rate: car trips per resident per day.
        hourly_profile: 24 relative departure weights.
        beta_per_min: gravity deterrence, per minute of travel time.
        scale: demand multiplier (a scenario lever).
        platoon: vehicles per generated row.
        period_s: length of the operating period; departures fall inside it.
        origins: each zone's origin nodes and their weights (:func:`~.connectors.origin_sets`).
        connectors: each zone's connectors (:func:`~.connectors.connector_sets`); platoons
            starting at one of their destination zone's are dropped.
        car_od: expected car trips a day between zones (zones x zones, from the mode choice,
            :mod:`twin.traffic.modes`); given, it replaces ``population x trip_rate`` and the
            gravity destinations (``trip_rate``, ``jobs`` and ``beta_per_min`` are then unused).
        zone_factor: per-zone multipliers of the trips sent (:func:`zone_trip_factors`); None: 1.
    """
    from scipy.stats import poisson

    zones = city.zones
    n_zones = len(zones)
    profile = np.asarray(hourly_profile, dtype=np.float64)
    hours = np.arange(24)
    inside = np.clip((period_s - hours * 3600.0) / 3600.0, 0.0, 1.0)
    weights = profile * inside
    share_in_period = float(weights.sum() / profile.sum())
    if car_od is None:
        per_zone = np.asarray(population, dtype=np.float64) * trip_rate
        probs = gravity_probabilities(jobs, zone_time_s, beta_per_min)
    else:
        per_zone = car_od.sum(axis=1)
        probs = np.divide(car_od, per_zone[:, None], out=np.zeros_like(car_od), where=per_zone[:, None] > 0)
    if zone_factor is not None:
        per_zone = per_zone * zone_factor
    expected = np.maximum(per_zone * scale * share_in_period / platoon, 0.0)
    hour_cdf = np.cumsum(weights)
    streams = np.random.SeedSequence(int(rng.integers(2**63))).spawn(n_zones)
    draws = [np.random.Generator(np.random.PCG64(stream)) for stream in streams]
    n_out = poisson.ppf(np.array([d.random() for d in draws]), expected).clip(0).astype(np.int64)
    starts, dests, departs = [], [], []
    for zone in range(n_zones):  # each zone draws from its own stream (common random numbers)
        k = int(n_out[zone])
        if k == 0 or probs[zone].sum() == 0:
            continue
        u = draws[zone].random((k, 4))  # a platoon's draws: its row of u, whatever k
        own = slice(origins.start[zone], origins.start[zone + 1])
        dests.append(_inverse_cdf(np.cumsum(probs[zone]), u[:, 0]))
        starts.append(origins.node[own][_inverse_cdf(np.cumsum(origins.weight[own]), u[:, 1])])
        departs.append(_inverse_cdf(hour_cdf, u[:, 2]) * 3600.0 + 3600.0 * u[:, 3])
    if not starts:
        return Trips.from_arrays([], [], [], []), 0
    origin = np.concatenate(starts).astype(np.int32)
    dest = np.concatenate(dests).astype(np.int32)
    depart = np.minimum(np.concatenate(departs), period_s - 1.0)
    keep = ~connectors.contains(dest, origin)
    return Trips.from_arrays(origin[keep], dest[keep], depart[keep], platoon), int((~keep).sum())
