"""Sweeps and experiments on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes started from the command line on the loopback interface, reached with `--scheduler`.
Results must be bitwise identical to a serial run. The processes are stopped even when a test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from twin.cli import main

BASE = ROOT / "scenarios" / "sweep_testville_base.toml"
POLICY = ROOT / "scenarios" / "testville_experiment_policy.toml"
DASK = Path(sys.executable).with_name("dask")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, then SIGKILL if it is still there after 10 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """The address of a scheduler with two single-threaded worker processes, all on 127.0.0.1;
    ports chosen by the system (port 0), the address read from the scheduler file."""
    from dask.distributed import Client

    tmp = tmp_path_factory.mktemp("cluster")
    info = tmp / "scheduler.json"
    quiet = ["--dashboard-address", "127.0.0.1:0", "--no-dashboard"]
    processes = []
    try:
        processes.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(info),
             *quiet], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            assert processes[0].poll() is None, "dask scheduler exited"
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            processes.append(subprocess.Popen(
                [str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                 "--local-directory", str(tmp / f"worker{i}"), *quiet],
                cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=120)
            assert len(client.scheduler_info()["workers"]) == 2
        yield address
    finally:
        for process in processes[::-1]:
            _stop(process)


def sweep_file(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(
        f'[sweep]\nname = "cluster"\nbase = "{BASE}"\ndesign = "latin_hypercube"\nsamples = 6\n'
        'levels = 2\nreplicates = 2\n'
        '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 4.0\n'
        '[[uncertainties]]\nkey = "access.interval_min"\nlow = 20.0\nhigh = 60.0\n'
    )
    return path


def test_a_sweep_through_the_scheduler_gives_the_serial_bits(tmp_path, scheduler, capsys):
    path = sweep_file(tmp_path)
    assert main(["sweep", str(path), "--out", str(tmp_path / "serial"), "--workers", "0", "--quiet"]) == 0
    assert main(["sweep", str(path), "--out", str(tmp_path / "cluster"), "--scheduler", scheduler,
                 "--quiet"]) == 0
    assert "24 runs (0 failed)" in capsys.readouterr().out
    serial = (tmp_path / "serial" / "results.parquet").read_bytes()
    assert (tmp_path / "cluster" / "results.parquet").read_bytes() == serial


def test_an_experiment_through_the_scheduler_gives_the_serial_bits(tmp_path, scheduler, capsys):
    def experiment(out: str, *where: str) -> str:
        assert main(["experiment", str(POLICY), "--replicates", "3", "--out", str(tmp_path / out),
                     *where, "--quiet"]) == 0
        return capsys.readouterr().out

    serial = experiment("serial", "--workers", "0")
    cluster = experiment("cluster", "--scheduler", scheduler)
    assert (tmp_path / "cluster" / "results.parquet").read_bytes() == (
        tmp_path / "serial" / "results.parquet").read_bytes()
    for folder in ("serial", "cluster"):  # kept tables too (the population plot reads them)
        tables = sorted((tmp_path / folder / "tables").rglob("*.parquet"))
        assert len(tables) == 6
    assert serial.replace(str(tmp_path / "serial"), "X") == cluster.replace(str(tmp_path / "cluster"), "X")
