"""Named arterials (issue 17): Babu's real trunk roads carry their names on the generated network,
and naming them changes nothing else (twin/city/named_arterials.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from twin.city.generate import generate_city
from twin.city.named_arterials import MAX_TURN_DEG
from twin.city.network import LINK_CLASSES
from twin.city.seedfile import NamedArterialSpec, load_seed
from twin.city.terrain import polyline_distance_m
from twin.errors import CityError
from twin.traffic.transit import road_links

BABU = ("Hezhou Avenue", "Jianshe Road", "Ping'an East Road")


@pytest.fixture(scope="module")
def hezhou():
    """The seed, the city as shipped, and the same seed generated without its named arterials."""
    spec, digest = load_seed("hezhou")
    return (spec, generate_city(spec, source_hash=digest),
            generate_city(dataclasses.replace(spec, named_arterials=()), source_hash=digest))


def _problems(net, road: np.ndarray, code: int, street: NamedArterialSpec) -> list[str]:
    """Why the links with road code ``code`` are not one two-way chain of arterial links along
    ``street``'s path (empty: they are)."""
    links = np.flatnonzero(road == code)
    if links.size == 0:
        return ["names no link"]
    found = []
    if np.any(net.link_class[links] != LINK_CLASSES.index("arterial")):
        found.append("names links that are not arterials")
    path = np.asarray(street.path, dtype=np.float64)
    a = np.column_stack([net.node_x[net.link_from[links]], net.node_y[net.link_from[links]]])
    b = np.column_stack([net.node_x[net.link_to[links]], net.node_y[net.link_to[links]]])
    if max(polyline_distance_m(a, path)[0].max(), polyline_distance_m(b, path)[0].max()) > street.snap_m:
        found.append("names links farther than snap_m from the path")
    _, segment = polyline_distance_m(0.5 * (a + b), path)
    along = path[segment + 1] - path[segment]
    cos = np.abs(np.einsum("mk,mk->m", b - a, along)) / (np.hypot(*(b - a).T) * np.hypot(*along.T))
    if np.any(cos < np.cos(np.radians(MAX_TURN_DEG)) - 1e-12):
        found.append(f"names links more than {MAX_TURN_DEG:g} degrees off the path")
    n = net.n_nodes
    graph = coo_matrix((np.ones(links.size), (net.link_from[links], net.link_to[links])), shape=(n, n))
    pieces = connected_components(graph, directed=False)[1][net.link_from[links]]
    if np.unique(pieces).size != 1:
        found.append("is not one connected chain")
    both = set(zip(net.link_from[links].tolist(), net.link_to[links].tolist(), strict=True))
    if any((t, f) not in both for f, t in both):
        found.append("names one direction of a two-way street only")
    return found


def test_babu_arterials_are_named_each_one_chain_of_arterials_along_its_path(hezhou):
    spec, city, _ = hezhou
    net = city.network
    assert [s.name for s in spec.named_arterials] == list(BABU)
    for street in spec.named_arterials:
        code = net.road_names.index(street.name)
        assert _problems(net, net.link_road, code, street) == [], street.name
    km = {name: city.named_roads()[name]["km"] for name in BABU}
    assert km["Hezhou Avenue"] > 5.0  # a trunk road through the whole of Babu, north to south
    assert 1.2 <= km["Ping'an East Road"] <= 2.0  # published: 1.657 km


def test_the_chain_check_fails_on_naming_every_link_near_the_path(hezhou):
    """The wrong rule the check above rejects: every unnamed link with both ends within snap_m,
    whatever its class and direction, names collectors and locals that cross the road, and
    side pieces that do not join its chain."""
    spec, city, _ = hezhou
    net = city.network
    xy = np.column_stack([net.node_x, net.node_y])
    for street in spec.named_arterials:
        path = np.asarray(street.path, dtype=np.float64)
        near = polyline_distance_m(xy, path)[0] <= street.snap_m
        wrong = np.where(near[net.link_from] & near[net.link_to] & (net.link_road < 0), -2, net.link_road)
        problems = _problems(net, wrong, -2, street)
        assert "names links that are not arterials" in problems, street.name
        assert f"names links more than {MAX_TURN_DEG:g} degrees off the path" in problems, street.name


def test_naming_changes_no_array_but_the_road_codes(hezhou):
    """Hezhou with and without its named arterials: every array of the network, zones, buildings
    and facilities is the same bit for bit except the links' road codes; highways and bridges keep
    their links; only unnamed arterial links get a new name. Fails on a generator that draws a
    random number for the names or moves a link onto the path."""
    _, city, plain = hezhou
    for part in ("network", "zones", "buildings", "facilities"):
        for name, value in vars(getattr(city, part)).items():
            if isinstance(value, np.ndarray) and name != "link_road":
                assert np.array_equal(value, vars(getattr(plain, part))[name]), f"{part}.{name}"
    new, old = city.network.link_road, plain.network.link_road
    assert city.network.road_names[:len(plain.network.road_names)] == plain.network.road_names
    assert np.array_equal(new[old >= 0], old[old >= 0])
    renamed = new != old
    assert np.all(city.network.link_class[renamed] == LINK_CLASSES.index("arterial"))
    assert np.all(new[renamed] >= len(plain.network.road_names))


