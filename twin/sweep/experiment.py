"""``twin experiment``: does a policy help, and by how much? A policy against its parent scenario.

A policy file extends its parent (``extends = "hezhou_baseline.toml"``, docs/scenarios.md) and
changes only its policy keys. An experiment runs the parent and each policy ``replicates`` times
on the sweep executor (serial, local processes or a Dask scheduler) with common random numbers:
replicate ``r`` of every side runs with the parent's seed and ``scenario.replicate = r``, so the
same calls, waste and movers meet every policy and the paired differences are the policy's effect.

The folder is a sweep folder (:mod:`twin.sweep.store`): point 0 is the parent, point ``p`` the
``p``-th policy (column ``scenario`` of design.parquet); it resumes like a sweep, and
``twin compare DIR@0 DIR@P`` works on it. Each policy's effects are :func:`twin.sweep.compare`'s
paired differences with their intervals, plus a signal-to-noise flag (:func:`effect_table`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import twin
from twin.errors import TwinInputError
from twin.indicators import load_system
from twin.scenario import Scenario, load_scenario
from twin.sweep.compare import (
    DISTRIBUTION_TABLES,
    Comparison,
    Side,
    compare_sides,
    definition,
    design_note,
    load_side,
    readable_table,
    side_differences,
)
from twin.sweep.executor import CONNECT_TIMEOUT_S, RunTask
from twin.sweep.runner import Plan, execute_plan
from twin.sweep.store import SweepStore, run_id

DEFAULT_REPLICATES = 10
"""Replicates per side when not given (``--replicates``)."""

MAX_REPLICATES = 10000
"""The most replicates an experiment takes (as a sweep)."""

CLEAR_SNR = 2.0
"""Signal-to-noise ratio (|effect| / interval half-width) from which an effect is 'clear': known to
within +-50 %."""

FLAGS = {
    "clear": "the interval excludes 0 and its half-width is at most half the effect (s/n >= 2)",
    "weak": "the interval excludes 0 but is wider than half the effect (1 < s/n < 2)",
    "noise": "the interval includes 0: no effect told apart from noise (s/n <= 1)",
    "unchanged": "identical in every replicate (to 1e-9): the policy does not touch this indicator",
    "n/a": "no interval (fewer than two replicates)",
}
"""The signal-to-noise flags of an effect table and what each means."""

EFFECT_COLUMNS = ["domain", "indicator", "unit", "better", "parent", "policy", "effect", "ci_low", "ci_high",
                  "effect_pct", "snr", "flag", "verdict", "replicates_for_clear", "n"]
"""Columns of :attr:`PolicyEffect.table` (numbers as numbers; :func:`readable_effects` formats)."""


@dataclasses.dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment: the parent, its policies (files and scenarios), the replicates."""

    parent_file: str
    parent: Scenario
    policy_files: tuple[str, ...]
    policies: tuple[Scenario, ...]
    replicates: int

    @property
    def name(self) -> str:
        return " + ".join(p.name for p in self.policies) + f" vs {self.parent.name}"

    def to_dict(self) -> dict:
        """Plain data: the resolved scenarios (parent first) and the replicates."""
        return {"replicates": self.replicates, "parent": self.parent.to_dict(),
                "policies": [p.to_dict() for p in self.policies]}

    def digest(self) -> str:
        """sha256 of the resolved experiment; a resumed experiment must have the same one."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


def _definition_side(label: str, scenario: Scenario) -> Side:
    """A side holding only the like-for-like definition of ``scenario`` (no runs yet)."""
    return Side(label, scenario.scenario.seed, pd.DataFrame(), {}, definition(scenario.to_dict()))


def load_experiment(policies: Sequence[str | Path], replicates: int = DEFAULT_REPLICATES) -> ExperimentSpec:
    """Read the policy files and their common parent; check everything before anything runs.

    Each policy must ``extends`` a scenario, all the same one, and be like for like with it (same
    city, modules, horizon, period and index: :data:`twin.sweep.compare.LIKE_FOR_LIKE`). A policy
    setting its own ``scenario.seed`` runs with the parent's anyway (a warning says so).
    """
    if not 1 <= replicates <= MAX_REPLICATES:
        raise TwinInputError(f"--replicates must be between 1 and {MAX_REPLICATES}, got {replicates}")
    if not policies:
        raise TwinInputError("twin experiment: give at least one policy file")
    seen: dict[Path, str] = {}
    scenarios = []
    parent_file = None
    for path in policies:
        resolved = Path(path).resolve()
        if resolved in seen:
            raise TwinInputError(f"{path}: given twice (as {seen[resolved]}); give each policy once")
        seen[resolved] = str(path)
        scenario = load_scenario(path)
        if len(scenario.files) < 2:
            raise TwinInputError(
                f"{path}: key 'extends': an experiment runs a policy against the scenario it extends, "
                'and this file extends none; add extends = "PARENT.toml" (the baseline) at its top')
        parent = scenario.files[1]
        if parent_file is not None and Path(parent).resolve() != Path(parent_file).resolve():
            raise TwinInputError(
                f"{path}: key 'extends': its parent is {parent}, but {policies[0]}'s is {parent_file}; "
                "the policies of one experiment extend the same parent")
        parent_file = parent
        scenarios.append(scenario)
    assert parent_file is not None
    try:
        parent = load_scenario(parent_file)
    except TwinInputError as exc:
        raise TwinInputError(
            f"{parent_file} (the parent of {policies[0]}) does not run on its own: {exc}") from None
    for path, scenario in zip(policies, scenarios, strict=True):
        differences = side_differences(_definition_side(parent_file, parent),
                                       _definition_side(str(path), scenario))
        if differences:
            raise TwinInputError(
                f"{path} is not like for like with its parent {parent_file}: they differ in "
                f"{'; '.join(differences)}; an experiment changes policy keys only")
        if scenario.scenario.seed != parent.scenario.seed:
            warnings.warn(f"{path}: scenario.seed = {scenario.scenario.seed} is not used: every side runs "
                          f"with the parent's seed {parent.scenario.seed} (common random numbers)",
                          stacklevel=2)
    return ExperimentSpec(str(parent_file), parent, tuple(map(str, policies)), tuple(scenarios), replicates)


def experiment_plan(spec: ExperimentSpec) -> Plan:
    """Point 0 the parent, point p the p-th policy, each x ``replicates``, all with the parent's seed."""
    scenarios = (spec.parent, *spec.policies)
    files = (spec.parent_file, *spec.policy_files)
    seed = spec.parent.scenario.seed
    points = pd.DataFrame({"point": np.arange(len(scenarios), dtype=np.int64),
                           "scenario": [s.name for s in scenarios], "file": list(files)})
    tasks = [RunTask(run_id(p, r), p, r, seed, ())
             for p in range(len(scenarios)) for r in range(spec.replicates)]
    manifest = {
        "name": spec.name,
        "kind": "experiment",
        "digest": spec.digest(),
        "twin_version": twin.__version__,
        "index_system": load_system().identity(),  # twin compare checks it
        "design": "experiment",
        "levers": [],
        "uncertainties": [],
        "points": len(scenarios),
        "replicates": spec.replicates,
        "seed": seed,
        "parent": spec.parent_file,
        "policies": list(spec.policy_files),
        # base_scenario: the parent; scenarios: each point's whole scenario (twin compare DIR@P)
        "spec": {"base_scenario": spec.parent.to_dict(), "scenarios": [s.to_dict() for s in scenarios]},
    }
    return Plan("experiment", spec.name, spec.digest(),
                "a policy file or its parent changed, or --replicates", manifest, points, tasks,
                spec.parent, DISTRIBUTION_TABLES, scenarios)


