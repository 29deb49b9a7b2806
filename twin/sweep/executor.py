"""Executors: every (point, replicate) is an independent run, in this process or on Dask.

:func:`execute_run` is the whole of a run as a worker sees it: rebuild the scenario from plain
data, apply the point's overrides plus the replicate's seed, simulate, and write the run file
into the sweep folder. Only a small :class:`RunOutcome` travels back through the scheduler,
never the results. A run that raises becomes an error row; the sweep goes on.

Executors: ``run_local`` (serial, in this process) and ``run_dask`` (a dask.distributed
``LocalCluster`` of worker processes, or an existing scheduler by address). Both write the same
bytes for the same run, so results do not depend on the executor, worker count, order or batching.

``run_dask`` sends short runs in batches (one Dask task runs several), sized from the time the
runs already finished took, so that a task lasts about :data:`BATCH_TARGET_S`: the scheduler's
few milliseconds per task then cost little even for runs of tens of milliseconds, while long runs
still go one per task and the last batches shrink so that every worker finishes near the end.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from twin.errors import TwinInputError, one_line

CONNECT_TIMEOUT_S = 10.0
"""How long to wait for an existing Dask scheduler before giving up (seconds)."""

BATCH_TARGET_S = 1.0
"""Seconds of running a Dask task of a batch of short runs aims at (runs of 1 s or more go one a task)."""

WORKERS_REFRESH_S = 1.0
"""How often ``run_dask`` asks the scheduler how many workers it has (seconds)."""

BATCHES_PER_WORKER = 2
"""Tasks in flight per worker, and the tail rule: a batch never takes more than the remaining
runs divided by this times the worker count, so the end of a sweep stays balanced."""


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
    base_source: Any  # the scenario's source: its file name, or the provenance of each key
    folder: str
    keep_tables: tuple[str, ...]
    variants: tuple[tuple[dict[str, Any], Any], ...] = ()
    """Whole scenarios (plain data, source) by point, for an experiment (parent, policies): point
    ``p`` runs ``variants[p]`` with the task's overrides instead of ``base``."""

    def scenario_of(self, point: int) -> tuple[dict[str, Any], Any]:
        """The scenario (plain data, source) that point ``point`` runs before its overrides."""
        return self.variants[point] if self.variants else (self.base, self.base_source)


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back: the run id, 'ok' or 'error', the message, seconds spent."""

    run_id: str
    status: str
    error: str
    seconds: float


def execute_run(payload: RunPayload, task: RunTask) -> RunOutcome:
    """Simulate one run and write its run file; exceptions become an error row."""
    from twin.scenario import scenario_from_dict, simulate
    from twin.sweep.store import SweepStore, run_rows

    start = time.perf_counter()
    store = SweepStore(payload.folder)
    overrides = dict(task.overrides)
    overrides.update({"scenario.seed": task.seed, "scenario.replicate": task.replicate})
    try:
        base, source = payload.scenario_of(task.point)
        scenario = scenario_from_dict(base, source=source).with_overrides(overrides)
        _, table, timeseries, state, _ = simulate(scenario)
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


def execute_batch(payload: RunPayload, tasks: tuple[RunTask, ...]) -> list[RunOutcome]:
    """:func:`execute_run` of several tasks one after the other (one Dask task of short runs)."""
    return [execute_run(payload, task) for task in tasks]


def batch_size(seconds_per_run: float | None, remaining: int, workers: int,
               target_s: float = BATCH_TARGET_S) -> int:
    """How many runs the next Dask task takes: about ``target_s`` seconds of running, never more
    than a fair share of what remains (``remaining / (BATCHES_PER_WORKER x workers)``), at least
    one; one while no run has finished (``seconds_per_run`` None) or with ``target_s`` 0."""
    if seconds_per_run is None:
        return 1
    wanted = int(target_s / max(seconds_per_run, 1e-3))
    fair = -(-remaining // (BATCHES_PER_WORKER * max(workers, 1)))
    return max(1, min(wanted, fair))


def run_dask(payload: RunPayload, tasks: Iterable[RunTask], report: Report, client,
             batch_target_s: float = BATCH_TARGET_S) -> None:
    """Run the tasks on a Dask cluster; workers write the files, outcomes stream back.

    Runs go in batches of about ``batch_target_s`` seconds (:func:`batch_size`, from the mean time
    of the runs of the last finished task; 0: one run a task), :data:`BATCHES_PER_WORKER` tasks in
    flight per worker. A task whose worker keeps dying
    (``KilledWorker``) or that cannot be run is reported as error rows written here for its runs
    that left no run file, so the sweep still goes on.
    """
    from dask.distributed import as_completed

    from twin.sweep.store import SweepStore, run_rows

    token = uuid.uuid4().hex[:8]
    shared = client.scatter(payload, broadcast=True, hash=False)
    store = SweepStore(payload.folder)
    queue = list(tasks)[::-1]  # popped from the end: submission in the given order
    by_key: dict[str, tuple[RunTask, ...]] = {}
    pending = as_completed()
    seconds_per_run: float | None = None

    known = {"workers": 1, "at": -WORKERS_REFRESH_S}

    def connected() -> int:
        """Workers connected (an existing cluster's come and go), asked at most once a
        :data:`WORKERS_REFRESH_S`: each answer lists every worker."""
        if time.monotonic() - known["at"] >= WORKERS_REFRESH_S:
            known["workers"] = max(1, len(client.scheduler_info().get("workers", {})))
            known["at"] = time.monotonic()
        return known["workers"]

    def submit(workers: int) -> None:
        size = batch_size(seconds_per_run, len(queue), workers, batch_target_s)
        batch = tuple(queue.pop() for _ in range(min(size, len(queue))))
        future = client.submit(execute_batch, shared, batch, key=f"twin-runs-{token}-{batch[0].run_id}",
                               retries=0)
        by_key[future.key] = batch
        pending.add(future)

    count = connected()
    while queue and len(by_key) < BATCHES_PER_WORKER * count:
        submit(count)
    for future in pending:
        batch = by_key.pop(future.key)
        try:
            outcomes = future.result()
            seconds_per_run = sum(o.seconds for o in outcomes) / len(outcomes)
        except Exception as exc:  # the task never finished on any worker
            message = one_line(exc)
            outcomes = []
            for task in batch:
                if (status := store.run_status(task.run_id)) is not None:  # finished before the loss
                    outcomes.append(RunOutcome(task.run_id, status, "", 0.0))
                    continue
                store.write_run(run_rows(task.run_id, task.point, task.replicate, task.seed, None, message))
                outcomes.append(RunOutcome(task.run_id, "error", message, 0.0))
        future.release()
        if queue:
            count = connected()
            while queue and len(by_key) < BATCHES_PER_WORKER * count:
                submit(count)
        for outcome in outcomes:
            report(outcome)