def test_testville_with_a_named_arterial_is_the_same_city():
    """Testville (grid layout) names one of its straight arterials; nothing else changes."""
    spec, digest = load_seed("testville")
    plain = generate_city(spec, source_hash=digest)
    net = plain.network
    k = int(np.flatnonzero((net.link_class == LINK_CLASSES.index("arterial")) & (net.link_road < 0))[0])
    a = np.array([net.node_x[net.link_from[k]], net.node_y[net.link_from[k]]])
    b = np.array([net.node_x[net.link_to[k]], net.node_y[net.link_to[k]]])
    step = 800.0 * (b - a) / np.hypot(*(b - a))
    street = NamedArterialSpec(name="Test Avenue", path=(tuple(a - step), tuple(b + step)), snap_m=50.0)
    named = generate_city(dataclasses.replace(spec, named_arterials=(street,)), source_hash=digest)
    for part in ("network", "zones", "buildings", "facilities"):
        for name, value in vars(getattr(named, part)).items():
            if isinstance(value, np.ndarray) and name != "link_road":
                assert np.array_equal(value, vars(getattr(plain, part))[name]), f"{part}.{name}"
    code = named.network.road_names.index("Test Avenue")
    assert _problems(named.network, named.network.link_road, code, street) == []
    assert named.network.link_road[k] == code


def test_of_two_pieces_along_the_path_the_longer_is_named():
    """Testville's arterial at y = -800 m is cut by the river (no bridge there): a path along the
    whole of it finds two pieces and names the longer one only. Fails on a rule without the
    longest chain (it names both pieces, not one chain: a bus line along the road cannot run)."""
    spec, digest = load_seed("testville")
    street = NamedArterialSpec(name="South Avenue", path=((-1300.0, -800.0), (1100.0, -800.0)), snap_m=50.0)
    net = generate_city(dataclasses.replace(spec, named_arterials=(street,)), source_hash=digest).network
    code = net.road_names.index("South Avenue")
    assert _problems(net, net.link_road, code, street) == []
    y_from, y_to = net.node_y[net.link_from], net.node_y[net.link_to]
    on_line = ((np.abs(y_from + 800.0) < 1.0) & (np.abs(y_to + 800.0) < 1.0)
               & (net.link_class == LINK_CLASSES.index("arterial")))
    assert "is not one connected chain" in _problems(net, np.where(on_line, -2, net.link_road), -2, street)
    named = net.link_road == code
    assert net.link_length_m[named].sum() > net.link_length_m[on_line & ~named].sum() > 0


def test_bridges_keep_their_names_and_collectors_get_none():
    """A path along Testville's y = 0 arterial, over the Test Bridge, names the arterial beside the
    bridge and leaves the bridge its name (fails on a rule that renames named links); a path along
    a collector (y = 400 m) names nothing and is an error (fails on a rule blind to the class)."""
    spec, digest = load_seed("testville")
    plain = generate_city(spec, source_hash=digest).network
    street = NamedArterialSpec(name="Bridge Street", path=((-1300.0, 0.0), (1100.0, 0.0)), snap_m=50.0)
    net = generate_city(dataclasses.replace(spec, named_arterials=(street,)), source_hash=digest).network
    assert np.array_equal(net.links_of_road("Test Bridge"), plain.links_of_road("Test Bridge"))
    assert _problems(net, net.link_road, net.road_names.index("Bridge Street"), street) == []
    collector = NamedArterialSpec(name="Collector Street", path=((-1300.0, 400.0), (1100.0, 400.0)),
                                  snap_m=100.0)
    on_it = plain.link_class[(np.abs(plain.node_y[plain.link_from] - 400.0) < 100.0)
                             & (np.abs(plain.node_y[plain.link_to] - 400.0) < 100.0)]
    assert set(on_it.tolist()) == {LINK_CLASSES.index("collector")}  # the path has collectors only
    with pytest.raises(CityError, match="'Collector Street': its path names no link"):
        generate_city(dataclasses.replace(spec, named_arterials=(collector,)), source_hash=digest)


def test_a_bus_lane_on_jianshe_road_is_accepted(hezhou):
    _, city, plain = hezhou
    mask = road_links(city.network, ("Jianshe Road",), "traffic.modes.bus_lanes")
    assert mask.sum() == city.network.links_of_road("Jianshe Road").size > 0
    with pytest.raises(Exception, match="no road named 'Jianshe Road'"):
        road_links(plain.network, ("Jianshe Road",), "traffic.modes.bus_lanes")


def test_a_path_that_names_no_link_is_one_line_naming_the_street(hezhou):
    spec, _, _ = hezhou
    lost = NamedArterialSpec(name="Nowhere Road", path=((20000.0, 20000.0), (21000.0, 20000.0)))
    message = r"named_arterials\[0\] 'Nowhere Road': its path names no link"
    with pytest.raises(CityError, match=message) as info:
        generate_city(dataclasses.replace(spec, named_arterials=(lost,)))
    assert "\n" not in str(info.value) and "raise snap_m" in str(info.value)