@dataclasses.dataclass
class PolicyEffect:
    """One policy against the parent: the comparison (paired differences) and the effect table."""

    file: str
    comparison: Comparison
    table: pd.DataFrame  # EFFECT_COLUMNS


@dataclasses.dataclass
class Experiment:
    """The result of :func:`experiment`: the folder, the parent, each policy's effects."""

    folder: Path
    parent_file: str
    replicates: int
    effects: list[PolicyEffect]
    failed: int
    """Runs that ended in an error row (left out of the effects)."""


UNCHANGED_RTOL = 1e-9
"""An effect and interval within this share of the parent's mean (or of 1 for a mean below 1) are
'unchanged': floating-point noise of a sum in another order, not a policy's effect."""


def _flag(diff: float, low: float, high: float, snr: float, scale: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    if max(abs(diff), abs(low), abs(high)) <= UNCHANGED_RTOL * max(abs(scale), 1.0):
        return "unchanged"
    if snr >= CLEAR_SNR:
        return "clear"
    return "weak" if snr > 1 else "noise"


def _verdict(flag: str, diff: float, better: str) -> str:
    """'better' or 'worse' for a clear or weak effect on an indicator with a direction; else ''."""
    if flag not in ("clear", "weak") or better not in ("higher", "lower"):
        return ""
    return "better" if (diff > 0) == (better == "higher") else "worse"


def effect_table(comparison: Comparison, better: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Each indicator's effect (policy - parent) with its interval and signal-to-noise flag.

    ``snr`` is |effect| / half-width of the interval (above 1 the interval excludes 0; see
    :data:`FLAGS`); ``replicates_for_clear`` estimates the replicates that would make a weak or
    noisy effect clear (the half-width shrinks as 1/sqrt(n)); ``better`` gives each indicator's
    direction ('higher', 'lower' or '').
    """
    rows = []
    for r in comparison.table.itertuples(index=False):
        half = (r.ci_high - r.ci_low) / 2
        size = abs(r.diff)
        snr = size / half if half > 0 else (math.inf if size > 0 else math.nan)
        flag = _flag(r.diff, r.ci_low, r.ci_high, snr, r.mean_a)
        pct = 100 * r.diff / abs(r.mean_a) if r.mean_a else math.nan
        need = math.nan
        if flag in ("weak", "noise") and size > 0:
            need = math.ceil(r.n_a * (CLEAR_SNR * half / size) ** 2)
        direction = better.get((r.domain, r.indicator), "")
        rows.append((r.domain, r.indicator, r.unit, direction, r.mean_a, r.mean_b, r.diff, r.ci_low,
                     r.ci_high, pct, snr, flag, _verdict(flag, r.diff, direction), need, r.n_a))
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def readable_effects(effect: PolicyEffect) -> pd.DataFrame:
    """The effect table as text cells for people (compare's number format, intervals, flags)."""
    cells = readable_table(effect.comparison)
    t = effect.table
    interval = cells.columns[6]  # "95% interval"
    return pd.DataFrame({
        "domain": t.domain, "indicator": t.indicator, "unit": t.unit,
        "parent": cells.A, "policy": cells.B, "effect": cells["B - A"],
        "effect %": t.effect_pct.map(lambda v: "n/a" if not math.isfinite(v) else f"{v:+.1f}"),
        interval: cells[interval],
        "s/n": t.snr.map(lambda v: "n/a" if math.isnan(v) else ("inf" if math.isinf(v) else f"{v:.1f}")),
        "flag": t.flag, "verdict": t.verdict,
    })


def summary_line(effect: PolicyEffect) -> str:
    """One line: how many indicators got better, worse, stayed noise or unchanged."""
    t = effect.table
    parts = [f"{int((t.verdict == v).sum())} {v}" for v in ("better", "worse")]
    parts += [f"{int((t.flag == f).sum())} {f}" for f in ("noise", "unchanged", "n/a") if (t.flag == f).any()]
    undirected = int(((t.flag == "clear") | (t.flag == "weak")).sum() - (t.verdict != "").sum())
    if undirected:
        parts.append(f"{undirected} changed (no better direction)")
    return ", ".join(parts)


def format_experiment(result: Experiment) -> str:
    """The terminal tables: for each policy, its effects against the parent."""
    lines = []
    for effect in result.effects:
        c = effect.comparison
        lines.append(f"{effect.file} vs parent {result.parent_file}, year {c.year}; {design_note(c)}")
        table = readable_effects(effect)
        with pd.option_context("display.width", 200, "display.max_rows", 1000, "display.max_colwidth", 40):
            lines.append(table.to_string(index=False) if not table.empty else "(no indicator in common)")
        lines.append(f"summary: {summary_line(effect)}")
        lines.append("")
    lines.append("flags (s/n = |effect| / interval half-width): "
                 + "; ".join(f"{k}: {v}" for k, v in FLAGS.items() if k in ("clear", "weak", "noise")))
    if result.failed:
        lines.append(f"{result.failed} runs failed and are left out (see results.parquet, status 'error')")
    return "\n".join(lines)


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise TwinInputError(f"--confidence must be between 0 and 1, got {confidence}")


def effects_of(folder: str | Path, *, confidence: float = 0.95) -> Experiment:
    """The effects of every policy of the experiment folder ``folder`` against its parent."""
    _check_confidence(confidence)
    store = SweepStore(folder)
    manifest = store.manifest()
    if manifest.get("kind") != "experiment":
        raise TwinInputError(
            f"{folder}: a sweep folder, not an experiment's (sweep.json has no kind 'experiment')")
    results = store.results()
    better = {(d, i): b for d, i, b in zip(results.domain, results.indicator, results.better, strict=True)}
    parent = load_side(f"{folder}@0")
    effects = []
    for point, file in enumerate(manifest["policies"], start=1):
        comparison = compare_sides(parent, load_side(f"{folder}@{point}"), confidence=confidence)
        effects.append(PolicyEffect(file, comparison, effect_table(comparison, better)))
    failed = int((results.drop_duplicates("run_id").status == "error").sum())
    return Experiment(store.path, manifest["parent"], int(manifest["replicates"]), effects, failed)


def experiment(
    policies: Sequence[str | Path] | str | Path,
    out: str | Path,
    *,
    replicates: int = DEFAULT_REPLICATES,
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    resume: bool = False,
    retry_failed: bool = False,
    confidence: float = 0.95,
    progress: bool = False,
    client=None,
    ready: Callable[[], object] | None = None,
) -> Experiment:
    """Run policies against their parent with common random numbers and return their effects.

    Args:
        policies: one policy file or several, each extending the same parent scenario.
        out: the experiment folder (a sweep folder: point 0 the parent, point p policy p).
        replicates: runs per side (default 10); replicate r of every side uses the same seed.
        confidence: level of the intervals (default 0.95).
        The other arguments are :func:`twin.sweep`'s (executor, resume, progress).

    Returns:
        An :class:`Experiment`: per policy, the effect of every indicator with its interval.
    """
    _check_confidence(confidence)  # before any run
    if isinstance(policies, (str, Path)):
        policies = [policies]
    spec = load_experiment(policies, replicates)
    execute_plan(experiment_plan(spec), out, workers=workers, scheduler=scheduler,
                 connect_timeout_s=connect_timeout_s, resume=resume, retry_failed=retry_failed,
                 progress=progress, client=client, ready=ready)
    return effects_of(out, confidence=confidence)
