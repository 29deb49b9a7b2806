"""Executors: every (point, replicate) is an independent run, in this process or on Dask.

:func:`execute_run` is the whole of a run as a worker sees it: rebuild the scenario from plain
data, apply the point's overrides plus the replicate's seed, simulate, and write the run file
into the sweep folder. Only a small :class:`RunOutcome` travels back through the scheduler,
never the results. A run that raises becomes an error row; the sweep goes on.

Executors: ``run_local`` (serial, in this process) and ``run_dask`` (a dask.distributed
``LocalCluster`` of worker processes, or an existing scheduler by address). Both write the same
bytes for the same run, so results do not depend on the executor, worker count or order.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from twin.errors import TwinInputError

CONNECT_TIMEOUT_S = 10.0
"""How long to wait for an existing Dask scheduler before giving up (seconds)."""


@dataclasses.dataclass(frozen=True)
class RunTask:
    """One run of a sweep: which point and replicate, and the scenario keys it overrides."""

    run_id: str
    point: int
    replicate: int
    seed: int
    overrides: tuple[tuple[str, Any], ...]


@dataclasses.dataclass(frozen=True)
class RunPayload:
    """What every run of a sweep shares: the base scenario as plain data and where to write."""

    base: dict[str, Any]
    base_source: str
    folder: str
    keep_tables: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back: the run id, 'ok' or 'error', the message, seconds spent."""

    run_id: str
    status: str
    error: str
    seconds: float


def one_line(exc: BaseException) -> str:
    """An exception as one line: type and message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def execute_run(payload: RunPayload, task: RunTask) -> RunOutcome:
    """Simulate one run and write its run file; exceptions become an error row."""
    from twin.scenario import scenario_from_dict, simulate
    from twin.sweep.store import SweepStore, run_rows

    start = time.perf_counter()
    store = SweepStore(payload.folder)
    overrides = dict(task.overrides)
    overrides.update({"scenario.seed": task.seed, "scenario.replicate": task.replicate})
    try:
        scenario = scenario_from_dict(payload.base, source=payload.base_source).with_overrides(overrides)
        model, table, timeseries, state, _ = simulate(scenario)
        better = {(ind.domain, ind.name): ind.better for _, ind in model.indicator_rows}
        table = table.assign(
            better=[better.get(k, "") for k in zip(table.domain, table.indicator, strict=True)]
        )
    except Exception as exc:  # any failure of a run is data for the sweep, not a crash
        message = one_line(exc)
        store.write_run(run_rows(task.run_id, task.point, task.replicate, task.seed, None, message))
        return RunOutcome(task.run_id, "error", message, time.perf_counter() - start)
    tables = {name: frame for name, frame in {**timeseries, **state}.items() if name in payload.keep_tables}
    store.write_run(run_rows(task.run_id, task.point, task.replicate, task.seed, table), tables)
    return RunOutcome(task.run_id, "ok", "", time.perf_counter() - start)


Report = Callable[[RunOutcome], None]


def run_local(payload: RunPayload, tasks: Iterable[RunTask], report: Report) -> None:
    """Run the tasks one after the other in this process."""
    for task in tasks:
        report(execute_run(payload, task))


def connect(workers: int | None = None, scheduler: str | None = None, timeout_s: float = CONNECT_TIMEOUT_S):
    """A dask.distributed Client: to ``scheduler`` if given, else to a new LocalCluster.

    The LocalCluster has ``workers`` single-threaded worker processes on the loopback interface
    and no dashboard. distributed always starts an HTTP server in the scheduler (with ``None`` as
    the dashboard address it still answers on port 8787); here it gets a random loopback port and
    no route at all. An unreachable scheduler raises :class:`TwinInputError` after ``timeout_s``.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler, timeout=timeout_s)
        except (OSError, TimeoutError, ValueError) as exc:
            raise TwinInputError(
                f"--scheduler {scheduler}: no Dask scheduler answered within "
                f"{timeout_s:g} s ({one_line(exc)})"
            ) from None
    with dask.config.set({"distributed.scheduler.http.routes": []}):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            silence_logs=logging.ERROR,
        )
    return Client(cluster)


def run_dask(payload: RunPayload, tasks: Iterable[RunTask], report: Report, client) -> None:
    """Run the tasks on a Dask cluster; workers write the files, outcomes stream back.

    A task whose worker keeps dying (``KilledWorker``) or that cannot be run is reported as an
    error row written here, so the sweep still goes on.
    """
    from dask.distributed import as_completed

    from twin.sweep.store import SweepStore, run_rows

    token = uuid.uuid4().hex[:8]
    shared = client.scatter(payload, broadcast=True, hash=False)
    by_key = {}
    futures = []
    for task in tasks:
        future = client.submit(execute_run, shared, task, key=f"twin-run-{token}-{task.run_id}", retries=0)
        by_key[future.key] = task
        futures.append(future)
    store = SweepStore(payload.folder)
    for future in as_completed(futures):
        task = by_key[future.key]
        try:
            outcome = future.result()
        except Exception as exc:  # the run never finished on any worker
            message = one_line(exc)
            store.write_run(run_rows(task.run_id, task.point, task.replicate, task.seed, None, message))
            outcome = RunOutcome(task.run_id, "error", message, 0.0)
        future.release()
        report(outcome)
