"""Migration calibration: the base year reproduces the observed population with no policy, then the inflow.

The zone constants of the location choice are calibrated by the module itself at the start of
every run (:func:`twin.migration.calibration.calibrate_zone_constants`, the UrbanSim practice:
``ASC_z += log(observed share / predicted share)`` until the no-policy base year reproduces where
households live), with the city's residents per zone as the target; the scenario holds only the
switch ``migration.zone_constants`` (``calibrated`` or ``zero``), not the constants. So this fitter:

1. runs the scenario with its policy levers off (``subsidy``, ``amenity``, ``construction``,
   ``new_jobs`` empty, ``talent_policy`` 0) and compares its residents per zone and year with the
   census; a scenario with ``zone_constants = "zero"`` is run calibrated too, and ``calibrated`` is
   written when it fits the zone shares better;
2. fits ``migration.in_rate`` (general in-migrant households per resident household and year)
   to the observed total residents of the training zones: the totals are linear in ``in_rate`` to
   first order, so one more run at a shifted rate gives the slope (a secant), the least-squares
   rate over the observed years follows, and a last run checks it. Net growth is what the census
   identifies: out-migration, births and deaths are kept and ``in_rate`` carries the difference;
3. where the census gives ``movers`` (households that moved into each zone during the year),
   fits ``migration.beta_stay`` (the utility of staying in the current zone, the moving cost) to
   the training zones' total movers the same way (a secant over a second run at ``beta_stay +``
   :data:`BETA_STEP`, a check run): households that move between zones are the only movers that
   coefficient changes, and the totals cannot tell the other coefficients (``beta_jobs``,
   ``beta_price_by_income`` ...) apart, which are kept.

The fitted ``beta_stay`` must beat the prior by more than the noise of one run (the rule of the
traffic fit's district factors, :mod:`twin.observations.fit_traffic`): the movers per training zone
and year, as Poisson residuals ``(o - m) / sqrt(max((o + m0) / 2, 1))`` (``m0``: the prior's run),
must fit the check run better than the prior's by the extra-sum-of-squares F test
(:func:`~twin.observations.fit.significant`, one parameter) at :data:`~twin.observations.fit.ALPHA`,
and again on a fresh draw of the city's randomness (the prior and the fitted value run once more as
replicate 1, :data:`~twin.observations.fit.REPLICATION_RUNS`, residuals normalised by that draw's
prior). Otherwise the prior is kept and the kept line gives the test. The secant alone fits one
draw's noise: on the
shipped Hezhou example, whose truth has the prior's ``beta_stay`` 2 on another seed, it wrote 1.62
from a movers total 2.7 % above the prior's run, where three draws of the prior scatter by 1 %;
on testville's prior on seed 7 it finds 2.51, whose F test passes on that draw (p 0.003) and not
on a fresh one (tests/test_calibrate_noise.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from twin.observations.fit import (
    REPLICATE_KEY,
    REPLICATION_RUNS,
    CalibrationContext,
    DomainFit,
    Fitted,
    replicated_line,
    significant,
)

NO_POLICY: dict[str, object] = {"migration.subsidy": {}, "migration.amenity": {},
                                "migration.construction": {}, "migration.new_jobs": {},
                                "migration.talent_policy": 0.0}
"""Overrides that switch the migration module's policy levers off."""

STEP = 0.01
"""Shift of ``in_rate`` for the secant's second run (per resident household and year)."""

BETA_STEP = 0.5
"""Shift of ``beta_stay`` for its secant's second run (utils)."""

MIN_BETA_CHANGE = 0.05
"""``beta_stay`` is kept when the least-squares value moves it by less than this (utils)."""

BETA_RANGE = (0.0, 50.0)
"""Bounds of ``beta_stay`` in the config."""

MIN_CHANGE = 0.002
"""``in_rate`` is kept when the least-squares rate moves it by less than this (about what a 1 %
census noise on a few zones' totals gives over a year or two)."""


def residents_grid(table: pd.DataFrame, years: list[int], n_zones: int, column: str) -> np.ndarray:
    """(years, zones) residents of a table with ``year``, zone index and ``column`` (NaN where absent)."""
    out = np.full((len(years), n_zones), np.nan)
    index = {y: k for k, y in enumerate(years)}
    rows = table[table["year"].isin(years)]
    where = (rows["year"].map(index).to_numpy(), rows["zone"].to_numpy(np.int64))
    out[where] = rows[column].to_numpy(np.float64)
    return out


