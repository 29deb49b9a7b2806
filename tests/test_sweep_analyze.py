"""`twin analyze`: SALib indices, regret and PRIM, checked on cases with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from twin.cli import main
from twin.sweep import sweep
from twin.sweep.analyze import _prim, _regret, analyze, parse_threshold

BASE = ROOT / "scenarios" / "sweep_testville_base.toml"

# access.interval_min only sets how often access is re-measured: without traffic, link times never
# change, so no indicator can depend on it. A sensitivity method must give it exactly zero.
VARIABLES = (
    '[[levers]]\nkey = "access.threshold_min"\nlow = 0.5\nhigh = 6.0\n'
    '[[uncertainties]]\nkey = "access.interval_min"\nlow = 10.0\nhigh = 60.0\n'
)


def run_sweep(tmp_path, lines: str):
    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nname = "a"\nbase = "{BASE}"\n{lines}\n{VARIABLES}')
    sweep(path, tmp_path / "out", workers=0)
    return tmp_path / "out"


def test_sobol_indices_of_an_ignored_input_are_zero(tmp_path):
    analysis = analyze(run_sweep(tmp_path, 'design = "saltelli"\nsamples = 16'))
    assert analysis.method == "sobol"
    s = analysis.sensitivity.set_index(["indicator", "input"])
    school = s.loc["services.share_within_school"]
    assert school.loc["access.interval_min", "ST"] == 0.0
    assert school.loc["access.interval_min", "S1"] == 0.0
    assert school.loc["access.threshold_min", "ST"] > 0.5


def test_morris_effects_of_an_ignored_input_are_zero(tmp_path):
    analysis = analyze(run_sweep(tmp_path, 'design = "morris"\nsamples = 6\nlevels = 4'))
    s = analysis.sensitivity.set_index(["indicator", "input"])
    assert (s.xs("access.interval_min", level="input").mu_star == 0).all()
    assert s.loc[("services.share_within_school", "access.threshold_min"), "mu_star"] > 0


def test_regret_by_hand():
    # policy P1 scores 10 then 0 in two scenarios, P2 scores 6 then 5 (higher is better):
    # regrets P1 (0, 5), P2 (4, 0); P2 has the smaller maximum regret.
    outcomes = pd.DataFrame(
        {
            "lever": ["P1", "P1", "P2", "P2"],
            "u": [1, 2, 1, 2],
            "d.score": [10.0, 0.0, 6.0, 5.0],
            "d.cost": [1.0, 3.0, 2.0, 2.0],
        }
    )
    regret = _regret(outcomes, ("lever",), ("u",), {"d.score": "higher", "d.cost": "lower"}, [])
    r = regret.set_index(["indicator", "policy"])
    assert r.loc[("d.score", "P1"), "max_regret"] == 5.0
    assert r.loc[("d.score", "P2"), "max_regret"] == 4.0
    assert r.loc[("d.score", "P2"), "most_robust"] and not r.loc[("d.score", "P1"), "most_robust"]
    assert r.loc[("d.cost", "P1"), "max_regret"] == 1.0  # cost 3 against the best 2 in scenario 2
    assert r.loc[("d.cost", "P2"), "max_regret"] == 1.0


def test_prim_finds_the_failing_box():
    rng = np.random.default_rng(3)
    u, v = rng.random(400), rng.random(400)
    outcomes = pd.DataFrame({"u": u, "v": v, "d.y": np.where(u > 0.7, 0.0, 1.0)})
    notes: list[str] = []
    table = _prim(outcomes, (), ("u", "v"), [("d.y", "<", 0.5)], notes)
    row = table.iloc[0]
    assert row.density == pytest.approx(1.0) and row.coverage > 0.8
    assert row.box.startswith("u in [0.7") and "v in" not in row.box


def test_full_factorial_analysis_and_report(tmp_path, capsys):
    out = run_sweep(tmp_path, "levels = 3")
    analysis = analyze(out, thresholds=["services.share_within_school<99"])
    assert analysis.method == "pawn"
    assert set(analysis.regret.policy) == {"0.5", "3.25", "6.0"}
    best = analysis.regret[
        (analysis.regret.indicator == "services.share_within_school") & analysis.regret.most_robust
    ]
    assert list(best.policy) == ["6.0"]  # the longest threshold serves the most residents everywhere
    assert main(["analyze", str(out), "--report", str(tmp_path / "a.md")]) == 0
    assert "sensitivity (pawn)" in capsys.readouterr().out
    assert (tmp_path / "a_sensitivity.png").is_file()


def test_threshold_errors():
    with pytest.raises(Exception, match="did you mean 'd.score'"):
        parse_threshold("d.scor<3", ["d.score"])
    with pytest.raises(Exception, match="expected DOMAIN.INDICATOR<VALUE"):
        parse_threshold("d.score~3", ["d.score"])
