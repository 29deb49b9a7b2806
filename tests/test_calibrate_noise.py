"""The migration and waste fitters of ``twin calibrate`` keep the prior on one draw's noise (issue 13).

Data made by the prior itself on another seed must leave ``migration.beta_stay`` and
``waste.zone_generation_factor`` at the prior, where the fitters without their checks moved them
(the shipped Hezhou example: ``beta_stay`` 2 -> 1.62, babu's factor 1 -> 1.057); data made with a
real change must still give it back. Each test names the wrong model it rejects.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_calibrate_domains import MIGRATION, ONLY_POPULATION, ONLY_WASTE, WASTE, context

from twin.observations.read import read_observations, reference_of

ROOT = Path(__file__).resolve().parents[1]


def on_seed(text: str, seed: int) -> str:
    """A testville scenario text (``[scenario]`` first) run on ``seed`` instead of the default."""
    return text.replace("[scenario]\n", f"[scenario]\nseed = {seed}\n", 1)


def observed_run(folder: Path, text: str, sample: dict[str, float]) -> dict[str, pd.DataFrame]:
    """`twin observe` (seed 1) of a run of the scenario ``text``, read back."""
    from twin.observations.observe import observe
    from twin.scenario.run import run

    folder.mkdir(exist_ok=True)
    (folder / "truth.toml").write_text(text, encoding="utf-8")
    run(folder / "truth.toml", folder / "truth")
    observe(folder / "truth", folder / "obs", sample=sample, seed=1)
    return read_observations(folder / "obs", reference_of(folder / "truth"))


# -- migration ---------------------------------------------------------------------------------

def calibrate_migration(folder: Path, observed: dict[str, pd.DataFrame]):
    from twin.observations.fit_migration import MigrationFitter

    folder.mkdir(exist_ok=True)
    (folder / "prior.toml").write_text(MIGRATION, encoding="utf-8")
    ctx = context(folder, folder / "prior.toml", reference_of(folder / "prior.toml"), budget=8)
    return MigrationFitter().fit(ctx.scenario, observed, {}, ctx)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_beta_stay_kept_on_the_priors_own_data_from_another_seed(tmp_path, monkeypatch):
    """Truth: the prior itself (``beta_stay`` 2) on seed 7, every zone's movers over three years.
    The secant finds 2.51 (seen): the F test on that draw passes (p 0.003) but a fresh draw does
    not (F < 0), so the prior is kept. Wrong model: the fitter without the checks (the old one,
    ``significant`` always passing) writes that noise, more than 0.3 utils from the truth."""
    from twin.observations import fit_migration

    observed = observed_run(tmp_path / "truth", on_seed(MIGRATION, 7), ONLY_POPULATION)
    kept = calibrate_migration(tmp_path / "new", observed)
    assert "migration.beta_stay" not in {f.key for f in kept.fitted}
    line = next(k for k in kept.kept if k.startswith("migration.beta_stay:"))
    assert "below 0.05), but the improvement did not replicate on a fresh draw" in line
    monkeypatch.setattr(fit_migration, "significant", lambda *args: (True, "checks off"))
    old = {f.key: f.value for f in calibrate_migration(tmp_path / "old", observed).fitted}
    assert abs(old["migration.beta_stay"] - 2.0) > 0.3


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("truth", [1.0, 3.0])
def test_beta_stay_recovered_from_a_truth_on_another_seed(tmp_path, truth):
    """Truth: ``beta_stay`` 1 or 3 (prior 2) on seed 11. The fit passes the F test and its fresh
    draw and lands within 0.35 utils (seen 1.31 and 3.04): one truth draw's own noise, since the
    prior's least-squares value on seeds 3, 5, 7 and 11 scatters over 2.00..2.51."""
    observed = observed_run(tmp_path / "truth", on_seed(MIGRATION, 11) + f"beta_stay = {truth}\n",
                            ONLY_POPULATION)
    got = calibrate_migration(tmp_path, observed)
    beta = next(f for f in got.fitted if f.key == "migration.beta_stay")
    assert beta.value == pytest.approx(truth, abs=0.35)
    assert any(n.startswith("migration.beta_stay fitted: F test") and "on a fresh draw (replicate 1): F"
               in n for n in got.notes)


# -- waste -------------------------------------------------------------------------------------

HEZHOU_WASTE = (f'extends = "{(ROOT / "scenarios" / "hezhou_synthetic_prior.toml").as_posix()}"\n\n'
                + "".join(f"[{m}]\nenabled = false\n\n" for m in ("migration", "traffic", "emergency")))
