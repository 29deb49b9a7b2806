"""``twin calibrate``: fit a scenario's parameters to observations, domain by domain.

The loop: read the observations (the checks of :mod:`twin.observations.read`), hold a share of
each kind's keys out (:func:`~twin.observations.fit.split_holdout`), run the fitter of each domain
whose observation kinds are present (:data:`~twin.observations.fit.FITTERS`; migration first, the
others on its fitted keys: :data:`POPULATION`), each spending at
most ``budget`` simulation runs through :class:`_Evaluator` (sweep runs on the chosen executor,
resumable), then write

- ``CALIBRATED.toml``: ``extends`` the input scenario and sets only the fitted keys, under a
  comment block saying what was fitted, from which files and rows, and how well;
- the report (``CALIBRATED.md`` unless ``--report``; Markdown, or HTML for ``.html``): per domain
  the fitted keys, the figures on the training and the hold-out rows, and the plots;
- the work folder ``CALIBRATED.calibration/``: each batch of evaluations as a sweep folder
  (``evaluations/DOMAIN-NNN``) and the plots (``figures/``). Started again with the same
  scenario, observations and options, a calibration finds its finished runs there.

Nothing is written before every input is checked; an existing ``CALIBRATED.toml`` or report is
never replaced without ``force``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import twin
from twin.errors import TwinInputError
from twin.observations.calibrate_options import DEFAULT_BUDGET, DEFAULT_HOLDOUT, FITTER_KINDS
from twin.observations.fit import (
    FITTERS,
    REPLICATE_KEY,
    CalibrationContext,
    DomainFit,
    digest,
    load_fitter,
    split_holdout,
)
from twin.observations.read import observation_files, read_kind, reference_of
from twin.writing import atomic_write_text, check_file_target, claim, output_errors


@dataclasses.dataclass(frozen=True)
class Calibration:
    """What ``twin calibrate`` wrote and found."""

    out: Path
    report: Path
    work: Path
    fits: tuple[DomainFit, ...]
    rows: dict[str, int]
    """Observation rows read, by kind."""
    held_rows: dict[str, int]
    """Of which held out, by kind."""


POPULATION = "migration"
"""The domain fitted first: the others (trips, calls, waste: all per resident) run on the scenario
with its fitted keys, the population the census tells (fitted on the input's, a district factor or
a rate would carry the population's change: testville's new_town waste x1.18 from twice the
in-migration, docs/observations.md)."""


class _Evaluator:
    """``ctx.evaluate`` of one domain: each call is one sweep folder ``evaluations/DOMAIN-NNN``."""

    def __init__(self, scenario, domain: str, work: Path, budget: int, client,
                 progress: Callable[[str], None], ready: Callable[[], object] | None) -> None:
        self.scenario, self.domain, self.work, self.budget = scenario, domain, work, budget
        self.client, self.progress, self.ready = client, progress, ready
        self.calls = 0
        self.runs = 0

    def __call__(self, candidates: Sequence[Mapping[str, Any]], tables: Sequence[str]) -> list[Path]:
        from twin.sweep.executor import RunTask
        from twin.sweep.runner import Plan, execute_plan
        from twin.sweep.store import SweepStore, run_id

        candidates = [dict(c) for c in candidates]
        if not candidates:
            return []
        if self.runs + len(candidates) > self.budget:
            raise RuntimeError(f"the {self.domain} fitter asked for {self.runs + len(candidates)} runs; "
                               f"its budget is {self.budget}")
        self.calls += 1
        self.runs += len(candidates)
        folder = self.work / "evaluations" / f"{self.domain}-{self.calls:03d}"
        base = self.scenario
        seed = base.scenario.seed
        key = digest(base.to_dict(), candidates, sorted(tables))
        points = pd.DataFrame({"point": np.arange(len(candidates), dtype=np.int64),
                               "candidate": [json.dumps(c, sort_keys=True) for c in candidates]})
        replicates = [int(c.pop(REPLICATE_KEY, 0)) for c in candidates]
        tasks = [RunTask(run_id(p, r), p, r, seed, tuple(sorted(c.items())))
                 for p, (c, r) in enumerate(zip(candidates, replicates, strict=True))]
        name = f"calibrate {self.domain} {self.calls}"
        manifest = {"name": name, "kind": "calibration", "digest": key, "twin_version": twin.__version__,
                    "design": "calibration", "levers": [], "uncertainties": [], "points": len(candidates),
                    "replicates": 1, "seed": seed, "spec": {"base_scenario": base.to_dict(),
                                                             "candidates": candidates}}
        plan = Plan("calibration", name, key, "the scenario, the observations or the options changed",
                    manifest, points, tasks, base, tuple(tables))
        store = SweepStore(folder)
        if store.exists() and store.manifest().get("digest") != key:  # an earlier calibration's batch
            warnings.warn(f"{folder}: holds the runs of other candidates (the scenario, observations or "
                          "options changed since); running them afresh", stacklevel=2)
            with output_errors(folder):
                shutil.rmtree(folder)
        execute_plan(plan, folder, workers=0 if self.client is None else None, client=self.client,
                     resume=store.exists(), ready=self.ready)
        self.ready = None  # compiled once
        failed = store.failed()
        if failed:
            rid = sorted(failed)[0]
            rows = store.results()
            error = rows.loc[rows.run_id == rid, "error"].iloc[0]
            raise TwinInputError(f"{self.scenario.source}: the {self.domain} calibration's run with "
                                 f"{candidates[int(rid[1:7])]} failed: {error}")
        self.progress(f"{self.domain}: {self.runs}/{self.budget} runs done")
        return [store.tables / run_id(p, r) for p, r in enumerate(replicates)]


def _check_options(out: Path, report: Path, budget: int, holdout: float, domains: Sequence[str] | None,
                   force: bool) -> None:
    if out.suffix != ".toml":
        raise TwinInputError(f"--out {out}: the calibrated scenario must be a .toml file")
    from twin.sweep.report import check_report_path

    check_report_path(report)
    if budget < 1:
        raise TwinInputError(f"--budget {budget}: give at least 1 simulation run")
    if not 0.0 <= holdout < 1.0:
        raise TwinInputError(f"--holdout {holdout:g}: give a share of the observations 0 <= FRACTION < 1")
    for domain in domains or ():
        if domain not in FITTERS:
            raise TwinInputError(f"--domains {domain!r}: allowed: {', '.join(FITTERS)}")
    for path, option in ((out, "--out"), (report, "--report")):
        check_file_target(path)
        if path.exists() and not force:
            raise TwinInputError(f"{option} {path}: exists; choose another name or pass --force to "
                                 "replace it")


def _chosen_domains(domains: Sequence[str] | None, present: Sequence[str], folder: Path) -> list[str]:
    """The domains to fit: those asked for (each must have observations) or all that have some."""
    has = {d: [k for k in FITTER_KINDS[d] if k in present] for d in FITTERS}
    if domains:
        for domain in domains:
            if not has[domain]:
                raise TwinInputError(f"--domains {domain}: {folder} holds no observations it fits "
                                     f"(any of {', '.join(f'{k}.csv' for k in FITTER_KINDS[domain])})")
        return [d for d in FITTERS if d in domains]
    return [d for d in FITTERS if has[d]]


def calibrate(scenario_file: str | Path, observed: str | Path, out: str | Path, *,
              report: str | Path | None = None, workers: int = 0, scheduler: str | None = None,
              connect_timeout_s: float | None = None, budget: int = DEFAULT_BUDGET,
              holdout: float = DEFAULT_HOLDOUT, seed: int = 0, domains: Sequence[str] | None = None,
              force: bool = False, progress: Callable[[str], None] | None = None,
              ready: Callable[[], object] | None = None) -> Calibration:
    """Fit ``scenario_file`` to the observations in the folder ``observed``; write ``out`` and the report.

    Args:
        workers: 0 (default) runs the evaluations serially in this process; N > 0 on a local
            Dask cluster of N worker processes. ``scheduler``: an existing Dask scheduler instead.
        budget: simulation runs each domain's fit may spend (>= 1).
        holdout: share (0 <= holdout < 1) of each kind's keys (detectors, zones, bins, days) held out.
        seed: seeds the hold-out draw and each fitter's Generator (the runs use the scenario's seed).
        domains: fit only these (default: every domain whose observations are present).
        force: replace an existing ``out`` and report.
        progress: called with one line per step (default: print to standard error).
        ready: called once before the first simulation (the CLI compiles the kernels there).
    """
    import matplotlib

    from twin.scenario import load_scenario

    matplotlib.use("Agg")  # the fitters' plots: files only
    out = Path(out)
    report = Path(report) if report is not None else out.with_suffix(".md")
    _check_options(out, report, budget, holdout, domains, force)
    if workers < 0:
        raise TwinInputError(f"--workers {workers}: give 0 (serially) or more worker processes")
    if workers and scheduler:
        raise TwinInputError("give either --workers or --scheduler, not both")
    say = progress or (lambda line: print(f"twin calibrate: {line}", file=sys.stderr, flush=True))
    scenario = load_scenario(scenario_file)
    reference = reference_of(scenario_file)
    files = observation_files(observed)
    tables = {kind: read_kind(path, kind, reference) for kind, path in files.items()}
    chosen = _chosen_domains(domains, list(tables), Path(observed))
    if not chosen:
        raise TwinInputError(f"{observed}: no observations any domain fits (have: {', '.join(tables)})")
    train, held, held_keys = split_holdout(tables, holdout, np.random.default_rng([seed, 0]),
                                           {"incidents": reference.zones})
    work = out.with_name(out.stem + ".calibration")
    client = None
    if workers or scheduler:
        from twin.sweep.executor import CONNECT_TIMEOUT_S, connect

        client = connect(workers or None, scheduler, connect_timeout_s or CONNECT_TIMEOUT_S)
    try:
        with output_errors(out):
            out.parent.mkdir(parents=True, exist_ok=True)
        with claim(out, "twin calibrate"):
            figures = work / "figures"
            with output_errors(work):
                shutil.rmtree(figures, ignore_errors=True)
                figures.mkdir(parents=True)
            fits, on = [], scenario
            for domain in sorted(chosen, key=lambda d: d != POPULATION):
                fitter = load_fitter(domain)
                kinds = [k for k in fitter.kinds if k in tables]
                say(f"{domain}: fitting to {', '.join(f'{k} ({len(train[k]):,} rows)' for k in kinds)}")
                evaluator = _Evaluator(on, domain, work, budget, client, say, ready)
                ctx = CalibrationContext(on.to_dict(), Path(scenario_file), Path(scenario_file).parent,
                                         reference, evaluator, np.random.default_rng([seed, 1 + list(FITTERS)
                                                                                      .index(domain)]),
                                         budget, figures, say, held_keys)
                fits.append(fitter.fit(on.to_dict(), {k: train[k] for k in kinds},
                                       {k: held[k] for k in kinds}, ctx))
                if domain == POPULATION and fits[-1].fitted:
                    on = scenario.with_overrides({f.key: f.value for f in fits[-1].fitted})
                    say(f"the other domains run on {', '.join(f.key for f in fits[-1].fitted)} as fitted")
            fits.sort(key=lambda f: list(FITTERS).index(f.domain))
            result = Calibration(out, report, work, tuple(fits), {k: len(t) for k, t in tables.items()},
                                 {k: len(t) for k, t in held.items()})
            from twin.observations.calibrate_report import write_report

            write_report(result, scenario_file, observed, files, holdout, seed)
            atomic_write_text(out, calibrated_text(result, scenario_file, observed, files, holdout, seed))
    finally:
        if client is not None:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    return result


def toml_value(value: Any) -> str:
    """A fitted value as TOML: numbers (floats to 6 significant digits), strings, lists, tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"a fitted value is not finite: {value}")
        return repr(float(f"{float(value):.6g}"))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise ValueError(f"a fitted value of type {type(value).__name__} is not TOML data")


