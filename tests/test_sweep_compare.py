"""`twin compare`: paired and unpaired intervals (checked against scipy), folders, reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from scipy import stats

from twin import load_scenario, run
from twin.cli import main
from twin.errors import TwinInputError
from twin.sweep import sweep
from twin.sweep.compare import (
    COMPARISON_COLUMNS,
    Comparison,
    Side,
    _interval,
    compare,
    compare_sides,
    definition,
    format_comparison,
    readable,
    readable_table,
)
from twin.sweep.report import write_compare_report

BASE = ROOT / "scenarios" / "sweep_testville_base.toml"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    path = tmp / "sweep.toml"
    path.write_text(
        f'[sweep]\nname = "c"\nbase = "{BASE}"\nlevels = 2\nreplicates = 3\n'
        '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 4.0\n'
    )
    sweep(path, tmp / "out", workers=0)
    return tmp / "out"


def test_paired_interval_matches_scipy_ttest_rel():
    rng = np.random.default_rng(7)
    a = rng.normal(10, 2, 12)
    b = a + rng.normal(0.5, 0.3, 12)
    diff, low, high = _interval(a, b, paired=True, confidence=0.9)
    ci = stats.ttest_rel(b, a).confidence_interval(0.9)
    assert diff == pytest.approx(np.mean(b - a))
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-12)


def test_unpaired_interval_matches_scipy_welch():
    rng = np.random.default_rng(8)
    a, b = rng.normal(10, 2, 9), rng.normal(11, 4, 14)
    _, low, high = _interval(a, b, paired=False, confidence=0.95)
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert np.isnan(_interval(a[:1], b[:1], paired=True, confidence=0.95)[1])


def test_compare_two_points_of_a_sweep(sweep_dir, tmp_path, capsys):
    c = compare(f"{sweep_dir}@0", f"{sweep_dir}@1")
    assert c.table.paired.all() and (c.table.n_a == 3).all()
    results = pd.read_parquet(sweep_dir / "results.parquet")
    school = results[results.indicator == "share_within_school"].groupby("point").value.mean()
    row = c.table.set_index("indicator").loc["share_within_school"]
    assert row["diff"] == pytest.approx(school[1] - school[0])
    assert row["diff"] >= 0  # a longer threshold never serves fewer residents
    assert main(["compare", f"{sweep_dir}@0", f"{sweep_dir}@1", "--report", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "paired on common random numbers" in out and "share_within_school" in out
    assert (tmp_path / "r_indicators.png").is_file() and "<img" in (tmp_path / "r.html").read_text()


def test_compare_a_run_folder_with_a_sweep_point(sweep_dir, tmp_path):
    scenario = load_scenario(BASE).with_overrides({"access.threshold_min": 1.0})
    run(scenario, tmp_path / "run", picture=False)
    c = compare(tmp_path / "run", f"{sweep_dir}@0")
    assert not c.table.paired.any()  # one replicate against three
    assert np.allclose(c.table["diff"], 0.0)  # the same scenario: no difference
    longer = scenario.with_overrides({"scenario.period_days": 2 * scenario.scenario.period_days})
    run(longer, tmp_path / "longer", picture=False)
    with pytest.raises(TwinInputError, match=r"differ in period_days \(A "):
        compare(tmp_path / "longer", f"{sweep_dir}@0")  # the sweep point's period is read from sweep.json
    assert compare(tmp_path / "longer", f"{sweep_dir}@0", allow_different=True).differences


def test_report_plots_distributions_when_tables_exist(tmp_path):
    rng = np.random.default_rng(1)

    def side(label, shift):
        incidents = pd.DataFrame({"response_s": rng.gamma(4, 100 + shift, 200), "replicate": 0})
        population = pd.DataFrame(
            {
                "year": np.repeat([2025, 2026], 2),
                "district": ["old", "new"] * 2,
                "population": [900.0, 100 + shift, 890.0, 120 + shift],
                "replicate": 0,
            }
        )
        indicators = pd.DataFrame(
            {
                "replicate": [0],
                "year": [2026],
                "domain": ["emergency"],
                "indicator": ["p90_response"],
                "value": [600.0 + shift],
                "unit": ["s"],
            }
        )
        return Side(label, 0, indicators, {"incidents": incidents, "zone_population": population})

    a, b = side("A", 0), side("B", 50)
    table = pd.DataFrame(
        [("emergency", "p90_response", "s", 600.0, 650.0, 50.0, np.nan, np.nan, 1, 1, True)],
        columns=COMPARISON_COLUMNS,
    )
    path = write_compare_report(Comparison(a, b, 2026, 0.95, table), tmp_path / "report.md")
    text = path.read_text()
    for name in ("indicators", "response_time", "population"):
        assert (tmp_path / f"report_{name}.png").is_file()
        assert f"report_{name}.png" in text


def test_compare_bad_input(sweep_dir, tmp_path, capsys):
    assert main(["compare", str(sweep_dir), f"{sweep_dir}@1"]) == 2
    assert "name one as" in capsys.readouterr().err
    assert main(["compare", f"{sweep_dir}@9", f"{sweep_dir}@1"]) == 2
    assert main(["compare", str(tmp_path), f"{sweep_dir}@1"]) == 2
    assert main(["compare", f"{sweep_dir}@0", f"{sweep_dir}@1", "--report", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("twin: error:") == 3 and ".md or .html" in err


def test_pairs_only_the_replicates_both_sides_report():
    def side(label, values):  # an indicator missing from replicate 1 on side A (no such call that day)
        reps = [r for r, v in enumerate(values) if v is not None]
        frame = pd.DataFrame(
            {
                "replicate": reps,
                "year": 2025,
                "domain": "emergency",
                "indicator": "p90",
                "value": [values[r] for r in reps],
                "unit": "min",
            }
        )
        calls = pd.DataFrame(
            {
                "replicate": range(4),
                "year": 2025,
                "domain": "emergency",
                "indicator": "calls",
                "value": 5.0,
                "unit": "calls",
            }
        )
        return Side(label, 1, pd.concat([calls, frame], ignore_index=True), {})

    a, b = side("A", [10.0, None, 12.0, 11.0]), side("B", [9.0, 8.0, 10.0, 10.5])
    row = compare_sides(a, b).table.set_index("indicator").loc["p90"]
    assert row.paired and row.n_a == row.n_b == 3
    ci = stats.ttest_rel([9.0, 10.0, 10.5], [10.0, 12.0, 11.0]).confidence_interval(0.95)
    assert (row.ci_low, row.ci_high) == pytest.approx((ci.low, ci.high))


def _side(label, rows, seed=1, **definition):
    """A side from (replicate, domain, indicator, value, unit) rows, year 2025."""
    columns = ["replicate", "domain", "indicator", "value", "unit"]
    frame = pd.DataFrame(rows, columns=columns).assign(year=2025)
    base = {"city": "hezhou", "modules": "traffic, waste", "horizon_years": 3, "period_days": 1.0,
            "index": {"weights": {}, "bounds": {}}}
    return Side(label, seed, frame, {}, {**base, **definition})


def test_unlike_sides_are_refused_unless_allowed(capsys):
    a = _side("A", [(0, "traffic", "vehicle_km", 2_372_946.0, "veh-km")])
    b = _side("B", [(0, "traffic", "vehicle_km", 2_376_154.0, "veh-km")], modules="traffic",
              horizon_years=5)
    with pytest.raises(TwinInputError) as err:
        compare_sides(a, b)
    message = str(err.value)
    assert "\n" not in message and "not like for like" in message and "--allow-different" in message
    assert "modules (A traffic, waste, B traffic)" in message and "horizon_years (A 3, B 5)" in message
    c = compare_sides(a, b, allow_different=True)
    first = format_comparison(c).splitlines()[0]
    assert first.startswith("sides differ in: modules") and "horizon_years" in first
    for part, value in [("city", "testville"), ("period_days", 7.0),
                        ("index", {"weights": {"waste": 0.0}, "bounds": {}})]:
        with pytest.raises(TwinInputError, match="not like for like"):
            compare_sides(a, _side("B", [(0, "traffic", "vehicle_km", 1.0, "veh-km")], **{part: value}))
    same = definition({"scenario": {}, "indicators": {"weights": {"waste": 1.0}, "bounds": {}}})
    assert same["index"] == definition({"scenario": {}, "indicators": {}})["index"]  # 1 is the default
    unknown = Side("old", 1, a.indicators, {})  # a folder without a scenario: nothing to check
    assert compare_sides(a, unknown).differences == []


def test_single_runs_say_why_there_is_no_interval_and_numbers_are_readable():
    a = _side("A", [(0, "traffic", "vehicle_km", 2_372_946.4, "veh-km"),
                    (0, "traffic", "congestion_index", 2.3312, "ratio"),
                    (0, "waste", "litter_share", 0.0000234, "%")], seed=42)
    b = _side("B", [(0, "traffic", "vehicle_km", 2_376_154.2, "veh-km"),
                    (0, "traffic", "congestion_index", 2.4801, "ratio"),
                    (0, "emergency", "calls", 495.0, "calls")], seed=42)
    c = compare_sides(a, b)
    assert not c.table.paired.any()  # one run a side is no pairing, even with one seed
    text = format_comparison(c)
    assert "paired" not in text and "nan" not in text.lower() and "e+" not in text
    assert "interval: n/a (one run per side; use replicates: twin sweep / experiment)" in text
    assert "2,372,946" in text and "2,376,154" in text and "3,208" in text and "veh-km" in text
    assert "2.33" in text and "0.149" in text
    assert "not compared, reported by A only: waste (1 indicator)" in text
    assert "not compared, reported by B only: emergency (1 indicator)" in text


def test_readable_numbers():
    assert [readable(v) for v in (318452.4, -1234.5, 123.456, 12.345, 1.0, 0.0456789, 0.000123456,
                                  0.0, float("nan"))] == [
        "318,452", "-1,234", "123", "12.3", "1.00", "0.0457", "0.000123", "0", "n/a"]


def test_differences_beyond_their_interval_are_marked():
    rows_a = [(r, "waste", "truck_km", 100.0 + r, "km") for r in range(5)]
    rows_a += [(r, "waste", "litter", 1.0 + (-1) ** r, "%") for r in range(5)]
    rows_b = [(r, "waste", "truck_km", 90.0 + r + 0.1 * (r % 2), "km") for r in range(5)]
    rows_b += [(r, "waste", "litter", 1.1 + (-1) ** (r + 1), "%") for r in range(5)]
    c = compare_sides(_side("A", rows_a), _side("B", rows_b))
    marks = readable_table(c).set_index("indicator").beyond
    assert marks["truck_km"] == "*" and marks["litter"] == ""  # -10 km is real; litter is noise
    text = format_comparison(c)
    assert "paired on common random numbers (5 replicates, seed 1)" in text
    assert "* beyond interval: the interval of B - A excludes 0" in text


def test_points_of_a_sweep_over_the_period_are_not_like_for_like(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nname = "p"\nbase = "{BASE}"\nlevels = 2\n'
                    '[[levers]]\nkey = "scenario.period_days"\nlow = 0.05\nhigh = 0.1\n')
    sweep(path, tmp_path / "out", workers=0)
    with pytest.raises(TwinInputError, match=r"period_days \(A 0.05, B 0.1\)"):
        compare(f"{tmp_path / 'out'}@0", f"{tmp_path / 'out'}@1")


def test_the_table_shows_each_indicator_s_better_direction_as_the_runs_recorded_it():
    """Mode shares keep their units and directions in `twin compare` (issue 17); an indicator
    without a direction shows none, and sides without the column (old stores) show none."""
    rows = [(0, "traffic", "car_share", 20.0, "%", "lower"), (0, "traffic", "bus_share", 8.0, "%", "higher"),
            (0, "traffic", "walk_share", 32.0, "%", float("nan"))]
    a, b = _side("A", [r[:5] for r in rows]), _side("B", [r[:5] for r in rows])
    b.indicators["better"] = [r[5] for r in rows]
    table = readable_table(compare_sides(a, b)).set_index("indicator")
    assert table.loc["car_share", "unit"] == "%" and table.loc["car_share", "better"] == "lower"
    assert table.loc["bus_share", "better"] == "higher" and table.loc["walk_share", "better"] == ""
    assert set(readable_table(compare_sides(a, a)).better) == {""}
    assert "better" in format_comparison(compare_sides(a, b)).splitlines()[1]
