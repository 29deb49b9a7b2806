"""`twin compare`: paired and unpaired intervals (checked against scipy), folders, reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from scipy import stats

from twin import load_scenario, run
from twin.cli import main
from twin.sweep import sweep
from twin.sweep.compare import COMPARISON_COLUMNS, Comparison, Side, _interval, compare, compare_sides
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
