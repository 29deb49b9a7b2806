"""``twin waste route``: solve a CVRPLIB instance with the planner the waste module uses."""

from __future__ import annotations

import argparse
import dataclasses
import json

from twin.cli_types import SEED, bounded_int, finite_float

MAX_SECONDS = 7 * 24 * 3600.0
"""Longest ``--seconds`` accepted (a week)."""

MAX_ITERATIONS = 10**9
"""Most ``--iterations`` accepted."""


def _cmd_route(args: argparse.Namespace) -> int:
    from twin.waste.planner import solve
    from twin.waste.vrp_io import read_cvrplib

    instance = read_cvrplib(args.instance, max_dimension=args.max_nodes)
    seconds = args.seconds if args.seconds is not None or args.iterations is not None else 5.0
    plan = solve(instance.to_problem(), seconds=seconds, iterations=args.iterations, seed=args.seed)
    routes = [route.clients for route in plan.routes]
    routes = [[c + 1 for c in clients] for clients in routes]
    if args.json:
        print(
            json.dumps(
                {
                    "instance": instance.name,
                    "cost": plan.cost,
                    "routes": routes,
                    "seconds": round(plan.seconds, 3),
                    "feasible": plan.feasible,
                }
            )
        )
        return 0
    for k, clients in enumerate(routes, start=1):
        print(f"Route #{k}: {' '.join(map(str, clients))}")
    print(f"Cost {plan.cost}")
    print(
        f"({instance.name}: {instance.n_customers} customers, {plan.seconds:.2f} s, "
        f"{'feasible' if plan.feasible else 'INFEASIBLE'})"
    )
    return 0


def _cmd_size(args: argparse.Namespace) -> int:
    from twin.city import load_city
    from twin.errors import ScenarioError, TwinInputError
    from twin.scenario import load_scenario
    from twin.waste.sizing import size_fleet

    scenario = load_scenario(args.scenario)
    cfg = scenario.modules.get("waste")
    if cfg is None:
        raise ScenarioError(f"{scenario.source}: [waste]: the scenario does not run the waste module")
    run = scenario.scenario
    city = load_city(run.city, scenario.file_of("scenario.city"))
    try:
        sizing = size_fleet(city, cfg, seed=run.seed, start_year=run.start_year, slack=args.slack,
                            iterations=args.iterations)
    except TwinInputError as exc:
        raise type(exc)(f"{scenario.source}: {exc}") from None
    trucks = {k: sum(v) for k, v in sizing.depot_trucks.items()}
    if args.json:
        print(json.dumps({"trucks": trucks, "depot_trucks": sizing.depot_trucks,
                          "rows": [dataclasses.asdict(r) for r in sizing.rows],
                          "assumptions": list(sizing.assumptions)}))
        return 0
    print(f"{'stream':<11} {'depot':>5} {'bins':>5} {'t/day':>7} {'every':>5} {'trucks':>6} {'longest h':>9}")
    for r in sizing.rows:
        flag = "" if r.feasible else "  (a sector cannot be served: a bin beyond the shift)"
        print(f"{r.stream:<11} {r.depot:>5} {r.bins:>5} {r.tonnes_day:>7.1f} {r.every_days:>5} {r.needed:>6} "
              f"{r.longest_h:>9.2f}{flag}")
    print(f"\nproposed [waste] fleet ({sum(trucks.values())} trucks; per stream: "
          + ", ".join(f"{k} {v}" for k, v in trucks.items()) + "):")
    print("depot_trucks = { " + ", ".join(
        f"{k} = [{', '.join(map(str, v))}]" for k, v in sizing.depot_trucks.items()) + " }")
    print("\nassumed:")
    for line in sizing.assumptions:
        print(f"- {line}")
    return 0


def register(subparsers) -> None:
    """Add ``twin waste ...`` to the ``twin`` command line."""
    waste = subparsers.add_parser("waste", help="waste collection tools").add_subparsers(
        dest="waste_command", required=True, metavar="SUBCOMMAND"
    )
    p = waste.add_parser(
        "route",
        help="solve a CVRPLIB .vrp instance with the waste route planner "
        "(customers numbered 1..n as in CVRPLIB .sol files)",
    )
    p.add_argument("instance", help="CVRPLIB .vrp file (EUC_2D)")
    p.add_argument("--seconds", type=finite_float(above=0, high=MAX_SECONDS),
                   help="time limit, seconds (default 5 without --iterations)")
    p.add_argument("--iterations", type=bounded_int(1, MAX_ITERATIONS),
                   help="iteration limit (deterministic)")
    p.add_argument("--seed", type=SEED, default=0, help="solver seed")
    p.add_argument("--max-nodes", type=bounded_int(2, 10**9),
                   help="largest DIMENSION to read (default: the limit the error message names; "
                   "the distance matrix takes 8 x DIMENSION x DIMENSION bytes)")
    p.add_argument("--json", action="store_true", help="print JSON: cost, routes, seconds")
    p.set_defaults(func=_cmd_route)
    p = waste.add_parser(
        "size",
        help="propose trucks per stream and depot so that the fixed schedule keeps up with the waste",
    )
    p.add_argument("scenario", help="scenario file with a [waste] section")
    p.add_argument("--slack", type=finite_float(low=0, high=0.9), default=0.15,
                   help="share of the shift left free on a mean day (default 0.15)")
    p.add_argument("--iterations", type=bounded_int(1, 100_000),
                   help="planner iterations per sector (default: the scenario's route_iterations)")
    p.add_argument("--json", action="store_true", help="print JSON: trucks, rows, assumptions")
    p.set_defaults(func=_cmd_size)
