"""``twin emergency erlang|hypercube`` (the module against queueing theory) and ``site`` (MCLP)."""

from __future__ import annotations

import argparse
import json

from twin.cli_types import SEED, bounded_int, finite_float
from twin.errors import TwinInputError

MAX_CALLS = 10_000_000
"""Most ``--calls`` of ``erlang`` and ``hypercube`` (the module keeps a table row per call)."""

MAX_SIMULATED_H = 876_000
"""Most hours ``erlang`` may simulate (100 years; the module keeps arrays per simulated hour)."""

MAX_ARRIVAL_PER_H = 10_000.0
"""Highest ``erlang --arrival-rate``, calls per hour (the test city's residents are an int32)."""

MAX_NEW_STATIONS = 1000
"""Most ``site --add`` (the MILP has a variable per candidate; the city's zones bound it too)."""


def _check_common(args: argparse.Namespace) -> None:
    if not 0 < args.confidence < 1:
        raise TwinInputError(f"--confidence must be in (0, 1), got {args.confidence:g}")


def _cmd_erlang(args: argparse.Namespace) -> int:
    from twin.emergency.validation import erlang_experiment
    from twin.warmup import warm_up

    load = args.arrival_rate / (args.units * args.service_rate)
    if load >= 1:
        raise TwinInputError(
            f"--arrival-rate / (--units x --service-rate) = {load:g} must be < 1 (a steady state)"
        )
    hours = args.calls / args.arrival_rate
    if hours > MAX_SIMULATED_H:
        raise TwinInputError(f"--calls / --arrival-rate = {hours:,.0f} simulated hours, over the limit of "
                             f"{MAX_SIMULATED_H:,} (100 years); raise --arrival-rate or lower --calls")
    _check_common(args)
    warm_up("emergency")
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
    from twin.warmup import warm_up

    _check_common(args)
    warm_up("emergency")
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
    from twin.city import load_city
    from twin.emergency.config import UNIT_KINDS
    from twin.emergency.siting import propose_stations
    from twin.warmup import warm_up

    if args.kind not in UNIT_KINDS:
        raise TwinInputError(f"--kind {args.kind!r} is not a unit kind; allowed: {', '.join(UNIT_KINDS)}")
    city = load_city(args.city)
    if args.add > len(city.zones):
        raise TwinInputError(f"--add {args.add}: {args.city} has {len(city.zones)} zones, the candidate "
                             f"sites; at most {len(city.zones)} new stations")
    warm_up("emergency")
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


CALLS = bounded_int(1000, MAX_CALLS)
"""``--calls``: at least 1000 for batch means, at most :data:`MAX_CALLS`."""


def register(subparsers) -> None:
    """Add ``twin emergency ...`` to the ``twin`` command line."""
    from twin.emergency.config import MAX_UNITS

    units = bounded_int(1, MAX_UNITS)  # the scenario's bound on a station's units
    group = subparsers.add_parser("emergency", help="emergency response validation tools").add_subparsers(
        dest="emergency_command", required=True, metavar="SUBCOMMAND"
    )
    p = group.add_parser("erlang", help="run the module as an M/M/c queue and compare with Erlang C")
    p.add_argument("--units", type=units, required=True, help="units at the one station (c)")
    p.add_argument("--arrival-rate", type=finite_float(above=0, high=MAX_ARRIVAL_PER_H), required=True,
                   help="calls per hour (lambda)")
    p.add_argument("--service-rate", type=finite_float(above=0), required=True,
                   help="1 / mean on-scene hours (mu)")
    p.add_argument("--calls", type=CALLS, default=100_000, help="calls to simulate (1000 or more)")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--confidence", type=finite_float(above=0), default=0.99,
                   help="confidence of the batch-means intervals")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_erlang)
    p = group.add_parser("hypercube", help="two units, two areas, loss system vs the exact hypercube model")
    p.add_argument("--calls", type=CALLS, default=50_000, help="calls to simulate (1000 or more)")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--confidence", type=finite_float(above=0), default=0.99,
                   help="confidence of the batch-means intervals")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_hypercube)
    p = group.add_parser("site", help="propose new stations by maximal covering location (exact MILP)")
    p.add_argument("city", help="seed name, seed file or city folder")
    p.add_argument("--kind", default="ambulance", help="unit kind of the new stations")
    p.add_argument("--add", type=bounded_int(1, MAX_NEW_STATIONS), default=1, help="stations to add")
    p.add_argument("--standard-min", type=finite_float(above=0, high=24 * 60), default=8.0,
                   help="coverage standard, minutes of driving")
    p.add_argument("--units", type=units, default=2,
                   help="units per proposed station (in the printed lever)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_site)
