#!/usr/bin/env python3
"""Regenerate docs/policy_results.md: every shipped policy of a parent scenario against it.

Every scenario file in scenarios/ that extends the parent (default scenarios/hezhou_baseline.toml)
and is like for like with it (same city, modules, horizon, period, index) is a policy. They run
as one ``twin experiment`` (point 0 the parent, whose runs every policy shares; common random
numbers; ``--replicates`` runs a side, default 10) and the report (each indicator's effect with
its interval and signal-to-noise flag, plots beside it) replaces ``--report`` (default
docs/policy_results.md). The experiment folder (``--out``) resumes: a run killed half way goes on
with ``--resume``; ``--report-only`` rewrites the report from it.

Each policy's part of the report opens with an expert check: the effects a domain expert expects
of it (``--expectations``, default scripts/policy_expectations.toml: per policy, 3-6 indicators
with a direction, a plausible range, the reason and a source, written before the run) against
the measured effects, with a verdict each (:data:`VERDICTS`) and one summary line. The
expectations are read and checked before anything runs; a bad file is one line naming the file,
the key and what is allowed (exit 2).

    python scripts/policy_results.py                                  # Hezhou, 10 replicates
    python scripts/policy_results.py --scheduler tcp://HOST:8786 --out /shared/policy_results
    python scripts/policy_results.py --parent scenarios/testville_experiment_base.toml \\
        --replicates 4 --out /tmp/tv --report /tmp/tv/results.md         # the test city, seconds
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import shlex
import sys
import tomllib
from pathlib import Path

import pandas as pd

from twin.errors import TwinInputError
from twin.sweep.compare import readable
from twin.sweep.report import Section, check_report_path, write_experiment_report

ROOT = Path(__file__).resolve().parents[1]

EXPECTATIONS = ROOT / "scripts" / "policy_expectations.toml"
"""The default expectations file."""

DIRECTIONS = ("increase", "decrease", "none")
"""The expected directions of an effect."""

VERDICTS = ("as expected", "smaller", "larger", "wrong direction", "not distinguishable from zero",
            "not measured")
"""What the expert check says of a measured effect, in the order of :func:`verdict`'s rules."""


@dataclasses.dataclass(frozen=True)
class Expectation:
    """What a domain expert expects of one indicator under one policy. ``low``, ``high``: the
    plausible effect, in % of the parent's value when ``percent``, else in the indicator's unit."""

    indicator: str  # "domain.name"
    direction: str  # one of DIRECTIONS
    low: float
    high: float
    percent: bool
    reason: str
    source: str
    discussion: str = ""
    discussed_verdict: str = ""


@dataclasses.dataclass(frozen=True)
class PolicyExpectations:
    """A policy's mechanism and its expectations."""

    mechanism: str
    expect: tuple[Expectation, ...]