def toml_key(key: str) -> str:
    """A TOML key, quoted unless bare (letters, digits, '_' and '-')."""
    return key if key and all(c.isalnum() or c in "_-" for c in key) and key.isascii() else json.dumps(key)


def _figure(value: float) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _figures(fit: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {_figure(v)}" for k, v in fit.items()) or "none"


def summary_lines(result: Calibration, scenario_file: str | Path, observed: str | Path,
                  files: Mapping[str, Path], holdout: float, seed: int) -> list[str]:
    """What was fitted, from what and how well: the calibrated file's comment block (and the report's top)."""
    held = ", ".join(f"{k} {result.held_rows[k]:,} of {result.rows[k]:,} rows" for k in result.held_rows)
    lines = [f"Calibrated by `twin calibrate` (twin {twin.__version__}) from {scenario_file}.",
             f"Observations: {observed} (" + ", ".join(f"{p.name} {result.rows[k]:,} rows"
                                                    for k, p in files.items()) + ").",
             f"Hold-out: {holdout:.0%} of each kind's keys, seed {seed}, never fitted ({held or 'none'})."]
    for fit in result.fits:
        lines.append(f"{fit.domain}: hold-out {_figures(fit.holdout)}")
        for f in fit.fitted:
            lines.append(f"  {f.key} = {toml_value(f.value)} (prior {toml_value(f.prior)}) from {f.source}; "
                         f"training {_figures(f.fit)}")
        for kept in fit.kept:
            lines.append(f"  kept {kept}")
    return lines


def calibrated_text(result: Calibration, scenario_file: str | Path, observed: str | Path,
                    files: Mapping[str, Path], holdout: float, seed: int) -> str:
    """The calibrated scenario: the comment block, ``extends`` the input, the fitted keys by section."""
    parent = os.path.relpath(Path(scenario_file).resolve(), result.out.resolve().parent)
    lines = [f"# {line}" for line in summary_lines(result, scenario_file, observed, files, holdout, seed)]
    lines += ["", f"extends = {json.dumps(Path(parent).as_posix())}"]
    sections: dict[str, list[str]] = {}
    for fit in result.fits:
        for f in fit.fitted:
            section, _, key = f.key.partition(".")
            dotted = ".".join(toml_key(part) for part in key.split("."))
            sections.setdefault(section, []).append(f"{dotted} = {toml_value(f.value)}")
    for section, keys in sections.items():
        lines += ["", f"[{toml_key(section)}]", *keys]
    return "\n".join(lines) + "\n"
