"""``twin waste route``: solve a CVRPLIB instance with the planner the waste module uses."""

from __future__ import annotations

import argparse
import json

from twin.errors import TwinInputError


def _cmd_route(args: argparse.Namespace) -> int:
    from twin.waste.planner import solve
    from twin.waste.vrp_io import read_cvrplib

    if args.seconds is not None and args.seconds <= 0:
        raise TwinInputError(f"--seconds must be > 0, got {args.seconds:g}")
    if args.iterations is not None and args.iterations < 1:
        raise TwinInputError(f"--iterations must be >= 1, got {args.iterations}")
    instance = read_cvrplib(args.instance)
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
    p.add_argument("--seconds", type=float, help="time limit, seconds (default 5 without --iterations)")
    p.add_argument("--iterations", type=int, help="iteration limit (deterministic)")
    p.add_argument("--seed", type=int, default=0, help="solver seed")
    p.add_argument("--json", action="store_true", help="print JSON: cost, routes, seconds")
    p.set_defaults(func=_cmd_route)
