"""`twin city import` on bad input: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pyrosm = pytest.importorskip("pyrosm")
osmium = pytest.importorskip("osmium")

from twin.cli import main  # noqa: E402


def run_import(tmp_path, capsys, *args):
    out = tmp_path / "out" / "city"
    try:
        code = main(["city", "import", *map(str, args), "--out", str(out)])
    except SystemExit as exc:  # argparse: a bad option value is a usage error
        code = exc.code
    err = capsys.readouterr().err
    return code, err, out


def assert_refused(code, err, out, message):
    assert code == 2
    assert err.startswith("twin: error:") and err.count("\n") == 1, err
    assert message in err
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())  # no half-written temp folder


def no_roads_extract(path):
    from osmium.osm.mutable import Node, Way

    with osmium.SimpleWriter(str(path)) as w:
        for i in range(1, 5):
            w.add_node(Node(id=i, location=(26.9 + 0.001 * (i % 2), 60.5 + 0.001 * (i // 3))))
        w.add_way(Way(id=1, nodes=[1, 2, 4, 3, 1], tags={"building": "yes"}))
        w.add_way(Way(id=2, nodes=[1, 4], tags={"highway": "footway"}))
    return path


def test_the_sample_imports(tmp_path, capsys):
    code, err, out = run_import(tmp_path, capsys, pyrosm.get_data("test_pbf"))
    assert code == 0 and (out / "city.json").is_file()
    header = json.loads((out / "city.json").read_text())
    assert header["import_report"]["network"]["links_out"] == 469
    assert "PROJCRS" in header["crs_wkt"]


def test_missing_file(tmp_path, capsys):
    assert_refused(*run_import(tmp_path, capsys, tmp_path / "nope.osm.pbf"), "no such OSM file")


@pytest.mark.parametrize(("name", "content"), [("junk.osm.pbf", b"this is not protobuf" * 50),
                                               ("empty.osm.pbf", b"")])
def test_corrupt_pbf(tmp_path, capsys, name, content):
    (tmp_path / name).write_bytes(content)
    assert_refused(*run_import(tmp_path, capsys, tmp_path / name), "not a readable OSM PBF file")


def test_truncated_pbf(tmp_path, capsys):
    data = Path(pyrosm.get_data("test_pbf")).read_bytes()
    (tmp_path / "cut.osm.pbf").write_bytes(data[: len(data) // 2])
    assert_refused(*run_import(tmp_path, capsys, tmp_path / "cut.osm.pbf"), "not a readable OSM PBF file")


def test_corrupt_xml(tmp_path, capsys):
    (tmp_path / "bad.osm").write_text("<osm><node id='1' lat='x'")
    assert_refused(*run_import(tmp_path, capsys, tmp_path / "bad.osm"), "not a readable OSM XML file")


def test_unknown_suffix(tmp_path, capsys):
    (tmp_path / "city.shp").write_bytes(b"x")
    assert_refused(*run_import(tmp_path, capsys, tmp_path / "city.shp"), "unknown OSM file type")


def test_no_drivable_roads(tmp_path, capsys):
    path = no_roads_extract(tmp_path / "paths.osm.pbf")
    assert_refused(*run_import(tmp_path, capsys, path), "has no drivable roads")


def test_zones_that_are_not_polygons(tmp_path, capsys):
    zones = tmp_path / "z.geojson"
    zones.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[26.93, 60.52], [26.96, 60.53]]}}]}))
    assert_refused(*run_import(tmp_path, capsys, pyrosm.get_data("test_pbf"), "--zones", zones),
                   "is a LineString; expected Polygon or MultiPolygon")


def test_zones_far_from_the_network(tmp_path, capsys):
    zones = tmp_path / "z.geojson"
    ring = [[111.5, 24.4], [111.6, 24.4], [111.6, 24.5], [111.5, 24.5], [111.5, 24.4]]
    zones.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "hezhou"}, "geometry": {"type": "Polygon",
                                                                           "coordinates": [ring]}}]}))
    assert_refused(*run_import(tmp_path, capsys, pyrosm.get_data("test_pbf"), "--zones", zones),
                   "no zone overlaps the road network")


@pytest.mark.parametrize(("args", "message"), [
    (["--bbox", "27", "60", "26", "61"], "expected WEST SOUTH EAST NORTH"),
    (["--time-step", "0"], "argument --time-step: must be > 0"),
    (["--grid", "inf"], "argument --grid: must be a finite number"),
    (["--bbox", "nan", "60", "27", "61"], "argument --bbox: must be a finite number"),
    (["--crs", "EPSG:999999"], "not a coordinate reference system"),
])
def test_bad_options(tmp_path, capsys, args, message):
    assert_refused(*run_import(tmp_path, capsys, pyrosm.get_data("test_pbf"), *args), message)


def test_bbox_without_roads(tmp_path, capsys):
    assert_refused(*run_import(tmp_path, capsys, pyrosm.get_data("test_pbf"), "--bbox", "10", "10", "10.1",
                               "10.1"), "no drivable roads inside --bbox")
