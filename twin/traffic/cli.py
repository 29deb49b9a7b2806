"""``twin traffic ...``: traffic tools on external inputs; one function per subcommand.

``twin traffic assign NET.tntp TRIPS.tntp`` runs the static user-equilibrium assignment.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from twin.cli_types import bounded_int, finite_float

MAX_HORIZON_S = 31 * 86_400.0
"""Longest ``--horizon`` of ``twin traffic simulate``, seconds (a month)."""


def _cmd_assign(args: argparse.Namespace) -> int:
    from twin.traffic.assignment import AssignmentNetwork, assign, uses_blocks
    from twin.traffic.tntp import read_tntp_network, read_tntp_trips
    from twin.warmup import warm_up
    from twin.writing import atomic_file, check_file_target, output_errors

    net = read_tntp_network(args.network, max_nodes=args.max_nodes, max_zones=args.max_zones)
    demand = read_tntp_trips(args.trips, net.n_zones, max_zones=args.max_zones)
    if args.flows:
        check_file_target(args.flows)  # before compiling: bad input costs nothing
    network = AssignmentNetwork.from_tntp(net)
    first_call = warm_up("traffic assign", algorithms=(args.algorithm,), blocks=uses_blocks(network, demand))
    result = assign(network, demand, algorithm=args.algorithm, gap=args.gap,
                    max_iterations=args.max_iterations)
    if args.flows:
        import pandas as pd

        with output_errors(args.flows), atomic_file(Path(args.flows)) as tmp:
            pd.DataFrame({"init_node": net.init_node, "term_node": net.term_node, "volume": result.flow,
                          "cost": result.cost}).to_csv(tmp, index=False)
    summary = {**result.summary(), "links": net.n_links, "zones": net.n_zones, "trips": float(demand.sum()),
               "first_call_seconds": round(first_call, 3)}
    if args.history:
        summary["gap_history"] = result.gap_history.tolist()
    if args.json:
        print(json.dumps(summary))
        return 0
    state = "reached" if result.converged else f"NOT reached after {result.iterations} iterations"
    print(f"{net.path.name}: {net.n_links} links, {net.n_zones} zones, {demand.sum():,.1f} trips")
    print(f"algorithm        {args.algorithm}")
    if args.history:
        for k, value in enumerate(result.gap_history, start=1):
            print(f"  iteration {k:6d}  relative gap {value:.3e}")
    print(f"relative gap     {result.relative_gap:.3e} (target {args.gap:g} {state})")
    print(f"iterations       {result.iterations}")
    print(f"TSTT             {result.tstt:,.4f}")
    print(f"Beckmann         {result.beckmann:,.4f}")
    print(f"seconds          {result.seconds:.3f} (numba first call {first_call:.2f} s before)")
    if args.flows:
        print(f"link flows       {args.flows}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    import numpy as np

    from twin.traffic.csv_inputs import read_network_csv, read_trips_csv
    from twin.traffic.loading import LoadingSettings, simulate
    from twin.traffic.routing import parallel_tables
    from twin.warmup import warm_up

    network = read_network_csv(args.nodes, args.links)
    csv_trips = read_trips_csv(args.trips, network, args.nodes, max_vehicles=args.max_vehicles)
    settings = LoadingSettings(time_step_s=args.time_step, platoon=args.platoon,
                               route_choice=args.route_choice, link_model=args.link_model,
                               horizon_s=args.horizon)
    destinations = np.unique(csv_trips.trips.destination).size
    warm_up("traffic simulate", route_choices=(args.route_choice,),
            parallel_tables=parallel_tables(destinations, network.n_links))
    load = simulate(network, csv_trips.trips, settings)
    summary = load.summary()
    summary["trips"] += csv_trips.off_network_vehicles
    summary["unreachable_vehicles"] += csv_trips.off_network_vehicles
    summary["seconds"] = round(load.seconds["loading"] + load.seconds["routing"], 4)
    if not summary["completed"]:  # the mean travel time is undefined, never NaN in JSON
        summary["mean_travel_time_s"] = None
        summary["note"] = (f"no trip completed within the horizon of {args.horizon:g} s" if summary["trips"]
                           else f"{args.trips} holds no vehicle")
    if args.json:
        print(json.dumps(summary, allow_nan=False))
        return 0
    for key, value in summary.items():
        if isinstance(value, float):
            print(f"{key:22s} {value:,.2f}")
        elif isinstance(value, int):
            print(f"{key:22s} {value:,}")
        else:
            print(f"{key:22s} {'-' if value is None else value}")
    return 0


def register(subparsers) -> None:
    """Add ``twin traffic ...`` to the ``twin`` command line."""
    traffic = subparsers.add_parser("traffic", help="traffic assignment and simulation tools").add_subparsers(
        dest="traffic_command", required=True, metavar="SUBCOMMAND"
    )
    p = traffic.add_parser("assign", help="static user-equilibrium assignment of a TNTP network (BPR costs)")
    p.add_argument("network", help="TNTP network file (*_net.tntp)")
    p.add_argument("trips", help="TNTP trips file (*_trips.tntp)")
    p.add_argument("--gap", type=finite_float(above=0, high=1), default=1e-4,
                   help="target relative gap (default 1e-4)")
    p.add_argument("--algorithm", choices=("fw", "bfw"), default="bfw",
                   help="fw: Frank-Wolfe, bfw: bi-conjugate Frank-Wolfe (default)")
    p.add_argument("--max-iterations", type=bounded_int(1, 10**7), default=10_000,
                   help="iteration limit (default 10000)")
    p.add_argument("--flows", metavar="CSV", help="write link flows and costs to this CSV file")
    p.add_argument("--max-zones", type=bounded_int(1, 10**7),
                   help="largest <NUMBER OF ZONES> to read (default: the limit the error names; "
                   "the OD matrix takes 8 x zones x zones bytes)")
    p.add_argument("--max-nodes", type=bounded_int(1, 10**10),
                   help="largest <NUMBER OF NODES> to read (default: the limit the error names)")
    p.add_argument("--history", action="store_true", help="also report the relative gap of every iteration")
    p.add_argument("--json", action="store_true", help="print JSON: tstt, relative_gap, iterations, seconds")
    p.set_defaults(func=_cmd_assign)
    p = traffic.add_parser("simulate", help="dynamic (mesoscopic) loading of CSV nodes, links and trips")
    p.add_argument("--nodes", required=True, help="nodes CSV: node_id, x_m, y_m")
    p.add_argument("--links", required=True, help="links CSV (see docs/traffic.md)")
    p.add_argument("--trips", required=True, help="trips CSV: origin, destination, depart_time_s[, count]")
    p.add_argument("--route-choice", choices=("fixed", "enroute"), default="enroute",
                   help="fixed: path at departure; enroute: next link re-chosen at nodes (default)")
    p.add_argument("--link-model", choices=("kinematic_wave", "spatial_queue"), default="kinematic_wave",
                   help="kinematic_wave: space frees after the backward wave crossed the link (default); "
                   "spatial_queue: at once")
    p.add_argument("--time-step", type=finite_float(above=0), default=1.0,
                   help="kernel time step, seconds (default 1)")
    p.add_argument("--platoon", type=bounded_int(1, 10**6), default=5, help="vehicles per row (default 5)")
    p.add_argument("--horizon", type=finite_float(above=0, high=MAX_HORIZON_S), default=7200.0,
                   help="simulated seconds (default 7200, at most a month)")
    p.add_argument("--max-vehicles", type=bounded_int(1, 2**31 - 1),
                   help="most vehicles the trips file may hold (default: the limit the error names)")
    p.add_argument("--json", action="store_true",
                   help="print JSON: trips, completed, mean_travel_time_s, total_travel_time_s, seconds")
    p.set_defaults(func=_cmd_simulate)
