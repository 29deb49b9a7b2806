"""Buildings: footprint polygons (ragged arrays, metres), heights, use, residents and jobs."""

from __future__ import annotations

import dataclasses
from functools import cached_property

import numpy as np

from twin.city._arrays import freeze_arrays, require_index, require_non_negative, require_positive

BUILDING_USES = ("residential", "commercial", "industrial", "public")
"""Building uses, indexed by ``Buildings.use``."""


@dataclasses.dataclass(frozen=True, eq=False)
class Buildings:
    """Footprint ``i`` is ``footprint_xy[footprint_start[i]:footprint_start[i + 1]]`` (open ring)."""

    x: np.ndarray
    y: np.ndarray
    height_m: np.ndarray
    use: np.ndarray
    zone: np.ndarray
    node: np.ndarray
    residents: np.ndarray
    jobs: np.ndarray
    footprint_start: np.ndarray
    footprint_xy: np.ndarray
    _ragged = ("footprint_start", "footprint_xy")

    def __post_init__(self) -> None:
        freeze_arrays(self, "buildings")
        require_positive(self, "buildings", "height_m")
        require_non_negative(self, "buildings", "residents", "jobs")
        if len(self.footprint_start) != len(self.x) + 1:
            from twin.errors import CityError

            raise CityError("buildings: footprint_start must have one more row than buildings")

    def __len__(self) -> int:
        return len(self.x)

    def check_references(self, n_zones: int, n_nodes: int) -> None:
        require_index(self, "buildings", "zone", n_zones)
        require_index(self, "buildings", "node", n_nodes)

    @cached_property
    def footprint_area_m2(self) -> np.ndarray:
        """Area of each footprint (shoelace formula over the ragged rings), square metres."""
        xy = self.footprint_xy
        start = self.footprint_start
        nxt = np.arange(1, len(xy) + 1)
        owner = np.repeat(np.arange(len(self.x)), np.diff(start))
        last = start[1:] - 1
        nxt[last] = start[:-1]
        cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
        area = 0.5 * np.abs(np.bincount(owner, weights=cross, minlength=len(self.x)))
        area.flags.writeable = False
        return area
