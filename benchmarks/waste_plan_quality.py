"""Plan quality of the waste route planner: the gap of a budget's plan to a long solve and to a bound.

Builds the daily routing problems of a scenario's fixed schedule exactly as the waste module does
(one per stream, depot and sector; the scenario's fleet, shift and loads, free-flow times), solves
each with PyVRP at increasing iteration budgets, and prints per budget the total objective (truck
seconds, or metres with ``route_objective = "distance"``), its gap to the best plan found by any
budget, the gap to a lower bound, and the search seconds.

Gaps are on the part of the objective a plan can change: the objective less the service time
at the bins (which every plan pays), i.e. driving plus unloading. The lower bound holds for any
feasible plan whose clients are all required: every client entered by at least its cheapest
incoming arc, and ceil(load / payload) loads of which all but one per truck are unloaded on the
way (the last unloading, at the route's end, is not in the objective). It leaves out most of the
way to and from the plants, so it is loose.

    python benchmarks/waste_plan_quality.py scenarios/hezhou_baseline.toml --budgets 25 50 100 500 2500
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np

from twin.city import load_city
from twin.scenario import load_scenario
from twin.waste.planner import solve
from twin.waste.sizing import planning_module


def service(problem) -> float:
    """The part of the objective every plan pays: service time at the clients (0 for distance)."""
    return float(problem.service_s.sum()) if problem.objective == "duration" else 0.0


def lower_bound(problem) -> float:
    """A bound below the objective less :func:`service` of any feasible plan (all clients required)."""
    matrix = problem.duration if problem.objective == "duration" else problem.distance
    clients = np.asarray(problem.client_location)
    inbound = matrix[:, clients].astype(np.float64)
    inbound[clients, np.arange(clients.size)] = np.inf  # a client is not entered from itself ...
    shared = np.bincount(clients, minlength=matrix.shape[0])[clients] > 1
    inbound[:, shared] = np.minimum(inbound[:, shared], 0.0)  # ... but may be from a bin beside it
    travel = float(inbound.min(axis=0).sum())
    if problem.objective != "duration":
        return travel
    vehicle = problem.vehicles[0]
    trips = math.ceil(float(problem.pickup.sum()) / vehicle.capacity)
    return travel + max(trips - vehicle.count, 0) * float(problem.depot_service_s[1:].min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--budgets", type=int, nargs="+", default=[25, 50, 100, 250, 500, 1000, 2500])
    parser.add_argument("--days", type=int, default=2, help="sectors of the first DAYS days")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()}")
    scenario = load_scenario(args.scenario)
    cfg = scenario.modules["waste"]
    city = load_city(scenario.scenario.city, scenario.file_of("scenario.city"))
    module = planning_module(city, cfg, scenario.scenario.seed, scenario.scenario.start_year)
    free_flow = module.roads.network.free_flow_time_s
    problems = []
    for (s, d), trucks in sorted(module.trucks.items()):
        candidates = np.flatnonzero((module.bins.stream == s) & (module.territory == d))
        for day in range(min(args.days, int(module.every_days[s]))):
            sel = module.policy.select(day, s, candidates, module.forecast.level_g)
            if sel.must.size:
                problems.append(((s, d, day), module.problem(s, d, sel, len(trucks), free_flow)[0]))
    rows = []
    bound = sum(lower_bound(p) for _, p in problems)
    fixed = sum(service(p) for _, p in problems)
    per_problem: dict[int, list[tuple[int, int, bool, float]]] = {}
    for budget in args.budgets:
        for k, (_, problem) in enumerate(problems):
            start = time.perf_counter()
            plan = solve(problem, iterations=budget, seed=args.seed)
            took = time.perf_counter() - start
            per_problem.setdefault(k, []).append((budget, plan.cost - service(problem), plan.feasible, took))
    best = {k: min((c for _, c, ok, _ in runs if ok), default=min(c for _, c, _, _ in runs))
            for k, runs in per_problem.items()}
    for i, budget in enumerate(args.budgets):
        cost = sum(runs[i][1] for runs in per_problem.values())
        infeasible = sum(not runs[i][2] for runs in per_problem.values())
        worst = max((runs[i][1] - best[k]) / best[k] for k, runs in per_problem.items())
        rows.append({
            "budget": budget, "problems": len(problems), "infeasible": infeasible, "objective": cost + fixed,
            "variable": cost,
            "gap_to_best_pct": round(100 * (cost - sum(best.values())) / sum(best.values()), 2),
            "worst_problem_gap_pct": round(100 * worst, 2),
            "gap_to_bound_pct": round(100 * (cost - bound) / bound, 1),
            "seconds": round(sum(runs[i][3] for runs in per_problem.values()), 2),
        })
        print(json.dumps(rows[-1]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            clients = int(sum(p.n_clients for _, p in problems))
            summary = {"rows": rows, "lower_bound": bound, "service": fixed, "clients": clients}
            json.dump(summary, fh, indent=1)


if __name__ == "__main__":
    main()
