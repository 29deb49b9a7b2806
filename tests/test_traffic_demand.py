"""Demand: gravity destination choice, trip counts, departures and CSV input errors."""

from __future__ import annotations

import numpy as np
import pytest

from twin.errors import TwinInputError
from twin.kernels.shortest_path import travel_time_matrix
from twin.traffic import generate_trips, gravity_probabilities, read_network_csv, read_trips_csv
from twin.traffic.connectors import connector_sets, origin_sets
from twin.traffic.demand import HOURLY_PROFILE


def test_gravity_probabilities_follow_the_formula():
    jobs = np.array([10.0, 0.0, 30.0])
    t = np.array([[0.0, 60.0, 120.0], [60.0, 0.0, np.inf], [120.0, 60.0, 0.0]])
    p = gravity_probabilities(jobs, t, 0.5)
    expected = np.array([10 * np.exp(0.0), 0.0, 30 * np.exp(-1.0)])
    np.testing.assert_allclose(p[0], expected / expected.sum())
    assert p[1].tolist() == [1.0, 0.0, 0.0]  # unreachable zone 2 gets nothing
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def _skim(city):
    return travel_time_matrix(city.network, city.network.free_flow_time_s, city.zones.node, city.zones.node)


def _places(city):
    """Where the zones' trips start and end (residential building nodes, six connectors)."""
    return {"origins": origin_sets(city), "connectors": connector_sets(city, 6)}