def _text(path: Path, where: str, table: dict, key: str, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise TwinInputError(f"{path}: {where}.{key}: a non-empty string is required")
    return " ".join(value.split())


def load_expectations(path: Path, policies: list[str]) -> dict[str, PolicyExpectations]:
    """The expectations file ``path`` (see scripts/policy_expectations.toml for its keys), its
    top-level tables named by the stems of ``policies``; one line naming the file and the key on
    any fault."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot read the expectations file ({exc.strerror})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TwinInputError(f"{path}: not a TOML file ({' '.join(str(exc).split())})") from None
    known = sorted(policies)
    result = {}
    for name, table in data.items():
        if name not in known:
            raise TwinInputError(f"{path}: [{name}]: not a policy of this experiment; allowed: "
                                 f"{', '.join(known) or '(none)'}")
        if not isinstance(table, dict) or set(table) - {"mechanism", "expect"}:
            raise TwinInputError(f"{path}: [{name}]: a table with keys mechanism and expect is required")
        rows = table.get("expect")
        if not (isinstance(rows, list) and 1 <= len(rows) <= 8 and all(isinstance(r, dict) for r in rows)):
            raise TwinInputError(f"{path}: [{name}].expect: 1 to 8 [[{name}.expect]] tables are required")
        result[name] = PolicyExpectations(_text(path, f"[{name}]", table, "mechanism"),
                                          tuple(_expectation(path, name, i, r) for i, r in enumerate(rows)))
    return result


EXPECT_KEYS = {"indicator", "direction", "range_pct", "range", "reason", "source", "discussion",
               "discussed_verdict"}


def _expectation(path: Path, policy: str, i: int, row: dict) -> Expectation:
    where = f"[{policy}].expect[{i}]"
    unknown = sorted(set(row) - EXPECT_KEYS)
    if unknown:
        raise TwinInputError(f"{path}: {where}.{unknown[0]}: unknown key; allowed: "
                             f"{', '.join(sorted(EXPECT_KEYS))}")
    indicator = _text(path, where, row, "indicator")
    if indicator.count(".") != 1 or not all(indicator.split(".")):
        raise TwinInputError(f"{path}: {where}.indicator: {indicator!r} is not 'domain.name'")
    direction = row.get("direction")
    if direction not in DIRECTIONS:
        raise TwinInputError(f"{path}: {where}.direction: {direction!r}; allowed: {', '.join(DIRECTIONS)}")
    if ("range_pct" in row) == ("range" in row):
        raise TwinInputError(f"{path}: {where}: exactly one of range_pct (% of the parent's value) and "
                             "range (the indicator's unit) is required")
    key = "range_pct" if "range_pct" in row else "range"
    bounds = row[key]
    numbers = isinstance(bounds, list) and len(bounds) == 2 and all(
        isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b) for b in bounds)
    if not numbers or not bounds[0] < bounds[1]:
        raise TwinInputError(f"{path}: {where}.{key}: {bounds!r}; a pair of numbers [low, high] with "
                             "low < high is required")
    low, high = map(float, bounds)
    agrees = {"increase": low >= 0, "decrease": high <= 0, "none": low <= 0 <= high}[direction]
    if not agrees:
        allowed = {"increase": "0 <= low", "decrease": "high <= 0", "none": "low <= 0 <= high"}[direction]
        raise TwinInputError(f"{path}: {where}.{key}: {bounds!r} disagrees with direction "
                             f"{direction!r} ({allowed})")
    discussion = _text(path, where, row, "discussion", required=False)
    discussed = row.get("discussed_verdict", "")
    if bool(discussion) != bool(discussed):
        raise TwinInputError(f"{path}: {where}: discussion and discussed_verdict go together "
                             "(both or neither)")
    if discussed and discussed not in VERDICTS:
        raise TwinInputError(f"{path}: {where}.discussed_verdict: {discussed!r}; allowed: "
                             f"{', '.join(VERDICTS)}")
    return Expectation(indicator, direction, low, high, key == "range_pct", _text(path, where, row, "reason"),
                       _text(path, where, row, "source"), discussion, discussed)


def verdict(direction: str, low: float, high: float, effect: float, flag: str) -> str:
    """The expert check of one effect (policy - parent, on the expectation's scale: % of the
    parent's value or the indicator's unit) with its signal-to-noise ``flag`` (twin.sweep.experiment
    FLAGS: 'noise' and 'unchanged' mean the interval includes 0) against the expected
    ``direction`` and range [``low``, ``high``]. The size is judged on the point estimate."""
    if flag == "n/a" or not math.isfinite(effect):
        return "not measured"
    zero = flag in ("noise", "unchanged")
    if direction == "none":
        return "as expected" if zero or low <= effect <= high else "larger"
    if zero:
        return "not distinguishable from zero"
    if (effect > 0) != (direction == "increase"):
        return "wrong direction"
    near, far = sorted((abs(low), abs(high)))
    return "smaller" if abs(effect) < near else "larger" if abs(effect) > far else "as expected"


def _signed(value: float) -> str:
    return "+0" if value == 0 else ("+" if value > 0 else "") + readable(value)


def check_policy(effect, expectations: PolicyExpectations, path: Path) -> tuple[Section, list[str]]:
    """The "Expert check" section of one policy (a twin.sweep.experiment.PolicyEffect) and the
    verdict of each expectation; an expected indicator the experiment does not have is one line
    naming the file and the key."""
    table = effect.table
    rows, verdicts = [], []
    name = Path(effect.file).stem
    for i, e in enumerate(expectations.expect):
        domain, indicator = e.indicator.split(".")
        hit = table[(table.domain == domain) & (table.indicator == indicator)]
        if hit.empty:
            raise TwinInputError(f"{path}: [{name}].expect[{i}].indicator: {e.indicator!r} is not an "
                                 "indicator compared in this experiment (see the report's table of "
                                 f"{effect.file})")
        r = hit.iloc[0]
        scale = 100 / abs(r.parent) if e.percent and r.parent else (math.nan if e.percent else 1.0)
        measured = r.effect * scale
        flag = r.flag if math.isfinite(scale) else "n/a"
        v = verdict(e.direction, e.low, e.high, measured, flag)
        unit = "%" if e.percent else ("points" if r.unit == "%" else r.unit)
        interval = (f" [{_signed(r.ci_low * scale)}, {_signed(r.ci_high * scale)}]"
                    if math.isfinite(r.ci_low * scale) and math.isfinite(r.ci_high * scale) else "")
        shown = (f"{_signed(measured)} {unit}{interval}" if math.isfinite(measured)
                 else "n/a (the parent's value is 0: no % effect)")
        why = f"{e.reason} Source: {e.source}."
        if e.discussion:
            stale = "" if e.discussed_verdict == v else (
                f" (written for the verdict '{e.discussed_verdict}'; the verdict is now '{v}')")
            why += f" After the run{stale}: {e.discussion}"
        rows.append((e.indicator, f"{e.direction}, {e.low:+g} to {e.high:+g} {unit}", shown,
                     r.flag, v, why))
        verdicts.append(v)
    frame = pd.DataFrame(rows, columns=["indicator", "expected", "measured [95% interval]", "flag",
                                        "verdict", "why expected (source)"])
    line = f"Expert check: {expert_summary(verdicts, [e.indicator for e in expectations.expect])}."
    return Section("Expert check", (f"Mechanism: {expectations.mechanism}", line), frame), verdicts


def expert_summary(verdicts: list[str], indicators: list[str]) -> str:
    """One line: how many effects are as expected, and which are not, by verdict."""
    parts = [f"{verdicts.count('as expected')} of {len(verdicts)} as expected"]
    for v in VERDICTS[1:]:
        which = [i for i, w in zip(indicators, verdicts, strict=True) if w == v]
        if which:
            parts.append(f"{v}: {', '.join(which)}")
    return "; ".join(parts)


def policies_of(parent: Path, folder: Path) -> list[Path]:
    """The scenario files in ``folder`` whose ``extends`` names ``parent`` and that are like for
    like with it (a file extending the parent into a base of its own, with other modules or
    horizon, is skipped with a note), sorted by name."""
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
    parser.add_argument("--expectations", type=Path, default=EXPECTATIONS,
                        help="what a domain expert expects of each policy (default %(default)s)")
    args = parser.parse_args(argv)
    # then paths in the report are relative to the repository
    for name in ("parent", "out", "report", "expectations"):
        setattr(args, name, getattr(args, name).resolve())
    args.policy = [p.resolve() for p in args.policy]
    os.chdir(ROOT)

    from twin.sweep.experiment import effects_of, experiment
    from twin.warmup import warm_up

    try:
        check_report_path(args.report)
        every = policies_of(args.parent, ROOT / "scenarios")
        policies = [_relative(p) for p in args.policy or every]
        if not policies:
            raise TwinInputError(f"{args.parent}: no scenario in scenarios/ extends it")
        expected = load_expectations(args.expectations, sorted({p.stem for p in [*every, *policies]}))
        if args.report_only:
            result = effects_of(args.out)
            policies = [Path(effect.file) for effect in result.effects]
        else:
            result = experiment(policies, args.out, replicates=args.replicates, workers=args.workers,
                                scheduler=args.scheduler, resume=args.resume, progress=True,
                                ready=lambda: warm_up("run", when_cold_only=True))
        sections, verdicts, summaries = {}, [], []
        for effect in result.effects:
            mine = expected.get(Path(effect.file).stem)
            if mine is None:
                sections[effect.file] = [Section("Expert check", (
                    f"No expectations for this policy in {_relative(args.expectations)}: not checked.",))]
                continue
            section, found = check_policy(effect, mine, _relative(args.expectations))
            sections[effect.file] = [section]
            verdicts += found
            summaries.append(f"{Path(effect.file).stem}: "
                             f"{expert_summary(found, [e.indicator for e in mine.expect])}.")
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
    checked = sum(1 for e in result.effects if Path(e.file).stem in expected)
    preface.append(
        f"Expert check: {_relative(args.expectations)} says what a domain expert expects of each "
        "policy (direction, plausible size, the reason and a source; its header says when they were "
        f"written). {checked} of {len(result.effects)} policies checked, "
        f"{verdicts.count('as expected')} of {len(verdicts)} effects as expected; each policy's "
        "\"Expert check\" below gives the verdicts, and an effect outside its range is discussed there.")
    preface += summaries
    if len(policies) < len(every) or result.replicates < 10:
        preface.append(
            f"A partial result: the full one runs every policy ({len(every)}) and the parent with 10 "
            f"replicates, {(len(every) + 1) * 10} runs (docs/sweeps.md, Experiments, gives its cost).")
    path = write_experiment_report(result, args.report, title=f"Policy results: {args.parent.stem}",
                                   preface=tuple(preface), sections=sections)
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
