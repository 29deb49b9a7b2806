"""The run and sweep writers (twin.writing): one writer per folder, kills at every step, umask, errors.

The promises (docs/reliability.md, "Runs and sweeps"): two writers into one folder cannot both
succeed; --force leaves the old or the new run in place after a kill at any step and the next
writer recovers; leftovers of killed writers are cleaned; outputs honour the umask; unwritable
outputs and bad names are one line, and earlier results are never lost.
"""

from __future__ import annotations

import errno
import hashlib
import importlib
import json
import os
import signal
import stat
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from twin.cli import main
from twin.errors import TwinInputError
from twin.writing import CRASH_POINTS, LEFTOVER, atomic_folder

QUICK = ROOT / "scenarios" / "testville_quick.toml"
BASE = ROOT / "scenarios" / "sweep_testville_base.toml"


def twin_process(*argv: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "twin.cli", *argv], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_complete_run(folder: Path) -> dict:
    """The folder is a finished run: every file the manifest lists has the hash it records."""
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["outputs"]
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    return manifest


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_two_runs_into_one_folder_exactly_one_succeeds(tmp_path):
    procs = [twin_process("run", str(QUICK), "--out", "same", "--quiet", "--no-picture", cwd=tmp_path)
             for _ in range(2)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    err = next(e for code, _, e in results if code == 2)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("twin: error: same: "), err
    # the loser failed on the claim (at once) or on the existing folder (it lost the race to start)
    assert "is writing this folder" in lines[0] or "the output folder exists" in lines[0], err
    assert_complete_run(tmp_path / "same")
    assert hidden(tmp_path) == []  # no temporary folder, no claim file left


def test_two_runs_without_out_both_succeed_into_different_folders(tmp_path):
    procs = [twin_process("run", str(QUICK), "--quiet", "--no-picture", cwd=tmp_path) for _ in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0], [p.stderr.read() for p in procs]
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["testville_quick-seed1", "testville_quick-seed1-2"]
    for name in runs:
        assert_complete_run(tmp_path / "runs" / name)


def test_a_claimed_folder_is_refused_at_once_and_default_names_skip_it(tmp_path, monkeypatch):
    from twin.scenario.run import default_out
    from twin.scenario.spec import load_scenario
    from twin.writing import claim

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    with claim(Path("runs/x"), "twin run"):
        busy = r"runs/x: another twin run \(pid \d+ on .*started .*\) is writing this folder"
        with pytest.raises(TwinInputError, match=busy), atomic_folder(Path("runs/x")):
            pytest.fail("a second writer got in")
        scenario = load_scenario(QUICK)
        with claim(Path("runs") / "testville_quick-seed1"):
            assert default_out(scenario, 1) == Path("runs/testville_quick-seed1-2")


def write_marked(out: Path, mark: str, force: bool) -> None:
    with atomic_folder(out, force=force) as tmp:
        (tmp / "mark.txt").write_text(mark)


CHILD = ("import sys, twin.writing as w; from pathlib import Path; w._crash_at = sys.argv[1]\n"
         "with w.atomic_folder(Path(sys.argv[2]), force=sys.argv[3] == '1') as tmp:\n"
         "    (tmp / 'mark.txt').write_text('new')\n")


@pytest.mark.parametrize("force", [True, False], ids=["force", "fresh"])
@pytest.mark.parametrize("step", CRASH_POINTS)
def test_a_writer_killed_at_any_step_leaves_old_or_new_and_the_next_writer_recovers(tmp_path, step, force):
    out = tmp_path / "runs" / "x"
    if force:
        write_marked(out, "old", force=False)
    child = subprocess.run([sys.executable, "-c", CHILD, step, str(out), "1" if force else "0"],
                           capture_output=True, text=True, timeout=120)
    if step in ("old-moved", "new-in-place") and not force:
        assert child.returncode == 0  # a fresh write has no swap: those steps are never reached
    else:
        assert child.returncode == -signal.SIGKILL, child.stderr
    parent = out.parent
    marks = {"old", "new"} if force else {"new", None}
    now = (out / "mark.txt").read_text() if out.exists() else None
    if step == "old-moved":  # the one instant the name is free: the old run waits under its hidden name
        assert now is None or not force
        if force:
            olds = [p for p in hidden(parent) if LEFTOVER.match(p) and ".old-" in p]
            assert len(olds) == 1 and (parent / olds[0] / "mark.txt").read_text() == "old"
    else:
        assert now in marks
    # the next writer into the same parent recovers the old run, removes every leftover
    with pytest.warns(UserWarning, match="left by killed writers") if hidden(parent) else nullcontext():
        write_marked(parent / "other", "other", force=False)
    assert hidden(parent) == []
    after = (out / "mark.txt").read_text() if out.exists() else None
    assert after in marks
    if force:
        assert after in {"old", "new"}  # never lost
        assert after == ("new" if step in ("new-in-place", "installed") else "old")


def test_twin_run_killed_between_the_renames_of_force_is_restored_by_the_next_run(tmp_path):
    assert main(["run", str(QUICK), "--out", str(tmp_path / "r"), "--quiet", "--no-picture"]) == 0
    before = assert_complete_run(tmp_path / "r")
    code = ("import sys, twin.writing as w; w._crash_at = 'old-moved'; from twin.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    child = subprocess.run([sys.executable, "-c", code, "run", str(QUICK), "--out", str(tmp_path / "r"),
                            "--force", "--seed", "5", "--quiet", "--no-picture"],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert not (tmp_path / "r").exists()
    proc = twin_process("run", str(QUICK), "--out", "r2", "--quiet", "--no-picture", cwd=tmp_path)
    assert proc.wait(timeout=300) == 0
    warning = [line for line in proc.stderr.read().splitlines() if "left by killed writers" in line]
    assert len(warning) == 1 and "restored r from .r.old-" in warning[0], warning  # one line for it
    assert assert_complete_run(tmp_path / "r")["seed"] == before["seed"]
    assert hidden(tmp_path) == []


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/abs", ".hidden", "a/b", "a\\\\b", "", "x" * 101,
                                  "a..b"])
