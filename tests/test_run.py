"""Runs: deterministic outputs, atomic run folders, --force and --seed."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

import twin
from twin import TwinInputError
from twin.access import AccessModule
from twin.indicators import load_system
from twin.scenario import store


def test_same_scenario_and_seed_give_identical_outputs(tmp_path, quick_scenario):
    a = twin.run(quick_scenario, tmp_path / "a", picture=False)
    b = twin.run(quick_scenario, tmp_path / "b", picture=False)
    assert a.manifest["outputs"] == b.manifest["outputs"]
    assert {"indicators.parquet", "indicators.csv"} <= set(a.manifest["outputs"])
    c = twin.run(quick_scenario, tmp_path / "c", seed=99, picture=False)
    assert c.manifest["seed"] == 99 and c.manifest["scenario"]["scenario"]["seed"] == 99


def test_run_folder_contents(tmp_path, quick_scenario):
    result = twin.run(quick_scenario, tmp_path / "run", picture=False)
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["scenario"]["scenario"]["name"] == "testville_quick"
    assert manifest["inputs"]["city"] and manifest["inputs"]["scenario_file"]
    assert "access" in manifest["timings_s"]
    for rel, digest in manifest["outputs"].items():
        assert store.sha256_file(tmp_path / "run" / rel) == digest
    table = pd.read_parquet(tmp_path / "run" / "indicators.parquet")
    assert list(table.columns) == ["year", "domain", "indicator", "value", "unit", "better", "low", "high"]
    assert sorted(table.year.unique()) == [2025, 2026]
    assert ((table.domain == "governance") & (table.indicator == "index")).sum() == 2  # every dimension
    assert manifest["index_system"] == load_system().identity()  # twin compare checks it
    loaded = twin.RunResult.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.indicators, result.indicators)
    assert "access_share" in loaded.timeseries


def test_indicators_carry_direction_and_the_bounds_the_index_used(tmp_path, quick_scenario):
    """better from each indicator's definition; low and high from the index system with the
    scenario's [indicators.bounds] applied, empty where the index does not score the row."""
    system = {i.key: i for d in load_system().dimensions for i in d.indicators}
    key = next(k for k in system if k.startswith("services."))
    scenario = quick_scenario.with_overrides({"indicators.bounds": {key: [0.0, 99.0]}
                                              if system[key].better == "higher" else {key: [99.0, 0.0]}})
    twin.run(scenario, tmp_path / "run", picture=False)
    table = pd.read_csv(tmp_path / "run" / "indicators.csv", keep_default_na=False)
    keys = table.domain + "." + table.indicator
    scored = table[keys.isin(list(system))]
    assert len(scored) and set(scored.better) <= {"higher", "lower"}
    for row in scored.itertuples():
        want = (0.0, 99.0) if f"{row.domain}.{row.indicator}" == key else sorted(
            (system[f"{row.domain}.{row.indicator}"].bound, system[f"{row.domain}.{row.indicator}"].target))
        assert (float(row.low), float(row.high)) == tuple(want), row
        assert row.better == system[f"{row.domain}.{row.indicator}"].better
    others = table[~keys.isin(list(system))]
    assert (others.low == "").all() and (others.high == "").all()
    index = table[(table.domain == "governance") & (table.indicator == "index")]
    assert set(index.better) == {"higher"}


def test_failed_run_leaves_nothing(tmp_path, quick_scenario, monkeypatch):
    def boom(self, model, year):
        raise RuntimeError("module crashed")

    monkeypatch.setattr(AccessModule, "end_year", boom)
    with pytest.raises(RuntimeError):
        twin.run(quick_scenario, tmp_path / "run", picture=False)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_leaves_nothing_and_keeps_old_results(tmp_path, quick_scenario, monkeypatch):
    out = tmp_path / "run"
    twin.run(quick_scenario, out, picture=False)
    before = (out / "manifest.json").read_bytes()
    calls = []

    def write_then_interrupt(frame, path):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        frame.to_parquet(path)

    runner = sys.modules["twin.scenario.run"]  # the module, not the function re-exported as run
    monkeypatch.setattr(runner, "write_table", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        twin.run(quick_scenario, out, force=True, picture=False)
    assert (out / "manifest.json").read_bytes() == before  # the earlier run is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary folder left


def test_existing_out_needs_force(tmp_path, quick_scenario):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(TwinInputError, match="exists; pass --force"):
        twin.run(quick_scenario, out, picture=False)
    assert (out / "keep.txt").read_text() == "mine"
    twin.run(quick_scenario, out, force=True, picture=False)
    assert not (out / "keep.txt").exists() and (out / "manifest.json").exists()


def test_default_out_never_overwrites(tmp_path, quick_scenario, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = twin.run(quick_scenario, picture=False)
    second = twin.run(quick_scenario, picture=False)
    assert first.path != second.path and first.path.exists() and second.path.exists()
