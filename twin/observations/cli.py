"""``twin observe`` (synthetic observations of a run) and ``twin observations check`` (read a folder)."""

from __future__ import annotations

import argparse

from twin.cli_types import SEED, finite_float


def _cmd_observe(args: argparse.Namespace) -> int:
    from twin.observations.observe import NOISE, SAMPLE, observe, parse_settings
    from twin.writing import check_target

    sample = parse_settings(args.sample, "--sample", SAMPLE)
    noise = parse_settings(args.noise, "--noise", NOISE)
    check_target(args.out, args.force)  # before reading the run
    tables = observe(args.run, args.out, sample=sample, noise=noise, seed=args.seed, force=args.force,
                     detectors=args.detectors, file_format=args.format)
    print(f"{args.out}: " + ", ".join(f"{kind} {len(t):,} rows" for kind, t in tables.items()))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from twin.observations.read import read_observations, reference_of

    tables = read_observations(args.folder, reference_of(args.against))
    print(f"{args.folder}: ok (" + ", ".join(f"{kind} {len(t):,} rows" for kind, t in tables.items()) + ")")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from twin.observations.calibrate import calibrate
    from twin.warmup import warm_up

    domains = [d.strip() for d in args.domains.split(",") if d.strip()] if args.domains else None
    result = calibrate(args.scenario, args.observed, args.out, report=args.report, workers=args.workers or 0,
                       scheduler=args.scheduler, connect_timeout_s=args.connect_timeout, budget=args.budget,
                       holdout=args.holdout, seed=args.seed, domains=domains, force=args.force,
                       ready=lambda: warm_up("run", when_cold_only=True))
    for fit in result.fits:
        fitted = ", ".join(f"{f.key}" for f in fit.fitted) or "nothing (priors kept)"
        held = ", ".join(f"{k} {v:.3g}" for k, v in fit.holdout.items()) or "none"
        print(f"{fit.domain}: fitted {fitted}; hold-out {held}")
    print(f"calibrated scenario: {result.out}")
    print(f"report: {result.report}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``twin observe``, ``twin observations`` and ``twin calibrate`` to the ``twin`` parser."""
    p = sub.add_parser("observe", help="sample synthetic observations of a run (docs/observations.md)")
    p.add_argument("run", help="run folder written by `twin run`")
    p.add_argument("--out", required=True, help="folder for the observation files")
    p.add_argument("--sample", action="append", metavar="KIND=SHARE[,...]",
                   help="share observed per kind, 0..1 (counts=0.1 puts detectors on 10%% of the links)")
    p.add_argument("--noise", action="append", metavar="KIND=VALUE[,...]",
                   help="reporting noise per kind (counts=poisson or a relative sd; 0 = exact)")
    p.add_argument("--detectors", metavar="COUNTS_FILE",
                   help="observe counts on the links of this counts file (a real city's detectors)")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv",
                   help="file type written (default csv; parquet is faster for millions of rows)")
    p.add_argument("--seed", type=SEED, default=0, help="random seed of the sampling (default 0)")
    p.add_argument("--force", action="store_true", help="replace an existing --out folder")
    p.set_defaults(func=_cmd_observe)

    group = sub.add_parser("observations", help="observed data: check a folder of observation files")
    cmds = group.add_subparsers(dest="observations_command", required=True, metavar="SUBCOMMAND")
    p = cmds.add_parser("check", help="read and check every observation file of a folder")
    p.add_argument("folder", help="folder of KIND.csv / KIND.parquet files")
    p.add_argument("--against", required=True, help="run folder or scenario file giving the city and period")
    p.set_defaults(func=_cmd_check)

    from twin.observations.calibrate_options import DEFAULT_BUDGET, DEFAULT_HOLDOUT, FITTER_KINDS
    from twin.sweep.cli import executor_options

    p = sub.add_parser("calibrate", help="fit a scenario's parameters to observations (docs/observations.md)")
    p.add_argument("scenario", help="scenario file to calibrate (the prior)")
    p.add_argument("--observed", required=True, help="folder of observation files (KIND.csv / KIND.parquet)")
    p.add_argument("--out", required=True, help="calibrated scenario file to write (.toml)")
    executor_options(p, default="0, serially in this process")
    p.add_argument("--budget", type=int, default=DEFAULT_BUDGET,
                   help=f"simulation runs each domain's fit may spend (default {DEFAULT_BUDGET})")
    p.add_argument("--holdout", type=finite_float(), default=DEFAULT_HOLDOUT, metavar="FRACTION",
                   help=f"share of each kind's keys held out of the fit, 0..<1 (default {DEFAULT_HOLDOUT:g})")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the hold-out draw and the fits (default 0)")
    p.add_argument("--domains", metavar="D1,D2", help=f"fit only these domains ({', '.join(FITTER_KINDS)}; "
                                                      "default: all with observations)")
    p.add_argument("--report", help="report, Markdown (.md) or HTML (.html) with the same content and plots "
                                    "(default: the --out file with .md)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file and report")
    p.set_defaults(func=_cmd_calibrate)
