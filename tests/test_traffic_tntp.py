"""TNTP reader: Sioux Falls as published, the collection's conventions, and malformed files."""

from __future__ import annotations

import numpy as np
import pytest

from twin.errors import TwinInputError
from twin.traffic import AssignmentNetwork, assign, read_tntp_flows, read_tntp_network, read_tntp_trips

HEADER = "~ init_node term_node capacity length free_flow_time b power speed toll link_type ;\n"


def write_net(path, links, *, zones, nodes, first_thru=1, extra_meta=""):
    """A TNTP net file; ``links`` are (from, to, capacity, length, fft, b, power, toll)."""
    lines = [f"<NUMBER OF ZONES> {zones}", f"<NUMBER OF NODES> {nodes}", f"<FIRST THRU NODE> {first_thru}",
             f"<NUMBER OF LINKS> {len(links)}", extra_meta, "<END OF METADATA>", "", HEADER]
    for a, b, cap, length, fft, bb, power, toll in links:
        lines.append(f"\t{a}\t{b}\t{cap}\t{length}\t{fft}\t{bb}\t{power}\t0\t{toll}\t1\t;")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_trips(path, od):
    zones = len(od)
    lines = [f"<NUMBER OF ZONES> {zones}", f"<TOTAL OD FLOW> {np.sum(od)}", "<END OF METADATA>", ""]
    for i, row in enumerate(od, start=1):
        lines.append(f"Origin {i}")
        lines.append("  " + " ".join(f"{j} : {v};" for j, v in enumerate(row, start=1)))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sioux_falls_reads_as_published(reference_data):
    folder = reference_data / "tntp" / "SiouxFalls"
    net = read_tntp_network(folder / "SiouxFalls_net.tntp")
    assert (net.n_nodes, net.n_zones, net.n_links, net.first_thru_node) == (24, 24, 76, 1)
    assert np.all(net.b == 0.15) and np.all(net.power == 4)
    assert net.toll_factor == 0 and net.distance_factor == 0
    assert (net.init_node[0], net.term_node[0], net.capacity[0]) == (1, 2, 25900.20064)
    od = read_tntp_trips(folder / "SiouxFalls_trips.tntp", net.n_zones)
    assert od.shape == (24, 24) and od.sum() == pytest.approx(360_600.0)
    assert od[0, 1] == 100.0 and od[0, 9] == 1300.0 and od[1, 0] == 100.0
    init, term, volume, cost = read_tntp_flows(folder / "SiouxFalls_flow.tntp")
    assert np.array_equal(init, net.init_node) and np.array_equal(term, net.term_node)
    assert volume[0] == pytest.approx(4494.6576464564205)


# three centroids (1..3) and one through node (4): the short route 1-2-3 passes through centroid 2
CENTROID_LINKS = [(1, 2, 100, 1, 1, 0.15, 4, 0), (2, 3, 100, 1, 1, 0.15, 4, 0),
                  (1, 4, 100, 5, 5, 0.15, 4, 0), (4, 3, 100, 5, 5, 0.15, 4, 0)]
