"""Incident generation: a non-homogeneous Poisson process per zone, hour and incident type.

The rate of type ``t`` in zone ``z`` during hour ``h`` is

    lambda(t, z, h) = rate_per_1000[t] / 1000 * exposure[t, z] * profile[h] * rate_scale * surge(z, h)

calls per day (divided by 86 400 for per second), where exposure = residents + jobs_weight x jobs.
The rate is piecewise constant between hour boundaries and surge window edges, so the counts in
each piece are independent Poisson draws and the times are uniform inside the piece: an exact
sample of the process. A whole year is drawn at once with numpy, then fed to the dispatch
centre by one SimPy process. Each call lands on a random building of its zone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from twin.city import City
from twin.emergency.config import IncidentType
from twin.emergency.surge import SurgeWindow


@dataclasses.dataclass(frozen=True, eq=False)
class IncidentTable:
    """One year's calls, sorted by time; ``type`` indexes the module's type names."""

    time_s: np.ndarray
    type: np.ndarray
    zone: np.ndarray
    node: np.ndarray
    x: np.ndarray
    y: np.ndarray
    on_scene_s: np.ndarray
    transport: np.ndarray
    surge: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)


def zone_exposure(types: Sequence[IncidentType], population: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    """Exposure (types x zones): residents + jobs_weight x jobs."""
    pop = np.asarray(population, dtype=np.float64)
    work = np.asarray(jobs, dtype=np.float64)
    return np.stack([pop + t.jobs_weight * work for t in types])


def rate_pieces(period_s: float, windows: Sequence[SurgeWindow]) -> np.ndarray:
    """Edges (s) of the pieces on which every rate is constant: hours and surge window edges."""
    edges = [np.arange(0.0, period_s, 3600.0), [period_s]]
    edges += [[min(max(w.start_s, 0.0), period_s), min(max(w.end_s, 0.0), period_s)] for w in windows]
    return np.unique(np.concatenate(edges))


def generate_incidents(
    rng: np.random.Generator,
    city: City,
    types: Sequence[IncidentType],
    exposure: np.ndarray,
    hourly_profile: Sequence[float],
    rate_scale: float,
    period_s: float,
    windows: Sequence[SurgeWindow] = (),
) -> IncidentTable:
    """Draw one operating period of calls (see the module docstring for the rate)."""
    profile = np.asarray(hourly_profile, dtype=np.float64)
    profile = profile / profile.mean()
    edges = rate_pieces(period_s, windows)
    start, length = edges[:-1], np.diff(edges)
    hour = (start // 3600.0).astype(np.int64) % 24
    n_zones = len(city.zones)
    multiplier = np.ones((len(start), n_zones))
    for w in windows:
        inside = (start >= w.start_s) & (start < w.end_s)
        multiplier[np.ix_(inside, w.zone_mask)] *= w.multiplier
    base = np.array([t.rate_per_1000 for t in types])[:, None] / 1000.0 * exposure / 86_400.0
    # expected calls per (piece, type, zone)
    expected = (
        (profile[hour] * length)[:, None, None] * base[None, :, :] * multiplier[:, None, :] * rate_scale
    )
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    piece, rest = np.divmod(cell, len(types) * n_zones)
    type_code, zone = np.divmod(rest, n_zones)
    time_s = start[piece] + rng.random(cell.size) * length[piece]
    order = np.argsort(time_s, kind="stable")
    time_s, type_code, zone, piece = time_s[order], type_code[order], zone[order], piece[order]
    node, x, y = _locations(rng, city, zone)
    on_scene = _on_scene_times(rng, types, type_code)
    share = np.array([t.transport_share for t in types])
    transport = rng.random(time_s.size) < share[type_code]
    in_surge = np.zeros(time_s.size, dtype=bool)
    for w in windows:
        in_surge |= (time_s >= w.start_s) & (time_s < w.end_s)
    return IncidentTable(
        time_s, type_code.astype(np.int64), zone.astype(np.int64), node, x, y, on_scene, transport, in_surge
    )


def _locations(rng: np.random.Generator, city: City, zone: np.ndarray):
    """A random building of each call's zone (the zone's centroid node if it has none)."""
    b, zones = city.buildings, city.zones
    if len(b) == 0:
        return zones.node[zone].astype(np.int64), zones.x[zone].copy(), zones.y[zone].copy()
    order = np.argsort(b.zone, kind="stable")
    count = np.bincount(b.zone, minlength=len(zones))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    pick = first[zone] + np.floor(rng.random(zone.size) * count[zone]).astype(np.int64)
    building = order[np.minimum(pick, len(order) - 1)]
    has = count[zone] > 0
    node = np.where(has, b.node[building], zones.node[zone]).astype(np.int64)
    x = np.where(has, b.x[building], zones.x[zone])
    y = np.where(has, b.y[building], zones.y[zone])
    return node, x, y


def _on_scene_times(
    rng: np.random.Generator, types: Sequence[IncidentType], type_code: np.ndarray
) -> np.ndarray:
    """On-scene seconds, exponential or lognormal with each type's mean and CV."""
    out = np.empty(type_code.size)
    for k, t in enumerate(types):
        rows = np.flatnonzero(type_code == k)
        mean_s = t.on_scene_min * 60.0
        if t.on_scene_distribution == "exponential":
            out[rows] = rng.exponential(mean_s, rows.size)
        else:
            sigma2 = np.log1p(t.on_scene_cv**2)
            out[rows] = rng.lognormal(np.log(mean_s) - sigma2 / 2.0, np.sqrt(sigma2), rows.size)
    return out
