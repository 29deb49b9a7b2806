"""Static assignment: Sioux Falls against the best-known equilibrium, FW vs BFW, the numba
all-or-nothing against a scipy twin, conservation on a city network, and bad input via the CLI."""

from __future__ import annotations

import json

import numba
import numpy as np
import pytest
from scipy import optimize, sparse
from scipy.sparse import csgraph

from twin.cli import main
from twin.errors import TwinInputError
from twin.kernels import many_to_many
from twin.traffic import (
    AssignmentNetwork,
    assign,
    assign_road_network,
    read_tntp_flows,
    read_tntp_network,
    read_tntp_trips,
    relative_gap,
)
from twin.traffic.assignment import all_or_nothing, line_search, load_blocks, load_origins
from twin.traffic.bpr import beckmann, bpr_time

BEST_TSTT = 7_480_225.3449  # data/tntp/README.md
BEST_BECKMANN = 4_231_335.2871


@pytest.fixture(scope="module")
def sioux_falls(reference_data):
    folder = reference_data / "tntp" / "SiouxFalls"
    net = read_tntp_network(folder / "SiouxFalls_net.tntp")
    demand = read_tntp_trips(folder / "SiouxFalls_trips.tntp", net.n_zones)
    best = read_tntp_flows(folder / "SiouxFalls_flow.tntp")[2]
    return AssignmentNetwork.from_tntp(net), demand, best, folder


def test_best_known_sioux_falls_flows_evaluate_to_the_published_figures(sioux_falls):
    network, demand, best, _ = sioux_falls
    time = bpr_time(best, network.free_flow_time, network.b, network.power, network.capacity)
    assert best @ time == pytest.approx(BEST_TSTT, rel=1e-10)
    objective = beckmann(best, network.free_flow_time, network.b, network.power, network.capacity,
                         network.fixed_cost)
    assert objective == pytest.approx(BEST_BECKMANN, rel=1e-10)
    assert relative_gap(network, demand, best) < 1e-12  # README: about 4e-16


def test_bfw_reaches_1e5_on_sioux_falls_close_to_the_best_known_solution(sioux_falls):
    network, demand, best, _ = sioux_falls
    result = assign(network, demand, algorithm="bfw", gap=1e-5, max_iterations=2000)
    assert result.converged and result.relative_gap <= 1e-5
    assert result.gap_history[-1] == result.relative_gap and len(result.gap_history) == result.iterations
    assert result.relative_gap == pytest.approx(relative_gap(network, demand, result.flow), rel=1e-9)
    assert result.tstt == pytest.approx(BEST_TSTT, rel=1e-3)
    assert BEST_BECKMANN * (1 - 1e-12) <= result.beckmann <= BEST_BECKMANN * (1 + 1e-5)
    worst = np.max(np.abs(result.flow - best) / best)
    print(f"Sioux Falls BFW gap {result.relative_gap:.2e}: {result.iterations} iterations, TSTT "
          f"{result.tstt:,.1f} ({result.tstt / BEST_TSTT - 1:+.2e}), worst link flow {worst:.2e}")
    assert worst < 5e-3


def test_frank_wolfe_agrees_with_bfw_and_needs_more_iterations(sioux_falls):
    network, demand, best, _ = sioux_falls
    fw = assign(network, demand, algorithm="fw", gap=1e-4, max_iterations=3000)
    bfw = assign(network, demand, algorithm="bfw", gap=1e-4, max_iterations=3000)
    assert fw.converged and bfw.converged
    assert fw.tstt == pytest.approx(bfw.tstt, rel=2e-3)
    assert fw.flow == pytest.approx(bfw.flow, rel=2e-2)
    assert bfw.iterations * 5 < fw.iterations
    print(f"gap 1e-4: FW {fw.iterations} iterations, BFW {bfw.iterations}")


def test_assignment_is_deterministic(sioux_falls):
    network, demand, _, _ = sioux_falls
    a = assign(network, demand, gap=1e-4)
    b = assign(network, demand, gap=1e-4)
    assert np.array_equal(a.flow, b.flow) and a.iterations == b.iterations


