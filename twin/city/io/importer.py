"""Build a City from an OpenStreetMap extract (and optional zone polygons), with a report.

The steps, each in its own module: read and project (:mod:`~twin.city.io.osm`), clean the
network (:mod:`~twin.city.io.cleaning`), make zones (:mod:`~twin.city.io.zoning`), place
residents and jobs in buildings, snap buildings and facilities to the network. Everything the
user should know (what was dropped or estimated, and where) goes into :class:`ImportReport`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from twin.city.buildings import Buildings
from twin.city.city import City
from twin.city.facilities import Facilities
from twin.city.io.cleaning import CleaningReport, LinkTable, clean_network
from twin.city.io.osm import HEIGHT_SOURCES, OsmExtract, read_osm
from twin.city.io.zones_geojson import (
    FacilityFeatures,
    ZoneFeatures,
    read_facilities_geojson,
    read_zones_geojson,
)
from twin.city.io.zoning import ZoningReport, allocate_people, floor_area_m2, make_zones, nearest_zone
from twin.city.network import CityWarning, RoadNetwork
from twin.errors import TwinInputError
from twin.extras import require_extra

JAM_DENSITY_VPM = 0.15
"""Jam density per lane of every imported link, vehicles/metre (one car per 6.7 m)."""


@dataclasses.dataclass
class ImportReport:
    """What the import read, dropped, estimated and built."""

    source: str
    crs_wkt: str
    lonlat_bounds: tuple[float, float, float, float]
    network: CleaningReport
    zoning: ZoningReport
    buildings: int = 0
    buildings_degenerate: int = 0
    height_sources: dict[str, int] = dataclasses.field(default_factory=dict)
    facilities: dict[str, int] = dataclasses.field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report as terminal lines."""
        w, s, e, n = self.lonlat_bounds
        heights = ", ".join(f"{v:,} from {k}" for k, v in self.height_sources.items())
        lines = [f"read {self.source} (lon {w:.4f}..{e:.4f}, lat {s:.4f}..{n:.4f})"]
        lines += self.network.lines()
        lines.append(f"buildings: {self.buildings:,} (heights: {heights or 'none'}; "
                     f"{self.buildings_degenerate:,} with a footprint under 1 m2 left out)")
        shown = ", ".join(f"{k} {v}" for k, v in self.facilities.items()) or "none"
        lines.append(f"facilities: {shown}")
        lines += self.zoning.lines()
        return lines

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["network"]["short_places_xy"] = [list(p) for p in self.network.short_places_xy]
        return out


def file_digest(paths: list[Path], options: dict[str, Any]) -> str:
    """SHA-256 over the input files and the import options: the imported city's source hash."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    digest.update(json.dumps(options, sort_keys=True).encode())
    return digest.hexdigest()


def import_osm(
    osm_file: str | Path,
    *,
    zones: str | Path | None = None,
    facilities: str | Path | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    name: str | None = None,
    time_step_s: float = 2.0,
    grid_m: float = 1000.0,
    crs: str | None = None,
) -> tuple[City, ImportReport]:
    """Build a City from an OSM extract; see docs/own_city.md for every rule and default.

    Args:
        osm_file: ``.osm.pbf`` (or OSM XML) file.
        zones: GeoJSON zone polygons (WGS84); None makes a grid of ``grid_m`` cells.
        facilities: GeoJSON points of facilities to add to those tagged in OSM.
        bbox: (west, south, east, north) in degrees to cut the extract.
        name: the city's name (default: the file name without suffixes).
        time_step_s: traffic time step, seconds; links shorter than one step at free speed are
            contracted.
        grid_m: grid cell size, metres, when no zones file is given.
        crs: target projection (any pyproj CRS string); default azimuthal equidistant.
    """
    osm_file = Path(osm_file)
    if not time_step_s > 0:
        raise TwinInputError(f"--time-step must be > 0 seconds, got {time_step_s}")
    if not grid_m > 0:
        raise TwinInputError(f"--grid must be > 0 metres, got {grid_m}")
    if bbox is not None:
        w, s, e, n = bbox
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise TwinInputError(f"--bbox {w} {s} {e} {n}: expected WEST SOUTH EAST NORTH in degrees "
                                 "with west < east and south < north")
    features = read_zones_geojson(zones) if zones is not None else None
    extra = read_facilities_geojson(facilities) if facilities is not None else None
    extract = read_osm(osm_file, bbox=bbox, crs=crs)
    name = name or osm_file.name.split(".")[0]
    network, net_report = build_network(extract, time_step_s, str(osm_file))
    city, zoning = _assemble(extract, network, features, extra, name, grid_m)
    options = {"bbox": bbox, "time_step_s": time_step_s, "grid_m": grid_m, "crs": crs, "name": name}
    paths = [osm_file] + [Path(p) for p in (zones, facilities) if p is not None]
    city = dataclasses.replace(city, source_hash=file_digest(paths, options))
    report = ImportReport(
        source=str(osm_file), crs_wkt=extract.crs_wkt, lonlat_bounds=extract.lonlat_bounds,
        network=net_report, zoning=zoning, buildings=len(city.buildings),
        buildings_degenerate=extract.buildings_dropped,
        height_sources=_height_sources(extract),
        facilities=city.facilities.counts(),
    )
    return city, report


def build_network(extract: OsmExtract, time_step_s: float, source: str) -> tuple[RoadNetwork, CleaningReport]:
    """Clean the extract's segments (see :mod:`twin.city.io.cleaning`) into a RoadNetwork."""
    table = LinkTable(
        node_x=extract.node_x, node_y=extract.node_y, node_id=extract.node_osm_id,
        link_from=extract.link_from, link_to=extract.link_to, length_m=extract.link_length_m,
        speed_mps=extract.link_speed_mps, lanes=extract.link_lanes,
        capacity_vph=extract.link_capacity_vph, link_class=extract.link_class,
        bridge=extract.link_bridge, road=extract.link_road,
    )
    table, report = clean_network(table, time_step_s)
    if table.n_links == 0:
        raise TwinInputError(f"{source}: no drivable road is left after cleaning")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CityWarning)  # cleaning already kept one strong component
        network = RoadNetwork.from_arrays(
            node_x=table.node_x, node_y=table.node_y, node_id=table.node_id,
            link_from=table.link_from, link_to=table.link_to, length_m=table.length_m,
            free_speed_mps=table.speed_mps, lanes=table.lanes, capacity_vph=table.capacity_vph,
            jam_density_vpm=JAM_DENSITY_VPM, link_class=table.link_class, bridge=table.bridge,
            road=table.road, road_names=extract.road_names, source=source,
        )
    return network, report


