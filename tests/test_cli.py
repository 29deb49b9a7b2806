"""The command line: exit codes, one-line errors, nothing written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from twin.cli import main

ROOT = Path(__file__).resolve().parent.parent
QUICK = str(ROOT / "scenarios" / "testville_quick.toml")


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_good_and_bad(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "validate", QUICK)
    assert code == 0 and "ok" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\nhorizon_years = 0\n')
    code, out, err = run_cli(capsys, "validate", str(bad))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("twin: error: ") and "horizon_years" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "missing.toml"], "missing.toml: scenario file not found"),
        (["city", "info", "atlantis"], "no seed city named 'atlantis'; available: hezhou"),
        (["run", "missing.toml", "--out", "OUT"], "scenario file not found"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_existing_out_without_force(capsys, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    code, _, err = run_cli(capsys, "run", QUICK, "--out", str(out), "--quiet", "--no-picture")
    assert code == 2 and "pass --force" in err
    assert list(out.iterdir()) == []


def test_run_prints_summary_and_writes_folder(capsys, tmp_path):
    out = tmp_path / "run"
    code, stdout, _ = run_cli(capsys, "run", QUICK, "--out", str(out), "--quiet", "--no-picture",
                              "--seed", "3")
    assert code == 0
    assert "testville_quick (seed 3)" in stdout and "index" in stdout and str(out) in stdout
    assert json.loads((out / "manifest.json").read_text())["seed"] == 3


def test_city_info_json_has_the_sizes(capsys):
    code, out, _ = run_cli(capsys, "city", "info", "testville", "--json")
    info = json.loads(out)
    assert code == 0
    assert {"nodes", "links", "zones", "buildings", "population"} <= set(info)


def test_console_script_never_shows_a_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 3\n")
    proc = subprocess.run([sys.executable, "-m", "twin", "run", str(bad)], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "scenario.name" in proc.stderr
    assert list(tmp_path.iterdir()) == [bad]
