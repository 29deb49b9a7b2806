"""Bad migration input: one-line errors naming the key, exit code 2 from the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from twin.errors import ScenarioError, TwinInputError
from twin.migration.flows import check_rates, gravity_shares
from twin.migration.housing import HousingMarket

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"migration.income_shares": [0.5, 0.3, 0.3]}, "shares must sum to one"),
        ({"migration.age_shares": [0.5, 0.5]}, "expected 4 shares"),
        ({"migration.in_rate": float("nan")}, "must be finite"),
        ({"migration.move_rate_by_age": [0.1, float("inf"), 0.1, 0.1]}, "must be finite"),
        ({"migration.move_rate_by_age": [0.1, 1.5, 0.1, 0.1]}, "<= 1"),
        ({"migration.construction": {"new_town": -10.0}}, ">= 0"),
        ({"migration.talent_region": "mars"}, "not a region"),
    ],
)
def test_config_errors_name_the_key(quick_scenario, override, message):
    with pytest.raises(ScenarioError, match=message) as info:
        quick_scenario.with_overrides(override)
    assert "migration" in str(info.value) and "\n" not in str(info.value)


def test_lever_naming_an_unknown_zone_lists_the_zones(quick_scenario):
    from twin.scenario.run import simulate

    scenario = quick_scenario.with_overrides({"migration.subsidy": {"new_twn": 0.2}})
    with pytest.raises(TwinInputError, match=r"migration\.subsidy\.new_twn.*did you mean 'new_town'") as info:
        simulate(scenario)
    assert "zones: " in str(info.value) and "districts: old_town, new_town" in str(info.value)
    assert str(info.value).startswith(quick_scenario.source + ": ")  # the file is named too


def test_negative_capacity_and_non_finite_rates_are_refused():
    with pytest.raises(TwinInputError, match="negative capacity"):
        HousingMarket.from_dwellings(np.array([10, -1]))
    with pytest.raises(TwinInputError, match="negative capacity"):
        HousingMarket.from_dwellings(np.array([10, 1])).build(np.array([0, -5]))
    with pytest.raises(TwinInputError, match="finite probabilities"):
        check_rates("death_rate_by_age", [0.1, np.nan])
    with pytest.raises(TwinInputError, match="finite"):
        gravity_shares(np.array([1.0, np.inf]), np.array([10.0, 20.0]), 2.0)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_exit_code_2_with_one_line(tmp_path):
    text = '[scenario]\nname = "bad"\ncity = "testville"\nperiod_days = 0.01\n\n[migration]\n'
    shares = tmp_path / "shares.toml"
    shares.write_text(text + "income_shares = [0.2, 0.2, 0.2]\n")
    result = _cli("validate", str(shares))
    assert result.returncode == 2
    assert "shares must sum to one" in result.stderr and result.stderr.count("\n") == 1
    lever = tmp_path / "lever.toml"
    lever.write_text(text + "construction = { nowhere = 100.0 }\n")
    result = _cli("run", str(lever), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    error = result.stderr.strip().splitlines()[-1]  # lines before it: the progress bar
    assert error.startswith("twin: error:") and "no district or zone named 'nowhere'" in error
    assert "Traceback" not in result.stderr