def share_figures(observed: np.ndarray, modelled: np.ndarray) -> dict[str, float]:
    """How well modelled residents per zone match observed ones (both (years, zones), NaN skipped):
    largest share error (percentage points), mean |log ratio| of the zones' residents, and the
    totals' relative error (%)."""
    keep = np.isfinite(observed) & np.isfinite(modelled)
    obs = np.where(keep, observed, 0.0)
    mod = np.where(keep, modelled, 0.0)
    share_o = obs / np.maximum(obs.sum(axis=1, keepdims=True), 1e-300)
    share_m = mod / np.maximum(mod.sum(axis=1, keepdims=True), 1e-300)
    both = keep & (obs > 0) & (mod > 0)
    share = float(100.0 * np.abs(share_o - share_m)[keep].max()) if keep.any() else 0.0
    log_ratio = float(np.abs(np.log(obs[both] / mod[both])).mean()) if both.any() else 0.0
    total = float(100.0 * (mod.sum() - obs.sum()) / obs.sum()) if obs.sum() > 0 else 0.0
    return {"max_share_error_pp": share, "mean_abs_log_ratio": log_ratio, "total_error_pct": total}


def secant_rate(observed_total: np.ndarray, total_at: np.ndarray, total_step: np.ndarray, rate: float,
                step: float) -> float:
    """The parameter (``in_rate``, ``beta_stay``) whose totals, linear between two runs (``total_at``
    at ``rate`` and ``total_step`` at ``rate + step``), best match ``observed_total`` in least
    squares (>= 0)."""
    slope = (total_step - total_at) / step
    denominator = float(np.sum(slope * slope))
    if denominator <= 0:
        return rate
    return max(0.0, rate + float(np.sum(slope * (observed_total - total_at))) / denominator)


def residents_figure(observed: np.ndarray, held: np.ndarray | None, modelled: np.ndarray, years: list[int],
                     folder: Path) -> Path:
    """The report's plot: census against modelled residents per zone and year (no-policy run with
    the fitted keys; held-out zones hollow)."""
    import matplotlib.pyplot as plt

    from twin.observations.fit import save_figure

    fig, ax = plt.subplots(figsize=(5.5, 5))
    for k, year in enumerate(years):
        for grid, hollow in ((observed, False), (held, True)):
            if grid is None:
                continue
            seen = np.isfinite(grid[k])
            ax.scatter(modelled[k, seen], grid[k, seen], s=16, edgecolors=f"C{k}",
                       facecolors="none" if hollow else f"C{k}", label=None if hollow else str(year))
    top = float(np.nanmax(modelled, initial=1.0))
    ax.plot([0, top], [0, top], color="k", lw=0.8)
    ax.set_xlabel("modelled residents (fitted, no policy)")
    ax.set_ylabel("census residents (hollow: held-out zones)")
    ax.legend(fontsize=8)
    return save_figure(fig, folder / "migration_residents.png")