def _assemble(extract: OsmExtract, network: RoadNetwork, features: ZoneFeatures | None,
              extra: FacilityFeatures | None, name: str, grid_m: float) -> tuple[City, ZoningReport]:
    pyproj = require_extra("pyproj", "osm", "twin city import")

    to_xy = pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS.from_wkt(extract.crs_wkt), always_xy=True)
    polygons_xy = features.projected(to_xy) if features is not None else None
    floor = floor_area_m2(extract.building_footprint_m2, extract.building_height_m)
    districts, zones, bzone, zoning = make_zones(
        network, name, extract.building_x, extract.building_y, floor, extract.building_use,
        features, polygons_xy, grid_m, extract.lonlat_bounds)
    keep = np.flatnonzero(bzone >= 0)
    residents, jobs = allocate_people(zones, bzone[keep], floor[keep], extract.building_use[keep], zoning)
    start, xy = _take_rings(extract.footprint_start, extract.footprint_xy, keep)
    bx, by = extract.building_x[keep], extract.building_y[keep]
    buildings = Buildings(
        x=bx, y=by, height_m=extract.building_height_m[keep], use=extract.building_use[keep],
        zone=bzone[keep].astype(np.int32),
        node=network.nearest_node(bx, by) if len(keep) else np.zeros(0, np.int32),
        residents=residents, jobs=jobs, footprint_start=start, footprint_xy=xy,
    )
    names, kind = extract.facility_name, extract.facility_kind
    fx, fy, capacity = extract.facility_x, extract.facility_y, extract.facility_capacity
    if extra is not None:
        ex, ey = to_xy.transform(extra.lon, extra.lat)
        names, kind = names + extra.name, np.concatenate([kind, extra.kind])
        fx, fy = np.concatenate([fx, ex]), np.concatenate([fy, ey])
        capacity = np.concatenate([capacity, extra.capacity])
    facilities = Facilities(
        name=names, kind=kind, x=fx, y=fy,
        node=network.nearest_node(fx, fy) if len(fx) else np.zeros(0, np.int32),
        zone=nearest_zone(zones, fx, fy), capacity=capacity,
    )
    city = City(name=name, label=name.replace("_", " ").title(), network=network, districts=districts,
                zones=zones, buildings=buildings, facilities=facilities)
    return city, zoning


def _take_rings(start: np.ndarray, xy: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ragged footprints of ``rows`` only: new offsets and coordinates."""
    counts = np.diff(start)[rows]
    new_start = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=new_start[1:])
    idx = np.repeat(start[rows] - new_start[:-1], counts) + np.arange(new_start[-1])
    return new_start, xy[idx].reshape(-1, 2)


def _height_sources(extract: OsmExtract) -> dict[str, int]:
    counts = np.bincount(extract.building_height_source, minlength=len(HEIGHT_SOURCES))
    return {HEIGHT_SOURCES[i]: int(c) for i, c in enumerate(counts)}

