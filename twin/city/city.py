"""The City: one immutable bundle of network, districts, zones, buildings, facilities and river.

Every module reads the same City; none copies or changes it. Build one from a seed file with
:meth:`City.from_seed`; later importers (OSM, saved folders) produce the same object.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import numpy as np

from twin.city.buildings import Buildings
from twin.city.facilities import Facilities
from twin.city.network import RoadNetwork
from twin.city.zones import Districts, Zones


@dataclasses.dataclass(frozen=True, eq=False)
class River:
    """A river as a centre line (metres) with a width; streets cross it only on bridges."""

    name: str
    polyline: np.ndarray
    width_m: float


@dataclasses.dataclass(frozen=True, eq=False)
class City:
    """Immutable city data shared by every module (see the package docstring for units)."""

    name: str
    label: str
    network: RoadNetwork
    districts: Districts
    zones: Zones
    buildings: Buildings
    facilities: Facilities
    river: River | None = None
    source_hash: str = ""

    def __post_init__(self) -> None:
        n_nodes = self.network.n_nodes
        self.zones.check_references(len(self.districts), n_nodes)
        self.buildings.check_references(len(self.zones), n_nodes)
        self.facilities.check_references(len(self.zones), n_nodes)

    @classmethod
    def from_seed(cls, name_or_path: str | Path = "hezhou", seed: int | None = None) -> City:
        """Generate the city described by a seed file ('hezhou', 'testville' or a path).

        The result is cached per (file content, seed): generating Hezhou takes a second or two
        and sweeps build the same city many times.
        """
        from twin.city.seedfile import load_seed

        spec, digest = load_seed(name_or_path)
        return _generate_cached(spec, digest, seed)

    def info(self) -> dict[str, Any]:
        """Sizes and totals, as printed by ``twin city info`` (and its --json)."""
        net = self.network
        return {
            "name": self.name,
            "label": self.label,
            "nodes": net.n_nodes,
            "links": net.n_links,
            "road_km": round(float(net.link_length_m.sum()) / 1000.0, 1),
            "bridges": int(net.link_bridge.sum() // 2),
            "districts": len(self.districts),
            "zones": len(self.zones),
            "buildings": len(self.buildings),
            "population": int(self.zones.population.sum()),
            "jobs": int(self.zones.jobs.sum()),
            "dwellings": int(self.zones.dwellings.sum()),
            "facilities": self.facilities.counts(),
            "district_population": {
                name: int(self.zones.population[self.zones.district == k].sum())
                for k, name in enumerate(self.districts.name)
            },
        }


@functools.lru_cache(maxsize=8)
def _generate_cached(spec, digest: str, seed: int | None) -> City:
    from twin.city.generate import generate_city

    return generate_city(spec, seed=seed, source_hash=digest)
