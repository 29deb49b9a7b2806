"""scripts/traffic_stability.py: traffic-only copies of the shipped scenarios, and its --quick mode
on testville end to end (every part, figures recomputed from the run folders)."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
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
    # where the traffic goes: the pair of runs is the experiment's replicate 0
    assert "## Closure: where the traffic goes" in text and "## Is the closure's effect plausible?" in text
    flows = figures["flows"]
    assert flows["replicate_0"] and flows["focus"] == ["Test Bridge"]
    bridge = flows["crossings"]["Test Bridge"]
    assert bridge["capacity_vph"] == 5 * bridge["policy_capacity_vph"]  # the lever: a fifth
    # the bridge's cars a day, counted again from the parent's link time series
    from twin.city.load import load_city

    network = load_city("testville").network
    series = pd.read_parquet(tmp_path / "work" / "flows_parent" / "timeseries" / "link_timeseries.parquet")
    series = series[np.isin(series.link, network.links_of_road("Test Bridge"))]
    day = series.time_s // 86_400
    counted = series[day.isin(flows["days"]["adapted"])].flow_vph.sum() * 0.25 / len(flows["days"]["adapted"])
    assert bridge["baseline"]["cars_a_day"] == pytest.approx(counted)
    # with one bridge every trip between the banks crosses on it: the banks, the rebuilt routes and the
    # counts agree
    trips = flows["trips"]["baseline"]
    crossing_cars = trips["cars_a_day"] * trips["crossing_pct"] / 100
    assert flows["rebuilt_cars_a_day"]["Test Bridge"] == pytest.approx(crossing_cars, rel=0.02)
    assert counted == pytest.approx(crossing_cars, rel=0.05)
    assert flows["spread"]["used it"]["pct"] == pytest.approx(trips["crossing_pct"], abs=1.0)
    # the longer pair: each day's effect from its traffic_daily tables
    settle = figures["settle"]
    tables = {side: tmp_path / "work" / "settle" / side / "timeseries" / "traffic_daily.parquet"
              for side in ("parent", "policy")}
    daily = {side: pd.read_parquet(path).query("recorded").set_index("day").mean_trip_time_min
             for side, path in tables.items()}
    assert settle["days"] == list(daily["parent"].index) and len(settle["days"]) == 3
    effect = (daily["policy"] / daily["parent"] - 1) * 100
    assert settle["effect_pct"] == pytest.approx(effect.tolist(), abs=0.01)
    assert "## Closure: 3 recorded days" in text
    for side in ("baseline", "first day", "adapted"):
        t = flows["trips"][side]
        share = t["crossing_pct"] / 100
        mixed = share * t["minutes_crossing"] + (1 - share) * t["minutes_not_crossing"]
        assert t["minutes"] == pytest.approx(mixed)


def test_banks_split_the_network_at_its_bridges_and_routes_cross_them(script):
    from twin.city.load import load_city
    from twin.kernels.shortest_path import point_to_point

    network = load_city("testville").network
    crossing_of, names = script.crossings(network)
    bank = script.banks(network)
    assert names == ["Test Bridge"] and set(bank) <= {-1, 0, 1} and (bank >= 0).mean() > 0.9
    ends = bank[network.link_from], bank[network.link_to]
    bridge = crossing_of >= 0
    assert np.all(ends[0][bridge] != ends[1][bridge])  # every bridge link joins the two banks ...
    both = (ends[0] >= 0) & (ends[1] >= 0)
    assert np.all(ends[0][both & ~bridge] == ends[1][both & ~bridge])  # ... and nothing else does
    weight = network.link_length_m / network.link_free_speed_mps
    origin = int(np.flatnonzero(bank == 0)[0])
    targets = np.flatnonzero(bank == 1)[:5]
    label, km, reached = script.routes(network, weight, np.array([origin]), crossing_of)
    for target in targets:
        path = point_to_point(network.out_start, network.link_to, network.link_from, weight, origin,
                              int(target))
        assert reached[0, target] and label[0, target] == 0
        assert km[0, target] == pytest.approx(network.link_length_m[path].sum() / 1000)
    assert label[0, origin] == -1 and km[0, origin] == 0.0
