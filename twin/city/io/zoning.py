"""Zones and districts for an imported city, and residents and jobs for its buildings.

Zones come from GeoJSON polygons (:mod:`twin.city.io.zones_geojson`) or, without a file, from a
square grid over the road network keeping the cells that hold a node or a building. Where
population or jobs are not given, they are estimated from building floor area
(footprint x storeys, a storey being 3 m of height):

- population = residential floor area / :data:`FLOOR_AREA_PER_RESIDENT_M2`,
- jobs = sum over non-residential uses of floor area / :data:`FLOOR_AREA_PER_JOB_M2`,
- dwellings = population / :data:`PERSONS_PER_HOUSEHOLD` x :data:`DWELLING_SURPLUS`.

Each zone's residents go to its residential buildings and its jobs to its other buildings in
proportion to floor area (integers that add up exactly, by largest remainder).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial import ConvexHull, QhullError, cKDTree

from twin.city.buildings import BUILDING_USES
from twin.city.generate import largest_remainder
from twin.city.io.osm import STOREY_HEIGHT_M
from twin.city.io.zones_geojson import ZoneFeatures
from twin.city.network import RoadNetwork
from twin.city.zones import Districts, Zones
from twin.errors import TwinInputError
from twin.extras import require_extra

shapely = require_extra("shapely", "osm", "twin city import")

FLOOR_AREA_PER_RESIDENT_M2 = 40.0
FLOOR_AREA_PER_JOB_M2 = {"commercial": 25.0, "industrial": 100.0, "public": 40.0}
PERSONS_PER_HOUSEHOLD = 2.5
DWELLING_SURPLUS = 1.06
"""Dwellings per household: a few per cent stand empty, so households can move."""


@dataclasses.dataclass
class ZoningReport:
    """How the zones were made and how well they fit the buildings and the network."""

    source: str = "grid"
    grid_m: float = 0.0
    zones: int = 0
    districts: int = 0
    population: int = 0
    jobs: int = 0
    estimated: tuple[str, ...] = ()
    zones_without_nodes: int = 0
    buildings_outside: int = 0
    zones_without_homes: int = 0

    def lines(self) -> list[str]:
        where = f"grid of {self.grid_m:g} m cells" if self.source == "grid" else self.source
        lines = [f"zones: {self.zones:,} from {where}, {self.districts} district(s); "
                 f"population {self.population:,}, jobs {self.jobs:,}"]
        if self.estimated:
            lines.append(f"  estimated from building floor area: {', '.join(self.estimated)}")
        if self.zones_without_nodes:
            lines.append(f"  {self.zones_without_nodes} zone(s) contain no road node (joined to the nearest)")
        if self.buildings_outside:
            lines.append(f"  {self.buildings_outside:,} building(s) outside every zone were left out")
        if self.zones_without_homes:
            lines.append(f"  {self.zones_without_homes} zone(s) have residents but no residential "
                         "building to put them in")
        return lines


def floor_area_m2(footprint_m2: np.ndarray, height_m: np.ndarray) -> np.ndarray:
    """Gross floor area: footprint x storeys (at least one storey)."""
    return footprint_m2 * np.maximum(1.0, np.round(height_m / STOREY_HEIGHT_M))


def estimate_people(floor_m2: np.ndarray, use: np.ndarray, zone: np.ndarray, n_zones: int):
    """Residents and jobs per zone from building floor area (see the module docstring)."""
    residential = use == BUILDING_USES.index("residential")
    population = np.bincount(zone[residential], weights=floor_m2[residential], minlength=n_zones)
    jobs = np.zeros(n_zones)
    for kind, per_job in FLOOR_AREA_PER_JOB_M2.items():
        mine = use == BUILDING_USES.index(kind)
        jobs += np.bincount(zone[mine], weights=floor_m2[mine], minlength=n_zones) / per_job
    return np.round(population / FLOOR_AREA_PER_RESIDENT_M2), np.round(jobs)


def _grid_zones(network: RoadNetwork, bx: np.ndarray, by: np.ndarray, grid_m: float):
    xs = np.concatenate([network.node_x, bx])
    ys = np.concatenate([network.node_y, by])
    x0, y0 = xs.min(), ys.min()
    ix = np.floor((xs - x0) / grid_m).astype(np.int64)
    iy = np.floor((ys - y0) / grid_m).astype(np.int64)
    cells, cell_of = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
    cell_of = cell_of.ravel()
    names = tuple(f"cell-{i:03d}-{j:03d}" for i, j in cells)
    cx, cy = x0 + (cells[:, 0] + 0.5) * grid_m, y0 + (cells[:, 1] + 0.5) * grid_m
    zone_of_node, zone_of_building = cell_of[:network.n_nodes], cell_of[network.n_nodes:]
    return names, cx, cy, np.full(len(cells), grid_m * grid_m), zone_of_node, zone_of_building


def _hull(xy: np.ndarray) -> np.ndarray:
    """Convex hull of points as an open ring (a tiny square when there are too few points)."""
    if len(np.unique(xy, axis=0)) >= 3:
        try:
            return xy[ConvexHull(xy).vertices]
        except QhullError:  # the points are on a line
            pass
    c = xy.mean(axis=0)
    return c + np.array([(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)])


def make_zones(
    network: RoadNetwork,
    city_name: str,
    bx: np.ndarray,
    by: np.ndarray,
    floor_m2: np.ndarray,
    use: np.ndarray,
    features: ZoneFeatures | None,
    polygons_xy: np.ndarray | None,
    grid_m: float,
    network_lonlat: tuple[float, float, float, float],
):
    """Districts, zones and each building's zone (-1: outside every zone) for an imported city."""
    report = ZoningReport()
    if features is None:
        names, zx, zy, area, node_zone, bzone = _grid_zones(network, bx, by, grid_m)
        district_names = ("",) * len(names)
        given = {}
        report.grid_m = grid_m
        report.zones_without_nodes = len(names) - len(np.unique(node_zone))
    else:
        report.source = features.source
        names, district_names = features.name, features.district
        centre = shapely.centroid(polygons_xy)
        zx, zy = shapely.get_x(centre), shapely.get_y(centre)
        area = shapely.area(polygons_xy)
        tree = shapely.STRtree(polygons_xy)
        _, node_zone = tree.query(shapely.points(network.node_x, network.node_y), predicate="within")
        inside = np.bincount(node_zone, minlength=len(polygons_xy))
        if inside.sum() == 0:
            z, n = features.lonlat_bounds, network_lonlat
            raise TwinInputError(
                f"{features.source}: no zone overlaps the road network (zones span lon "
                f"{z[0]:.4f}..{z[2]:.4f}, lat {z[1]:.4f}..{z[3]:.4f}; the network spans lon "
                f"{n[0]:.4f}..{n[2]:.4f}, lat {n[1]:.4f}..{n[3]:.4f})")
        report.zones_without_nodes = int((inside == 0).sum())
        point_idx, zone_idx = tree.query(shapely.points(bx, by), predicate="within")
        bzone = np.full(len(bx), -1, dtype=np.int64)
        bzone[point_idx[::-1]] = zone_idx[::-1]  # a point in two zones goes to the first
        given = {k: getattr(features, k) for k in ("population", "jobs", "dwellings")
                 if not np.isnan(getattr(features, k)).all()}
        if np.any(area <= 0):
            raise TwinInputError(f"{features.source}: zone {names[int(np.argmin(area))]!r} has no area")
    n_zones = len(names)
    inside = bzone >= 0
    report.buildings_outside = int((~inside).sum())
    est_pop, est_jobs = estimate_people(floor_m2[inside], use[inside], bzone[inside], n_zones)
    population = given.get("population", est_pop).round().astype(np.int64)
    jobs = given.get("jobs", est_jobs).round().astype(np.int64)
    report.estimated = tuple(k for k in ("population", "jobs") if k not in given)
    dwellings = given.get("dwellings", np.ceil(population / PERSONS_PER_HOUSEHOLD * DWELLING_SURPLUS))

    district_list = sorted({d for d in district_names if d}) + ([city_name] if "" in district_names else [])
    district = np.array([district_list.index(d or city_name) for d in district_names], dtype=np.int32)
    outlines = []
    for k in range(len(district_list)):
        if features is None:
            pts = np.column_stack([network.node_x, network.node_y])
        else:
            pts = shapely.get_coordinates(polygons_xy[district == k])
        outlines.append(_hull(pts))
    starts = np.concatenate([[0], np.cumsum([len(o) for o in outlines])]).astype(np.int64)
    districts = Districts(name=tuple(district_list), label=tuple(district_list),
                          kind=("urban",) * len(district_list), outline_start=starts,
                          outline_xy=np.concatenate(outlines))
    zones = Zones(
        name=tuple(names), district=district, x=np.asarray(zx, np.float64), y=np.asarray(zy, np.float64),
        area_m2=np.asarray(area, np.float64), population=population, jobs=jobs,
        dwellings=np.asarray(dwellings).round().astype(np.int64),
        node=network.nearest_node(zx, zy),
    )
    report.zones, report.districts = n_zones, len(district_list)
    report.population, report.jobs = int(population.sum()), int(jobs.sum())
    return districts, zones, bzone, report


