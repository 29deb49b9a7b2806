"""Incident generation: a non-homogeneous Poisson process per zone, hour and incident type.

The rate of type ``t`` in zone ``z`` during hour ``h`` is

    lambda(t, z, h) = rate_per_1000[t] / 1000 * exposure[t, z] * profile[h] * rate_scale * surge(t, z, h)

calls per day (divided by 86 400 for per second), where exposure = residents + jobs_weight x jobs.
The rate is piecewise constant between hour boundaries and surge window edges, so the counts in
each piece are independent Poisson draws and the times are uniform inside the piece: an exact
sample of the process. A whole year is drawn at once with numpy, then fed to the dispatch
centre by one SimPy process. Each call lands on a random building of its zone; inside a surge
window with a hazard area, buildings in the area weigh the area's multiplier (so the extra calls
land inside it). Each call also draws its phase times: call handling, on scene, hospital
handover (lognormal with the configured mean and CV) and a turnout factor (lognormal, mean 1)
that scales the turnout of the units sent.
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
    call_handling_s: np.ndarray
    turnout_factor: np.ndarray
    handover_s: np.ndarray
    building: np.ndarray
    """Index of the building each call lands on (-1: the zone's centroid node, no buildings)."""

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
    *,
    turnout_cv: float = 0.0,
    handover_s: float = 0.0,
    handover_cv: float = 0.0,
) -> IncidentTable:
    """Draw one operating period of calls (see the module docstring for the rate).

    ``turnout_cv``: CV of the turnout factor; ``handover_s`` (s) and ``handover_cv``: the
    hospital handover time's mean and CV.
    """
    profile = np.asarray(hourly_profile, dtype=np.float64)
    profile = profile / profile.mean()
    edges = rate_pieces(period_s, windows)
    start, length = edges[:-1], np.diff(edges)
    hour = (start // 3600.0).astype(np.int64) % 24
    n_zones = len(city.zones)
    base = np.array([t.rate_per_1000 for t in types])[:, None] / 1000.0 * exposure / 86_400.0
    # expected calls per (piece, type, zone)
    expected = (profile[hour] * length * rate_scale)[:, None, None] * base[None, :, :]
    active = np.zeros((len(start), len(windows)), dtype=bool)
    for k, w in enumerate(windows):
        active[:, k] = (start >= w.start_s) & (start < w.end_s)
        by_type = np.stack([w.zone_multiplier(code) for code in range(len(types))])
        expected[active[:, k]] *= by_type[None, :, :]
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    piece, rest = np.divmod(cell, len(types) * n_zones)
    type_code, zone = np.divmod(rest, n_zones)
    time_s = start[piece] + rng.random(cell.size) * length[piece]
    order = np.argsort(time_s, kind="stable")
    time_s, type_code, zone, piece = time_s[order], type_code[order], zone[order], piece[order]
    node, x, y, building = _locations(rng, city, zone)
    on_scene = _on_scene_times(rng, types, type_code)
    share = np.array([t.transport_share for t in types])
    transport = rng.random(time_s.size) < share[type_code]
    in_surge = np.zeros(time_s.size, dtype=bool)
    for w in windows:
        in_surge |= (time_s >= w.start_s) & (time_s < w.end_s)
    _place_in_hazard_areas(rng, city, windows, active[piece], type_code, zone, (node, x, y, building))
    handling_mean = np.array([t.call_handling_min * 60.0 for t in types])[type_code]
    handling_cv = np.array([t.call_handling_cv for t in types])[type_code]
    return IncidentTable(
        time_s,
        type_code.astype(np.int64),
        zone.astype(np.int64),
        node,
        x,
        y,
        on_scene,
        transport,
        in_surge,
        lognormal(rng, handling_mean, handling_cv),
        lognormal(rng, np.ones(time_s.size), np.full(time_s.size, turnout_cv)),
        lognormal(rng, np.full(time_s.size, handover_s), np.full(time_s.size, handover_cv)),
        building,
    )


def lognormal(rng: np.random.Generator, mean: np.ndarray, cv: np.ndarray) -> np.ndarray:
    """Lognormal draws with the given means and coefficients of variation (cv 0: the mean itself)."""
    sigma2 = np.log1p(np.asarray(cv, dtype=np.float64) ** 2)
    z = rng.standard_normal(np.shape(mean))
    return np.asarray(mean, dtype=np.float64) * np.exp(np.sqrt(sigma2) * z - sigma2 / 2.0)


def _place_in_hazard_areas(
    rng: np.random.Generator,
    city: City,
    windows: Sequence[SurgeWindow],
    active: np.ndarray,
    type_code: np.ndarray,
    zone: np.ndarray,
    where: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Re-draw the building of calls made while a window with a hazard area is open, in place.

    A building's weight is the product of the open windows' type multipliers over the areas that
    contain it (1 outside), so a zone's calls split between inside and outside in the ratio of
    the rates the zone multiplier was built from.
    """
    b = city.buildings
    shaped = [k for k, w in enumerate(windows) if w.building_in is not None]
    if not shaped or len(b) == 0:
        return
    order = np.argsort(b.zone, kind="stable")
    count = np.bincount(b.zone, minlength=len(city.zones))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    bits = active[:, shaped].astype(np.int64) @ (1 << np.arange(len(shaped)))
    groups = np.flatnonzero(bits > 0)
    if groups.size == 0:
        return
    keys = bits[groups] * len(windows[0].type_multiplier) + type_code[groups]
    for key in np.unique(keys):
        rows = groups[keys == key]
        rows = rows[count[zone[rows]] > 0]
        mask, code = divmod(int(key), len(windows[0].type_multiplier))
        weight = np.ones(len(b))
        for j, k in enumerate(shaped):
            if mask >> j & 1:
                weight[windows[k].building_in] *= windows[k].type_multiplier[code]
        cum = np.concatenate([[0.0], np.cumsum(weight[order])])
        z = zone[rows]
        lo, hi = cum[first[z]], cum[first[z] + count[z]]
        pos = np.searchsorted(cum, lo + rng.random(rows.size) * (hi - lo), side="right") - 1
        building = order[np.clip(pos, first[z], first[z] + count[z] - 1)]
        for column, source in zip(where, (b.node, b.x, b.y, np.arange(len(b))), strict=True):
            column[rows] = source[building]


def _locations(rng: np.random.Generator, city: City, zone: np.ndarray):
    """A random building of each call's zone (its centroid node if it has none): node, x, y, building."""
    b, zones = city.buildings, city.zones
    if len(b) == 0:
        none = np.full(zone.size, -1, dtype=np.int64)
        return zones.node[zone].astype(np.int64), zones.x[zone].copy(), zones.y[zone].copy(), none
    order = np.argsort(b.zone, kind="stable")
    count = np.bincount(b.zone, minlength=len(zones))
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    pick = first[zone] + np.floor(rng.random(zone.size) * count[zone]).astype(np.int64)
    building = order[np.minimum(pick, len(order) - 1)]
    has = count[zone] > 0
    node = np.where(has, b.node[building], zones.node[zone]).astype(np.int64)
    x = np.where(has, b.x[building], zones.x[zone])
    y = np.where(has, b.y[building], zones.y[zone])
    return node, x, y, np.where(has, building, -1).astype(np.int64)


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
            out[rows] = lognormal(rng, np.full(rows.size, mean_s), np.full(rows.size, t.on_scene_cv))
    return out
