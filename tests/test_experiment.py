"""`twin experiment`: a policy against its parent with common random numbers, effects with
intervals and signal-to-noise flags, reports; on testville (about a second a run)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from scipy import stats

from twin.cli import main
from twin.sweep import experiment
from twin.sweep.compare import COMPARISON_COLUMNS, Comparison, Side, compare
from twin.sweep.experiment import effect_table

POLICY = ROOT / "scenarios" / "testville_experiment_policy.toml"
PARENT = ROOT / "scenarios" / "testville_experiment_base.toml"


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """`twin experiment` of the shipped test-city policy, 4 replicates, serially."""
    out = tmp_path_factory.mktemp("experiment") / "exp"
    import contextlib
    import io

    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["experiment", str(POLICY), "--replicates", "4", "--workers", "0", "--out", str(out),
                     "--quiet"])
    return code, stdout.getvalue(), out


def test_cli_prints_the_effect_table_and_writes_the_report(cli_run):
    code, text, out = cli_run
    assert code == 0
    assert "95% intervals paired on common random numbers (4 replicates, seed 11)" in text
    head = next(line for line in text.splitlines() if "effect %" in line).split()
    assert head == ["domain", "indicator", "unit", "parent", "policy", "effect", "effect", "%", "95%",
                    "interval", "s/n", "flag", "verdict"]
    assert "summary: " in text and f"report: {out / 'report.md'}" in text
    report = (out / "report.md").read_text()
    assert "| domain | indicator | unit | parent | policy | effect |" in report
    for image in ("report_1_indicators.png", "report_1_population.png"):  # population: kept time series
        assert (out / image).stat().st_size > 0 and image in report
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["kind"] == "experiment" and manifest["replicates"] == 4
    assert list(pd.read_parquet(out / "design.parquet").scenario) == [
        "testville_experiment_base", "testville_new_town_incentive"]


def test_sides_share_seeds_and_intervals_are_paired_t(cli_run):
    """Replicate r of both sides has the same seed; the interval is Student's t on the paired
    differences (scipy), and narrower than Welch's on the same runs: the pairing matters."""
    _, _, out = cli_run
    results = pd.read_parquet(out / "results.parquet")
    runs = results.drop_duplicates("run_id")
    assert sorted(runs.point.unique()) == [0, 1]
    assert runs.groupby("replicate").seed.nunique().eq(1).all() and runs.seed.nunique() == 1
    last = results[(results.year == results.year.max()) & (results.indicator == "population_new_town")]
    a = last[last.point == 0].sort_values("replicate").value.to_numpy()
    b = last[last.point == 1].sort_values("replicate").value.to_numpy()
    d = b - a
    low, high = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    row = experiment_effects(out).set_index("indicator").loc["population_new_town"]
    assert row.effect == pytest.approx(d.mean()) and row.effect > 0  # the programme fills the new town
    assert (row.ci_low, row.ci_high) == pytest.approx((low, high))
    welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert high - low < welch.high - welch.low
    assert low > 0 and row.flag in ("clear", "weak")  # the interval excludes 0
    assert row.snr == pytest.approx(abs(d.mean()) / ((high - low) / 2))


def experiment_effects(out):
    from twin.sweep.experiment import effects_of

    return effects_of(out).effects[0].table


def test_a_policy_changing_nothing_has_no_effect_at_all(tmp_path):
    """Common random numbers: a 'policy' that only renames the parent and sets another seed (which
    the experiment replaces by the parent's) must show exactly zero effect everywhere. Without
    common seeds migration's random draws would differ and show as noise."""
    same = tmp_path / "same.toml"
    same.write_text(f'extends = "{PARENT}"\n[scenario]\nname = "same"\nseed = 99\n')
    with pytest.warns(UserWarning, match="scenario.seed = 99 is not used: every side runs with the parent's"):
        result = experiment(same, tmp_path / "out", replicates=2, workers=0)
    table = result.effects[0].table
    assert len(table) > 20 and (table.flag == "unchanged").all() and (table.effect == 0).all()


def test_flags_verdicts_and_replicates_needed():
    rows = [  # domain, indicator, unit, mean_a, mean_b, diff, ci_low, ci_high, n_a, n_b, paired
        ("d", "clear_up", "x", 10.0, 12.0, 2.0, 1.5, 2.5, 10, 10, True),
        ("d", "weak_down", "x", 10.0, 9.0, -1.0, -1.8, -0.2, 10, 10, True),
        ("d", "noise", "x", 10.0, 10.5, 0.5, -0.5, 1.5, 10, 10, True),
        ("d", "same", "x", 10.0, 10.0, 0.0, 0.0, 0.0, 10, 10, True),
        ("d", "one_run", "x", 10.0, 11.0, 1.0, np.nan, np.nan, 1, 1, True),
    ]
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    side = Side("s", 0, pd.DataFrame(), {})
    better = {("d", "clear_up"): "higher", ("d", "weak_down"): "higher", ("d", "noise"): "lower"}
    effects = effect_table(Comparison(side, side, 2025, 0.95, table), better).set_index("indicator")
    assert list(effects.flag) == ["clear", "weak", "noise", "unchanged", "n/a"]
    assert list(effects.verdict) == ["better", "worse", "", "", ""]
    assert effects.snr.iloc[:3].tolist() == pytest.approx([4.0, 1.25, 0.5])
    assert effects.effect_pct["clear_up"] == pytest.approx(20.0)
    # half-width 0.8 for an effect of 1 with 10 replicates: 10 x (2 x 0.8 / 1)^2 = 25.6 -> 26
    assert effects.replicates_for_clear["weak_down"] == 26 and effects.replicates_for_clear["noise"] == 160
    assert math.isnan(effects.replicates_for_clear["clear_up"])


def test_two_policies_html_report_compare_and_resume(tmp_path, capsys):
    same = tmp_path / "same.toml"
    same.write_text(f'extends = "{PARENT}"\n[scenario]\nname = "same"\n')
    out, report = tmp_path / "out", tmp_path / "r" / "exp.html"
    argv = ["experiment", str(POLICY), str(same), "--replicates", "2", "--workers", "0", "--out", str(out),
            "--report", str(report), "--quiet"]
    assert main(argv) == 0
    text = report.read_text()
    assert text.startswith("<!doctype html>") and "testville_experiment_policy.toml" in text
    assert (tmp_path / "r" / "exp_headline.png").is_file()
    assert (tmp_path / "r" / "exp_1_indicators.png").is_file()
    assert not (tmp_path / "r" / "exp_2_indicators.png").exists()  # no effect: nothing to plot
    assert "No clear or weak effect: no difference plot." in text
    capsys.readouterr()
    # the folder is a sweep folder: twin compare of its points gives the experiment's differences
    effects = experiment_effects(out).set_index("indicator")
    compared = compare(f"{out}@0", f"{out}@1").table.set_index("indicator")
    assert compared["diff"].to_dict() == effects.effect.to_dict()
    # a second run into the folder needs --resume, which reruns nothing
    assert main(argv) == 2
    assert "already holds an experiment; pass --resume" in capsys.readouterr().err
    before = (out / "results.parquet").read_bytes()
    assert main([*argv, "--resume"]) == 0
    assert json.loads((out / "timing.json").read_text())[-1]["runs"] == 0
    assert (out / "results.parquet").read_bytes() == before