def test_run_names_are_file_names(tmp_path, capsys, name):
    path = tmp_path / "s.toml"
    path.write_text(f'[scenario]\nname = "{name}"\ncity = "testville"\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: key 'scenario.name': must be 1 to 100 letters" in err


def test_out_holding_the_working_folder_or_the_scenario_is_refused(tmp_path, capsys, monkeypatch):
    scenario = tmp_path / "s" / "quick.toml"
    scenario.parent.mkdir()
    scenario.write_text(QUICK.read_text())
    monkeypatch.chdir(scenario.parent)
    for out, holds in ((".", "the working folder"), (str(tmp_path), "the working folder")):
        assert main(["run", "quick.toml", "--out", out, "--force"]) == 2
        assert holds in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert main(["run", "s/quick.toml", "--out", "s", "--force"]) == 2
    assert "holds s/quick.toml" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["quick.toml", "s"]


def test_a_full_disk_while_writing_is_one_line_and_keeps_the_earlier_run(tmp_path, capsys, monkeypatch):
    out = tmp_path / "r"
    assert main(["run", str(QUICK), "--out", str(out), "--quiet", "--no-picture"]) == 0
    before = assert_complete_run(out)
    capsys.readouterr()

    def full(frame, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(importlib.import_module("twin.scenario.run"), "write_table", full)
    assert main(["run", str(QUICK), "--out", str(out), "--force", "--seed", "4", "--quiet",
                 "--no-picture"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{out}: cannot write: No space left on device" in err, err
    assert assert_complete_run(out) == before
    assert hidden(tmp_path) == []


def test_an_unwritable_parent_is_one_line(tmp_path, capsys, monkeypatch):
    # tests run as root, whom permissions do not stop: the check itself is exercised
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode == os.W_OK else real(p, mode))
    assert main(["run", str(QUICK), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    assert f"cannot write into {tmp_path}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_run_sweep_and_city_folders_honour_the_umask(tmp_path, umask):
    from twin.city import City
    from twin.city.io.folder import save_city_folder
    from twin.sweep import sweep

    spec = tmp_path / "sweep.toml"
    spec.write_text(f'[sweep]\nname = "u"\nbase = "{BASE}"\nlevels = 2\n'
                    '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 4.0\n')
    old = os.umask(umask)
    try:
        main(["run", str(QUICK), "--out", str(tmp_path / "run"), "--quiet", "--no-picture"])
        sweep(spec, tmp_path / "sweep", workers=0)
        save_city_folder(City.from_seed("testville"), tmp_path / "city")
    finally:
        os.umask(old)
    paths = [p for name in ("run", "sweep", "city") for p in [tmp_path / name, *(tmp_path / name).rglob("*")]]
    assert {mode(p) for p in paths if p.is_dir()} == {0o777 & ~umask}
    assert {mode(p) for p in paths if p.is_file()} == {0o666 & ~umask}
    names = {p.name for p in paths}
    assert {"results.parquet", "design.parquet", "sweep.json", "p000000-r0000.parquet"} <= names


def sweep_file(tmp_path: Path) -> Path:
    spec = tmp_path / "sweep.toml"
    spec.write_text(f'[sweep]\nname = "k"\nbase = "{BASE}"\nlevels = 2\n'
                    '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 4.0\n')
    return spec


def test_sweep_folder_killed_before_sweep_json_is_finished_by_resume_or_a_fresh_sweep(tmp_path):
    from twin.sweep import SweepStore, load_sweep, make_design, sweep
    from twin.sweep.runner import _prepare, sweep_plan

    spec = load_sweep(sweep_file(tmp_path))
    design = make_design(spec)
    for resume in (True, False):
        folder = tmp_path / f"killed-{resume}"
        store = SweepStore(folder)
        _prepare(store, sweep_plan(spec, design), resume=False)
        store.manifest_path.unlink()  # as if killed between design.parquet and sweep.json
        (store.runs / ".p000000-r0000.parquet.tmp-999999-0123abcd").write_bytes(b"half")
        with pytest.warns(UserWarning, match="creation was interrupted"):
            results = sweep(spec, folder, workers=0, resume=resume)
        assert results.run_id.nunique() == 2 and store.exists()
        assert not list(folder.rglob(".*"))


def test_sweep_cleans_files_of_killed_workers_and_refuses_bad_folders(tmp_path, capsys):
    from twin.sweep import sweep

    spec = sweep_file(tmp_path)
    folder = tmp_path / "sw"
    sweep(spec, folder, workers=0)
    leftover = folder / "runs" / ".p000001-r0000.parquet.abcd1234.tmp"  # older name style
    leftover.write_bytes(b"x")
    with pytest.warns(UserWarning, match=r"removed temporary files of killed runs: runs/\.p000001"):
        sweep(spec, folder, workers=0, resume=True)
    assert not leftover.exists()
    assert pd.read_parquet(folder / "results.parquet").run_id.nunique() == 2
    (tmp_path / "file").write_text("x")
    for argv, message in (
        (["--out", str(tmp_path / "missing"), "--resume"], "no sweep to resume (no sweep.json)"),
        (["--out", str(tmp_path / "file")], "exists and is not a folder"),
        (["--out", str(tmp_path / "file" / "sub")], "cannot write"),
    ):
        assert main(["sweep", str(spec), "--workers", "0", "--quiet", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "missing").exists()


def test_sweep_write_errors_are_one_line(tmp_path, capsys, monkeypatch):
    def denied(frame, path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr("twin.sweep.store.write_table", denied)
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(tmp_path / "sw"), "--workers", "0",
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sw: cannot write: Permission denied" in err, err
