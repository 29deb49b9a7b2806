"""``twin.sweep(...)``: plan the runs of a sweep, run what is missing, consolidate the results.

Replicate ``r`` of every point runs with the base scenario's seed and ``scenario.replicate = r``:
the same random numbers for every policy (common random numbers), so differences between
points are paired and not blurred by noise.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

import twin
from twin.config import to_dict
from twin.errors import TwinInputError
from twin.indicators import load_system
from twin.scenario import Scenario
from twin.sweep.design import Design, make_design, salib_problem
from twin.sweep.executor import (
    CONNECT_TIMEOUT_S,
    RunOutcome,
    RunPayload,
    RunTask,
    connect,
    run_dask,
    run_local,
)
from twin.sweep.spec import SweepSpec, load_sweep
from twin.sweep.store import SweepStore, run_id
from twin.writing import claim, output_errors


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a sweep folder will hold and the runs that fill it: a sweep's or an experiment's."""

    kind: str
    """'sweep' or 'experiment' (for messages)."""
    name: str
    digest: str
    """Identifies what is run; a resumed folder must hold the same."""
    changed: str
    """What a different digest means, for the message refusing to resume ('the sweep file ...')."""
    manifest: dict[str, Any]
    """sweep.json (holds ``digest``)."""
    points: pd.DataFrame
    """design.parquet: ``point`` and one column per variable."""
    tasks: list[RunTask]
    base: Scenario
    keep_tables: tuple[str, ...]
    variants: tuple[Scenario, ...] = ()
    """Whole scenarios by point (an experiment's parent and policies); empty for a sweep."""

    def payload(self, folder: Path) -> RunPayload:
        """What every run shares, for workers writing into ``folder``."""
        return RunPayload(self.base.to_dict(), self.base.source, str(folder), self.keep_tables,
                          tuple((v.to_dict(), v.source) for v in self.variants))


def sweep_plan(spec: SweepSpec, design: Design) -> Plan:
    """The plan of a sweep: its design's points (with unit columns for SALib designs) x replicates."""
    points = design.points.copy()
    if design.unit is not None:
        for i, key in enumerate(design.levers + design.uncertainties):
            points[f"unit:{key}"] = design.unit[:, i]
    return Plan("sweep", spec.name, spec.digest(), "the sweep file or its base scenario changed",
                sweep_manifest(spec, design), points, plan_tasks(spec, design), spec.base,
                spec.file.sweep.keep_tables)


def plan_tasks(spec: SweepSpec, design: Design) -> list[RunTask]:
    """Every (point, replicate) of the sweep, in point then replicate order."""
    keys = list(design.levers + design.uncertainties)
    seed = spec.base.scenario.seed
    tasks = []
    for row in design.points.itertuples(index=False):
        values = dict(zip(["point", *keys], row, strict=True))
        overrides = tuple((k, _plain(values[k])) for k in keys)
        for r in range(spec.file.sweep.replicates):
            tasks.append(RunTask(run_id(int(values["point"]), r), int(values["point"]), r, seed, overrides))
    return tasks


def _plain(value):
    """numpy scalars as Python values (the scenario validator wants int, float, str, bool)."""
    return value.item() if hasattr(value, "item") else value


def sweep_manifest(spec: SweepSpec, design: Design) -> dict:
    return {
        "name": spec.name,
        "sweep_file": spec.source,
        "digest": spec.digest(),
        "twin_version": twin.__version__,
        "index_system": load_system().identity(),  # twin compare checks it
        "design": spec.file.sweep.design,
        "levers": list(design.levers),
        "uncertainties": list(design.uncertainties),
        "points": len(design),
        "replicates": spec.file.sweep.replicates,
        "seed": spec.base.scenario.seed,
        "salib_problem": to_dict(_problem(spec, design)),
        "spec": spec.to_dict(),
    }


def _problem(spec: SweepSpec, design: Design) -> dict | None:
    return salib_problem(spec.variables) if design.unit is not None else None


