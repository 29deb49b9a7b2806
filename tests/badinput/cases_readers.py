"""Rows for the file readers: TNTP, CVRPLIB (.vrp), traffic CSV, OSM and GeoJSON.

Each reader is fed what a broken export or a careless edit gives: NaN and infinity where a
finite number is meant, sizes that would allocate terabytes, fractional ids, duplicate ids,
binary junk and empty files. Small valid files are built here and mutated one token at a time.
"""

from __future__ import annotations

import json

from badinput import Case

# --- CVRPLIB ---------------------------------------------------------------------------------

VRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 40
NODE_COORD_SECTION
 1 79 32
 2 94 45
 3 88 94
 4 3 59
DEMAND_SECTION
1 0
2 14
3 18
4 10
DEPOT_SECTION
 1
 -1
EOF
"""


def vrp(old: str, new: str) -> dict[str, str]:
    """The tiny instance with one piece of text replaced, as ``bad.vrp``."""
    assert old in VRP, old
    return {"bad.vrp": VRP.replace(old, new, 1)}


ROUTE = ("waste", "route", "bad.vrp", "--iterations", "50")

# --- TNTP ------------------------------------------------------------------------------------

NET = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 3
<FIRST THRU NODE> 1
<NUMBER OF LINKS> 4
<END OF METADATA>
~ init term capacity length fft b power speed toll type ;
1 3 100 1 1 0.15 4 0 0 1 ;
3 2 100 1 1 0.15 4 0 0 1 ;
2 3 100 1 1 0.15 4 0 0 1 ;
3 1 100 1 1 0.15 4 0 0 1 ;
"""

TRIPS = """<NUMBER OF ZONES> 2
<TOTAL OD FLOW> 150.0
<END OF METADATA>
Origin 1
    1 :      0.0;     2 :    100.0;
Origin 2
    1 :     50.0;     2 :      0.0;
"""


def tntp(net: tuple[str, str] | None = None, trips: tuple[str, str] | None = None) -> dict[str, str]:
    """The small network (net.tntp, trips.tntp), with one replacement in either file."""
    files = {"net.tntp": NET, "trips.tntp": TRIPS}
    for name, change in (("net.tntp", net), ("trips.tntp", trips)):
        if change is not None:
            assert change[0] in files[name], change
            files[name] = files[name].replace(change[0], change[1], 1)
    return files


ASSIGN = ("traffic", "assign", "net.tntp", "trips.tntp")

# --- traffic CSV -----------------------------------------------------------------------------

NODES = "node_id,x_m,y_m\n1,0,0\n2,500,0\n3,500,500\n"
LINKS = (
    "link_id,from_node,to_node,length_m,free_speed_mps,lanes,capacity_veh_per_h,"
    "jam_density_veh_per_m_per_lane\n"
    "10,1,2,500,15,1,1800,0.15\n11,2,1,500,15,1,1800,0.15\n"
    "12,2,3,500,15,1,1800,0.15\n13,3,2,500,15,1,1800,0.15\n"
)
TRIPS_CSV = "origin,destination,depart_time_s,count\n1,3,0,2\n3,1,10,1\n"


def csv(nodes: tuple[str, str] | None = None, links: tuple[str, str] | None = None,
        trips: tuple[str, str] | None = None) -> dict[str, str]:
    """The three-node network (nodes.csv, links.csv, trips.csv) with one replacement per file."""
    files = {"nodes.csv": NODES, "links.csv": LINKS, "trips.csv": TRIPS_CSV}
    for name, change in (("nodes.csv", nodes), ("links.csv", links), ("trips.csv", trips)):
        if change is not None:
            assert change[0] in files[name], change
            files[name] = files[name].replace(change[0], change[1], 1)
    return files


SIMULATE = ("traffic", "simulate", "--nodes", "nodes.csv", "--links", "links.csv", "--trips", "trips.csv")
BINARY = bytes(range(256)) * 8

# --- GeoJSON ---------------------------------------------------------------------------------

RING = [[26.93, 60.52], [26.96, 60.52], [26.96, 60.53], [26.93, 60.53], [26.93, 60.52]]


def zones(properties: dict | None = None, coordinates=None, text: str | None = None) -> dict[str, str]:
    """A one-zone GeoJSON file (zones.geojson) with the given properties or coordinates."""
    if text is None:
        text = json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": properties or {"name": "a", "population": 10, "jobs": 5},
            "geometry": {"type": "Polygon", "coordinates": coordinates or [RING]}}]})
    return {"zones.geojson": text}