CENTROID_OD = [[0, 0, 10], [0, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize(("first_thru", "expected_flow", "expected_cost"),
                         [(1, [10, 10, 0, 0], 2.0), (4, [0, 0, 10, 10], 10.0)])
def test_first_thru_node_forbids_passing_through_centroids(tmp_path, first_thru, expected_flow,
                                                           expected_cost):
    net = read_tntp_network(write_net(tmp_path / "net.tntp", CENTROID_LINKS, zones=3, nodes=4,
                                      first_thru=first_thru))
    od = read_tntp_trips(write_trips(tmp_path / "trips.tntp", CENTROID_OD), net.n_zones)
    result = assign(AssignmentNetwork.from_tntp(net), od, gap=1e-9)
    assert result.flow == pytest.approx(expected_flow)
    assert result.zone_cost[0, 2] == pytest.approx(expected_cost, rel=1e-3)
    assert result.zone_cost[0, 1] == pytest.approx(1.0, rel=1e-3)  # centroid 2 is still a destination


def test_toll_and_distance_factors_enter_the_generalized_cost(tmp_path):
    # two routes 1->2: direct (time 1, toll 10, length 1) or via 3 (time 2, no toll, length 4)
    links = [(1, 2, 1e6, 1, 1, 0.15, 4, 10), (1, 3, 1e6, 2, 1, 0.15, 4, 0), (3, 2, 1e6, 2, 1, 0.15, 4, 0),
             (2, 1, 1e6, 1, 1, 0.15, 4, 0)]
    trips = write_trips(tmp_path / "trips.tntp", [[0, 5], [0, 0]])
    for meta, used in [("", 0), ("<TOLL FACTOR> 0.2", 1), ("<TOLL FACTOR> 0.2\n<DISTANCE FACTOR> 1", 0)]:
        net = read_tntp_network(write_net(tmp_path / "net.tntp", links, zones=2, nodes=3, extra_meta=meta))
        result = assign(AssignmentNetwork.from_tntp(net), read_tntp_trips(trips, 2), gap=1e-9)
        direct, detour = result.flow[0], result.flow[1]
        assert (direct, detour) == pytest.approx((5, 0) if used == 0 else (0, 5))
        expected = net.free_flow_time + net.toll_factor * net.toll + net.distance_factor * net.length
        assert result.cost == pytest.approx(expected, rel=1e-9)  # flows far below capacity


def test_intrazonal_trips_never_load_and_zero_free_flow_connectors_work(tmp_path):
    # zones 1, 2 hang on through nodes 3, 4 by zero-time connectors; the diagonal trips must not load
    links = [(1, 3, 1e6, 0, 0, 0.15, 4, 0), (3, 1, 1e6, 0, 0, 0.15, 4, 0), (2, 4, 1e6, 0, 0, 0.15, 4, 0),
             (4, 2, 1e6, 0, 0, 0.15, 4, 0), (3, 4, 50, 1, 1, 0.15, 4, 0), (4, 3, 50, 1, 1, 0.15, 4, 0)]
    net = read_tntp_network(write_net(tmp_path / "net.tntp", links, zones=2, nodes=4, first_thru=3))
    network = AssignmentNetwork.from_tntp(net)
    with_diagonal = assign(network, [[500, 40], [7, 900]], gap=1e-9)
    without = assign(network, [[0, 40], [7, 0]], gap=1e-9)
    assert np.array_equal(with_diagonal.flow, without.flow)
    assert without.flow == pytest.approx([40, 7, 7, 40, 40, 7])
    assert without.zone_cost[0, 1] == pytest.approx(1 + 0.15 * (40 / 50) ** 4)


@pytest.mark.parametrize(("text", "line", "message"), [
    ("\t1\t2\t100\t1\t1\t0.15\t4\t0\t0\t;", 9, "expected 10 columns"),
    ("\t1\t2\t100\t1\tfast\t0.15\t4\t0\t0\t1\t;", 9, "free_flow_time is 'fast', not a number"),
    ("\t1\t9\t100\t1\t1\t0.15\t4\t0\t0\t1\t;", 9, "term_node must be a whole number 1..3"),
    ("\t1\t2\t0\t1\t1\t0.15\t4\t0\t0\t1\t;", 9, "capacity must be > 0"),
    ("\t1\t2\t100\t1\t-1\t0.15\t4\t0\t0\t1\t;", 9, "free_flow_time must be >= 0"),
])
def test_malformed_link_line_names_file_and_line(tmp_path, text, line, message):
    path = write_net(tmp_path / "net.tntp", [(2, 3, 100, 1, 1, 0.15, 4, 0)], zones=1, nodes=3)
    lines = path.read_text().splitlines()
    lines.insert(line - 1, text)
    path.write_text("\n".join(lines).replace("<NUMBER OF LINKS> 1", "<NUMBER OF LINKS> 2"))
    with pytest.raises(TwinInputError, match=rf"net\.tntp, line {line}: .*{message}"):
        read_tntp_network(path)


def test_malformed_metadata_and_counts(tmp_path):
    good = write_net(tmp_path / "net.tntp", [(1, 2, 100, 1, 1, 0.15, 4, 0)], zones=1, nodes=2).read_text()
    cases = [
        (good.replace("<NUMBER OF LINKS> 1", "<NUMBER OF LINKS> 3"), "says 3, the file has 1 links"),
        (good.replace("<NUMBER OF NODES> 2", "<NUMBER OF NODES> two"),
         "line 2: <NUMBER OF NODES> is 'two', not a number"),
        (good.replace("<NUMBER OF ZONES> 1\n", ""), "metadata <NUMBER OF ZONES> is missing"),
        (good.replace("<END OF METADATA>", ""), "line 10: expected a metadata line"),
    ]
    for text, message in cases:
        (tmp_path / "bad.tntp").write_text(text)
        with pytest.raises(TwinInputError, match=rf"bad\.tntp.*{message}"):
            read_tntp_network(tmp_path / "bad.tntp")
    with pytest.raises(TwinInputError, match=r"missing\.tntp: no such file"):
        read_tntp_network(tmp_path / "missing.tntp")


def test_malformed_trips_name_file_and_line(tmp_path):
    good = write_trips(tmp_path / "trips.tntp", [[0.0, 5.0], [3.0, 0.0]]).read_text()
    cases = [
        (good.replace("2 : 5.0;", "2 = 5.0;"), "line 6: expected 'destination : trips;'"),
        (good.replace("2 : 5.0;", "7 : 5.0;"), "line 6: zone must be a whole number 1..2, got '7'"),
        (good.replace("2 : 5.0;", "2 : -5;"), "line 6: trips must be >= 0"),
        (good.replace("Origin 1\n", ""), "line 5: trips before the first 'Origin' line"),
    ]
    for text, message in cases:
        (tmp_path / "bad.tntp").write_text(text)
        with pytest.raises(TwinInputError, match=rf"bad\.tntp, {message}"):
            read_tntp_trips(tmp_path / "bad.tntp")
    with pytest.raises(TwinInputError, match="NUMBER OF ZONES> is 2 but the network has 3 zones"):
        read_tntp_trips(tmp_path / "trips.tntp", 3)
    (tmp_path / "short.tntp").write_text(good.replace("<TOTAL OD FLOW> 8.0", "<TOTAL OD FLOW> 9"))
    with pytest.warns(UserWarning, match="TOTAL OD FLOW> is 9 but the trips sum to 8"):
        read_tntp_trips(tmp_path / "short.tntp")