"""The shipped example's prior with the waste module alone (the others barely touch the bins: the
truth's traffic moves babu's fill ratio by 0.003)."""


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_district_factors_kept_on_the_shipped_examples_fill(tmp_path):
    """The shipped example's fill readings (data/observed/hezhou_synthetic: its truth is the prior
    on seed 7, the waste unchanged). Wrong model: the old acceptance (fit a district whose ratio is
    more than two standard errors from 1) fits babu (seen 1.058 +- 0.018 on the first example; 1.048
    +- 0.020 on the remade one's training bins; on the example remade on 57803d1's city, every
    reading, 1.048 +- 0.024: 2.03 standard errors; on the example remade on 7f02a70's city it fits
    hsr_new_town instead: which district the old rule moves depends on the draw, that it moves one
    is the defect). The fitter compares each ratio with the scenario's own fresh draw (seen babu
    1.05; 1.029 on 57803d1's city) instead, and keeps every prior."""
    from twin.observations.fit_waste import MAX_SE, MIN_BINS, WasteFitter, bin_districts, district_ratios

    (tmp_path / "prior.toml").write_text(HEZHOU_WASTE, encoding="utf-8")
    reference = reference_of(tmp_path / "prior.toml")
    (tmp_path / "obs").mkdir()
    shutil.copy(ROOT / "data" / "observed" / "hezhou_synthetic" / "waste_fill.csv", tmp_path / "obs")
    observed = read_observations(tmp_path / "obs", reference)
    fill = observed["waste_fill"]
    ctx = context(tmp_path, tmp_path / "prior.toml", reference, budget=3)
    got = WasteFitter().fit(ctx.scenario, observed, {}, ctx)
    assert "waste.zone_generation_factor" not in {f.key for f in got.fitted}
    assert any("within the noise of the scenario's own fresh draw" in k for k in got.kept)
    from twin.city import load_city
    from twin.scenario.spec import load_scenario

    scenario = load_scenario(tmp_path / "prior.toml")
    city = load_city(scenario.scenario.city, scenario.file_of("scenario.city"))
    at_prior, at_probe = (ctx.table(tmp_path / f"eval-{k}", "bins") for k in (0, 1))
    old = district_ratios(fill, at_prior, at_probe, bin_districts(city, scenario.modules["waste"]),
                          len(city.districts))
    moved = [d for d, r in old.items() if r.bins >= MIN_BINS and r.standard_error <= MAX_SE
             and abs(r.ratio - 1.0) > 2.0 * r.standard_error]
    assert moved, "the old rule would have fitted no district: this data no longer shows its defect"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_district_factor_recovered_from_a_truth_on_another_seed(tmp_path):
    """Truth: testville's old_town x1.4 on seed 7 (half the bins read, 0.05 noise). Its ratio
    (seen 1.356 +- 0.029) over the scenario's fresh draw (0.989 +- 0.026) gives 1.37: within 0.05
    of the truth; new_town (1.011 +- 0.081 against 0.978) is kept."""
    from twin.observations.fit_waste import WasteFitter

    truth = on_seed(WASTE, 7) + "zone_generation_factor = { old_town = 1.4 }\n"
    observed = observed_run(tmp_path / "truth", truth, {**ONLY_WASTE, "waste_fill": 0.5, "weighbridge": 0.0})
    (tmp_path / "prior.toml").write_text(WASTE, encoding="utf-8")
    ctx = context(tmp_path, tmp_path / "prior.toml", reference_of(tmp_path / "prior.toml"), budget=3)
    got = WasteFitter().fit(ctx.scenario, observed, {}, ctx)
    factor = next(f for f in got.fitted if f.key == "waste.zone_generation_factor")
    assert factor.value["old_town"] == pytest.approx(1.4, abs=0.05)
    assert "new_town" not in factor.value


# -- waste on the fitted population -----------------------------------------------------------

MIGRATION_WASTE = ('[scenario]\nname = "mw"\ncity = "testville"\nhorizon_years = 2\nperiod_days = 4\n\n'
                   "[migration]\n\n[waste]\nroute_iterations = 5\n")
"""docs/examples/calibrate_domains.py's prior without emergency: two years, so the last year's bins
fill from the population migration made."""


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_district_factor_from_the_truths_in_migration(tmp_path):
    """Truth: the prior with twice the general in-migration (``in_rate`` 0.04), its waste unchanged;
    observed: census, weighbridge and every bin's fill (nothing held out). `twin calibrate` fits
    migration first (seen 0.0385) and the waste on that population: no district factor (seen
    new_town 0.995 +- 0.021 against the fresh draw's 1.066 +- 0.044; old_town 0.993 +- 0.009
    against 0.956 +- 0.017, p 0.055). Wrong model: the waste fitted on the input's population (waste
    alone, as every domain was before), where the truth's extra households fill new_town's bins more
    than the prior's (seen 1.164 +- 0.025, and old_town 1.045 written at p 0.027;
    docs/examples/calibrate_domains.py wrote new_town 1.25 so)."""
    from twin.observations.calibrate import calibrate
    from twin.observations.observe import observe
    from twin.scenario.run import run

    (tmp_path / "prior.toml").write_text(MIGRATION_WASTE, encoding="utf-8")
    (tmp_path / "truth.toml").write_text('extends = "prior.toml"\n\n[migration]\nin_rate = 0.04\n',
                                         encoding="utf-8")
    run(tmp_path / "truth.toml", tmp_path / "truth")
    observe(tmp_path / "truth", tmp_path / "obs", seed=1,
            sample={"counts": 0.0, "travel_times": 0.0, "incidents": 0.0, "waste_fill": 1.0})

    def fit(out: str, domains: list[str]) -> tuple[dict, float]:
        """The fitted keys and new_town's fill ratio."""
        got = calibrate(tmp_path / "prior.toml", tmp_path / "obs", tmp_path / out, domains=domains,
                        holdout=0.0, progress=lambda line: None)
        notes = " ".join(n for d in got.fits for n in d.notes)
        return ({f.key: f.value for d in got.fits for f in d.fitted},
                float(re.search(r"new_town ([0-9.]+) \+- ", notes).group(1)))

    both, ratio = fit("both.toml", ["migration", "waste"])
    assert both["migration.in_rate"] == pytest.approx(0.04, abs=0.006)
    assert "waste.zone_generation_factor" not in both
    assert abs(ratio - 1.0) < 0.05
    _, alone = fit("alone.toml", ["waste"])
    assert alone - ratio > 0.1