def allocate_people(zones: Zones, bzone: np.ndarray, floor_m2: np.ndarray, use: np.ndarray,
                    report: ZoningReport):
    """Residents and jobs per building: each zone's totals split by floor area (exact integers)."""
    n = len(bzone)
    residents = np.zeros(n, dtype=np.int64)
    jobs = np.zeros(n, dtype=np.int64)
    residential = use == BUILDING_USES.index("residential")
    res_w = floor_m2 * residential
    job_w = floor_m2 * np.where(residential, 0.08, 1.0)
    order = np.argsort(bzone, kind="stable")
    bounds = np.searchsorted(bzone[order], np.arange(len(zones) + 1))
    for z in range(len(zones)):
        rows = order[bounds[z]:bounds[z + 1]]
        if len(rows) == 0 or res_w[rows].sum() == 0:
            report.zones_without_homes += int(zones.population[z] > 0)
        if len(rows):
            residents[rows] = largest_remainder(int(zones.population[z]), res_w[rows])
            jobs[rows] = largest_remainder(int(zones.jobs[z]), job_w[rows])
    return residents.astype(np.int32), jobs.astype(np.int32)


def nearest_zone(zones: Zones, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the zone whose centre is nearest to each point."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int32)
    _, idx = cKDTree(np.column_stack([zones.x, zones.y])).query(np.column_stack([x, y]))
    return idx.astype(np.int32)
