"""``twin emergency erlang|hypercube`` (the module against queueing theory) and ``site`` (MCLP)."""

from __future__ import annotations

import argparse
import json

from twin.errors import TwinInputError


def _check_common(args: argparse.Namespace) -> None:
    if args.calls < 1000:
        raise TwinInputError(f"--calls must be >= 1000 for batch means, got {args.calls}")
    if not 0 < args.confidence < 1:
        raise TwinInputError(f"--confidence must be in (0, 1), got {args.confidence:g}")


def _cmd_erlang(args: argparse.Namespace) -> int:
    from twin.emergency.validation import erlang_experiment

    if args.units < 1:
        raise TwinInputError(f"--units must be >= 1, got {args.units}")
    for flag, value in (("--arrival-rate", args.arrival_rate), ("--service-rate", args.service_rate)):
        if not value > 0:
            raise TwinInputError(f"{flag} must be > 0 (per hour), got {value:g}")
    load = args.arrival_rate / (args.units * args.service_rate)
    if load >= 1:
        raise TwinInputError(
            f"--arrival-rate / (--units x --service-rate) = {load:g} must be < 1 (a steady state)"
        )
    _check_common(args)
    result = erlang_experiment(
        args.units, args.arrival_rate, args.service_rate, args.calls, args.seed, confidence=args.confidence
    )
    if args.json:
        print(json.dumps(result))
        return 0
    pct = f"{args.confidence:.0%}"
    print(
        f"M/M/{args.units}: arrival {args.arrival_rate:g}/h, service {args.service_rate:g}/h, "
        f"{result['calls']:,} calls, {pct} batch-means intervals"
    )
    print(
        f"  mean wait (h)  simulated {result['simulated_mean_wait']:.4f} +- "
        f"{result['mean_wait_ci_half_width']:.4f}   Erlang C {result['analytic_mean_wait']:.6f}"
    )
    print(
        f"  P(wait)        simulated {result['simulated_p_wait']:.4f} +- "
        f"{result['p_wait_ci_half_width']:.4f}   Erlang C {result['analytic_p_wait']:.6f}"
    )
    print(
        f"  utilisation    simulated {result['utilisation']:.4f}            "
        f"analytic {result['analytic_utilisation']:.6f}"
    )
    return 0


def _cmd_hypercube(args: argparse.Namespace) -> int:
    from twin.emergency.validation import hypercube_experiment

    _check_common(args)
    result = hypercube_experiment(args.calls, args.seed, confidence=args.confidence)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"two units, two areas (0.6 and 0.4 calls/h), service 1/h, loss system; {result['calls']:,} calls")
    for name in ("both_free", "only_unit_1_busy", "only_unit_2_busy", "both_busy"):
        row = result[name]
        print(
            f"  P({name:<16}) simulated {row['simulated']:.4f} +- {row['ci_half_width']:.4f}   "
            f"hypercube {row['analytic']:.4f}"
        )
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from twin.emergency.config import UNIT_KINDS
    from twin.emergency.siting import propose_stations
    from twin.scenario import load_city

    if args.kind not in UNIT_KINDS:
        raise TwinInputError(f"--kind {args.kind!r} is not a unit kind; allowed: {', '.join(UNIT_KINDS)}")
    if args.add < 1:
        raise TwinInputError(f"--add must be >= 1, got {args.add}")
    if not args.standard_min > 0:
        raise TwinInputError(f"--standard-min must be > 0, got {args.standard_min:g}")
    city = load_city(args.city)
    result, sites = propose_stations(city, args.kind, args.add, args.standard_min)
    net = city.network
    stations = [
        {
            "name": f"proposed {args.kind} {i + 1}",
            "unit_kind": args.kind,
            "x": round(float(net.node_x[sites[j]]), 1),
            "y": round(float(net.node_y[sites[j]]), 1),
            "units": args.units,
        }
        for i, j in enumerate(result.chosen)
    ]
    total = float(city.zones.population.sum())
    if args.json:
        print(
            json.dumps(
                {
                    "covered_before": result.covered_before,
                    "covered_after": result.covered_after,
                    "population": total,
                    "stations": stations,
                }
            )
        )
        return 0
    print(
        f"# MCLP: {args.add} new {args.kind} station(s), {args.standard_min:g}-min standard; residents "
        f"covered {result.covered_before / total:.1%} -> {result.covered_after / total:.1%}"
    )
    for station in stations:
        print("\n[[emergency.stations]]")
        for key, value in station.items():
            print(f"{key} = {json.dumps(value)}")
    return 0


def register(subparsers) -> None:
    """Add ``twin emergency ...`` to the ``twin`` command line."""
    group = subparsers.add_parser("emergency", help="emergency response validation tools").add_subparsers(
        dest="emergency_command", required=True, metavar="SUBCOMMAND"
    )
    p = group.add_parser("erlang", help="run the module as an M/M/c queue and compare with Erlang C")
    p.add_argument("--units", type=int, required=True, help="units at the one station (c)")
    p.add_argument("--arrival-rate", type=float, required=True, help="calls per hour (lambda)")
    p.add_argument("--service-rate", type=float, required=True, help="1 / mean on-scene hours (mu)")
    p.add_argument("--calls", type=int, default=100_000, help="calls to simulate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--confidence", type=float, default=0.99, help="confidence of the batch-means intervals")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_erlang)
    p = group.add_parser("hypercube", help="two units, two areas, loss system vs the exact hypercube model")
    p.add_argument("--calls", type=int, default=50_000, help="calls to simulate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--confidence", type=float, default=0.99, help="confidence of the batch-means intervals")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_hypercube)
    p = group.add_parser("site", help="propose new stations by maximal covering location (exact MILP)")
    p.add_argument("city", help="seed name, seed file or city folder")
    p.add_argument("--kind", default="ambulance", help="unit kind of the new stations")
    p.add_argument("--add", type=int, default=1, help="stations to add")
    p.add_argument("--standard-min", type=float, default=8.0, help="coverage standard, minutes of driving")
    p.add_argument("--units", type=int, default=2, help="units per proposed station (in the printed lever)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_site)
