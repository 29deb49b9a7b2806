"""Export: GeoJSON layers (checked against pyproj's inverse), SUMO plain XML and MATSim network."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from twin.city import RoadNetwork
from twin.city.io import export_geojson, export_matsim, export_sumo, save_city_folder
from twin.cli import main

pyrosm = pytest.importorskip("pyrosm")


@pytest.fixture(scope="module")
def imported():
    from twin.city.io import import_osm

    return import_osm(pyrosm.get_data("test_pbf"))


def test_geojson_layers_in_wgs84(imported, tmp_path):
    import pyproj

    city, report = imported
    out = export_geojson(city, tmp_path / "gj", crs_wkt=report.crs_wkt)
    layers = {p.name: json.loads(p.read_text()) for p in out.iterdir()}
    assert sorted(layers) == ["buildings.geojson", "districts.geojson", "facilities.geojson",
                              "network.geojson", "zones.geojson"]
    net = layers["network.geojson"]["features"]
    assert len(net) == city.network.n_links
    assert all(f["geometry"]["type"] == "LineString" for f in net)
    # projecting the exported lon/lat back gives the node coordinates to the centimetre
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS.from_wkt(report.crs_wkt), always_xy=True)
    start = np.array([f["geometry"]["coordinates"][0] for f in net])
    x, y = to_xy.transform(start[:, 0], start[:, 1])
    assert np.abs(x - city.network.node_x[city.network.link_from]).max() < 0.01
    assert np.abs(y - city.network.node_y[city.network.link_from]).max() < 0.01
    w, s, e, n = report.lonlat_bounds
    assert w - 0.01 < start[:, 0].min() and start[:, 0].max() < e + 0.01
    zones = layers["zones.geojson"]["features"]
    assert sum(f["properties"]["population"] for f in zones) == city.zones.population.sum()
    assert len(layers["buildings.geojson"]["features"]) == len(city.buildings)
    ring = layers["buildings.geojson"]["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]  # GeoJSON rings are closed
    assert "twin:coordinates" not in layers["network.geojson"]


def test_seed_city_exports_in_local_metres(testville, tmp_path):
    out = export_geojson(testville, tmp_path / "tv")
    doc = json.loads((out / "network.geojson").read_text())
    assert doc["twin:coordinates"] == "local metres"
    assert len(doc["features"]) == testville.network.n_links


def test_matsim_network_reads_back(testville, tmp_path):
    path = export_matsim(testville, tmp_path / "network.xml")
    root = ET.parse(path).getroot()
    assert root.tag == "network"
    nodes = {n.get("id"): (float(n.get("x")), float(n.get("y"))) for n in root.iter("node")}
    links = list(root.iter("link"))
    assert len(nodes) == testville.network.n_nodes and len(links) == testville.network.n_links
    ids = list(nodes)
    net = RoadNetwork.from_arrays(
        node_x=[nodes[i][0] for i in ids], node_y=[nodes[i][1] for i in ids],
        link_from=[ids.index(link.get("from")) for link in links],
        link_to=[ids.index(link.get("to")) for link in links],
        length_m=[float(link.get("length")) for link in links],
        free_speed_mps=[float(link.get("freespeed")) for link in links],
        lanes=[float(link.get("permlanes")) for link in links],
        capacity_vph=[float(link.get("capacity")) for link in links],
    )
    orig = testville.network
    np.testing.assert_array_equal(net.link_from, orig.link_from)
    np.testing.assert_array_equal(net.link_to, orig.link_to)
    np.testing.assert_allclose(net.link_length_m, orig.link_length_m, atol=0.005)
    np.testing.assert_allclose(net.link_capacity_vph, orig.link_capacity_vph, atol=0.05)
    assert root.find("links").get("capperiod") == "01:00:00"


def test_sumo_plain_files(testville, tmp_path):
    nod, edg = export_sumo(testville, tmp_path / "sumo" / "tv")
    nodes = ET.parse(nod).getroot().findall("node")
    edges = ET.parse(edg).getroot().findall("edge")
    assert len(nodes) == testville.network.n_nodes and len(edges) == testville.network.n_links
    named = [e for e in edges if e.get("name")]
    assert len(named) == int((testville.network.link_road >= 0).sum())
    e0 = edges[0]
    assert float(e0.get("speed")) == pytest.approx(testville.network.link_free_speed_mps[0], abs=1e-3)


def test_export_cli(imported, tmp_path, capsys):
    city, report = imported
    save_city_folder(city, tmp_path / "c", crs_wkt=report.crs_wkt)
    assert main(["city", "export", str(tmp_path / "c"), "--geojson", str(tmp_path / "gj"),
                 "--sumo", str(tmp_path / "s"), "--matsim", str(tmp_path / "m.xml")]) == 0
    assert "WGS84" in capsys.readouterr().out
    assert (tmp_path / "gj" / "network.geojson").is_file() and (tmp_path / "s.edg.xml").is_file()
    assert main(["city", "export", str(tmp_path / "c")]) == 2
    assert "at least one of" in capsys.readouterr().err


def test_sumo_netconvert_accepts_the_plain_files(imported, tmp_path):
    """SUMO's own netconvert validates the files against its XML schemas and builds a network."""
    sumo = pytest.importorskip("sumo")  # the eclipse-sumo wheel
    city, _ = imported
    nod, edg = export_sumo(city, tmp_path / "s")
    env = {**os.environ, "SUMO_HOME": sumo.SUMO_HOME}
    command = [os.path.join(sumo.SUMO_HOME, "bin", "netconvert"), "--xml-validation", "auto",
               "--node-files", str(nod), "--edge-files", str(edg), "-o", str(tmp_path / "n.net.xml")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    net = ET.parse(tmp_path / "n.net.xml").getroot()
    edges = [e for e in net.findall("edge") if not e.get("id").startswith(":")]
    assert len(edges) == city.network.n_links
    lengths = {e.get("id"): float(e.get("length") or e.find("lane").get("length")) for e in edges}
    np.testing.assert_allclose([lengths[f"e{k}"] for k in range(city.network.n_links)],
                               city.network.link_length_m, atol=0.01)
