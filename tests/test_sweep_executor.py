"""Running sweeps: serial and on a real Dask LocalCluster, error rows, kill and resume."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pandas as pd
import pytest
from conftest import ROOT

import twin
from twin.cli import main
from twin.sweep import SweepStore, load_sweep, make_design, sweep
from twin.sweep.executor import RunPayload, connect, execute_run, run_dask
from twin.sweep.runner import plan_tasks

BASE = ROOT / "scenarios" / "sweep_testville_base.toml"


def write(tmp_path, sweep_lines: str = "", variables: str = "", name: str = "sweep.toml"):
    path = tmp_path / name
    path.write_text(
        f'[sweep]\nname = "t"\nbase = "{BASE}"\nlevels = 2\nreplicates = 2\n{sweep_lines}\n'
        '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 4.0\n'
        f'[[uncertainties]]\nkey = "access.interval_min"\nlow = 20.0\nhigh = 60.0\n{variables}'
    )
    return path


@pytest.fixture(scope="module")
def client():
    c = connect(2)  # the cluster `twin sweep` starts
    with c:
        yield c
    c.cluster.close()


def test_the_cluster_serves_no_dashboard(client):
    """No dashboard, and the HTTP server distributed always starts is on a random loopback port
    with no route (distributed's default for a dashboard address of None is port 8787)."""
    link = urllib.parse.urlsplit(client.cluster.dashboard_link)
    assert link.hostname == "127.0.0.1" and link.port != 8787
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(client.cluster.dashboard_link, timeout=10)
    assert answer.value.code == 404


def test_results_table_shape_and_common_random_numbers(tmp_path):
    results = twin.sweep(write(tmp_path), tmp_path / "out", workers=0)  # the public API
    runs = results.drop_duplicates("run_id")
    assert len(runs) == 4 * 2  # 2 x 2 points, 2 replicates
    assert (results.status == "ok").all()
    assert {"access.threshold_min", "access.interval_min", "indicator", "value", "better"} <= set(results)
    # common random numbers: replicate r has the same seed at every point
    assert runs.groupby("replicate").seed.nunique().eq(1).all()
    assert set(runs.replicate) == {0, 1}
    store = SweepStore(tmp_path / "out")
    assert sorted(store.finished()) == sorted(runs.run_id)
    # the lever moves the indicator the way the model says it must: a longer threshold serves more
    share = results[results.indicator == "share_within_school"].groupby("access.threshold_min").value.mean()
    assert share.loc[4.0] >= share.loc[1.0]


def test_local_and_dask_results_are_bitwise_identical_in_any_order(tmp_path, client):
    path = write(tmp_path)
    sweep(path, tmp_path / "serial", workers=0)
    sweep(path, tmp_path / "dask", client=client)
    serial = (tmp_path / "serial" / "results.parquet").read_bytes()
    assert (tmp_path / "dask" / "results.parquet").read_bytes() == serial
    # reversed submission order on the same cluster, into a fresh folder
    spec = load_sweep(path)
    tasks = plan_tasks(spec, make_design(spec))[::-1]
    store = SweepStore(tmp_path / "reversed")
    sweep(path, store.path, workers=0)  # creates the folder; then rerun every run on Dask, reversed
    for rid in store.finished():
        store.run_path(rid).unlink()
    payload = RunPayload(spec.base.to_dict(), spec.base.source, str(store.path), ())
    run_dask(payload, tasks, lambda outcome: None, client)
    store.consolidate()
    assert (store.path / "results.parquet").read_bytes() == serial


def test_every_module_gives_the_same_bits_on_dask(tmp_path, client):
    """All five modules coupled (testville_quick), serial vs the 2-process cluster."""
    path = tmp_path / "all.toml"
    path.write_text(
        f'[sweep]\nname = "all"\nbase = "{ROOT / "scenarios" / "testville_quick.toml"}"\n'
        'design = "full_factorial"\nlevels = 2\nreplicates = 2\n'
        '[[levers]]\nkey = "traffic.demand_scale"\nlow = 0.8\nhigh = 1.2\n'
        '[[uncertainties]]\nkey = "emergency.rate_scale"\nlow = 5.0\nhigh = 15.0\n'
    )
    sweep(path, tmp_path / "serial", workers=0)
    sweep(path, tmp_path / "dask", client=client)
    serial = pd.read_parquet(tmp_path / "serial" / "results.parquet")
    assert set(serial.domain) >= {"traffic", "emergency", "waste", "migration", "services"}
    assert (tmp_path / "dask" / "results.parquet").read_bytes() == (
        tmp_path / "serial" / "results.parquet"
    ).read_bytes()


def test_a_failing_run_becomes_an_error_row_and_the_sweep_goes_on(tmp_path, client):
    variables = (
        '[[levers]]\nkey = "scenario.city"\nkind = "categorical"\nvalues = ["testville", "atlantis"]\n'
    )
    results = sweep(write(tmp_path, variables=variables), tmp_path / "out", client=client)
    errors = results[results.status == "error"]
    assert len(errors) == 4 * 2  # every point in atlantis, each replicate: one row per run
    assert errors.error.str.contains("atlantis").all()
    assert (results[results["scenario.city"] == "testville"].status == "ok").all()


def test_execute_run_writes_only_complete_files(tmp_path):
    spec = load_sweep(write(tmp_path))
    store = SweepStore(tmp_path / "out")
    sweep(spec, store.path, workers=0)
    task = plan_tasks(spec, make_design(spec))[0]
    before = store.run_path(task.run_id).read_bytes()
    outcome = execute_run(RunPayload(spec.base.to_dict(), spec.base.source, str(store.path), ()), task)
    assert outcome.status == "ok" and outcome.run_id == task.run_id
    assert store.run_path(task.run_id).read_bytes() == before  # pure: same run, same bytes
    assert not list(store.runs.glob(".*"))


def test_killed_sweep_resumes_every_run_exactly_once(tmp_path):
    slow = 'samples = 12\ndesign = "latin_hypercube"'
    path = write(tmp_path, slow, name="slow.toml")
    reference = sweep(path, tmp_path / "reference", workers=0)
    out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "twin",
        "sweep",
        str(path),
        "--out",
        str(out),
        "--workers",
        "0",
        "--quiet",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = SweepStore(out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and len(store.finished()) < 5:
        time.sleep(0.01)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {rid: store.run_path(rid).read_bytes() for rid in store.finished()}
    assert 5 <= len(done_before) < 48
    assert not (out / "results.parquet").exists()
    assert main(["sweep", str(path), "--out", str(out), "--workers", "0", "--quiet"]) == 2  # needs --resume
    resumed = sweep(path, out, workers=0, resume=True)
    for rid, data in done_before.items():  # finished runs were kept, not rerun
        assert store.run_path(rid).read_bytes() == data
    assert sorted(resumed.run_id.unique()) == sorted(reference.run_id.unique())
    assert resumed.drop_duplicates("run_id").run_id.is_unique
    pd.testing.assert_frame_equal(resumed, reference)
    assert (out / "results.parquet").read_bytes() == (tmp_path / "reference" / "results.parquet").read_bytes()


def test_resume_refuses_a_changed_sweep(tmp_path, capsys):
    path = write(tmp_path)
    sweep(path, tmp_path / "out", workers=0)
    path.write_text(path.read_text().replace("high = 4.0", "high = 5.0"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "0", "--resume"]) == 2
    assert "different sweep" in capsys.readouterr().err


def test_unreachable_scheduler_fails_fast_and_writes_nothing(tmp_path, capsys):
    start = time.monotonic()
    code = main(
        [
            "sweep",
            str(write(tmp_path)),
            "--out",
            str(tmp_path / "out"),
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--connect-timeout",
            "2",
            "--quiet",
        ]
    )
    assert code == 2
    assert time.monotonic() - start < 15
    err = capsys.readouterr().err
    assert err.startswith("twin: error: --scheduler tcp://127.0.0.1:9") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_lost_worker_loses_no_run(tmp_path, client):
    """Kill a worker process mid-sweep: Dask reruns its task elsewhere, every run is there once."""
    import threading

    path = write(tmp_path, 'samples = 12\ndesign = "latin_hypercube"')
    reference = sweep(path, tmp_path / "reference", workers=0)
    store = SweepStore(tmp_path / "out")
    killed = []

    def kill_one_worker():
        deadline = time.monotonic() + 60
        while len(store.finished()) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker = sorted(client.scheduler_info()["workers"])[0]
        killed.extend([len(store.finished()), worker])
        with contextlib.suppress(Exception):  # the call dies with its worker
            client.run(os._exit, 1, workers=[worker])

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    results = sweep(path, store.path, client=client)
    killer.join()
    assert killed and killed[0] < 48, "the sweep ended before a worker could be killed"
    assert killed[1] not in client.scheduler_info()["workers"]  # it died (its nanny started a new one)
    pd.testing.assert_frame_equal(results, reference)


def test_batches_hold_about_a_second_of_runs_and_a_fair_share_of_the_rest():
    from twin.sweep.executor import BATCH_TARGET_S, batch_size

    assert BATCH_TARGET_S == 1.0
    assert batch_size(None, 1000, 2) == 1  # nothing measured yet: one run a task
    assert batch_size(0.02, 1000, 2) == 50  # 20 ms runs: 50 to a task
    assert batch_size(0.02, 40, 2) == 10  # near the end: 40 left over 2 workers x 2 tasks in flight
    assert batch_size(0.02, 1, 2) == 1
    assert batch_size(30.0, 1000, 2) == 1  # long runs go one a task
    assert batch_size(0.0, 1000, 1) == 500  # a failing run takes no time: the fair share caps it
