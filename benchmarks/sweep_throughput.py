"""Sweep throughput and executor overhead: serial, Dask with 1 and 2 worker processes.

A sweep of short runs (testville, access module, ~30 ms a run) measures what the executor adds
to each run: overhead per run = wall time x workers / runs - mean time inside a run (measured on
the worker). Workers write their run files; only a small outcome crosses the scheduler. Cluster
start-up is excluded (reported apart); each cluster is warmed up by one sweep first.

    python benchmarks/sweep_throughput.py [--runs 64]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from twin.sweep import load_sweep, make_design
from twin.sweep.executor import RunPayload, connect, run_dask, run_local
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


def timed_sweep(spec, folder: Path, client=None) -> tuple[float, list[float]]:
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
        run_dask(payload, tasks, lambda o: inside.append(o.seconds), client)
    return time.perf_counter() - start, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=64)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}, cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        spec = load_sweep(write_sweep(tmp, args.runs))
        n = len(plan_tasks(spec, make_design(spec)))
        timed_sweep(spec, tmp / "warm-serial")
        rows = []
        wall, inside = timed_sweep(spec, tmp / "serial")
        rows.append(("serial (in process)", 1, wall, inside, 0.0))
        for workers in (1, 2):
            start = time.perf_counter()
            client = connect(workers)
            startup = time.perf_counter() - start
            try:
                timed_sweep(spec, tmp / f"warm-{workers}", client)
                wall, inside = timed_sweep(spec, tmp / f"dask-{workers}", client)
            finally:
                cluster = client.cluster
                client.close()
                cluster.close()
            rows.append((f"dask LocalCluster, {workers} worker(s)", workers, wall, inside, startup))
        identical = (
            len(
                {
                    (tmp / d / "runs" / "p000000-r0000.parquet").read_bytes()
                    for d in ("serial", "dask-1", "dask-2")
                }
            )
            == 1
        )
    print(f"{n} runs of ~{1000 * np.mean(rows[0][3]):.0f} ms; same run files everywhere: {identical}")
    print(f"{'executor':<30} {'runs/s':>8} {'ms/run in run':>14} {'overhead ms/run':>16} {'start-up s':>11}")
    base = None
    for name, workers, wall, inside, startup in rows:
        throughput = n / wall
        overhead = 1000 * (wall * workers / n - float(np.mean(inside)))
        print(
            f"{name:<30} {throughput:>8.1f} {1000 * np.mean(inside):>14.1f} {overhead:>16.1f}"
            f" {startup:>11.1f}"
        )
        if workers == 1 and name.startswith("dask"):
            base = throughput
        if workers == 2 and base:
            print(f"scaling efficiency 1 -> 2 workers: {throughput / (2 * base):.0%}")


if __name__ == "__main__":
    main()
