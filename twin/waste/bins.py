"""Bins: one collection point per cluster of buildings and stream, as numpy columns.

Buildings are grouped into square cells of ``cluster_m`` metres; each cell with buildings gets one
collection point per stream at the road node nearest to its centre. A point holds as many
standard containers as it needs for ``design_days`` of expected waste. Mass is kept in integer
grams so that the balance generated = collected + in bins + overflowed is exact: the only
rounding is when a day's generation is cut into hourly deposits, and what is deposited is, by
definition, what was generated.

:func:`deposit` is the numba kernel that fills bins and spills the excess onto the street
(overflow, the "litter" KPI); :func:`deposit_reference` is its slow twin.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numba import njit

from twin.city import City
from twin.waste.streams import STREAMS


@njit(cache=True)
def deposit(fill_g, capacity_g, add_g, generated_g, overflow_g, overflowed):
    """Put ``add_g`` grams into each bin; what does not fit overflows. All arrays (n_bins,).

    Updates ``fill_g``, ``generated_g`` and ``overflow_g`` (int64 grams) and sets ``overflowed``
    for bins that spilled.
    """
    for i in range(fill_g.shape[0]):
        add = add_g[i]
        generated_g[i] += add
        level = fill_g[i] + add
        if level > capacity_g[i]:
            overflow_g[i] += level - capacity_g[i]
            level = capacity_g[i]
            overflowed[i] = True
        fill_g[i] = level


def deposit_reference(fill_g, capacity_g, add_g, generated_g, overflow_g, overflowed) -> None:
    """Slow twin of :func:`deposit` (vectorised numpy)."""
    level = fill_g + add_g
    excess = np.maximum(level - capacity_g, 0)
    generated_g += add_g
    overflow_g += excess
    overflowed |= excess > 0
    fill_g[:] = level - excess


def cluster_buildings(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, int]:
    """Cluster of each building (square grid cells of ``cell_m`` metres) and the number of clusters."""
    cells = np.stack([np.floor(x / cell_m), np.floor(y / cell_m)]).astype(np.int64)
    _, inverse = np.unique(cells, axis=1, return_inverse=True)
    inverse = inverse.ravel()
    return inverse.astype(np.int64), int(inverse.max()) + 1 if inverse.size else 0


@dataclasses.dataclass(eq=False)
class Bins:
    """All collection points of all streams: bin ``cluster * n_streams + stream``.

    Fixed columns: ``cluster``, ``stream``, ``node``, ``x``, ``y`` (metres), ``containers``,
    ``capacity_l``, ``capacity_g``, ``density_kg_l``, ``expected_day_g`` (expected placed grams on
    a mean day), ``has_sensor``. State columns (int64 grams): ``fill_g``, ``generated_g``,
    ``collected_g``, ``overflow_g``; ``overflowed`` flags bins that spilled today.
    """

    cluster: np.ndarray
    stream: np.ndarray
    node: np.ndarray
    x: np.ndarray
    y: np.ndarray
    containers: np.ndarray
    capacity_l: np.ndarray
    capacity_g: np.ndarray
    density_kg_l: np.ndarray
    expected_day_g: np.ndarray
    has_sensor: np.ndarray
    fill_g: np.ndarray
    generated_g: np.ndarray
    collected_g: np.ndarray
    overflow_g: np.ndarray
    overflowed: np.ndarray

    def __len__(self) -> int:
        return len(self.node)

    def of_stream(self, s: int) -> np.ndarray:
        """Indices of the bins of stream ``s``."""
        return np.flatnonzero(self.stream == s)

    def reset_counters(self) -> None:
        """Zero the yearly counters (generated, collected, overflow) and today's overflow flags."""
        for name in ("generated_g", "collected_g", "overflow_g"):
            getattr(self, name)[:] = 0
        self.overflowed[:] = False

    def fill_l(self) -> np.ndarray:
        """Current fill, litres."""
        return self.fill_g / 1000.0 / self.density_kg_l


def build_bins(
    city: City,
    building_cluster: np.ndarray,
    n_clusters: int,
    expected_building_kg: np.ndarray,
    density_kg_l: np.ndarray,
    container_l: np.ndarray,
    design_days: np.ndarray,
    has_sensor: np.ndarray,
) -> Bins:
    """Collection points sized for ``design_days`` of the expected waste of their buildings.

    Args:
        city: the city (buildings and network).
        building_cluster: (n_buildings,) cluster of each building.
        n_clusters: number of clusters.
        expected_building_kg: (n_buildings, n_streams) expected placed kg on a mean day.
        density_kg_l, container_l: (n_streams,) bulk density and container volume.
        design_days: (n_streams,) days of expected waste a point holds.
        has_sensor: (n_clusters * n_streams,) which bins carry a fill sensor.
    """
    k = len(STREAMS)
    b = city.buildings
    counts = np.bincount(building_cluster, minlength=n_clusters).astype(np.float64)
    cx = np.bincount(building_cluster, weights=b.x, minlength=n_clusters) / counts
    cy = np.bincount(building_cluster, weights=b.y, minlength=n_clusters) / counts
    node = city.network.nearest_node(cx, cy).astype(np.int64)
    expected_kg = np.stack(
        [
            np.bincount(building_cluster, weights=expected_building_kg[:, s], minlength=n_clusters)
            for s in range(k)
        ],
        axis=1,
    ).ravel()
    stream = np.tile(np.arange(k, dtype=np.int64), n_clusters)
    density = np.asarray(density_kg_l, dtype=np.float64)[stream]
    container = np.asarray(container_l, dtype=np.float64)[stream]
    days = np.asarray(design_days, dtype=np.float64)[stream]
    containers = np.maximum(1, np.ceil(expected_kg / density * days / container)).astype(np.int64)
    capacity_l = containers * container
    n = n_clusters * k
    return Bins(
        cluster=np.repeat(np.arange(n_clusters, dtype=np.int64), k),
        stream=stream,
        node=np.repeat(node, k),
        x=np.repeat(cx, k),
        y=np.repeat(cy, k),
        containers=containers,
        capacity_l=capacity_l,
        capacity_g=np.floor(capacity_l * density * 1000.0).astype(np.int64),
        density_kg_l=density,
        expected_day_g=expected_kg * 1000.0,
        has_sensor=np.asarray(has_sensor, bool),
        fill_g=np.zeros(n, np.int64),
        generated_g=np.zeros(n, np.int64),
        collected_g=np.zeros(n, np.int64),
        overflow_g=np.zeros(n, np.int64),
        overflowed=np.zeros(n, bool),
    )
