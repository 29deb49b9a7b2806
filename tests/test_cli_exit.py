"""The ``twin`` console script ends without the interpreter's teardown (twin.cli.run): nothing is lost.

Wrong model rejected: a plain ``os._exit(main())`` skips the flush of stdout, so on a pipe the
JSON line is lost (checked: 0 bytes reach the pipe when PYTHONUNBUFFERED is unset, as here).
The files a command wrote and its exit status must survive too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SIOUX = ROOT / "data" / "tntp" / "SiouxFalls"


def _twin(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "twin"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "twin"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # block-buffered stdout
    return subprocess.run([*command, *argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_output_and_files_survive_the_quick_exit(tmp_path):
    flows = tmp_path / "flows.csv"
    network, trips = str(SIOUX / "SiouxFalls_net.tntp"), str(SIOUX / "SiouxFalls_trips.tntp")
    done = _twin("traffic", "assign", network, trips, "--gap", "1e-3", "--flows", str(flows), "--json",
                 cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["relative_gap"] <= 1e-3
    assert len(pd.read_csv(flows)) == 76  # every Sioux Falls link, the last row included


def test_the_status_of_bad_input_survives(tmp_path):
    done = _twin("traffic", "assign", str(tmp_path / "no_net.tntp"), str(tmp_path / "no_trips.tntp"),
                 cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("twin: error:") and len(done.stderr.strip().splitlines()) == 1