def movers_residuals(observed: np.ndarray, modelled: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Poisson residuals of movers (arrays of households alike): ``(observed - modelled) /
    sqrt(max((observed + prior) / 2, 1))``, ``prior`` the prior's run (the same weights for every
    run compared), flattened."""
    return ((observed - modelled) / np.sqrt(np.maximum((observed + prior) / 2.0, 1.0))).ravel()


def beats_prior(observed: np.ndarray, at_prior: np.ndarray, at_fit: np.ndarray) -> tuple[bool, str]:
    """:func:`~twin.observations.fit.significant` of one parameter over the movers per zone and year
    (:func:`movers_residuals`) at the prior and at the fitted value."""
    def z(modelled: np.ndarray) -> float:
        return 0.5 * float(np.sum(movers_residuals(observed, modelled, at_prior) ** 2))

    return significant(z(at_prior), z(at_fit), 1, observed.size)


def fit_beta_stay(ctx: CalibrationContext, census: pd.DataFrame, years: list[int], n_zones: int,
                  zones: np.ndarray, base: dict, run: Path, beta: float, source: str
                  ) -> tuple[Fitted | None, str]:
    """``migration.beta_stay`` fitted to the census's movers of the training ``zones`` (a secant
    between the run ``run`` of ``base`` and one at ``beta + BETA_STEP``, then a check run, then the
    significance and replication checks of the module docstring): the Fitted and the report's line
    on its tests, or None and why the prior is kept."""
    observed = residents_grid(census.assign(zone=census["zone_index"]), years, n_zones, "movers")
    zones = zones & np.isfinite(observed).all(axis=0)
    if not zones.any():
        return None, "no training zone gives movers in every observed year"
    observed = observed[:, zones]
    total_obs = observed.sum(axis=1)

    def movers(folder: Path) -> np.ndarray:
        return residents_grid(ctx.table(folder, "zone_population"), years, n_zones, "movers_in")[:, zones]

    at_prior = movers(run)
    total_at = at_prior.sum(axis=1)
    probe = ctx.evaluate([{**base, "migration.beta_stay": beta + BETA_STEP}], ("zone_population",))[0]
    total_step = movers(probe).sum(axis=1)
    if np.array_equal(total_step, total_at):
        return None, f"the movers do not respond to it (a run at {beta + BETA_STEP:g} moved as many)"
    new = float(np.clip(secant_rate(total_obs, total_at, total_step, beta, BETA_STEP), *BETA_RANGE))
    error = 100.0 * (total_at.sum() / total_obs.sum() - 1.0)
    ctx.progress(f"migration: beta_stay {beta:g} -> {new:.3f}")
    if abs(new - beta) < MIN_BETA_CHANGE:
        return None, (f"the least-squares value {new:.3f} is within {MIN_BETA_CHANGE:g} of the prior "
                      f"{beta:g} (movers total error {error:+.1f} %)")
    fitted = {**base, "migration.beta_stay": round(new, 4)}
    at_fit = movers(ctx.evaluate([fitted], ("zone_population",))[0])
    verdict = beats_prior(observed, at_prior, at_fit)
    if not verdict[0]:
        return None, f"{verdict[1]}; the prior kept (least-squares value {new:.3f})"
    fresh = ctx.evaluate([{**base, REPLICATE_KEY: 1}, {**fitted, REPLICATE_KEY: 1}], ("zone_population",))
    replicated = beats_prior(observed, movers(fresh[0]), movers(fresh[1]))
    if not replicated[0]:
        return None, (f"{verdict[1]}, but the improvement did not replicate on a fresh draw (replicate 1: "
                      f"{replicated[1]}); the prior kept (least-squares value {new:.3f})")
    figures = {"prior_movers_error_pct": error,
               "movers_error_pct": 100.0 * (at_fit.sum() / total_obs.sum() - 1.0)}
    line = replicated_line(verdict[1], replicated[1])
    return Fitted("migration.beta_stay", round(new, 4), beta,
                  source.replace("population:", "population (movers):") + " (totals)", figures), line


class MigrationFitter:
    """The ``[migration]`` fitter of ``twin calibrate`` (see the module docstring)."""

    domain = "migration"
    kinds = ("population",)

    def fit(self, scenario: dict, observed: dict[str, pd.DataFrame], held_out: dict[str, pd.DataFrame],
            ctx: CalibrationContext) -> DomainFit:
        from twin.scenario.spec import scenario_from_dict

        cfg = scenario_from_dict(scenario, source=str(ctx.scenario_file)).modules.get("migration")
        if cfg is None:
            return DomainFit(self.domain, (), ("migration: the scenario has no [migration] section",), {}, ())
        census = observed.get("population")
        if census is None or census.empty:
            return DomainFit(self.domain, (), ("migration: no population observations",), {}, ())
        ref = ctx.reference
        years = sorted(int(y) for y in census["year"].unique())
        n_zones = len(ref.zones)
        obs = residents_grid(census.assign(zone=census["zone_index"]), years, n_zones, "residents")
        zones = np.isfinite(obs).all(axis=0)  # training zones counted every observed year
        kept: list[str] = []
        notes = [f"migration: runs with the policy levers off ({', '.join(NO_POLICY)}); "
                 "the zone constants are calibrated by the module at the base year (UrbanSim practice)"]
        has_movers = "movers" in census and census["movers"].notna().any()
        if has_movers:
            kept.append("migration.beta_* other than beta_stay: the movers' totals identify only the "
                        "moving cost (beta_stay)")
        else:
            kept.append("migration.beta_*: no movers observations")
        switch = cfg.zone_constants
        needed = 3 if switch == "calibrated" else 4
        if ctx.budget < needed:
            kept += [f"migration.in_rate: the fit needs {needed} simulation runs, the budget is {ctx.budget}",
                     "migration.zone_constants: not checked (budget)"]
            return DomainFit(self.domain, (), tuple(kept), {}, (), tuple(notes))
        base = dict(NO_POLICY)
        fitted: list[Fitted] = []
        candidates = [base]
        if switch != "calibrated":
            candidates.append({**base, "migration.zone_constants": "calibrated"})
        runs = ctx.evaluate(candidates, ("zone_population",))
        final_run = runs[0]
        grids = [residents_grid(ctx.table(r, "zone_population"), years, n_zones, "population") for r in runs]
        figures = [share_figures(obs[:, zones], g[:, zones]) for g in grids]
        source = f"population: {int(zones.sum())} zones x {len(years)} years"
        if switch != "calibrated" and figures[1]["max_share_error_pp"] < figures[0]["max_share_error_pp"]:
            fitted.append(Fitted("migration.zone_constants", "calibrated", switch, source, figures[1]))
            base, grid, final_run = candidates[1], grids[1], runs[1]
        else:
            kept.append(f"migration.zone_constants: {switch!r} (largest zone-share error "
                        f"{figures[0]['max_share_error_pp']:.2f} percentage points)")
            grid = grids[0]
        rate = float(cfg.in_rate)
        total_obs = obs[:, zones].sum(axis=1)
        total_at = grid[:, zones].sum(axis=1)
        probe = ctx.evaluate([{**base, "migration.in_rate": rate + STEP}], ("zone_population",))[0]
        total_step = residents_grid(ctx.table(probe, "zone_population"), years, n_zones,
                                    "population")[:, zones].sum(axis=1)
        new_rate = min(secant_rate(total_obs, total_at, total_step, rate, STEP), 1.0)
        holdout: dict[str, float] = {}
        held = held_out.get("population")
        check = None
        if abs(new_rate - rate) < MIN_CHANGE:
            kept.append(f"migration.in_rate: the least-squares rate {new_rate:.4f} is within {MIN_CHANGE:g} "
                        f"of the prior {rate:g}")
            final = grid
        else:
            check = ctx.evaluate([{**base, "migration.in_rate": round(new_rate, 5)}], ("zone_population",))[0]
            base, final_run = {**base, "migration.in_rate": round(new_rate, 5)}, check
            final = residents_grid(ctx.table(check, "zone_population"), years, n_zones, "population")
            prior_error = share_figures(obs[:, zones], grid[:, zones])["total_error_pct"]
            fitted.append(Fitted("migration.in_rate", round(new_rate, 5), rate, source + " (totals)",
                                 {"prior_total_error_pct": prior_error,
                                  **share_figures(obs[:, zones], final[:, zones])}))
        used = len(candidates) + 1 + int(check is not None)  # runs so far: the candidates, probe, check
        if has_movers and ctx.budget - used < 2 + REPLICATION_RUNS:
            kept.append(f"migration.beta_stay: its fit needs {2 + REPLICATION_RUNS} more runs, the budget is "
                        f"{ctx.budget}")
        elif has_movers:
            fitted_beta, why = fit_beta_stay(ctx, census, years, n_zones, zones, base, final_run,
                                             float(cfg.beta_stay), source)
            if fitted_beta is not None:
                fitted.append(fitted_beta)
                notes.append(f"migration.beta_stay fitted: {why}")
            else:
                kept.append(f"migration.beta_stay: {why}")
        h = None
        if held is not None and len(held):
            h = residents_grid(held.assign(zone=held["zone_index"]), years, n_zones, "residents")
            out = np.isfinite(h).any(axis=0)
            holdout = {"zones": float(out.sum()), **share_figures(h[:, out], final[:, out])}
        plots = (residents_figure(obs, h, final, years, ctx.figures),)
        final_figures = share_figures(obs[:, zones], final[:, zones])
        notes.append("migration zone shares against the census (no-policy run): "
                     + ", ".join(f"{k} {v:.3g}" for k, v in final_figures.items()))
        ctx.progress(f"migration: in_rate {rate:g} -> {new_rate:.4f}")
        return DomainFit(self.domain, tuple(fitted), tuple(kept), holdout, plots, tuple(notes))