def scipy_all_or_nothing(link_from, link_to, cost, n_nodes, origins, destinations, demand):
    """Slow twin: scipy Dijkstra predecessors, then each OD path walked back link by link."""
    graph = sparse.csr_matrix((cost, (link_from, link_to)), shape=(n_nodes, n_nodes))
    link_of = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(link_from, link_to, strict=True))}
    dist, pred = csgraph.dijkstra(graph, indices=origins, return_predecessors=True)
    flow = np.zeros(len(cost))
    total = 0.0
    for i in range(len(origins)):
        for j, dest in enumerate(destinations):
            if demand[i, j] == 0:
                continue
            total += demand[i, j] * dist[i, dest]
            node = dest
            while node != origins[i]:
                parent = pred[i, node]
                flow[link_of[(int(parent), int(node))]] += demand[i, j]
                node = parent
    return flow, total


def test_numba_all_or_nothing_matches_the_scipy_twin(testville):
    net = testville.network
    rng = np.random.default_rng(7)
    cost = net.free_flow_time_s * rng.uniform(0.5, 2.0, net.n_links)  # continuous: no ties
    origins = rng.choice(net.n_nodes, 12, replace=False).astype(np.int64)
    destinations = rng.choice(net.n_nodes, 20, replace=False).astype(np.int64)
    demand = rng.uniform(0, 100, (12, 20)) * (rng.random((12, 20)) < 0.7)
    network = AssignmentNetwork.from_road_network(net, np.arange(net.n_nodes))
    g = network.graph
    flow, total = all_or_nothing(g, np.ascontiguousarray(cost[g.order]), origins, destinations, demand)
    expected, expected_total = scipy_all_or_nothing(net.link_from, net.link_to, cost, net.n_nodes,
                                                    origins, destinations, demand)
    assert flow[np.argsort(g.order)] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert total == pytest.approx(expected_total, rel=1e-12)


def test_line_search_finds_the_minimum_that_scipy_finds():
    rng = np.random.default_rng(5)
    m = 200
    fft, cap = rng.uniform(1, 10, m), rng.uniform(100, 1000, m)
    b, power, fixed = np.full(m, 0.15), rng.choice([1.0, 2.5, 4.0], m), rng.uniform(0, 1, m)
    flow, target = rng.uniform(0, 1500, m), rng.uniform(0, 1500, m) * (rng.random(m) < 0.5)
    direction = target - flow

    def slope(step):  # derivative of the Beckmann objective along the direction, in numpy
        x = flow + step * direction
        return direction @ (fixed + fft * (1 + b * (x / cap) ** power))

    expected = optimize.brentq(slope, 0.0, 1.0, xtol=1e-15) if slope(0) < 0 < slope(1) else None
    assert expected is not None  # this draw brackets the minimum inside (0, 1)
    assert line_search(flow, direction, fft, b, power, cap, fixed) == pytest.approx(expected, abs=1e-12)
    assert line_search(flow, -direction, fft, b, power, cap, fixed) == 0.0  # uphill: no step
    assert line_search(flow, np.where(direction < 0, direction, 0.0), fft, b, power, cap, fixed) == 1.0


def test_parallel_blocks_equal_serial_load_on_any_thread_count(testville):
    net = testville.network
    rng = np.random.default_rng(3)
    args = (net.out_start.astype(np.int64), net.link_from.astype(np.int64), net.link_to.astype(np.int64),
            np.ascontiguousarray(net.free_flow_time_s), np.arange(0, net.n_nodes, 3, dtype=np.int64),
            np.arange(net.n_nodes, dtype=np.int64))
    demand = rng.uniform(0, 5, (args[4].size, net.n_nodes))
    serial = np.zeros(net.n_links)
    serial_total = load_origins(*args, demand, 0, args[4].size, serial)
    threads = numba.get_num_threads()
    try:
        runs = []
        for n in sorted({1, threads}):
            numba.set_num_threads(n)
            runs.append(load_blocks(*args, demand, 7))
    finally:
        numba.set_num_threads(threads)
    for flow, total in runs:
        assert np.array_equal(flow, runs[0][0]) and total == runs[0][1]
    assert runs[0][0] == pytest.approx(serial, rel=1e-12) and runs[0][1] == pytest.approx(serial_total)


