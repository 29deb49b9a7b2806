"""Districts (named areas with outlines) and zones (the units of population, jobs and demand)."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping

import numpy as np

from twin.city._arrays import freeze_arrays, require_index, require_non_negative, require_positive
from twin.errors import ScenarioError

DISTRICT_KINDS = ("urban", "growth", "rural")


@dataclasses.dataclass(frozen=True, eq=False)
class Districts:
    """Named districts; outline ``i`` is ``outline_xy[outline_start[i]:outline_start[i + 1]]`` (m)."""

    name: tuple[str, ...]
    label: tuple[str, ...]
    kind: tuple[str, ...]
    outline_start: np.ndarray
    outline_xy: np.ndarray
    _ragged = ("outline_start", "outline_xy")

    def __post_init__(self) -> None:
        freeze_arrays(self, "districts")

    def __len__(self) -> int:
        return len(self.name)

    def outline(self, i: int) -> np.ndarray:
        return self.outline_xy[self.outline_start[i] : self.outline_start[i + 1]]

    def index(self, name: str) -> int:
        from twin.errors import CityError

        if name not in self.name:
            raise CityError(f"no district named {name!r}; districts: {', '.join(self.name)}")
        return self.name.index(name)


@dataclasses.dataclass(frozen=True, eq=False)
class Zones:
    """Zones with residents, jobs and dwellings; ``node`` is the network node trips start from."""

    name: tuple[str, ...]
    district: np.ndarray
    x: np.ndarray
    y: np.ndarray
    area_m2: np.ndarray
    population: np.ndarray
    jobs: np.ndarray
    dwellings: np.ndarray
    node: np.ndarray

    def __post_init__(self) -> None:
        freeze_arrays(self, "zones")
        require_non_negative(self, "zones", "population", "jobs", "dwellings")
        require_positive(self, "zones", "area_m2")

    def __len__(self) -> int:
        return len(self.name)

    def check_references(self, n_districts: int, n_nodes: int) -> None:
        require_index(self, "zones", "district", n_districts)
        require_index(self, "zones", "node", n_nodes)

    def index(self, name: str) -> int:
        from twin.errors import CityError

        if name not in self.name:
            shown = ", ".join(self.name[:20]) + (" ..." if len(self.name) > 20 else "")
            raise CityError(f"no zone named {name!r}; zones: {shown}")
        return self.name.index(name)


def zone_factors(zones: Zones, districts: Districts, factors: Mapping[str, float],
                 key: str) -> np.ndarray | None:
    """Per-zone multipliers from a scenario table ``key`` of zone or district names (a zone's own
    factor winning over its district's; 1 elsewhere), or None when the table is empty.

    Raises:
        ScenarioError: a name that is neither a district nor a zone (one line naming ``key`` and
            listing both).
    """
    if not factors:
        return None
    out = np.ones(len(zones))
    for name, value in sorted(factors.items(), key=lambda kv: kv[0] in zones.name):
        if name in zones.name:
            out[zones.index(name)] = value
        elif name in districts.name:
            out[zones.district == districts.index(name)] = value
        else:
            known = list(districts.name) + list(zones.name)
            hint = difflib.get_close_matches(name, known, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ScenarioError(f"key '{key}.{name}': no district or zone named {name!r}{did}; "
                                f"districts: {', '.join(districts.name)}; zones: {', '.join(zones.name)}")
    return out
