"""Scores, the fixed indicator system and the composite governance index (full or partial)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from twin.errors import ScenarioError, TwinInputError
from twin.indicators import Indicator, governance_index, load_system, score
from twin.indicators.system import SYSTEM_FILE, markdown_table
from twin.registry import BUILT_IN, DOMAINS
from twin.scenario import scenario_from_dict
from twin.sweep.compare import Side, compare_sides, definition

SYSTEM = load_system()
BASELINE = Path(__file__).parent / "data" / "hezhou_baseline_index_inputs.csv"


def _rows(values: dict[str, float]) -> list[Indicator]:
    """Module-like rows from 'domain.indicator' -> value (units from the system)."""
    units = {i.key: i.unit for d in SYSTEM.dimensions for i in d.indicators}
    return [Indicator(*key.split(".", 1), value, units.get(key, "-")) for key, value in values.items()]


def _at(where: str) -> dict[str, float]:
    """Every indicator of the system at its target or at its bound."""
    return {i.key: getattr(i, where) for d in SYSTEM.dimensions for i in d.indicators}


def _index(values: dict[str, float], weights=None, bounds=None) -> dict[str, float]:
    return {i.name: i.value for i in governance_index(_rows(values), weights or {}, bounds or {})}


def test_score_is_linear_clipped_and_direction_aware():
    assert score(5, 0, 10) == 50.0
    assert score(-1, 0, 10) == 0.0 and score(11, 0, 10) == 100.0
    assert score(8, 10, 0) == 20.0  # lower is better: worst 10, best 0


def test_the_system_is_fixed_documented_and_one_dimension_per_domain():
    assert {d.key for d in SYSTEM.dimensions} == {DOMAINS[s] for s in BUILT_IN}  # plug-ins' are outside
    assert SYSTEM.version >= 2 and len(SYSTEM.sha256) == 64
    for dim in SYSTEM.dimensions:
        assert dim.title and dim.seed and dim.weight > 0 and len(dim.indicators) >= 3
        for ind in dim.indicators:
            assert ind.target_source and ind.bound_source and ind.unit
            assert (ind.target > ind.bound) == (ind.better == "higher")


def test_a_target_scores_100_and_a_bound_0_in_every_dimension():
    top, bottom = _index(_at("target")), _index(_at("bound"))
    for dim in SYSTEM.dimensions:
        assert top[f"score_{dim.key}"] == pytest.approx(100.0)
        assert bottom[f"score_{dim.key}"] == pytest.approx(0.0)
    assert top["index"] == pytest.approx(100.0) and bottom["index"] == pytest.approx(0.0)


def test_direction_lower_is_better_and_higher_is_better():
    values = _at("target")
    lower = next(i for d in SYSTEM.dimensions for i in d.indicators if i.better == "lower")
    higher = next(i for d in SYSTEM.dimensions for i in d.indicators if i.better == "higher")
    scores = []
    for ind in (lower, higher):
        for fraction in (0.25, 0.75):  # a quarter and three quarters of the way from bound to target
            moved = dict(values, **{ind.key: ind.bound + fraction * (ind.target - ind.bound)})
            n = len(SYSTEM.dimension(ind.dimension).indicators)
            scores.append(_index(moved)[f"score_{ind.dimension}"])
            assert scores[-1] == pytest.approx(100.0 - (1 - fraction) * 100.0 / n)
    beyond = dict(values, **{lower.key: lower.target - 1.0})  # better than the target: clipped
    assert _index(beyond)[f"score_{lower.dimension}"] == pytest.approx(100.0)


def test_a_missing_dimension_gives_a_partial_index_never_a_full_one():
    values = {k: v for k, v in _at("target").items() if not k.startswith("emergency.")}
    out = _index(values)
    assert "index" not in out and out["index_partial"] == pytest.approx(100.0)
    total = sum(len(d.indicators) for d in SYSTEM.dimensions)
    assert out["index_coverage"] == pytest.approx(100.0 * (total - 5) / total)
    assert "score_emergency" not in out and "score_emergency_partial" not in out


def test_a_missing_or_nan_indicator_makes_its_dimension_and_the_index_partial():
    values = _at("bound")
    values["emergency.share_within_target_medical"] = math.nan  # no medical call this year
    del values["services.share_within_museum"]
    out = _index(values)
    assert "index" not in out and "index_partial" in out
    assert "score_emergency" not in out and out["score_emergency_partial"] == pytest.approx(0.0)
    assert "score_services_partial" in out and out["score_traffic"] == pytest.approx(0.0)


def test_weights_and_bound_overrides():
    values = _at("target")
    values["traffic.delay_per_trip"] = 7.5  # half-way between bound 15 and target 0
    out = _index(values, weights={"traffic": 3.0})
    assert out["score_traffic"] == pytest.approx(100.0 - 50.0 / 4)
    assert out["index"] == pytest.approx((3 * out["score_traffic"] + 4 * 100.0) / 7)
    out = _index(values, bounds={"traffic.delay_per_trip": (10.0, 5.0)})
    assert out["score_traffic"] == pytest.approx(100.0 - 50.0 / 4)


@pytest.mark.parametrize(("bounds", "message"), [
    ({"services.share_within_spa": [0.0, 100.0]},
     "key 'indicators.bounds.services.share_within_spa': the services dimension of the index has no "
     "indicator 'share_within_spa'"),
    ({"traffic.delay_per_trip": [0.0, 15.0]}, "delay_per_trip is better lower: expected [worst, best] "
     "with worst > best"),
])
def test_bound_overrides_are_checked_when_the_scenario_is_read(bounds, message):
    data = {"scenario": {"name": "x", "city": "testville"}, "access": {}, "indicators": {"bounds": bounds}}
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data, source="s.toml")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_wrong_system_table_is_refused(tmp_path):
    text = SYSTEM_FILE.read_text()
    wrong = tmp_path / "system.toml"
    wrong.write_text(text.replace('better = "lower"\ntarget = 0.0\nbound = 15.0',
                                  'better = "higher"\ntarget = 0.0\nbound = 15.0'))
    with pytest.raises(ValueError, match="traffic.delay_per_trip: target 0.0 and bound 15.0 disagree"):
        load_system(wrong)


def test_the_hezhou_baseline_scores_strictly_inside_every_dimension():
    """Measured inputs of a Hezhou baseline run (scripts/index_baseline_inputs.py wrote the file):
    no dimension is pinned at 0 or 100, so a policy can move every one of them either way."""
    with BASELINE.open() as f:
        values = {row["key"]: float(row["value"]) for row in csv.DictReader(f)}
    assert set(values) == set(_at("target"))
    out = _index(values)
    for dim in SYSTEM.dimensions:
        assert 0.0 < out[f"score_{dim.key}"] < 100.0, dim.key
        inside = [i for i in dim.indicators if 0.0 < score(values[i.key], i.bound, i.target) < 100.0]
        assert inside, f"every {dim.key} indicator is pinned"
    assert 0.0 < out["index"] < 100.0


def test_the_index_and_domain_scores_are_rows_of_the_governance_domain():
    out = governance_index(_rows(_at("target")), {}, {})
    assert {i.domain for i in out} == {"governance"}
    assert [i.name for i in out][-1] == "index"


def test_direction_needs_bounds():
    with pytest.raises(ValueError):
        Indicator("a", "x", 1.0, "-", "higher")


def _side(label, index_name, system=None):
    rows = pd.DataFrame({"replicate": [0], "year": [2025], "domain": ["governance"],
                         "indicator": [index_name], "value": [70.0], "unit": ["score 0-100"]})
    scenario = {"scenario": {"city": "hezhou"}, "traffic": {}, "indicators": {}}
    return Side(label, 1, rows, {}, definition(scenario, None, system))


def test_compare_refuses_another_indicator_system_and_a_partial_against_a_full_index():
    now = SYSTEM.identity()
    before = {"version": 1, "sha256": "0" * 64}
    assert compare_sides(_side("A", "index", now), _side("B", "index", now)).differences == []
    with pytest.raises(TwinInputError, match=r"index definition \(indicator system A v1 000000000000, B v"):
        compare_sides(_side("A", "index", before), _side("B", "index", now))
    with pytest.raises(TwinInputError) as err:
        compare_sides(_side("A", "index", now), _side("B", "index_partial", now))
    assert "governance index (A full, B partial" in str(err.value) and "\n" not in str(err.value)
    allowed = compare_sides(_side("A", "index", now), _side("B", "index_partial", now), allow_different=True)
    assert any("A full, B partial" in d for d in allowed.differences)
    assert compare_sides(_side("A", "index"), _side("B", "index", now)).differences == []  # unrecorded


def test_the_system_names_what_the_modules_publish(quick_scenario):
    """Every indicator of the system is reported by its module on the test city, in the system's
    unit and, where the module gives a direction, the same one; the year gets the full index."""
    from twin.scenario.run import simulate

    model, table, *_ = simulate(quick_scenario)
    first = {(i.domain, i.name): i for year, i in model.indicator_rows if year == 2025}
    for dim in SYSTEM.dimensions:
        for ind in dim.indicators:
            published = first[(dim.key, ind.name)]
            assert published.unit == ind.unit, ind.key
            assert published.better in ("", ind.better), ind.key
    assert ("governance", "index") in first and ("governance", "index_partial") not in first


def test_the_documented_table_is_the_system():
    doc = (Path(__file__).parent.parent / "docs" / "governance_index.md").read_text()
    assert markdown_table(SYSTEM) in doc, (
        "docs/governance_index.md is stale: paste `python -m twin.indicators.system` into it")
    assert f"version {SYSTEM.version}" in doc


def test_sweep_manifests_record_the_indicator_system():
    from twin.sweep.design import make_design
    from twin.sweep.runner import sweep_manifest
    from twin.sweep.spec import load_sweep

    spec = load_sweep(Path(__file__).parent.parent / "scenarios" / "sweep_testville_demo.toml")
    assert sweep_manifest(spec, make_design(spec))["index_system"] == SYSTEM.identity()