def test_road_network_equilibrium_conserves_flow_and_skims(testville):
    net, zones = testville.network, testville.zones
    demand = np.outer(zones.population, zones.jobs) / zones.jobs.sum() * 0.5  # vehicles per hour
    np.fill_diagonal(demand, 0.0)
    result = assign_road_network(net, zones.node, demand, gap=1e-5)
    assert result.converged and np.all(result.flow >= 0)
    # at every node: inflow - outflow = trips ending there - trips starting there
    balance = np.bincount(net.link_to, result.flow, net.n_nodes) - np.bincount(net.link_from, result.flow,
                                                                                net.n_nodes)
    expected = np.bincount(zones.node, demand.sum(axis=0), net.n_nodes) - np.bincount(
        zones.node, demand.sum(axis=1), net.n_nodes)
    assert balance == pytest.approx(expected, abs=1e-6)
    assert np.all(result.time >= net.free_flow_time_s)
    skim = many_to_many(net.out_start, net.link_to, np.ascontiguousarray(result.time),
                        zones.node.astype(np.int64), zones.node.astype(np.int64))
    np.fill_diagonal(skim, 0.0)
    assert result.zone_cost == pytest.approx(skim, rel=1e-12)


def test_bad_arguments_and_unreachable_demand(sioux_falls, tmp_path):
    network, demand, _, _ = sioux_falls
    with pytest.raises(TwinInputError, match="algorithm must be one of fw, bfw"):
        assign(network, demand, algorithm="msa")
    with pytest.raises(TwinInputError, match="gap must be > 0"):
        assign(network, demand, gap=0)
    with pytest.raises(TwinInputError, match="demand must be 24 x 24"):
        assign(network, demand[:3])
    one_way = AssignmentNetwork(n_nodes=3, link_from=np.array([0, 1]), link_to=np.array([1, 2]),
                                free_flow_time=np.ones(2), capacity=np.ones(2), b=np.full(2, 0.15),
                                power=np.full(2, 4.0), fixed_cost=np.zeros(2), zone_node=np.array([0, 2]),
                                no_through=np.zeros(3, dtype=bool), source="one-way")
    with pytest.raises(TwinInputError, match=r"one-way: 1 OD pairs .* no path \(first: zone 2 to zone 1"):
        assign(one_way, np.array([[0.0, 1.0], [2.0, 0.0]]))


def test_cli_assign_prints_json(sioux_falls, capsys):
    folder = sioux_falls[3]
    net, trips = str(folder / "SiouxFalls_net.tntp"), str(folder / "SiouxFalls_trips.tntp")
    code = main(["traffic", "assign", net, trips, "--gap", "1e-4", "--algorithm", "bfw", "--json",
                 "--history"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["gap_history"]) == out["iterations"] and out["gap_history"][-1] == out["relative_gap"]
    assert out["relative_gap"] <= 1e-4 and out["iterations"] > 1 and out["seconds"] >= 0
    assert out["tstt"] == pytest.approx(BEST_TSTT, rel=2e-3)


def test_cli_bad_input_exits_2(sioux_falls, tmp_path, capsys):
    folder = sioux_falls[3]
    net, trips = str(folder / "SiouxFalls_net.tntp"), str(folder / "SiouxFalls_trips.tntp")
    broken = tmp_path / "broken_net.tntp"
    lines = (folder / "SiouxFalls_net.tntp").read_text().splitlines()
    lines[20] = lines[20].replace("0.15", "0.1.5")
    broken.write_text("\n".join(lines))
    cases = [([str(broken), trips], "broken_net.tntp, line 21: b is '0.1.5', not a number"),
             ([str(tmp_path / "missing.tntp"), trips], "missing.tntp: no such file"),
             ([net, trips, "--gap", "0"], "argument --gap: must be > 0"),
             ([net, trips, "--max-iterations", "0"], "argument --max-iterations: must be a whole number 1..")]
    for args, message in cases:
        try:
            code = main(["traffic", "assign", *args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        assert code == 2
        err = capsys.readouterr().err
        assert err.startswith("twin: error: ") and message in err and "Traceback" not in err
