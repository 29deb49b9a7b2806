"""Start-up stays light: ``twin --help`` and ``twin validate`` import no heavy library.

Each check runs the command in a fresh interpreter and lists the modules it imported; no timings
(the suite never asserts them: docs/performance.md records the measured start-up).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "mesa", "dask", "pyvista", "scipy", "simpy", "pyvrp", "networkx")
"""Libraries that cost tenths of a second each to import; the parser and validation need none."""

PROBE = """
import json, sys
from twin.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("\\nMODULES" + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported_by(*argv: str) -> tuple[int, set[str]]:
    """Exit status of ``twin ARGV`` in a fresh interpreter and the top-level packages it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    modules = json.loads(done.stderr.rpartition("MODULES")[2])
    return done.returncode, {name.partition(".")[0] for name in modules}


@pytest.mark.parametrize("argv", [
    ("--help",),
    ("traffic", "--help"),
    ("validate", "scenarios/hezhou_baseline.toml"),
    ("validate", "scenarios/testville_quick.toml"),
])
def test_parser_and_validate_import_no_heavy_library(argv):
    code, packages = imported_by(*argv)
    assert code == 0
    assert not packages & set(HEAVY), f"twin {' '.join(argv)} imported {sorted(packages & set(HEAVY))}"


def test_the_probe_sees_a_heavy_import():
    """Validating a sweep builds its design (scipy's samplers, a pandas table): the probe sees it."""
    code, packages = imported_by("validate", "scenarios/sweep_testville_demo.toml")
    assert code == 0
    assert {"pandas", "scipy"} <= packages


def test_lazy_names_resolve_to_the_objects_they_name():
    import twin
    import twin.scenario.run  # binds the submodule: the function of the same name must still win
    import twin.sweep.analyze
    from twin.registry import config_classes, module_classes
    from twin.scenario.run import run

    assert twin.run is run and twin.scenario.run is run
    assert callable(twin.sweep) and twin.sweep.analyze.__module__ == "twin.sweep.analyze"
    assert set(twin.__all__) <= set(dir(twin))
    for name in twin.__all__:
        assert getattr(twin, name) is not None
    configs = config_classes()
    assert {name: cls.config_class for name, cls in module_classes().items()} == configs
    with pytest.raises(AttributeError):
        twin.no_such_name  # noqa: B018


def test_each_cli_group_adds_the_commands_the_registry_names():
    import argparse
    import importlib

    from twin.registry import CLI_GROUPS

    for dotted, names in CLI_GROUPS.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(dotted).register(sub)
        assert tuple(sub.choices) == names, dotted


def test_a_command_imports_only_its_own_group():
    code = "import json, sys; from twin.cli import build_parser; build_parser('traffic'); " \
           "print(json.dumps(sorted(m for m in sys.modules if m.endswith('.cli'))))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=120)
    assert json.loads(done.stdout) == ["twin.city.io.cli", "twin.cli", "twin.traffic.cli"]


@pytest.mark.parametrize("argv", [
    ("traffic", "simulate", "--nodes", "data/traffic_grid/grid10x10_nodes.csv",
     "--links", "data/traffic_grid/grid10x10_links.csv",
     "--trips", "data/traffic_grid/demand_grid10x10_10k_seed1.csv", "--json"),
    ("traffic", "assign", "data/tntp/SiouxFalls/SiouxFalls_net.tntp",
     "data/tntp/SiouxFalls/SiouxFalls_trips.tntp", "--json"),
])
def test_the_traffic_tools_import_no_scipy_sparse(argv):
    """The road network's strong-connectivity check runs numba's kernel once numba is loaded: no
    scipy.sparse (about 60 ms); numba itself imports scipy.linalg (``_check_blas``)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stderr.rpartition("MODULES")[2])
    assert "numba" in modules
    assert not [m for m in modules if m.startswith("scipy.sparse")]
