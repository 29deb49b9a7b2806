#!/usr/bin/env python3
"""Regenerate docs/policy_results.md: every shipped policy of a parent scenario against it.

Every scenario file in scenarios/ that extends the parent (default scenarios/hezhou_baseline.toml)
and is like for like with it (same city, modules, horizon, period, index) is a policy. They run
as one ``twin experiment`` (point 0 the parent, whose runs every policy shares; common random
numbers; ``--replicates`` runs a side, default 10) and the report (each indicator's effect with
its interval and signal-to-noise flag, plots beside it) replaces ``--report`` (default
docs/policy_results.md). The experiment folder (``--out``) resumes: a run killed half way goes on
with ``--resume``; ``--report-only`` rewrites the report from it.

    python scripts/policy_results.py                                  # Hezhou, 10 replicates
    python scripts/policy_results.py --scheduler tcp://HOST:8786 --out /shared/policy_results
    python scripts/policy_results.py --parent scenarios/testville_experiment_base.toml \\
        --replicates 4 --out /tmp/tv --report /tmp/tv/results.md         # the test city, seconds
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def policies_of(parent: Path, folder: Path) -> list[Path]:
    """The scenario files in ``folder`` whose ``extends`` names ``parent`` and that are like for
    like with it (a file extending the parent into a base of its own, with other modules or
    horizon, is skipped with a note), sorted by name."""
    from twin.errors import TwinInputError
    from twin.sweep.experiment import load_experiment

    found = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # not ours to judge: `twin validate` reports it
        extends = data.get("extends")
        if not isinstance(extends, str) or (path.parent / extends).resolve() != parent.resolve():
            continue
        try:
            load_experiment([path], replicates=1)
        except TwinInputError as exc:
            print(f"policy_results: skipped {path.name}: {exc}", file=sys.stderr)
            continue
        found.append(path)
    return found


def _relative(path: Path) -> Path:
    """``path`` relative to the repository when inside it (the report names files that way)."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parent", type=Path, default=ROOT / "scenarios" / "hezhou_baseline.toml")
    parser.add_argument("--policy", type=Path, action="append", default=[],
                        help="only this policy (repeatable; default: those in scenarios/ extending --parent)")
    parser.add_argument("--replicates", type=int, default=10)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="local worker processes (0: serially)")
    where.add_argument("--scheduler", help="an existing Dask scheduler, tcp://HOST:PORT")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "policy_results")
    parser.add_argument("--resume", action="store_true", help="finish the experiment in --out")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "policy_results.md")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from the experiment already in --out; run nothing")
    args = parser.parse_args(argv)
    for name in ("parent", "out", "report"):  # then paths in the report are relative to the repository
        setattr(args, name, getattr(args, name).resolve())
    args.policy = [p.resolve() for p in args.policy]
    os.chdir(ROOT)

    from twin.errors import TwinInputError
    from twin.sweep.experiment import effects_of, experiment
    from twin.sweep.report import check_report_path, write_experiment_report
    from twin.warmup import warm_up

    try:
        check_report_path(args.report)
        every = policies_of(args.parent, ROOT / "scenarios")
        policies = [_relative(p) for p in args.policy or every]
        if not policies:
            raise TwinInputError(f"{args.parent}: no scenario in scenarios/ extends it")
        if args.report_only:
            result = effects_of(args.out)
            policies = [Path(effect.file) for effect in result.effects]
        else:
            result = experiment(policies, args.out, replicates=args.replicates, workers=args.workers,
                                scheduler=args.scheduler, resume=args.resume, progress=True,
                                ready=lambda: warm_up("run", when_cold_only=True))
    except TwinInputError as exc:
        print(f"policy_results: error: {exc}", file=sys.stderr)
        return 2
    sessions = json.loads((args.out / "timing.json").read_text())
    runs, seconds = sum(s["runs"] for s in sessions), sum(s["seconds"] for s in sessions)
    where_text = ("" if args.report_only else f"Dask scheduler {args.scheduler}; " if args.scheduler
                  else "serially; " if args.workers == 0
                  else f"{args.workers or 'one per core'} local workers; ")
    command = " ".join(["python scripts/policy_results.py", *map(shlex.quote, argv or sys.argv[1:])])
    preface = [
        f"Regenerated by `{command}` on {datetime.date.today().isoformat()}: {len(policies)} "
        f"polic{'y' if len(policies) == 1 else 'ies'} ({', '.join(map(str, policies))}) against "
        f"{args.parent.name}, {result.replicates} replicates a side.",
        f"Cost: {runs} runs in {seconds / 60:.1f} min of wall time ({where_text}"
        f"{seconds / max(runs, 1):.0f} s a run on average).",
    ]
    if len(policies) < len(every) or result.replicates < 10:
        preface.append(
            f"A partial result: the full one runs every policy ({len(every)}) and the parent with 10 "
            f"replicates, {(len(every) + 1) * 10} runs (docs/sweeps.md, Experiments, gives its cost).")
    path = write_experiment_report(result, args.report, title=f"Policy results: {args.parent.stem}",
                                   preface=tuple(preface))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
