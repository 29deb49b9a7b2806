"""``twin sweep``, ``twin experiment``, ``twin compare`` and ``twin analyze``: the command-line face
of twin.sweep.

Bad input (sweep files, folders, scheduler addresses) raises :class:`~twin.errors.TwinInputError`,
which the CLI prints as one line with exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from twin.sweep.executor import CONNECT_TIMEOUT_S
from twin.sweep.spec import is_sweep_file

__all__ = ["check_sweep", "is_sweep_file", "register"]


def check_sweep(path: str | Path) -> int:
    """Validate a sweep file and build its design; print one line (``twin validate``)."""
    from twin.sweep import load_sweep, make_design

    spec = load_sweep(path)
    design = make_design(spec)
    runs = len(design) * spec.file.sweep.replicates
    print(
        f"{path}: ok (sweep {spec.name!r}, {spec.file.sweep.design} design, {len(design)} "
        f"points x {spec.file.sweep.replicates} replicates = {runs} runs)"
    )
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from twin.sweep import load_sweep, sweep

    if args.check:
        return check_sweep(args.sweep)
    spec = load_sweep(args.sweep)
    if args.out is None:
        from twin.errors import TwinInputError

        raise TwinInputError("twin sweep: --out DIR is required (the sweep folder)")

    results = sweep(spec, args.out, **_run_options(args))
    runs = results.drop_duplicates("run_id")
    failed = int((runs.status == "error").sum())
    print(f"{spec.name}: {len(runs)} runs ({failed} failed) in {Path(args.out)}")
    print(f"results: {Path(args.out) / 'results.parquet'}")
    return 0


def _run_options(args: argparse.Namespace) -> dict:
    """The executor options `sweep` and `experiment` share, from their command lines."""
    from twin.warmup import warm_up

    return {
        "workers": args.workers,
        "scheduler": args.scheduler,
        "connect_timeout_s": args.connect_timeout,
        "resume": args.resume,
        "retry_failed": args.retry_failed,
        "progress": not args.quiet,
        # compiled once, after the folder is checked; every worker loads it from the cache
        "ready": lambda: warm_up("run", when_cold_only=True),
    }


def _cmd_experiment(args: argparse.Namespace) -> int:
    from twin.sweep.experiment import experiment, format_experiment
    from twin.sweep.report import check_report_path, write_experiment_report

    report = check_report_path(args.report or Path(args.out) / "report.md")  # before any run
    result = experiment(args.policy, args.out, replicates=args.replicates, confidence=args.confidence,
                        **_run_options(args))
    print(format_experiment(result))
    print(f"\nreport: {write_experiment_report(result, report)}")
    print(f"results: {Path(args.out) / 'results.parquet'}")
    return 0


def executor_options(p: argparse.ArgumentParser,
                     default: str = "one per core; 0: serially in this process") -> None:
    """--workers | --scheduler, --connect-timeout: where the runs go (twin sweep, twin experiment,
    twin calibrate); ``default`` says what no --workers means."""
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        help=f"worker processes of a local Dask cluster (default: {default})",
    )
    where.add_argument("--scheduler", help="address of an existing Dask scheduler, tcp://HOST:PORT")
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=CONNECT_TIMEOUT_S,
        metavar="S",
        help=f"seconds to wait for --scheduler (default {CONNECT_TIMEOUT_S:g})",
    )


def _cmd_compare(args: argparse.Namespace) -> int:
    from twin.sweep.compare import compare, format_comparison
    from twin.sweep.report import write_compare_report

    comparison = compare(args.a, args.b, year=args.year, confidence=args.confidence,
                         allow_different=args.allow_different)
    print(format_comparison(comparison))
    if args.report:
        path = write_compare_report(comparison, args.report)
        print(f"\nreport: {path}")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from twin.sweep.analyze import analyze, format_analysis
    from twin.sweep.report import write_analysis_report

    analysis = analyze(args.folder, year=args.year, thresholds=args.threshold)
    print(format_analysis(analysis))
    path = write_analysis_report(analysis, args.report or Path(args.folder) / "analysis.md")
    print(f"\nreport: {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``twin sweep``, ``twin experiment``, ``twin compare`` and ``twin analyze``."""
    p = sub.add_parser("sweep", help="run a sweep of levers x uncertainties x replicates")
    p.add_argument("sweep", help="sweep TOML file (with a [sweep] table)")
    p.add_argument("--out", help="sweep folder (results stream into it)")
    executor_options(p)
    p.add_argument("--resume", action="store_true", help="finish the sweep in --out: run only missing runs")
    p.add_argument("--retry-failed", action="store_true", help="with --resume, also rerun failed runs")
    p.add_argument("--check", action="store_true", help="validate the sweep file and its design; run nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("experiment", help="does a policy help, and by how much: policy vs its parent, "
                                          "replicated with common random numbers")
    p.add_argument("policy", nargs="+", help="policy scenario file(s), each extending the same parent")
    p.add_argument("--out", required=True, help="experiment folder (a sweep folder: point 0 the parent)")
    p.add_argument("--replicates", type=int, default=10, help="runs per side (default 10)")
    executor_options(p)
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--report", help="report file, .md or .html, with plots beside it (default DIR/report.md)")
    p.add_argument("--resume", action="store_true", help="finish the experiment in --out: only missing runs")
    p.add_argument("--retry-failed", action="store_true", help="with --resume, also rerun failed runs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_experiment)

    p = sub.add_parser("compare", help="indicator differences between two runs or sweeps, with intervals")
    p.add_argument("a", help="run folder or sweep folder (the reference)")
    p.add_argument("b", help="run folder or sweep folder (compared with A)")
    p.add_argument("--year", type=int, help="year to compare (default: the last)")
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--report", help="write a report: FILE.md or FILE.html (with plots beside it)")
    p.add_argument("--allow-different", action="store_true",
                   help="compare sides that differ in city, modules, horizon, period or index "
                        "(refused otherwise); the differences head the output")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("analyze", help="sensitivity, regret and scenario discovery of a sweep")
    p.add_argument("folder", help="sweep folder")
    p.add_argument("--year", type=int, help="year to analyse (default: the last)")
    p.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="DOMAIN.INDICATOR<VALUE",
        help="PRIM: a run fails when this holds, e.g. 'services.index<90' (repeatable)",
    )
    p.add_argument("--report", help="report file, .md or .html (default DIR/analysis.md)")
    p.set_defaults(func=_cmd_analyze)
