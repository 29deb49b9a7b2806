"""Sweep throughput and executor overhead: serial, Dask with 1 and 2 worker processes, with and
without batching short runs into one Dask task.

A sweep of short runs (testville, access module, ~20-60 ms a run) measures what the executor adds
to each run: overhead per run = wall time x workers / runs - mean time inside a run (measured on
the worker). Workers write their run files; only a small outcome crosses the scheduler. Cluster
start-up is excluded (reported apart); each cluster is warmed up by one sweep first, and each
figure is the fastest of ``--repeat`` sweeps.

Efficiency of 2 workers against the ideal (twice the runs per second of 1 worker of the same
executor): ``runs/s with 2 workers / (2 x runs/s with 1 worker)``; "busy" is the share of the
workers' wall time spent inside runs (sum of the runs' seconds / (workers x wall)), which the
executor's overhead lowers and other programs on the machine do not.

    python benchmarks/sweep_throughput.py [--runs 256] [--repeat 3] [--cli-workers]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from twin.sweep import load_sweep, make_design
from twin.sweep.executor import BATCH_TARGET_S, RunPayload, connect, run_dask, run_local
from twin.sweep.runner import plan_tasks
from twin.sweep.store import SweepStore

ROOT = Path(__file__).resolve().parent.parent


def write_sweep(folder: Path, runs: int) -> Path:
    path = folder / "bench.toml"
    path.write_text(
        f'[sweep]\nname = "bench"\nbase = "{ROOT / "scenarios" / "sweep_testville_base.toml"}"\n'
        f'design = "latin_hypercube"\nsamples = {runs // 2}\nlevels = 2\nreplicates = 1\n'
        '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 5.0\n'
        '[[uncertainties]]\nkey = "access.interval_min"\nlow = 20.0\nhigh = 60.0\n'
    )
    return path


@contextlib.contextmanager
def local_cluster(workers: int):
    """A client of the LocalCluster `twin sweep --workers N` starts; closed on exit."""
    client = connect(workers)
    try:
        yield client
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


@contextlib.contextmanager
def cli_cluster(workers: int, folder: Path):
    """A client of a `dask scheduler` and ``workers`` `dask worker` processes started from the command
    line on 127.0.0.1, each in a session of its own as on a real cluster (the kernel then shares
    the CPU between them as between separate programs); stopped on exit."""
    from dask.distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    info = folder / f"scheduler-{workers}.json"
    quiet = ["--dashboard-address", "127.0.0.1:0", "--no-dashboard"]
    started = []

    def start(*argv: str) -> None:
        started.append(subprocess.Popen([dask, *argv, *quiet], cwd=folder, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(info))
        while not info.is_file():
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        for i in range(workers):
            start("worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                  "--local-directory", str(folder / f"w{workers}-{i}"))
        with Client(address) as client:
            client.wait_for_workers(workers, timeout=120)
            yield client
    finally:
        for process in started[::-1]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


def timed_sweep(spec, folder: Path, client=None, batch_target_s: float = BATCH_TARGET_S
                ) -> tuple[float, list[float]]:
    """Wall seconds for every run of ``spec`` into ``folder``, and seconds inside each run."""
    store = SweepStore(folder)
    store.runs.mkdir(parents=True, exist_ok=True)
    design = make_design(spec)
    store.create({}, design.points)
    tasks = plan_tasks(spec, design)
    payload = RunPayload(spec.base.to_dict(), spec.base.source, str(store.path), ())
    inside: list[float] = []
    start = time.perf_counter()
    if client is None:
        run_local(payload, tasks, lambda o: inside.append(o.seconds))
    else:
        run_dask(payload, tasks, lambda o: inside.append(o.seconds), client, batch_target_s)
    return time.perf_counter() - start, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3, help="sweeps per executor; the fastest counts")
    parser.add_argument("--cli-workers", action="store_true",
                        help="`dask scheduler` and `dask worker` processes instead of a LocalCluster")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        spec = load_sweep(write_sweep(tmp, args.runs))
        n = len(plan_tasks(spec, make_design(spec)))
        timed_sweep(spec, tmp / "warm-serial")
        rows = []

        def fastest(name: str, client=None, target: float = BATCH_TARGET_S) -> tuple[float, list[float]]:
            """The fastest of ``--repeat`` sweeps (other programs on the machine slow some)."""
            return min((timed_sweep(spec, tmp / f"{name}-{i}", client, target) for i in range(args.repeat)),
                       key=lambda timed: timed[0])

        wall, inside = fastest("serial")
        rows.append(("serial (in process)", 1, wall, inside, 0.0))
        kind = "dask worker processes" if args.cli_workers else "LocalCluster"
        for workers in (1, 2):
            start = time.perf_counter()
            with cli_cluster(workers, tmp) if args.cli_workers else local_cluster(workers) as client:
                startup = time.perf_counter() - start
                timed_sweep(spec, tmp / f"warm-{workers}", client)
                modes = (("one run a task", 0.0), (f"batches of ~{BATCH_TARGET_S:g} s", BATCH_TARGET_S))
                for label, target in modes:
                    wall, inside = fastest(f"dask-{workers}-{target}", client, target)
                    rows.append((f"dask {workers} worker(s), {label}", workers, wall, inside, startup))
        folders = ["serial-0"] + [f"dask-{w}-{t}-0" for w in (1, 2) for t in (0.0, BATCH_TARGET_S)]
        identical = len({(tmp / d / "runs" / "p000000-r0000.parquet").read_bytes() for d in folders}) == 1
    print(f"{n} runs of ~{1000 * np.mean(rows[0][3]):.0f} ms; {kind}; same run files everywhere: {identical}")
    print(f"{'executor':<42} {'runs/s':>8} {'ms in run':>10} {'overhead ms':>12} {'busy':>6}"
          f" {'start-up s':>11}")
    for name, workers, wall, inside, startup in rows:
        overhead = 1000 * (wall * workers / n - float(np.mean(inside)))
        busy = sum(inside) / (workers * wall)
        print(f"{name:<42} {n / wall:>8.1f} {1000 * np.mean(inside):>10.1f} {overhead:>12.1f} {busy:>6.0%}"
              f" {startup:>11.1f}")
    for label in ("one run a task", "batches"):
        one, two = (next(r for r in rows if r[0].startswith(f"dask {w} ") and label in r[0]) for w in (1, 2))
        print(f"efficiency of 2 workers against ideal ({label}): {(n / two[2]) / (2 * n / one[2]):.0%}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
