"""Facilities: hospitals, stations, depots, plants and public places, each snapped to a node."""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city._arrays import freeze_arrays, require_index, require_non_negative
from twin.errors import CityError

FACILITY_KINDS = (
    # emergency services
    "hospital",
    "ems_base",
    "fire_station",
    "police_station",
    "utility_depot",
    # waste: depots and one kind of plant per stream (residual has two)
    "waste_depot",
    "compost_plant",
    "recycling_centre",
    "hazardous_facility",
    "incinerator",
    "landfill",
    # public places (the seed paper's "eight stations and four centres"; hospitals above)
    "train_station",
    "bus_station",
    "bus_stop",
    "museum",
    "culture_centre",
    "scenic_spot",
    "school",
)
"""Facility kinds, indexed by ``Facilities.kind``."""

PUBLIC_PLACE_KINDS = (
    "train_station", "bus_station", "bus_stop", "museum", "culture_centre", "scenic_spot",
    "school", "hospital",
)


@dataclasses.dataclass(frozen=True, eq=False)
class Facilities:
    """Point facilities; ``capacity`` means units (stations), beds (hospitals) or t/day (plants)."""

    name: tuple[str, ...]
    kind: np.ndarray
    x: np.ndarray
    y: np.ndarray
    node: np.ndarray
    zone: np.ndarray
    capacity: np.ndarray

    def __post_init__(self) -> None:
        freeze_arrays(self, "facilities")
        require_non_negative(self, "facilities", "capacity")
        require_index(self, "facilities", "kind", len(FACILITY_KINDS))

    def __len__(self) -> int:
        return len(self.name)

    def check_references(self, n_zones: int, n_nodes: int) -> None:
        require_index(self, "facilities", "zone", n_zones)
        require_index(self, "facilities", "node", n_nodes)

    def of_kind(self, kind: str) -> np.ndarray:
        """Row indices of the facilities of one kind."""
        if kind not in FACILITY_KINDS:
            raise CityError(f"unknown facility kind {kind!r}; kinds: {', '.join(FACILITY_KINDS)}")
        return np.flatnonzero(self.kind == FACILITY_KINDS.index(kind))

    def counts(self) -> dict[str, int]:
        """Number of facilities of each kind present."""
        c = np.bincount(self.kind, minlength=len(FACILITY_KINDS))
        return {k: int(v) for k, v in zip(FACILITY_KINDS, c, strict=True) if v}