def _prepare(store: SweepStore, plan: Plan, resume: bool) -> None:
    """Make ``store`` ready for the runs: create it, or check it holds this plan (``resume``).

    The caller holds the folder's claim, so every temporary file in it is a killed run's.
    """
    kind = plan.kind
    a_kind = f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
    if store.path.exists() and not store.path.is_dir():
        raise TwinInputError(f"{store.path}: exists and is not a folder; choose another --out")
    if store.exists():
        if not resume:
            raise TwinInputError(
                f"{store.path}: already holds {a_kind}; pass --resume to finish it, or choose a new --out"
            )
        if store.manifest().get("digest") != plan.digest:
            raise TwinInputError(
                f"{store.path}: holds a different {kind} ({plan.changed}); choose a new --out"
            )
        store.remove_leftovers()
        return
    if store.unfinished_creation():
        warnings.warn(f"{store.path}: its creation was interrupted before any run; creating it again",
                      stacklevel=3)
        store.remove_leftovers()
    elif resume:
        raise TwinInputError(f"{store.path}: no {kind} to resume (no sweep.json); drop --resume to start one")
    elif store.path.exists() and any(store.path.iterdir()):
        raise TwinInputError(f"{store.path}: exists and is not {a_kind} folder; choose a new --out")
    store.create(plan.manifest, plan.points)


def sweep(
    spec: SweepSpec | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool = False,
    client=None,
    ready: Callable[[], object] | None = None,
) -> pd.DataFrame:
    """Run a sweep into the folder ``out`` and return the consolidated results table.

    Args:
        spec: a sweep file path or a validated :class:`SweepSpec`.
        out: the sweep folder (see :mod:`twin.sweep.store`).
        workers: worker processes of a new Dask LocalCluster (default: one per core);
            0 runs serially in this process.
        scheduler: address of an existing Dask scheduler (``tcp://host:port``) instead.
        connect_timeout_s: how long to wait for ``scheduler`` before failing (seconds).
        resume: continue the sweep already in ``out``, running only the missing runs.
        retry_failed: with ``resume``, also rerun the runs that ended in an error row.
        progress: show a progress bar (done, failed, time left).
        client: an existing dask.distributed Client to use (takes precedence).
        ready: called once the folder is checked (and, with ``resume``, its run files read), before
            the first run; not called when no run is left (the CLI compiles the kernels there).

    Returns:
        One row per run and indicator (see results.parquet), error rows included.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    return execute_plan(sweep_plan(spec, make_design(spec)), out, workers=workers, scheduler=scheduler,
                        connect_timeout_s=connect_timeout_s, resume=resume, retry_failed=retry_failed,
                        progress=progress, client=client, ready=ready)


def execute_plan(
    plan: Plan,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool = False,
    client=None,
    ready: Callable[[], object] | None = None,
) -> pd.DataFrame:
    """Run a :class:`Plan` into the folder ``out`` (the arguments are :func:`sweep`'s)."""
    if workers is not None and workers < 0:
        raise TwinInputError(f"--workers must be >= 0, got {workers}")
    if workers is not None and scheduler is not None:
        raise TwinInputError("give either --workers or --scheduler, not both")
    store = SweepStore(out)
    own_client = client is None and workers != 0
    if own_client:
        client = connect(
            workers, scheduler, connect_timeout_s
        )  # before touching the folder: a bad address costs nothing
    try:
        with output_errors(out):
            store.path.parent.mkdir(parents=True, exist_ok=True)
        with claim(out, f"twin {plan.kind}"):
            return _run_plan(store, plan, client, resume, retry_failed, progress, ready)
    finally:
        if own_client:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()


def _run_plan(store: SweepStore, plan: Plan, client, resume: bool, retry_failed: bool, progress: bool,
              ready: Callable[[], object] | None = None) -> pd.DataFrame:
    """Prepare the folder, run the missing runs, consolidate (the caller holds the claim)."""
    with output_errors(store.path):
        _prepare(store, plan, resume)
    skip = store.finished()
    if retry_failed:
        skip -= store.failed()
    tasks = plan.tasks
    todo = [t for t in tasks if t.run_id not in skip]
    if todo and ready is not None:
        ready()
    payload = plan.payload(store.path)
    counts = {"failed": 0}
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc=plan.name,
        unit="run",
        disable=not progress,
        smoothing=0.1,
    )

    def report(outcome: RunOutcome) -> None:
        counts["failed"] += outcome.status == "error"
        bar.set_postfix_str(f"failed {counts['failed']}", refresh=False)
        bar.update(1)

    start = time.perf_counter()
    try:
        if client is None:
            run_local(payload, todo, report)
        else:
            run_dask(payload, todo, report, client)
    finally:
        bar.close()
    with output_errors(store.path):
        store.write_timing(len(todo), time.perf_counter() - start)
        store.remove_leftovers()  # of workers killed while writing
        return store.consolidate()