def test_trip_counts_departures_and_destinations(testville):
    skim = _skim(testville)
    rng = np.random.default_rng(5)
    trips, dropped = generate_trips(
        testville, testville.zones.population, testville.zones.jobs, skim, trip_rate=2.0, platoon=1, rng=rng,
        **_places(testville),
    )
    expected = testville.zones.population.sum() * 2.0
    assert abs(len(trips) + dropped - expected) < 4 * np.sqrt(expected)
    assert trips.depart_s.min() >= 0 and trips.depart_s.max() < 86_400
    # departures follow the hourly profile
    share = np.bincount((trips.depart_s // 3600).astype(int), minlength=24) / len(trips)
    np.testing.assert_allclose(share, np.array(HOURLY_PROFILE) / sum(HOURLY_PROFILE), atol=0.01)
    # destinations are zones; trips never start at a connector of their destination zone
    assert trips.destination.min() >= 0 and trips.destination.max() < len(testville.zones)
    assert not _places(testville)["connectors"].contains(trips.destination, trips.origin).any()


def test_period_restricts_departures_and_scale_multiplies(testville):
    skim = _skim(testville)
    args = dict(trip_rate=1.0, platoon=1, **_places(testville))
    day, _ = generate_trips(
        testville,
        testville.zones.population,
        testville.zones.jobs,
        skim,
        rng=np.random.default_rng(1),
        **args,
    )
    morning, _ = generate_trips(
        testville,
        testville.zones.population,
        testville.zones.jobs,
        skim,
        period_s=6 * 3600.0,
        scale=2.0,
        rng=np.random.default_rng(1),
        **args,
    )
    assert morning.depart_s.max() < 6 * 3600.0
    share = sum(HOURLY_PROFILE[:6]) / sum(HOURLY_PROFILE)
    assert len(morning) == pytest.approx(2.0 * share * len(day), rel=0.15)


def test_platoons_divide_the_row_count(testville):
    skim = _skim(testville)
    trips, dropped = generate_trips(
        testville,
        testville.zones.population,
        testville.zones.jobs,
        skim,
        trip_rate=1.0,
        platoon=5,
        rng=np.random.default_rng(2),
        **_places(testville),
    )
    assert (trips.count == 5).all()
    # with the platoons dropped as starting at a connector of their destination zone
    assert trips.vehicles + 5 * dropped == pytest.approx(testville.zones.population.sum(), rel=0.05)


@pytest.fixture
def grid_files(tmp_path, reference_data):
    folder = reference_data / "traffic_grid"
    return folder / "grid10x10_nodes.csv", folder / "grid10x10_links.csv", tmp_path


def test_malformed_csv_names_file_and_line(grid_files):
    nodes, links, tmp = grid_files
    bad = tmp / "links.csv"
    lines = links.read_text().splitlines()
    lines[3] = lines[3].replace("1000.0", "abc", 1)
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(TwinInputError, match=r"links\.csv, line 4: column length_m is 'abc'"):
        read_network_csv(nodes, bad)
    lines = links.read_text().splitlines()
    lines[5] = lines[5].replace(",20.0,", ",0,", 1)
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(TwinInputError, match=r"line 6: column free_speed_mps must be > 0"):
        read_network_csv(nodes, bad)
    lines = links.read_text().splitlines()
    lines[2] = "1,0,999,1000.0,20.0,1,2880.0,0.2"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(TwinInputError, match=r"line 3: to_node 999 is not in"):
        read_network_csv(nodes, bad)


def test_trips_to_missing_nodes_and_missing_columns(grid_files):
    nodes, links, tmp = grid_files
    net = read_network_csv(nodes, links)
    trips = tmp / "trips.csv"
    trips.write_text("origin,destination,depart_time_s\n0,5,0\n3,500,10\n")
    with pytest.raises(TwinInputError, match=r"trips\.csv, line 3: destination 500 is not a node"):
        read_trips_csv(trips, net, nodes)
    trips.write_text("origin,depart_time_s\n0,0\n")
    with pytest.raises(TwinInputError, match="missing column"):
        read_trips_csv(trips, net, nodes)


def test_cli_simulate_bad_input_exits_2(grid_files, capsys):
    from twin.cli import main

    nodes, links, tmp = grid_files
    trips = tmp / "trips.csv"
    trips.write_text("origin,destination,depart_time_s,count\n0,5,x,1\n")
    rc = main(["traffic", "simulate", "--nodes", str(nodes), "--links", str(links), "--trips", str(trips)])
    assert rc == 2
    assert "line 2: column depart_time_s is 'x'" in capsys.readouterr().err


def test_cli_simulate_json(grid_files, capsys):
    import json

    from twin.cli import main

    nodes, links, tmp = grid_files
    trips = tmp / "trips.csv"
    trips.write_text("origin,destination,depart_time_s,count\n0,99,0,5\n99,0,10,3\n")
    assert (
        main(
            [
                "traffic",
                "simulate",
                "--nodes",
                str(nodes),
                "--links",
                str(links),
                "--trips",
                str(trips),
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["trips"] == 8 and out["completed"] == 8
    assert out["mean_travel_time_s"] == pytest.approx(18 * 50.0, abs=5.0)
    assert {"total_travel_time_s", "seconds"} <= set(out)


def test_zone_trip_factors_scale_a_zones_trips_and_leave_the_draws_alone_without_them(testville):
    """``traffic.zone_trip_factor``: no factor (None) and factors of 1 draw the very same trips;
    a zone's factor of 3 triples its trips (district names reach every zone of the district, a
    zone's own factor wins); 0 sends none."""
    from twin.errors import ScenarioError
    from twin.traffic.demand import zone_trip_factors

    assert zone_trip_factors(testville, {}) is None
    zones = list(testville.zones.name)
    ones = zone_trip_factors(testville, {"old_town": 1.0, "new_town": 1.0})
    assert ones.tolist() == [1.0] * len(zones)
    mixed = zone_trip_factors(testville, {"old_town-002": 0.5, "old_town": 2.0})
    old = testville.zones.district == testville.districts.index("old_town")
    assert mixed[zones.index("old_town-002")] == 0.5 and (mixed[old].sum() == 2.0 * old.sum() - 1.5)
    assert (mixed[~old] == 1.0).all()
    with pytest.raises(ScenarioError, match=r"zone_trip_factor.old_twn': no district or zone named 'old_twn' "
                                            r"\(did you mean 'old_town'\?\)"):
        zone_trip_factors(testville, {"old_twn": 2.0})
    skim = _skim(testville)
    places = _places(testville)
    target = zones.index("new_town-002")
    start = places["origins"].start
    own = set(places["origins"].node[start[target]:start[target + 1]].tolist())
    others = set(places["origins"].node[np.r_[0:start[target], start[target + 1]:start[-1]]].tolist())
    only = own - others  # origin nodes of the target zone alone
    assert only

    def draw(factor, seed=3):
        return generate_trips(testville, testville.zones.population, testville.zones.jobs, skim,
                              trip_rate=2.0, platoon=1, rng=np.random.default_rng(seed), zone_factor=factor,
                              **places)[0]

    plain = draw(None)
    same = draw(ones)
    for column in ("origin", "destination", "depart_s"):
        np.testing.assert_array_equal(getattr(plain, column), getattr(same, column))
    factor = np.ones(len(zones))
    factor[target] = 3.0
    sent = [np.isin(draw(f, seed).origin, list(only)).sum() for f, seed in ((None, 4), (factor, 5))]
    assert sent[1] == pytest.approx(3.0 * sent[0], rel=0.2)
    factor[target] = 0.0
    assert not np.isin(draw(factor).origin, list(only)).any()


def test_each_zone_draws_from_its_own_stream(testville):
    """Common random numbers per zone: tripling one district's demand leaves every platoon of the
    other district's zones bitwise the same (origin, destination, departure), and the draws are
    reproducible. Wrong model rejected: one stream for all zones (today's zone order, a zone's extra
    trips shift every later zone's draws) would change the other district's platoons."""
    from twin.traffic.demand import generate_trips, zone_trip_factors

    skim, places = _skim(testville), _places(testville)
    old = testville.zones.district == testville.districts.index("old_town")
    start = places["origins"].start

    def nodes(district):
        node = places["origins"].node
        return {int(n) for z in np.flatnonzero(district) for n in node[start[z]:start[z + 1]]}

    old_only, new_only = list(nodes(old) - nodes(~old)), list(nodes(~old) - nodes(old))  # a node's district

    def draw(factors):
        trips = generate_trips(testville, testville.zones.population, testville.zones.jobs, skim,
                               trip_rate=2.0, platoon=1, rng=np.random.default_rng(7),
                               zone_factor=zone_trip_factors(testville, factors), **places)[0]
        rows = np.isin(trips.origin, new_only)
        return (np.stack([trips.origin[rows], trips.destination[rows]]), trips.depart_s[rows],
                int(np.isin(trips.origin, old_only).sum()))

    base, boosted, again = draw({}), draw({"old_town": 3.0}), draw({})
    assert boosted[2] == pytest.approx(3.0 * base[2], rel=0.1)  # the boosted district's own trips
    for a, b in ((base, boosted), (base, again)):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert len(base[1]) > 100 and old_only
    assert not np.array_equal(draw({"new_town": 1.5})[1], base[1])  # the comparison sees a change
    # raising a zone's demand keeps its platoons and adds new ones after them
    zone = np.flatnonzero(~old)[0]
    name = testville.zones.name[zone]
    alone = list(nodes(np.arange(len(old)) == zone) - nodes(np.arange(len(old)) != zone))

    def own(factors):
        trips = generate_trips(testville, testville.zones.population, testville.zones.jobs, skim,
                               trip_rate=2.0, platoon=1, rng=np.random.default_rng(7),
                               zone_factor=zone_trip_factors(testville, factors), **places)[0]
        rows = np.isin(trips.origin, alone)
        return np.stack([trips.origin[rows], trips.destination[rows], trips.depart_s[rows]])

    before, after = own({}), own({name: 1.5})
    assert after.shape[1] > 1.3 * before.shape[1] > 10
    np.testing.assert_array_equal(after[:, :before.shape[1]], before)
