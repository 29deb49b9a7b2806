"""Sweep files: validation, designs and bad input (one-line errors, exit status 2)."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from conftest import ROOT

from twin.cli import main
from twin.errors import ScenarioError
from twin.registry import module_classes
from twin.scenario.spec import FIXED_SECTIONS
from twin.sweep import load_sweep, make_design
from twin.sweep.spec import sweepable_keys

BASE = ROOT / "scenarios" / "sweep_testville_base.toml"

VARIABLES = """
[[levers]]
key = "access.threshold_min"
low = 1.0
high = 5.0

[[uncertainties]]
key = "access.interval_min"
kind = "integer"
low = 10
high = 14
"""


def write(tmp_path, sweep_lines: str, variables: str = VARIABLES):
    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nname = "t"\nbase = "{BASE}"\n{sweep_lines}\n{variables}')
    return path


def test_full_factorial_crosses_every_level(tmp_path):
    design = make_design(load_sweep(write(tmp_path, "levels = 3")))
    assert len(design) == 3 * 3  # 3 levels of the real lever x 3 of the 5-wide integer range
    assert sorted(design.points["access.threshold_min"].unique()) == [1.0, 3.0, 5.0]
    assert sorted(design.points["access.interval_min"].unique()) == [10, 12, 14]
    wide = make_design(load_sweep(write(tmp_path, "levels = 5")))
    assert sorted(wide.points["access.interval_min"].unique()) == [10, 11, 12, 13, 14]
    assert design.points["access.interval_min"].dtype == np.int64


def test_latin_hypercube_is_stratified_and_crossed_with_policies(tmp_path):
    design = make_design(load_sweep(write(tmp_path, 'design = "latin_hypercube"\nsamples = 5\nlevels = 2')))
    assert len(design) == 2 * 5  # every policy on the same 5 uncertainty samples
    by_policy = design.points.groupby("access.threshold_min")["access.interval_min"].apply(list)
    assert by_policy.iloc[0] == by_policy.iloc[1]
    # Latin hypercube: each of the 5 integer values (equal-width bins of [0, 1]) exactly once
    assert sorted(by_policy.iloc[0]) == [10, 11, 12, 13, 14]


def test_sobol_saltelli_and_morris_sizes(tmp_path):
    sobol = make_design(load_sweep(write(tmp_path, 'design = "sobol"\nsamples = 8\nlevels = 2')))
    assert len(sobol) == 2 * 8
    saltelli = make_design(load_sweep(write(tmp_path, 'design = "saltelli"\nsamples = 16')))
    assert len(saltelli) == 16 * (2 + 2)  # N (D + 2) without second order
    assert saltelli.unit.shape == (64, 2)
    morris = make_design(load_sweep(write(tmp_path, 'design = "morris"\nsamples = 5\nlevels = 4')))
    assert len(morris) == 5 * (2 + 1)  # N trajectories of D + 1 points
    levels = np.unique(morris.unit[:, 0])
    assert set(np.round(levels, 6)) <= {0.0, round(1 / 3, 6), round(2 / 3, 6), 1.0}


def test_design_is_deterministic_for_a_seed(tmp_path):
    a = make_design(load_sweep(write(tmp_path, 'design = "latin_hypercube"\nsamples = 6\nseed = 4')))
    b = make_design(load_sweep(write(tmp_path, 'design = "latin_hypercube"\nsamples = 6\nseed = 4')))
    c = make_design(load_sweep(write(tmp_path, 'design = "latin_hypercube"\nsamples = 6\nseed = 5')))
    assert a.points.equals(b.points)
    assert not a.points.equals(c.points)


def test_categorical_values_and_sweepable_keys(tmp_path):
    spec = load_sweep(
        write(
            tmp_path,
            "",
            '[[levers]]\nkey = "scenario.city"\nkind = "categorical"\nvalues = ["testville", "hezhou"]\n',
        )
    )
    assert list(make_design(spec).points["scenario.city"]) == ["testville", "hezhou"]
    keys = sweepable_keys(spec.base)
    assert "access.threshold_min" in keys and "scenario.seed" not in keys


@pytest.mark.parametrize(
    ("sweep_lines", "variables", "message"),
    [
        ("colour = 1", VARIABLES, "unknown key"),
        ('design = "sobel"', VARIABLES, "did you mean 'sobol'"),
        ("", '[[levers]]\nkey = "access.threshold_min"\nlow = 5.0\nhigh = 1.0\n', "empty range"),
        (
            "",
            '[[levers]]\nkey = "access.threshhold_min"\nlow = 1.0\nhigh = 5.0\n',
            "did you mean 'access.threshold_min'",
        ),
        ("", '[[levers]]\nkey = "traffic.capacity"\nlow = 1.0\nhigh = 5.0\n', "keys that can be swept"),
        ("", '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 500.0\n', "<= 180"),
        ('design = "sobol"\nsamples = 10', VARIABLES, "power of 2"),
        ('design = "saltelli"\nsamples = 12', VARIABLES, "power of 2"),
        ('design = "morris"\nlevels = 3', VARIABLES, "even number of levels"),
        ("levels = 10\nmax_runs = 20", VARIABLES, "more than sweep.max_runs"),
        ("", "", "at least one"),
        (
            "",
            '[[levers]]\nkey = "scenario.city"\nkind = "categorical"\nvalues = ["testville"]\n',
            "at least 2 values",
        ),
    ],
)
def test_bad_sweep_files_fail_with_one_line(tmp_path, capsys, sweep_lines, variables, message):
    path = write(tmp_path, sweep_lines, variables)
    with pytest.raises(ScenarioError, match=message):
        make_design(load_sweep(path))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin: error: ") and err.count("\n") == 1 and message in err
    assert not out.exists()


def test_validate_accepts_sweep_files(tmp_path, capsys):
    assert main(["validate", str(ROOT / "scenarios" / "sweep_testville_demo.toml")]) == 0
    assert "48 runs" in capsys.readouterr().out
    assert main(["validate", str(write(tmp_path, 'design = "cube"'))]) == 2


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "scenarios").glob("sweep_*.toml")))
def test_shipped_sweeps_validate(name):
    path = ROOT / "scenarios" / name
    data = tomllib.loads(path.read_text())
    if "sweep" not in data:
        return  # a base scenario of a sweep
    sections = {v["key"].split(".")[0] for v in data.get("levers", []) + data.get("uncertainties", [])}
    missing = sections - set(FIXED_SECTIONS) - set(module_classes())
    if missing:
        pytest.skip(f"{name} sweeps module(s) not registered here: {', '.join(sorted(missing))}")
    assert len(make_design(load_sweep(path))) > 0


def test_overrides_and_named_table_entries(tmp_path):
    spec = load_sweep(
        write(tmp_path, 'overrides = { "scenario.horizon_years" = 2, "access.interval_min" = 30.0 }')
    )
    assert spec.base.scenario.horizon_years == 2 and spec.base.modules["access"].interval_min == 30.0
    with pytest.raises(ScenarioError, match="sweep.overrides.*did you mean 'scenario.horizon_years'"):
        load_sweep(write(tmp_path, 'overrides = { "scenario.horizon_year" = 2 }'))
    with pytest.raises(ScenarioError, match="sweep.overrides"):
        load_sweep(write(tmp_path, 'overrides = { "scenario.horizon_years" = -2 }'))
    shipped = load_sweep(ROOT / "scenarios" / "sweep_new_district_incentives.toml")
    assert "migration.subsidy.chengdong" in sweepable_keys(shipped.base)
