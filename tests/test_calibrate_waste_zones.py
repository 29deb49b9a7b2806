"""``waste.zone_generation_factor`` and its fit from bin fill readings (issue 13 item 3) on testville.

Truth: the scenario with old_town's waste x1.4 (bins sized from the unscaled rates, as the module
does); observations by ``twin observe`` of its run (weighbridge 2 % noise, half the bins read with
an absolute fill noise of 0.05). The fit starts from the scenario without the factor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_calibrate_domains import ONLY_WASTE, WASTE, context

from twin.city import load_city
from twin.errors import ScenarioError
from twin.observations.read import read_observations, reference_of

TRUTH = "zone_generation_factor = { old_town = 1.4 }\n"


@pytest.fixture(scope="module")
def testville():
    return load_city("testville")


def observations(folder: Path, extra: str, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Weighbridge and fill readings (half the bins) of a run of ``WASTE + extra``, read back."""
    from twin.observations.observe import observe
    from twin.scenario.run import run

    folder.mkdir(exist_ok=True)
    (folder / "truth.toml").write_text(WASTE + extra, encoding="utf-8")
    run(folder / "truth.toml", folder / "truth")
    observe(folder / "truth", folder / "obs", sample={**ONLY_WASTE, "waste_fill": 0.5}, seed=seed)
    return read_observations(folder / "obs", reference_of(folder / "truth"))


def fit(folder: Path, observed: dict[str, pd.DataFrame], budget: int = 4):
    from twin.observations.fit_waste import WasteFitter

    (folder / "prior.toml").write_text(WASTE, encoding="utf-8")
    ctx = context(folder, folder / "prior.toml", reference_of(folder / "prior.toml"), budget=budget)
    return WasteFitter().fit(ctx.scenario, observed, {}, ctx)


@pytest.fixture(scope="module")
def truth(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("truth")
    return folder, observations(folder, TRUTH)


def test_unknown_district_is_one_line_naming_the_key_and_the_names(testville):
    from twin.city.zones import zone_factors

    with pytest.raises(ScenarioError, match=r"'waste.zone_generation_factor.old_twn'.*did you mean "
                                            r"'old_town'.*districts: old_town, new_town"):
        zone_factors(testville.zones, testville.districts, {"old_twn": 1.4}, "waste.zone_generation_factor")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_district_factor_recovered_from_fill_and_rates_kept(tmp_path, truth):
    """old_town x1.4 recovered within 0.05 (seen: 1.395 +- 0.013 from 369 readings, over the
    scenario's fresh draw's ratio); new_town kept at 1 (seen: 1.046 +- 0.037, within the noise of
    the fresh draw's); the weighbridge, compared on a run with the fitted factor, leaves every
    stream's rates within 3 % of the prior (seen: 2.5 %)."""
    from twin.waste.streams import JOB_KG_DAY, RESIDENT_KG_DAY

    folder, observed = truth
    got = fit(tmp_path, observed)
    fitted = {f.key: f for f in got.fitted}
    factor = fitted["waste.zone_generation_factor"]
    assert factor.value.get("old_town") == pytest.approx(1.4, abs=0.05)
    assert "new_town" not in factor.value
    assert factor.fit["old_town_bins"] >= 100 and factor.fit["old_town_se"] < 0.03
    for key, prior in (("waste.resident_kg_day", RESIDENT_KG_DAY), ("waste.job_kg_day", JOB_KG_DAY)):
        if key in fitted:
            for stream, value in fitted[key].value.items():
                assert value == pytest.approx(prior[stream], rel=0.03), (key, stream)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_readings_shuffled_between_districts_do_not_give_the_factor(tmp_path, truth):
    """Wrong model: the fill readings assigned to the wrong bins (bin ids permuted within each
    stream, across the districts): old_town's estimate is no longer 1.4 (seen: 0.853 +- 0.057, the
    residual spread four times the true model's); the test asks for below 1.25."""
    folder, observed = truth
    fill = observed["waste_fill"].copy()
    rng = np.random.default_rng(0)
    for stream in fill["stream"].unique():
        mine = (fill["stream"] == stream).to_numpy()
        fill.loc[mine, "bin"] = rng.permutation(fill.loc[mine, "bin"].to_numpy())
    got = fit(tmp_path, {**observed, "waste_fill": fill})
    fitted = {f.key: f.value for f in got.fitted}
    assert fitted.get("waste.zone_generation_factor", {}).get("old_town", 1.0) < 1.25


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_scenario_that_matches_keeps_factor_one(tmp_path):
    """Observations of the prior scenario's own run: no district factor is written (seen: old_town
    0.995 +- 0.014, new_town 1.025 +- 0.044, both within the noise of the scenario's fresh draw;
    tests/test_calibrate_noise.py has the prior's data on another seed)."""
    observed = observations(tmp_path, "", seed=4)
    got = fit(tmp_path, observed, budget=3)
    assert "waste.zone_generation_factor" not in {f.key for f in got.fitted}
    assert any(line.startswith("waste.zone_generation_factor.old_town") for line in got.kept)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_factor_scales_generation_not_the_bins(tmp_path):
    """The wrong model the fit relies on not being: bins sized from the scaled rates. With old_town
    x1.4 the bins are the same, and the city generates more, but less than 1.4 times as much."""
    from twin.scenario.run import simulate
    from twin.scenario.spec import load_scenario

    (tmp_path / "s.toml").write_text(WASTE.replace("period_days = 4", "period_days = 1"), encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.toml")
    truth = {"waste.zone_generation_factor": {"old_town": 1.4}}
    out = [simulate(scenario.with_overrides(o)) for o in ({}, truth)]
    (_, _, plain, plain_state, _), (_, _, scaled, scaled_state, _) = out
    assert np.array_equal(plain_state["bins"]["capacity_l"], scaled_state["bins"]["capacity_l"])
    ratio = scaled["waste_daily"]["generated_g"].sum() / plain["waste_daily"]["generated_g"].sum()
    assert 1.1 < ratio < 1.4
