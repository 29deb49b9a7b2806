"""Terrain the generator keeps clear: hills (polygons) and the river (a centre line with a width)."""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path as PolygonPath

from twin.city.seedfile import SeedCity


def in_hills(spec: SeedCity, xy: np.ndarray) -> np.ndarray:
    """Whether each point (n, 2), metres, lies inside one of the seed's hills."""
    inside = np.zeros(len(xy), dtype=bool)
    for hill in spec.hills:
        inside |= PolygonPath(np.asarray(hill.outline, dtype=np.float64)).contains_points(xy)
    return inside


def river_distance_m(spec: SeedCity, xy: np.ndarray) -> np.ndarray:
    """Distance from each point (n, 2) to the river's centre line, metres (inf without a river)."""
    if spec.river is None:
        return np.full(len(xy), np.inf)
    line = np.asarray(spec.river.polyline, dtype=np.float64)
    a, b = line[:-1], line[1:]  # segments (s, 2)
    ab = b - a
    t = np.einsum("psk,sk->ps", xy[:, None, :] - a[None], ab) / np.einsum("sk,sk->s", ab, ab)
    foot = a[None] + np.clip(t, 0.0, 1.0)[..., None] * ab[None]
    return np.hypot(*(xy[:, None, :] - foot).transpose(2, 0, 1)).min(axis=1)