OSM_XML = ("<?xml version='1.0'?><osm version='0.6'><node id='1' lat='60.5' lon='26.9'/>"
           "<node id='2' lat='{lat}' lon='26.91'/><node id='3' lat='60.6' lon='26.95'/><way id='1'>"
           "<nd ref='1'/><nd ref='2'/><nd ref='3'/><tag k='highway' v='primary'/></way></osm>")
IMPORT = ("city", "import", "missing.osm.pbf", "--zones", "zones.geojson", "--out", "CITY")

CASES = [
    # .vrp: numbers that are not finite, not integers, or too large
    Case("readers-vrp-capacity-inf", ROUTE, "CAPACITY", files=vrp("CAPACITY : 40", "CAPACITY : inf")),
    Case("readers-vrp-capacity-nan", ROUTE, "CAPACITY", files=vrp("CAPACITY : 40", "CAPACITY : nan")),
    Case("readers-vrp-capacity-fraction", ROUTE, "CAPACITY", files=vrp("CAPACITY : 40", "CAPACITY : 40.5")),
    Case("readers-vrp-demand-1e30", ROUTE, "demand", files=vrp("2 14", "2 1e30")),
    Case("readers-vrp-demand-fraction", ROUTE, "demand", files=vrp("2 14", "2 14.5")),
    Case("readers-vrp-demand-nan", ROUTE, "demand", files=vrp("2 14", "2 nan")),
    Case("readers-vrp-coordinate-nan", ROUTE, "bad.vrp:8", files=vrp(" 2 94 45", " 2 nan 45")),
    Case("readers-vrp-coordinate-inf", ROUTE, "bad.vrp:8", files=vrp(" 2 94 45", " 2 94 -inf")),
    Case("readers-vrp-coordinate-1e300", ROUTE, "bad.vrp:8", files=vrp(" 2 94 45", " 2 1e300 45"),
         note="silently wrong before: cost 306 'feasible'"),
    Case("readers-vrp-node-fraction", ROUTE, "node", files=vrp(" 2 94 45", " 2.5 94 45")),
    Case("readers-vrp-dimension-huge", ROUTE, "over the limit",
         files=vrp("DIMENSION : 4", "DIMENSION : 1000000000")),
    Case("readers-vrp-dimension-fraction", ROUTE, "DIMENSION", files=vrp("DIMENSION : 4", "DIMENSION : 4.5")),
    Case("readers-vrp-depot-huge", ROUTE, "depot", files=vrp(" 1\n -1", " 99999999999999999999\n -1")),
    Case("readers-vrp-binary", ROUTE, "bad.vrp", files={"bad.vrp": BINARY}),
    Case("readers-vrp-empty", ROUTE, "missing header DIMENSION", files={"bad.vrp": ""}),
    Case("readers-vrp-folder", ("waste", "route", "{tmp}", "--iterations", "5"), "Is a directory"),
    # TNTP: sizes bounded before the OD matrix is allocated; NaN and fractions refused
    Case("readers-tntp-million-zones", ASSIGN, "over the limit",
         files=tntp(("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> 1000000"),
                    ("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> 1000000")),
         note="asked for 7 TiB before"),
    Case("readers-tntp-trips-million-zones", ASSIGN, "over the limit",
         files=tntp(None, ("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> 1000000"))),
    Case("readers-tntp-nodes-huge", ASSIGN, "over the limit",
         files=tntp(("<NUMBER OF NODES> 3", "<NUMBER OF NODES> 1000000000000"))),
    Case("readers-tntp-zones-fraction", ASSIGN, "NUMBER OF ZONES",
         files=tntp(("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> 2.5"))),
    Case("readers-tntp-capacity-nan", ASSIGN, "net.tntp, line 7",
         files=tntp(("1 3 100 1", "1 3 nan 1"))),
    Case("readers-tntp-length-1e300", ASSIGN, "net.tntp, line 7",
         files=tntp(("1 3 100 1 1", "1 3 100 1e300 1"))),
    Case("readers-tntp-node-fraction", ASSIGN, "init_node", files=tntp(("1 3 100", "1.5 3 100"))),
    Case("readers-tntp-trips-inf", ASSIGN, "trips.tntp, line 5", files=tntp(None, ("100.0;", "inf;"))),
    Case("readers-tntp-trips-1e300", ASSIGN, "trips.tntp, line 5", files=tntp(None, ("100.0;", "1e300;"))),
    Case("readers-tntp-zone-fraction", ASSIGN, "zone", files=tntp(None, ("Origin 2", "Origin 1.5"))),
    Case("readers-tntp-binary", ASSIGN, "net.tntp", files={**tntp(), "net.tntp": BINARY}),
    Case("readers-tntp-empty", ASSIGN, "END OF METADATA", files={**tntp(), "net.tntp": ""}),
    # traffic CSV
    Case("readers-csv-binary-nodes", SIMULATE, "nodes.csv", files={**csv(), "nodes.csv": BINARY}),
    Case("readers-csv-binary-links", SIMULATE, "links.csv", files={**csv(), "links.csv": BINARY}),
    Case("readers-csv-binary-trips", SIMULATE, "trips.csv", files={**csv(), "trips.csv": BINARY}),
    Case("readers-csv-latin1", SIMULATE, "nodes.csv",
         files={**csv(), "nodes.csv": b"node_id,x_m,y_m\n1,0,0\n2,500,0\n3,500,5\xe900\n"}),
    Case("readers-csv-empty-trips", SIMULATE, "trips.csv", files={**csv(), "trips.csv": ""}),
    Case("readers-csv-node-fraction", SIMULATE, "nodes.csv, line 3",
         files=csv(nodes=("2,500,0", "2.5,500,0")), note="2.5 was read as 2"),
    Case("readers-csv-trip-node-fraction", SIMULATE, "trips.csv, line 2",
         files=csv(trips=("1,3,0,2", "1,2.5,0,2"))),
    Case("readers-csv-duplicate-link-id", SIMULATE, "link_id 10 appears twice",
         files=csv(links=("11,2,1", "10,2,1")), note="accepted silently before"),
    Case("readers-csv-node-id-huge", SIMULATE, "nodes.csv, line 2",
         files=csv(nodes=("1,0,0", "1e300,0,0"))),
    Case("readers-csv-coordinate-1e300", SIMULATE, "nodes.csv, line 3",
         files=csv(nodes=("2,500,0", "2,1e300,0"))),
    Case("readers-csv-coordinate-inf", SIMULATE, "nodes.csv, line 3",
         files=csv(nodes=("2,500,0", "2,inf,0"))),
    Case("readers-csv-lanes-fraction", SIMULATE, "lanes",
         files=csv(links=("500,15,1,1800", "500,15,1.5,1800"))),
    Case("readers-csv-lanes-huge", SIMULATE, "lanes",
         files=csv(links=("500,15,1,1800", "500,15,1000000000000,1800"))),
    Case("readers-csv-count-huge", SIMULATE, "count", files=csv(trips=("1,3,0,2", "1,3,0,1000000000000"))),
    Case("readers-csv-count-fraction", SIMULATE, "count", files=csv(trips=("1,3,0,2", "1,3,0,2.5"))),
    Case("readers-csv-depart-inf", SIMULATE, "depart_time_s", files=csv(trips=("1,3,0,2", "1,3,inf,2"))),
    Case("readers-csv-depart-1e300", SIMULATE, "depart_time_s",
         files=csv(trips=("1,3,0,2", "1,3,1e300,2"))),
    Case("readers-csv-line-after-blank-lines", SIMULATE, "nodes.csv, line 5: column x_m",
         files=csv(nodes=("2,500,0", "\n\n2,x,0")), note="the line of the file, not of the rows read"),
    Case("readers-csv-length-1e300", SIMULATE, "length_m",
         files=csv(links=("10,1,2,500", "10,1,2,1e300"))),
    # OSM and GeoJSON
    Case("readers-osm-empty-pbf", ("city", "import", "e.osm.pbf", "--out", "CITY"), "not a readable OSM PBF",
         files={"e.osm.pbf": b""}),
    Case("readers-osm-binary-xml", ("city", "import", "b.osm", "--out", "CITY"), "not a readable OSM XML",
         files={"b.osm": BINARY}),
    Case("readers-osm-empty-xml", ("city", "import", "e.osm", "--out", "CITY"), "e.osm",
         files={"e.osm": ""}),
    Case("readers-osm-truncated-xml", ("city", "import", "t.osm", "--out", "CITY"), "t.osm",
         files={"t.osm": "<?xml version='1.0'?><osm version='0.6'><node id='1' lat='60.5' lon='26.9'/>"}),
    Case("readers-osm-coordinate-nan", ("city", "import", "n.osm", "--out", "CITY"), "n.osm",
         files={"n.osm": OSM_XML.format(lat="nan")}),
    Case("readers-osm-latitude-95", ("city", "import", "n.osm", "--out", "CITY"),
         "node 2 has no valid location",
         files={"n.osm": OSM_XML.format(lat="95")}),
    Case("readers-osm-junk-bz2", ("city", "import", "j.osm.bz2", "--out", "CITY"), "not a readable OSM XML",
         files={"j.osm.bz2": BINARY}),
    Case("readers-osm-junk-gz", ("city", "import", "j.osm.gz", "--out", "CITY"), "not a readable OSM XML",
         files={"j.osm.gz": b"junk"}),
    Case("readers-osm-no-elements", ("city", "import", "e.osm", "--out", "CITY"), "no drivable roads",
         files={"e.osm": "<?xml version='1.0'?><osm version='0.6'></osm>"}),
    Case("readers-geojson-not-json", IMPORT, "not a JSON file", files=zones(text="{not json")),
    Case("readers-geojson-binary", IMPORT, "zones.geojson", files={"zones.geojson": BINARY}),
    Case("readers-geojson-empty", IMPORT, "zones.geojson", files=zones(text="")),
    Case("readers-geojson-list", IMPORT, "FeatureCollection", files=zones(text="[1, 2]")),
    Case("readers-geojson-features-not-list", IMPORT, "features",
         files=zones(text='{"type": "FeatureCollection", "features": 3}')),
    Case("readers-geojson-feature-not-object", IMPORT, "feature 1",
         files=zones(text='{"type": "FeatureCollection", "features": [3]}')),
    Case("readers-geojson-population-nan", IMPORT, "population",
         files=zones(text=json.dumps({"type": "FeatureCollection", "features": [{
             "type": "Feature", "properties": {"population": float("nan")},
             "geometry": {"type": "Polygon", "coordinates": [RING]}}]}))),
    Case("readers-geojson-population-inf", IMPORT, "population",
         files=zones(text=json.dumps({"type": "FeatureCollection", "features": [{
             "type": "Feature", "properties": {"population": float("inf")},
             "geometry": {"type": "Polygon", "coordinates": [RING]}}]}))),
    Case("readers-geojson-coordinate-nan", IMPORT, "feature 1",
         files=zones(text=json.dumps({"type": "FeatureCollection", "features": [{
             "type": "Feature", "properties": {},
             "geometry": {"type": "Polygon", "coordinates": [[[float("nan"), 60.5], *RING[1:]]]}}]}))),
    Case("readers-geojson-coordinates-strings", IMPORT, "feature 1",
         files=zones(coordinates=[[["a", "b"], ["c", "d"], ["e", "f"], ["a", "b"]]])),
    Case("readers-geojson-population-huge-int", IMPORT, "population",
         files=zones(text='{"type": "FeatureCollection", "features": [{"type": "Feature", '
                     '"properties": {"population": 1' + "0" * 400 + '}, "geometry": '
                     + json.dumps({"type": "Polygon", "coordinates": [RING]}) + "}]}")),
    Case("readers-geojson-digits-over-python-limit", IMPORT, "not a JSON file",
         files=zones(text='{"type": "FeatureCollection", "features": [{"properties": {"jobs": 1'
                     + "0" * 5000 + "}}]}")),
    Case("readers-geojson-nested-deeply", IMPORT, "zones.geojson", files=zones(text="[" * 100_000)),
    Case("readers-geojson-geometry-string", IMPORT, "feature 1",
         files=zones(text='{"type": "FeatureCollection", "features": [{"type": "Feature", '
                     '"properties": {}, "geometry": "Polygon"}]}')),
    Case("readers-geojson-polygon-without-coordinates", IMPORT, "feature 1: broken Polygon coordinates",
         files=zones(text='{"type": "FeatureCollection", "features": [{"type": "Feature", '
                     '"properties": {}, "geometry": {"type": "Polygon"}}]}'), note="found by the fuzz test"),
    Case("readers-geojson-properties-list", IMPORT, "feature 1",
         files=zones(text=json.dumps({"type": "FeatureCollection", "features": [{
             "type": "Feature", "properties": [1],
             "geometry": {"type": "Polygon", "coordinates": [RING]}}]}))),
]
