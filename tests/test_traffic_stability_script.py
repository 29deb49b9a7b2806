"""scripts/traffic_stability.py: traffic-only copies of the shipped scenarios, and its --quick mode
on testville end to end (every part, figures recomputed from the run folders)."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def script():
    path = ROOT / "scripts" / "traffic_stability.py"
    spec = importlib.util.spec_from_file_location("traffic_stability", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_traffic_only_copies_keep_the_chain_and_drop_other_modules(script, tmp_path):
    from twin.scenario import load_scenario
    from twin.sweep.experiment import load_experiment

    closure = script.traffic_only(ROOT / "scenarios" / "hezhou_central_bridge_closure.toml", tmp_path,
                                  {"scenario": {"horizon_years": 1, "period_days": 3.0}})
    raw = tomllib.loads(closure.read_text())
    assert raw["extends"] == "hezhou_baseline.toml"
    assert (tmp_path / "hezhou_baseline.toml").is_file()
    scenario, parent = load_scenario(closure), load_scenario(tmp_path / "hezhou_baseline.toml")
    original = load_scenario(ROOT / "scenarios" / "hezhou_central_bridge_closure.toml")
    for s in (scenario, parent):
        assert set(s.to_dict()) - {"scenario", "indicators", "output"} == {"traffic"}
        assert s.scenario.horizon_years == 1 and s.scenario.period_days == 3.0
    # the traffic section is the shipped one, levers included
    assert scenario.to_dict()["traffic"] == original.to_dict()["traffic"]
    assert parent.to_dict()["traffic"]["closed_roads"] == []
    spec = load_experiment([closure], replicates=2)  # like for like with its parent copy
    assert Path(spec.parent_file).resolve() == (tmp_path / "hezhou_baseline.toml").resolve()


def test_toml_value_round_trips(script):
    value = {"a": 1, "b": 2.5, "c": "Central \"Bridge\" 桥", "d": [1.0, 2.0], "e": {"North Bridge": 1.5},
             "f": True, "g": []}
    text = "\n".join(f"{k} = {script.toml_value(v)}" for k, v in value.items())
    assert tomllib.loads(text) == value


def test_quick_mode_reports_every_figure(script, tmp_path):
    report = tmp_path / "stability.md"
    assert script.main(["--quick", "--work", str(tmp_path / "work"), "--report", str(report)]) == 0
    text = report.read_text()
    for heading in ("## Seeds", "## Time step: 2 s against 3 s", "## Closure: 2 replicates"):
        assert heading in text
    assert "Command: `python scripts/traffic_stability.py --quick" in text and "load average" in text
    figures = json.loads(re.search(r"<!-- figures (.*) -->", text).group(1))
    # the CV is the seeds' spread of the run folders' mean trip, year by year
    trips = np.array([[script.indicator(tmp_path / "work" / f"seed{s}", "mean_trip_time").to_numpy()]
                      for s in (1, 2)])[:, 0, :]
    cv = trips.std(axis=0, ddof=1) / trips.mean(axis=0) * 100
    assert list(figures["seeds"]["cv"].values()) == pytest.approx(cv, abs=0.01)
    step = figures["step"]
    ratio = np.mean(step["other"]) / np.mean(step["base"])
    assert step["diff_pct"] == pytest.approx((ratio - 1) * 100, abs=0.2)
    closure = figures["closure"]
    assert closure["replicates"] == 2 and closure["failed"] == 0
    first = closure["first_day_mean_trip_time"]
    assert first["ci"][0] <= first["effect"] <= first["ci"][1]
    assert first["effect"] == pytest.approx(first["policy"] - first["parent"])
