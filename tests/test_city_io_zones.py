"""Zones from GeoJSON polygons or a grid; facilities from GeoJSON points; their bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

pyrosm = pytest.importorskip("pyrosm")

from twin.city.io import import_osm  # noqa: E402
from twin.errors import TwinInputError  # noqa: E402

W, S, E, N = 26.9301, 60.5201, 26.9698, 60.5399  # the sample extract's bounds


def box(w, s, e, n):
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def write(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": p} for g, p in features]}))
    return path


@pytest.fixture(scope="module")
def sample_path():
    return pyrosm.get_data("test_pbf")


def test_polygon_zones_carry_their_properties(sample_path, tmp_path):
    mid = (W + E) / 2
    zones = write(tmp_path / "z.geojson", [
        (box(W, S, mid, N), {"name": "west", "population": 12000, "jobs": 3000, "district": "old"}),
        (box(mid, S, E, N), {"name": "east", "population": 8000, "jobs": 5000, "district": "new"}),
    ])
    city, report = import_osm(sample_path, zones=zones)
    assert city.zones.name == ("west", "east")
    assert city.zones.population.tolist() == [12000, 8000]
    assert city.zones.jobs.tolist() == [3000, 5000]
    assert city.districts.name == ("new", "old")
    assert [city.districts.name[d] for d in city.zones.district] == ["old", "new"]
    # residents and jobs placed in buildings add up exactly to the zones' figures
    b = city.buildings
    assert np.bincount(b.zone, weights=b.residents, minlength=2).tolist() == [12000, 8000]
    assert b.jobs.sum() == 8000
    # zone areas are those of the boxes in metres (about 1.08 km x 2.2 km each)
    assert np.allclose(city.zones.area_m2, city.zones.area_m2[0], rtol=0.01)
    assert 2.0e6 < city.zones.area_m2[0] < 2.8e6
    assert report.zoning.estimated == ()
    assert city.zones.x[0] < 0 < city.zones.x[1]  # x grows eastwards from the extract's centre


def test_zones_without_figures_are_estimated(sample_path, tmp_path):
    zones = write(tmp_path / "z.geojson", [(box(W - 0.01, S - 0.01, E + 0.01, N + 0.01), {"name": "all"})])
    city, report = import_osm(sample_path, zones=zones)
    grid, _ = import_osm(sample_path)
    assert report.zoning.estimated == ("population", "jobs") and report.zoning.buildings_outside == 0
    # the same buildings, so the same estimate as the grid's, within rounding per zone
    assert abs(int(city.zones.population.sum()) - int(grid.zones.population.sum())) <= len(grid.zones)


def test_grid_zones_cover_network_and_buildings(sample_path):
    city, report = import_osm(sample_path, grid_m=500.0)
    assert report.zoning.source == "grid" and len(city.zones) > 9
    assert np.all(city.zones.area_m2 == 250_000.0)
    assert report.zoning.buildings_outside == 0


@pytest.mark.parametrize(("features", "message"), [
    ([({"type": "Point", "coordinates": [26.95, 60.53]}, {})], "feature 1 is a Point; expected Polygon"),
    ([(box(W, S, E, N), {"population": 5}), (box(W, S, E, N), {})], "feature 2 has no population"),
    ([(box(W, S, E, N), {"population": -5})], "population must be >= 0"),
    ([(box(400000, 6700000, 401000, 6701000), {})], "not longitude/latitude"),
    ([(box(W + 1, S + 1, E + 1, N + 1), {"population": 10, "jobs": 1})], "no zone overlaps the road network"),
])
def test_bad_zone_files(sample_path, tmp_path, features, message):
    with pytest.raises(TwinInputError, match=message):
        import_osm(sample_path, zones=write(tmp_path / "z.geojson", features))


def test_bad_zone_file_types(sample_path, tmp_path):
    (tmp_path / "a.geojson").write_text("{not json")
    with pytest.raises(TwinInputError, match="not a JSON file"):
        import_osm(sample_path, zones=tmp_path / "a.geojson")
    (tmp_path / "b.geojson").write_text(json.dumps({"type": "Feature"}))
    with pytest.raises(TwinInputError, match="FeatureCollection"):
        import_osm(sample_path, zones=tmp_path / "b.geojson")


def test_facility_points_are_added(sample_path, tmp_path):
    path = write(tmp_path / "f.geojson", [
        ({"type": "Point", "coordinates": [26.95, 60.53]}, {"kind": "hospital", "capacity": 80}),
        (box(26.94, 60.52, 26.941, 60.521), {"kind": "waste_depot", "name": "Depot"}),
    ])
    city, _ = import_osm(sample_path, facilities=path)
    assert city.facilities.counts()["hospital"] == 1 and city.facilities.counts()["waste_depot"] == 1
    h = city.facilities.of_kind("hospital")[0]
    assert city.facilities.capacity[h] == 80.0
    assert city.facilities.name[city.facilities.of_kind("waste_depot")[0]] == "Depot"


def test_unknown_facility_kind_suggests(sample_path, tmp_path):
    path = write(tmp_path / "f.geojson", [({"type": "Point", "coordinates": [26.95, 60.53]},
                                          {"kind": "hospitel"})])
    with pytest.raises(TwinInputError, match="did you mean 'hospital'"):
        import_osm(sample_path, facilities=path)
