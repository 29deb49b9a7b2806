"""The waste route planner (PyVRP) against CVRPLIB and brute force, and the CVRPLIB reader."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import pyvrp

from twin.cli import main
from twin.errors import TwinInputError
from twin.waste.planner import RoutingProblem, VehicleSpec, solve
from twin.waste.vrp_io import read_cvrplib

DATA = Path(__file__).parent / "data"


def route_cost(instance, routes) -> int:
    dist = instance.distance_matrix()
    total = 0
    for clients in routes:
        path = [0, *clients, 0]
        total += sum(int(dist[a, b]) for a, b in itertools.pairwise(path))
    return total


def check_solution(instance, plan) -> None:
    visited = sorted(c + 1 for r in plan.routes for c in r.clients)
    assert visited == list(range(1, instance.n_customers + 1))
    for route in plan.routes:
        assert instance.demand[[c + 1 for c in route.clients]].sum() <= instance.capacity
    assert route_cost(instance, [[c + 1 for c in r.clients] for r in plan.routes]) == plan.cost


def brute_force_cvrp(instance) -> int:
    """Exact optimum: Held-Karp TSP on every customer subset, then the best split into subsets."""
    dist = instance.distance_matrix()
    n = instance.n_customers
    full = 1 << n
    tsp_end = np.full((full, n), np.inf)
    for j in range(n):
        tsp_end[1 << j, j] = dist[0, j + 1]
    for mask in range(1, full):
        for j in range(n):
            if not np.isfinite(tsp_end[mask, j]):
                continue
            for k in range(n):
                if mask & (1 << k):
                    continue
                new = mask | (1 << k)
                tsp_end[new, k] = min(tsp_end[new, k], tsp_end[mask, j] + dist[j + 1, k + 1])
    tour = np.array(
        [
            min(tsp_end[m, j] + dist[j + 1, 0] for j in range(n) if m & (1 << j)) if m else 0.0
            for m in range(full)
        ]
    )
    load = np.array([sum(instance.demand[j + 1] for j in range(n) if m & (1 << j)) for m in range(full)])
    best = np.full(full, np.inf)
    best[0] = 0.0
    for mask in range(1, full):
        low = mask & -mask
        sub = mask
        while sub:
            if sub & low and load[sub] <= instance.capacity:
                best[mask] = min(best[mask], tour[sub] + best[mask ^ sub])
            sub = (sub - 1) & mask
    return int(best[full - 1])


def test_a_n32_k5_within_one_percent_of_the_optimum(reference_data):
    instance = read_cvrplib(reference_data / "cvrplib" / "A-n32-k5.vrp")
    plan = solve(instance.to_problem(), seconds=3.0, seed=1)
    assert plan.feasible
    check_solution(instance, plan)
    assert 784 <= plan.cost <= 784 * 1.01


@pytest.mark.parametrize("name", ["tiny-n8-k3", "tiny-n10-k4"])
def test_tiny_instances_match_brute_force(name):
    instance = read_cvrplib(DATA / f"{name}.vrp")
    optimum = brute_force_cvrp(instance)
    plan = solve(instance.to_problem(), iterations=2000, seed=2)
    check_solution(instance, plan)
    assert plan.cost == optimum


def test_reader_agrees_with_pyvrp_reader(reference_data):
    path = reference_data / "cvrplib" / "A-n32-k5.vrp"
    ours = read_cvrplib(path)
    theirs = pyvrp.read(path, round_func="round")
    np.testing.assert_array_equal(ours.distance_matrix(), theirs.distance_matrix(0))
    assert [c.delivery[0] for c in theirs.clients()] == ours.demand[1:].tolist()
    assert theirs.vehicle_type(0).capacity[0] == ours.capacity


def test_same_seed_and_iterations_give_the_same_routes():
    problem = read_cvrplib(DATA / "tiny-n10-k4.vrp").to_problem()
    a, b = solve(problem, iterations=300, seed=5), solve(problem, iterations=300, seed=5)
    assert [r.stops for r in a.routes] == [r.stops for r in b.routes]


def line_problem(prize: int, required_far: bool) -> RoutingProblem:
    """Depot at 0, plant at 0, clients at 1, 2 and a far one at 100 (a line; distances = |dx|)."""
    x = np.array([0, 1, 2, 100])
    dist = np.abs(x[:, None] - x[None, :]).astype(np.int64)
    return RoutingProblem(
        distance=dist,
        duration=dist,
        depots=np.array([0, 0]),
        depot_service_s=np.array([0, 0]),
        client_location=np.array([1, 2, 3]),
        pickup=np.array([5, 5, 5]),
        service_s=np.zeros(3, np.int64),
        prize=np.array([0, 0, prize]),
        required=np.array([True, True, required_far]),
        vehicles=(VehicleSpec(count=1, capacity=10, start_depot=0, end_depot=1, reload_depots=(1,)),),
    )


def test_prize_collecting_skips_a_detour_worth_less_than_its_prize():
    cheap = solve(line_problem(prize=50, required_far=False), iterations=200)
    assert cheap.unplanned == (2,)
    dear = solve(line_problem(prize=500, required_far=False), iterations=200)
    assert dear.unplanned == ()


def test_a_full_truck_unloads_at_the_plant_and_continues():
    plan = solve(line_problem(prize=0, required_far=True), iterations=200)
    (route,) = plan.routes
    middle = [kind for kind, _ in route.stops[1:-1]]
    assert middle.count("depot") == 1 and middle.count("client") == 3
    assert plan.feasible


def test_cli_route_prints_json(reference_data, capsys):
    assert (
        main(
            [
                "waste",
                "route",
                str(reference_data / "cvrplib" / "A-n32-k5.vrp"),
                "--seconds",
                "2",
                "--seed",
                "1",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert {"cost", "routes", "seconds"} <= set(out)
    assert out["cost"] <= 784 * 1.01
    assert sorted(c for r in out["routes"] for c in r) == list(range(1, 32))


BAD_FILES = {
    "coords": (
        "NAME : bad\nTYPE : CVRP\nDIMENSION : 3\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 5\n",
        ":7:",
    ),
    "number": ("NAME : bad\nDIMENSION : 2\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 x 1\n", ":6:"),
    "section": ("NAME : bad\nDIMENSION : 2\nCAPACITY : 10\nEDGE_WEIGHT_SECTION\n", ":4:"),
    "stray": ("NAME : bad\nDIMENSION : 2\n1 2 3\n", ":3:"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_vrp_file_names_the_line(tmp_path, case, capsys):
    text, where = BAD_FILES[case]
    path = tmp_path / "bad.vrp"
    path.write_text(text)
    with pytest.raises(TwinInputError, match=f"bad.vrp{where}"):
        read_cvrplib(path)
    assert main(["waste", "route", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin: error:") and err.count("\n") == 1


def test_incomplete_vrp_file_is_refused(tmp_path):
    path = tmp_path / "short.vrp"
    path.write_text(
        "NAME : s\nDIMENSION : 3\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\n"
        "DEMAND_SECTION\n1 0\n2 4\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )
    with pytest.raises(TwinInputError, match="DEMAND_SECTION must list nodes 1..3"):
        read_cvrplib(path)
