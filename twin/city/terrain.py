"""Terrain the generator keeps clear: hills (polygons) and the river (a centre line with a width)."""

from __future__ import annotations

import numpy as np

from twin.city.seedfile import SeedCity


def in_hills(spec: SeedCity, xy: np.ndarray) -> np.ndarray:
    """Whether each point (n, 2), metres, lies inside one of the seed's hills."""
    inside = np.zeros(len(xy), dtype=bool)
    for hill in spec.hills:
        inside |= inside_polygon(xy, np.asarray(hill.outline, dtype=np.float64))
    return inside


def river_distance_m(spec: SeedCity, xy: np.ndarray) -> np.ndarray:
    """Distance from each point (n, 2) to the river's centre line, metres (inf without a river)."""
    if spec.river is None:
        return np.full(len(xy), np.inf)
    return polyline_distance_m(xy, np.asarray(spec.river.polyline, dtype=np.float64))[0]


def polyline_distance_m(xy: np.ndarray, line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point (n, 2) to the polyline (m, 2), metres, and the index of the
    polyline's segment nearest each point (the first one at a tie)."""
    a, b = line[:-1], line[1:]  # segments (s, 2)
    ab = b - a
    t = np.einsum("psk,sk->ps", xy[:, None, :] - a[None], ab) / np.einsum("sk,sk->s", ab, ab)
    foot = a[None] + np.clip(t, 0.0, 1.0)[..., None] * ab[None]
    dist = np.hypot(*(xy[:, None, :] - foot).transpose(2, 0, 1))
    return dist.min(axis=1), dist.argmin(axis=1)


def inside_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Whether each point (n, 2) lies inside the polygon (m, 2): the crossings test of matplotlib's
    ``Path.contains_points`` (Graphics Gems IV), vectorised over the points, without importing
    matplotlib (about half a second of a fresh process)."""
    x, y = np.asarray(xy[:, 0], dtype=np.float64), np.asarray(xy[:, 1], dtype=np.float64)
    poly = np.asarray(polygon, dtype=np.float64)
    inside = np.zeros(len(x), dtype=bool)
    x0, y0 = poly[-1]
    above0 = y0 >= y
    for x1, y1 in poly:
        above1 = y1 >= y
        crosses = above0 != above1
        inside ^= crosses & (((y1 - y) * (x0 - x1) >= (x1 - x) * (y0 - y1)) == above1)
        x0, y0, above0 = x1, y1, above1
    return inside
