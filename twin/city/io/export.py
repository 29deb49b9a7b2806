"""Export a City for other tools: GeoJSON for GIS, SUMO plain XML and a MATSim network.

GeoJSON (RFC 7946) is in WGS84 longitude/latitude when the city has a projection (an imported
city folder); a seed city has only local metres, so its GeoJSON keeps x/y in metres and says so
in a top-level ``"twin:coordinates": "local metres"`` member. Files in the GeoJSON folder:
``network.geojson`` (one LineString per directed link), ``zones.geojson`` (zone centres as
Points), ``districts.geojson`` (outlines as Polygons), ``buildings.geojson`` (footprints with
height and use) and ``facilities.geojson`` (Points).

SUMO plain XML: ``PREFIX.nod.xml`` and ``PREFIX.edg.xml`` in metres, for
``netconvert --node-files PREFIX.nod.xml --edge-files PREFIX.edg.xml``. MATSim: a
``network_v2`` file with capacities per hour.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from twin.city.buildings import BUILDING_USES
from twin.city.city import City
from twin.city.facilities import FACILITY_KINDS
from twin.city.network import LINK_CLASSES
from twin.extras import require_extra
from twin.writing import atomic_file, atomic_folder, atomic_write_text, output_errors


def _to_lonlat(crs_wkt: str | None):
    """A function (x, y) -> (lon, lat), or None when the city has no projection."""
    if not crs_wkt:
        return None
    pyproj = require_extra("pyproj", "osm", "twin city export --geojson")

    t = pyproj.Transformer.from_crs(pyproj.CRS.from_wkt(crs_wkt), "EPSG:4326", always_xy=True)
    return lambda x, y: t.transform(np.asarray(x, np.float64), np.asarray(y, np.float64))


def _coords(fn, x, y) -> np.ndarray:
    if fn is None:
        return np.round(np.column_stack([x, y]), 2)
    lon, lat = fn(x, y)
    return np.round(np.column_stack([lon, lat]), 7)


def _feature(kind: str, coordinates, properties: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": kind, "coordinates": coordinates},
            "properties": properties}


def _collection(features: list[dict], local: bool) -> dict:
    doc = {"type": "FeatureCollection", "features": features}
    if local:
        doc["twin:coordinates"] = "local metres"
    return doc


def geojson_layers(city: City, crs_wkt: str | None = None) -> dict[str, dict]:
    """The GeoJSON documents of a city by file name (see the module docstring)."""
    fn = _to_lonlat(crs_wkt)
    local = fn is None
    net = city.network
    nodes = _coords(fn, net.node_x, net.node_y).tolist()
    links = []
    for k in range(net.n_links):
        a, b = int(net.link_from[k]), int(net.link_to[k])
        road = int(net.link_road[k])
        links.append(_feature("LineString", [nodes[a], nodes[b]], {
                          "link": k, "from": a, "to": b, "length_m": round(float(net.link_length_m[k]), 2),
                          "free_speed_kmh": round(float(net.link_free_speed_mps[k]) * 3.6, 1),
                          "lanes": int(net.link_lanes[k]),
                          "capacity_vph": round(float(net.link_capacity_vph[k]), 1),
                          "class": LINK_CLASSES[int(net.link_class[k])], "bridge": bool(net.link_bridge[k]),
                          "road": net.road_names[road] if road >= 0 else ""}))
    z = city.zones
    zxy = _coords(fn, z.x, z.y).tolist()
    zones = [_feature("Point", zxy[i], {
                 "zone": z.name[i], "district": city.districts.name[int(z.district[i])],
                             "population": int(z.population[i]), "jobs": int(z.jobs[i]),
                             "dwellings": int(z.dwellings[i]), "area_m2": round(float(z.area_m2[i]), 1),
                             "node": int(z.node[i])})
             for i in range(len(z))]
    d = city.districts
    districts = []
    for i in range(len(d)):
        ring = _coords(fn, d.outline(i)[:, 0], d.outline(i)[:, 1]).tolist()
        districts.append(_feature("Polygon", [ring + ring[:1]],
                                  {"district": d.name[i], "label": d.label[i], "kind": d.kind[i]}))
    b = city.buildings
    fxy = _coords(fn, b.footprint_xy[:, 0], b.footprint_xy[:, 1]).tolist()
    buildings = []
    for i in range(len(b)):
        ring = fxy[b.footprint_start[i]:b.footprint_start[i + 1]]
        buildings.append(_feature("Polygon", [ring + ring[:1]], {
                                 "building": i, "height_m": round(float(b.height_m[i]), 2),
                                         "use": BUILDING_USES[int(b.use[i])], "zone": z.name[int(b.zone[i])],
                                         "residents": int(b.residents[i]), "jobs": int(b.jobs[i])}))
    f = city.facilities
    pxy = _coords(fn, f.x, f.y).tolist()
    facilities = [_feature("Point", pxy[i], {"name": f.name[i], "kind": FACILITY_KINDS[int(f.kind[i])],
                                  "capacity": float(f.capacity[i]), "node": int(f.node[i])})
                  for i in range(len(f))]
    return {name: _collection(features, local) for name, features in (
        ("network.geojson", links), ("zones.geojson", zones), ("districts.geojson", districts),
        ("buildings.geojson", buildings), ("facilities.geojson", facilities))}


def export_geojson(city: City, out: str | Path, *, crs_wkt: str | None = None, force: bool = False) -> Path:
    """Write the GeoJSON layers into the folder ``out`` (atomically)."""
    out = Path(out)
    layers = geojson_layers(city, crs_wkt)
    with atomic_folder(out, force=force, what="twin city export") as tmp, output_errors(out):
        for name, doc in layers.items():
            (tmp / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out


def _sumo_schema(name: str) -> str:
    return ('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:noNamespaceSchemaLocation="http://sumo.dlr.de/xsd/{name}.xsd"')


def sumo_plain_xml(city: City) -> tuple[str, str]:
    """SUMO plain node and edge files (node ids ``n<i>``, edge ids ``e<k>``; speeds m/s)."""
    net = city.network
    nodes = ['<?xml version="1.0" encoding="UTF-8"?>', f"<nodes {_sumo_schema('nodes_file')}>"]
    nodes += [f'    <node id="n{i}" x="{x:.2f}" y="{y:.2f}"/>'
              for i, (x, y) in enumerate(zip(net.node_x, net.node_y, strict=True))]
    nodes.append("</nodes>")
    edges = ['<?xml version="1.0" encoding="UTF-8"?>', f"<edges {_sumo_schema('edges_file')}>"]
    for k in range(net.n_links):
        road = int(net.link_road[k])
        name = f" name={quoteattr(net.road_names[road])}" if road >= 0 else ""
        edges.append(
            f'    <edge id="e{k}" from="n{net.link_from[k]}" to="n{net.link_to[k]}" '
            f'numLanes="{net.link_lanes[k]}" speed="{net.link_free_speed_mps[k]:.3f}" '
            f'length="{net.link_length_m[k]:.2f}" priority="{int(net.link_class[k]) + 1}"{name}/>')
    edges.append("</edges>")
    return "\n".join(nodes) + "\n", "\n".join(edges) + "\n"


def export_sumo(city: City, prefix: str | Path) -> tuple[Path, Path]:
    """Write ``PREFIX.nod.xml`` and ``PREFIX.edg.xml`` (both written in full before either replaces
    an earlier file, so a failure never leaves a new node file beside an old edge file)."""
    prefix = Path(prefix)
    nod, edg = sumo_plain_xml(city)
    paths = (prefix.with_name(prefix.name + ".nod.xml"), prefix.with_name(prefix.name + ".edg.xml"))
    with atomic_file(paths[0]) as nod_tmp, atomic_file(paths[1]) as edg_tmp:
        nod_tmp.write_text(nod, encoding="utf-8")
        edg_tmp.write_text(edg, encoding="utf-8")
    return paths


def matsim_network_xml(city: City) -> str:
    """A MATSim network (network_v2 DTD): metres, m/s, vehicles per hour, lanes."""
    net = city.network
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<!DOCTYPE network SYSTEM "http://www.matsim.org/files/dtd/network_v2.dtd">',
             f"<network name={quoteattr(city.name)}>", "  <nodes>"]
    lines += [f'    <node id="{i}" x="{x:.2f}" y="{y:.2f}"/>'
              for i, (x, y) in enumerate(zip(net.node_x, net.node_y, strict=True))]
    lines += ["  </nodes>",
              '  <links capperiod="01:00:00" effectivecellsize="7.5" effectivelanewidth="3.75">']
    lines += [f'    <link id="{k}" from="{net.link_from[k]}" to="{net.link_to[k]}" '
              f'length="{net.link_length_m[k]:.2f}" freespeed="{net.link_free_speed_mps[k]:.3f}" '
              f'capacity="{net.link_capacity_vph[k]:.1f}" permlanes="{net.link_lanes[k]}" '
              'oneway="1" modes="car"/>' for k in range(net.n_links)]
    lines += ["  </links>", "</network>"]
    return "\n".join(lines) + "\n"


def export_matsim(city: City, path: str | Path) -> Path:
    """Write a MATSim network.xml."""
    path = Path(path)
    atomic_write_text(path, matsim_network_xml(city))
    return path
