"""numba warm-ups: each command's warm-up compiles exactly the kernels it declares, and after it the
real command compiles nothing more (so the ``seconds`` it reports exclude compilation); a cold
cache is announced, a warm one is not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from twin.warmup import WARMUPS

ROOT = Path(__file__).resolve().parents[1]
SIOUX = ROOT / "data" / "tntp" / "SiouxFalls"
GRID = ROOT / "data" / "traffic_grid"

COMMANDS = {
    "traffic assign": ["traffic", "assign", str(SIOUX / "SiouxFalls_net.tntp"),
                       str(SIOUX / "SiouxFalls_trips.tntp"), "--json"],
    "traffic simulate": ["traffic", "simulate", "--nodes", str(GRID / "grid10x10_nodes.csv"), "--links",
                         str(GRID / "grid10x10_links.csv"), "--trips",
                         str(GRID / "demand_grid10x10_10k_seed1.csv"), "--route-choice", "fixed", "--json"],
    "run": ["run", "scenarios/testville_quick.toml", "--out", "{tmp}/run", "--quiet", "--no-picture"],
    "emergency": ["emergency", "site", "testville", "--add", "1"],
}
"""A real call of each command, on the repository's reference data."""

PROBE = """
import contextlib, io, json, sys
from numba.core.dispatcher import Dispatcher
from twin.cli import main
from twin.warmup import WARMUPS, _resolve

def compiled():
    found = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("twin"):
            for value in vars(module).values():
                if isinstance(value, Dispatcher) and value.signatures:
                    key = value.py_func.__module__ + ":" + value.py_func.__name__
                    found[key] = [str(s) for s in value.signatures]
    return found

command = sys.argv[1]
_resolve(WARMUPS[command].run)()
warmed = compiled()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(json.loads(sys.argv[2]))
after = compiled()
new = {k: [s for s in v if s not in warmed.get(k, [])] for k, v in after.items()}
compiled_now = any(v.stats.cache_misses for m in list(sys.modules.values()) for v in vars(m).values()
                   if isinstance(v, Dispatcher))
print(json.dumps({"code": code, "warmed": sorted(warmed), "new": {k: v for k, v in new.items() if v},
                  "compiled": compiled_now}))
"""


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_warm_up_compiles_every_kernel_the_command_calls(command, tmp_path):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]]
    done = subprocess.run([sys.executable, "-c", PROBE, command, json.dumps(argv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    declared = set(WARMUPS[command].kernels)
    assert declared <= set(result["warmed"])
    if not result["compiled"]:  # all loaded from the cache: exactly the kernels called from Python
        assert set(result["warmed"]) == declared
    assert result["new"] == {}, f"{command} compiled after its warm-up: {result['new']}"


def test_a_warm_cache_is_not_announced():
    subprocess.run([sys.executable, "-m", "twin.cli", *COMMANDS["traffic assign"]], cwd=ROOT,
                   capture_output=True, check=True, timeout=600)  # fills the cache if it was cold
    done = subprocess.run([sys.executable, "-m", "twin.cli", *COMMANDS["traffic assign"]], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0
    assert "compiling" not in done.stderr
    assert json.loads(done.stdout)["first_call_seconds"] < 5  # loaded, not compiled


def test_an_empty_cache_holds_no_kernel(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    code = "import json; from twin.warmup import WARMUPS, cold_kernels; " \
           "print(json.dumps({c: cold_kernels(c) for c in WARMUPS}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True, timeout=300)
    cold = json.loads(done.stdout)
    assert {c: sorted(k) for c, k in cold.items()} == {c: sorted(w.kernels) for c, w in WARMUPS.items()}


@pytest.mark.slow
def test_a_cold_cache_is_announced_and_excluded_from_the_timing(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "twin.cli", *COMMANDS["traffic assign"]], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0
    assert "twin: compiling kernels, once: about" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["seconds"] < summary["first_call_seconds"]


def test_bad_input_fails_before_compiling(tmp_path):
    """An output folder in the way of --flows is refused before any compile: with an empty cache the
    only stderr line is the error (no "compiling kernels" notice, no compile time spent)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "taken").mkdir()
    done = subprocess.run([sys.executable, "-m", "twin.cli", *COMMANDS["traffic assign"][:4], "--flows",
                           str(tmp_path / "taken")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"twin: error: {tmp_path / 'taken'}: cannot write: it is a folder; "
                                        "name a file"]
    assert not any((tmp_path / "cache").rglob("*.nbi"))  # nothing compiled into the empty cache


LOADED = """
import contextlib, io, json, sys
from numba.core.dispatcher import Dispatcher
from twin.cli import main

with contextlib.redirect_stdout(io.StringIO()):
    code = main(json.loads(sys.argv[1]))
print(json.dumps(sorted({v.py_func.__module__ + ":" + v.py_func.__name__ for m in list(sys.modules.values())
                         for v in vars(m).values() if isinstance(v, Dispatcher) and v.signatures})))
"""


@pytest.mark.parametrize(("command", "unused"), [
    ("traffic assign", {"twin.traffic.assignment:load_blocks"}),
    ("traffic simulate", {"twin.traffic.routing:extract_paths",
                          "twin.kernels.shortest_path:trees_to_targets"}),
])
def test_a_warm_cache_loads_only_the_kernels_the_run_uses(command, unused):
    """Sioux Falls is too small for parallel blocks, the grid runs en-route and its route tables are
    small enough for one thread: their warm-ups (from a warm cache) leave those kernels alone, the
    full warm-up (a cold cache, ``twin warmup``) does not."""
    argv = [a for a in COMMANDS[command] if a not in ("--route-choice", "fixed")]
    subprocess.run([sys.executable, "-m", "twin.cli", *argv], cwd=ROOT, capture_output=True, check=True,
                   timeout=600)  # fills the cache if it was cold
    done = subprocess.run([sys.executable, "-c", LOADED, json.dumps(argv)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not unused & loaded
    assert set(WARMUPS[command].kernels) - unused <= loaded


def test_the_run_warm_up_prints_no_warning_of_its_own():
    """`twin warmup` (run by scripts/setup.sh) once printed "traffic 2025: 12.5 % of car trips not
    finished by the end of day 1" to a newcomer: the warm-up's 2.4 hours of testville end with
    trips on the road, which means nothing. Rejects a warm-up that lets its KPIs' warnings out."""
    import warnings

    from twin.scenario.run import warm_up

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warm_up()
    assert [str(w.message) for w in caught] == []
