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
from twin.city.seedfile import BusLineSpec
from twin.city.zones import Districts, Zones


@dataclasses.dataclass(frozen=True, eq=False)
class River:
    """A river as a centre line (metres) with a width; streets cross it only on bridges."""

    name: str
    polyline: np.ndarray
    width_m: float


@dataclasses.dataclass(frozen=True, eq=False)
class City:
    """Immutable city data shared by every module (see the package docstring for units).

    ``bus_lines``: the lines the seed names by roads, facilities or points (laid on the streets
    by :mod:`twin.traffic.transit` when the traffic modes are on).
    """

    name: str
    label: str
    network: RoadNetwork
    districts: Districts
    zones: Zones
    buildings: Buildings
    facilities: Facilities
    river: River | None = None
    source_hash: str = ""
    bus_lines: tuple[BusLineSpec, ...] = ()

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
        from twin.city.seedfile import load_seed, resolve_seed_path

        spec, digest = load_seed(name_or_path)
        return _generate_cached(spec, digest, seed, str(resolve_seed_path(name_or_path)))

    def street_figures(self) -> dict[str, Any]:
        """Street km by class (each street once, both directions together), the street density
        per km2 of the districts' outlines (the built-up area), lanes per direction by class and
        the mean block side (the square root of built-up area / blocks, blocks = streets - nodes + 1,
        Euler's formula for a connected plane graph), metres."""
        from twin.city.network import LINK_CLASSES

        net = self.network
        first = _one_per_street(net, np.arange(net.n_links))
        km = np.bincount(net.link_class[first], weights=net.link_length_m[first],
                         minlength=len(LINK_CLASSES)) / 1000.0
        area_km2 = sum(_polygon_area_m2(self.districts.outline(k)) for k in range(len(self.districts))) / 1e6
        blocks = max(len(first) - net.n_nodes + 1, 1)
        return {
            "street_km": round(float(km.sum()), 1),
            "street_km_by_class": {c: round(float(v), 1) for c, v in zip(LINK_CLASSES, km, strict=True)},
            "lanes_by_class": {c: int(np.median(net.link_lanes[net.link_class == k]))
                               for k, c in enumerate(LINK_CLASSES) if (net.link_class == k).any()},
            "built_up_km2": round(area_km2, 1),
            "street_density_km_per_km2": round(float(km.sum()) / area_km2, 2) if area_km2 else 0.0,
            "mean_block_m": round(float(np.sqrt(area_km2 * 1e6 / blocks)), 0),
        }

    def named_roads(self) -> dict[str, dict[str, Any]]:
        """Each named road (highways, bridges, named arterials) with the class most of its links
        have and its length, km (each street once: a two-way road's two directions counted once)."""
        from twin.city.network import LINK_CLASSES

        net, roads = self.network, {}
        for name in net.road_names:
            links = net.links_of_road(name)
            if links.size == 0:
                continue
            metres = float(net.link_length_m[_one_per_street(net, links)].sum())
            roads[name] = {"class": LINK_CLASSES[int(np.bincount(net.link_class[links]).argmax())],
                           "km": round(metres / 1000.0, 2)}
        return roads

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
            **self.street_figures(),
            "districts": len(self.districts),
            "zones": len(self.zones),
            "buildings": len(self.buildings),
            "population": int(self.zones.population.sum()),
            "jobs": int(self.zones.jobs.sum()),
            "dwellings": int(self.zones.dwellings.sum()),
            "facilities": self.facilities.counts(),
            "named_roads": self.named_roads(),
            "district_population": {
                name: int(self.zones.population[self.zones.district == k].sum())
                for k, name in enumerate(self.districts.name)
            },
        }


def _one_per_street(net: RoadNetwork, links: np.ndarray) -> np.ndarray:
    """Of ``links`` (link indices), one per street: a two-way street's two directions (and
    parallel links between the same two nodes) once."""
    a, b = net.link_from[links].astype(np.int64), net.link_to[links].astype(np.int64)
    return links[np.unique(np.minimum(a, b) * net.n_nodes + np.maximum(a, b), return_index=True)[1]]


def _polygon_area_m2(xy: np.ndarray) -> float:
    """Area of a simple polygon (shoelace formula), square metres."""
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


@functools.lru_cache(maxsize=8)
def _generate_cached(spec, digest: str, seed: int | None, source: str = "") -> City:
    from twin.city.generate import generate_city

    return generate_city(spec, seed=seed, source_hash=digest, source=source)
