"""``twin waste route``: solve a CVRPLIB instance with the planner the waste module uses."""

from __future__ import annotations

import argparse
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
