"""Waste calibration: generation per district from bin fill, per person and stream from the weighbridge.

District factors first (``waste.zone_generation_factor``, :func:`district_ratios`). Bins are sized
from the configured rates, not the factors (a city that sized its bins from a plan), so a bin's
fill fraction at the end of the period grows with its district's factor: from the readings, a
run of the input scenario and a probe run with all generation x :data:`PROBE` (common random
numbers), each district's factor relative to the scenario's is a least-squares ratio with its
standard error. That ratio is not 1 when the readings come from the scenario itself on another
draw of its randomness (each bin's initial fill, the daily generation noise): the estimator's
``a + b q`` model of a bin's fill holds only on the run's own draw, and on a fresh one it is off
by a few per cent for a whole district at once (Hezhou's babu: 1.025 and 1.031 on two fresh draws
of the prior, +- 0.018; testville's old_town 0.95 to 0.98 on five), more than the standard error
from the bins' residuals says. So a third run, the scenario on a fresh draw (replicate 1), is read
at the observed bins as if observed (its exact fill) and gives each district the ratio ``r0`` the
scenario itself would show: a district's factor is fitted only when its ratio ``r`` differs from
``r0`` by the F test of ``(r - r0)^2 / (se^2 + se0^2)`` on (1, readings - 1) degrees of freedom at
:data:`~twin.observations.fit.ALPHA` (:func:`~twin.observations.fit.f_test`), and it is the prior's
times ``r / r0`` (the estimator's bias on a fresh draw taken out); the prior is also kept under
:data:`MIN_BINS` usable readings or a standard error above :data:`MAX_SE`. The city-wide rates are
then fitted from the
weighbridge on runs with the new factors (the city total stays consistent: overflowing bins
mean collected tonnes do not follow generation one to one, so no shortcut is taken).

The weighbridge weighs what was *collected*: each stream's placed mass (true material after
sorting, :func:`~twin.waste.generation.building_generation`) less what stays in the bins or
overflows, on the collection schedule's days. A run of the input scenario (one evaluation)
gives the modelled tonnes on the same days; for each stream the ratio ``rho_s = sum observed /
sum modelled`` is the weighted least-squares slope of ``observed = rho x modelled`` with a variance
proportional to the mean (quasi-Poisson), and with common random numbers the schedule's lumps
cancel. The scales ``f`` of the true material per resident and per job (``resident_kg_day`` and
``job_kg_day`` of a stream multiplied together) are then solved so that the city's expected
placed mass of each stream (the module's own kernel, on the city's buildings) is ``rho_s`` times
the prior's, all streams together since sorting moves material between them (the prior is kept
when every stream's first ratio is within two standard errors of 1: the data do not reject it).
The step is repeated on a run of the fitted keys (one evaluation each) until every stream's
ratio is within :data:`TOLERANCE` of 1 or the budget is spent (the placed mass is not quite
proportional to the rates: bins are whole containers, sorting mixes the streams); the last run
gives the fit figures.

Not identified by these kinds (kept): the split between residents' and jobs' waste (city totals
only), sorting ``compliance`` and ``missort`` (they need contamination audits). A zone's own
factor in the input scenario is kept (fill is read by district). Fill readings identify the
factors only where bins are sized from the configured rates: the fitted rates resize the bins.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize

from twin.observations.fit import ALPHA, REPLICATE_KEY, CalibrationContext, DomainFit, Fitted, f_test

if TYPE_CHECKING:
    from twin.waste.config import WasteConfig
from twin.waste.streams import JOB_KG_DAY, RESIDENT_KG_DAY, STREAMS

MIN_DAYS = 3
"""A stream's rate is fitted from at least this many weighed days with collections in the model."""

TABLES = (("resident_kg_day", RESIDENT_KG_DAY), ("job_kg_day", JOB_KG_DAY))
"""The config's generation tables (kg per resident / job and day, by stream) and their defaults."""

TOLERANCE = 0.01
"""The fit stops when every fitted stream's weighed / modelled tonnes is within this of 1."""

MAX_STEPS = 4
"""At most this many fitting steps (one run each)."""


@dataclasses.dataclass(frozen=True)
class StreamRatio:
    """Observed and modelled tonnes of one stream on the weighed days, and their ratio."""

    days: int
    observed_t: float
    modelled_t: float
    standard_error: float
    """Of the ratio: quasi-Poisson, the dispersion estimated from the daily residuals."""

    @property
    def ratio(self) -> float:
        return self.observed_t / self.modelled_t if self.modelled_t > 0 else float("nan")


def modelled_tonnes(weighbridge: pd.DataFrame, daily: pd.DataFrame) -> np.ndarray:
    """The run's collected tonnes (``waste_daily``) on each weighbridge row's year, day and stream
    (0 where the run has no row)."""
    run = daily.assign(stream=daily["stream"].astype(str), tonnes_run=daily["collected_g"] / 1e6)
    joined = weighbridge.assign(stream=weighbridge["stream"].astype(str)).merge(
        run[["year", "day", "stream", "tonnes_run"]], on=["year", "day", "stream"], how="left")
    return joined["tonnes_run"].fillna(0.0).to_numpy(np.float64)


def stream_ratios(weighbridge: pd.DataFrame, modelled: np.ndarray) -> dict[str, StreamRatio]:
    """Per stream: weighed days, observed and modelled tonnes (see the module docstring)."""
    out = {}
    stream = weighbridge["stream"].astype(str).to_numpy()
    observed = weighbridge["tonnes"].to_numpy(np.float64)
    for s in STREAMS:
        mine = stream == s
        o, m = observed[mine], modelled[mine]
        n, total = int(mine.sum()), float(m.sum())
        se = float("nan")
        if n > 1 and total > 0:
            ratio = float(o.sum()) / total
            used = m > 0
            dispersion = float(np.sum((o[used] - ratio * m[used]) ** 2 / m[used])) / (n - 1)
            se = float(np.sqrt(dispersion / total))
        out[s] = StreamRatio(n, float(o.sum()), total, se)
    return out


def placed_kg(cfg: WasteConfig, residents: np.ndarray, jobs: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The city's expected placed mass per stream and day (kg) with the true material of each
    stream scaled by ``scale`` (noise at its mean, weekday factor 1)."""
    from twin.waste.generation import building_generation

    resident_kg = cfg.stream_values("resident_kg_day", RESIDENT_KG_DAY) * scale
    job_kg = cfg.stream_values("job_kg_day", JOB_KG_DAY) * scale
    placed, _ = building_generation(np.asarray(residents, np.float64), np.asarray(jobs, np.float64),
                                    resident_kg, job_kg, 1.0, np.ones((len(residents), len(STREAMS))),
                                    float(cfg.compliance), float(cfg.missort))
    return placed.sum(axis=0)


def generation_scales(cfg: WasteConfig, residents: np.ndarray, jobs: np.ndarray, ratio: dict[str, float],
                      base: np.ndarray | None = None) -> np.ndarray:
    """Scales of each stream's true material (over the config's) so that the placed mass of each
    stream in ``ratio`` is that ratio times the placed mass at the scales ``base`` (default 1;
    streams left out keep their base scale); solved by least squares on the log scales (exact
    when the streams' placed masses can be matched)."""
    base = np.ones(len(STREAMS)) if base is None else np.asarray(base, dtype=np.float64)
    free = np.array([s in ratio for s in STREAMS])
    target = placed_kg(cfg, residents, jobs, base) * np.array([ratio.get(s, 1.0) for s in STREAMS])

    def residual(log_f: np.ndarray) -> np.ndarray:
        scale = base.copy()
        scale[free] = np.exp(log_f)
        got = placed_kg(cfg, residents, jobs, scale)
        return np.log(np.maximum(got[free], 1e-12) / target[free])

    start = np.log(base[free] * np.array([ratio[s] for s in STREAMS if s in ratio]))
    solved = optimize.least_squares(residual, start, xtol=1e-12, ftol=1e-12)
    scale = base.copy()
    scale[free] = np.exp(solved.x)
    return scale


def tonnes_figures(observed: np.ndarray, modelled: np.ndarray) -> dict[str, float]:
    """Total error (%) and, over three days or more, the coefficient of determination of daily tonnes."""
    total = float(observed.sum())
    ss = float(np.sum((observed - observed.mean()) ** 2)) if len(observed) else 0.0
    error = 100.0 * (float(modelled.sum()) - total) / total if total > 0 else float("nan")
    out = {"days": float(len(observed)), "observed_t": total, "modelled_t": float(modelled.sum()),
           "total_error_pct": error}
    if len(observed) >= 3 and ss > 0:  # a coefficient of determination of two days says nothing
        out["daily_r2"] = 1.0 - float(np.sum((observed - modelled) ** 2)) / ss
    return out


def by_stream(table: pd.DataFrame, modelled: np.ndarray) -> dict[str, float]:
    """:func:`tonnes_figures` per stream, flattened as ``STREAM_FIGURE``."""
    out: dict[str, float] = {}
    stream = table["stream"].astype(str).to_numpy()
    observed = table["tonnes"].to_numpy(np.float64)
    for s in STREAMS:
        mine = stream == s
        if mine.any():
            out.update({f"{s}_{k}": v for k, v in tonnes_figures(observed[mine], modelled[mine]).items()})
    return out


def tonnes_figure(train: pd.DataFrame, modelled: np.ndarray, held: pd.DataFrame | None,
                  held_modelled: np.ndarray | None, folder: Path) -> Path:
    """The report's plot: weighed against modelled tonnes per stream and day (fitted run; hold-out
    days hollow)."""
    import matplotlib.pyplot as plt

    from twin.observations.fit import save_figure

    fig, ax = plt.subplots(figsize=(5.5, 5))
    top = 0.0
    for table, values, hollow in ((train, modelled, False), (held, held_modelled, True)):
        if table is None or values is None:
            continue
        stream = table["stream"].astype(str).to_numpy()
        for k, s in enumerate(STREAMS):
            mine = stream == s
            if mine.any():
                colour = f"C{k}"
                ax.scatter(values[mine], table["tonnes"].to_numpy()[mine], s=16, edgecolors=colour,
                           facecolors="none" if hollow else colour, label=None if hollow else s)
        top = max(top, float(np.max(values, initial=0.0)), float(table["tonnes"].max()))
    ax.plot([0, top], [0, top], color="k", lw=0.8)
    ax.set_xlabel("modelled tonnes (fitted), per stream and day")
    ax.set_ylabel("weighed tonnes (hollow: held-out days)")
    ax.legend(fontsize=8)
    return save_figure(fig, folder / "waste_tonnes.png")


FACTOR_KEY = "waste.zone_generation_factor"
"""The key of the generation factors fitted by district from bin fill readings."""

PROBE = 1.25
"""The probe run multiplies every building's generation by this (the fill's slope per bin)."""

MIN_BINS = 8
"""A district's factor is fitted from at least this many usable fill readings."""

MAX_SE = 0.1
"""A district's factor is fitted only when its standard error is at most this."""

FULL = 0.98
"""Readings (observed, or modelled at the probe) at or above this fill are left out: a full bin
overflows, its fill no longer grows with the waste."""

DOMINANT = 0.9
"""A bin counts for a district when at least this share of its expected waste comes from it."""


@dataclasses.dataclass(frozen=True)
class DistrictRatio:
    """One district's generation relative to the scenario's, from its bins' fill readings."""

    bins: int
    ratio: float
    standard_error: float
    """Of the ratio: the readings' variance estimated from the residuals (the same for every bin)."""


def bin_districts(city, cfg: WasteConfig) -> np.ndarray:
    """District of each bin (``cluster * n_streams + stream``, the module's numbering), -1 where no
    district gives :data:`DOMINANT` of the bin's expected true material (mixed cells)."""
    from twin.waste.bins import cluster_buildings

    b = city.buildings
    cluster, n = cluster_buildings(b.x, b.y, cfg.cluster_m)
    district = np.asarray(city.zones.district)[b.zone]
    k, nd = len(STREAMS), len(city.districts)
    mass = (np.outer(b.residents, cfg.stream_values("resident_kg_day", RESIDENT_KG_DAY))
            + np.outer(b.jobs, cfg.stream_values("job_kg_day", JOB_KG_DAY)))
    share = np.zeros((n, nd, k))
    np.add.at(share, (cluster, district), mass)
    total = share.sum(axis=1)
    best = share.argmax(axis=1)
    top = np.take_along_axis(share, best[:, None, :], axis=1)[:, 0, :]
    return np.where(top >= DOMINANT * np.maximum(total, 1e-12), best, -1).ravel()


def fill_fraction(state: pd.DataFrame, bins: pd.Series) -> np.ndarray:
    """The fill fraction (``fill_l / capacity_l``) of a run's ``bins`` state at each of ``bins`` (ids;
    NaN where the state has none)."""
    frame = state.set_index("bin")
    return (frame["fill_l"] / frame["capacity_l"]).reindex(bins).to_numpy(np.float64)


def district_ratios(fill: pd.DataFrame, at_prior: pd.DataFrame, at_probe: pd.DataFrame,
                    district: np.ndarray, n_districts: int) -> dict[int, DistrictRatio]:
    """Per district: the ratio estimator of its generation over the scenario's from end-of-period
    fill readings ``fill`` (bin, fill) and two runs' ``bins`` states, the scenario's and the
    probe's (all generation times :data:`PROBE`, common random numbers). In the model a bin's fill
    fraction is ``a + b q`` (``a``: what was in it before its last emptying, or at the start;
    ``b``: what its buildings placed since, per unit of the generation multiplier ``q``); the two
    runs give ``a`` and ``b``, and ``q = sum(b (observed - a)) / sum(b^2)`` over the district's bins
    (least squares through the origin: a reading's error is the sensor's, the same fraction of the
    volume whatever the bin holds); full bins are left out."""
    m0, m1 = fill_fraction(at_prior, fill["bin"]), fill_fraction(at_probe, fill["bin"])
    slope = (m1 - m0) / (PROBE - 1.0)
    base = m0 - slope
    bins = fill["bin"].to_numpy(np.int64)
    of = np.where(bins < len(district), district[np.minimum(bins, len(district) - 1)], -1)
    observed = fill["fill"].to_numpy(np.float64)
    usable = np.isfinite(slope) & (slope > 0) & (observed < FULL) & (m1 < FULL)
    out = {}
    for d in range(n_districts):
        mine = usable & (of == d)
        n, b, y = int(mine.sum()), slope[mine], observed[mine] - base[mine]
        ratio, se = float("nan"), float("nan")
        if n > 1:
            ratio = float(np.sum(b * y) / np.sum(b * b))
            se = float(np.sqrt(np.sum((y - ratio * b) ** 2) / (n - 1) / np.sum(b * b)))
        out[d] = DistrictRatio(n, ratio, se)
    return out


def fill_note(end: pd.DataFrame, bins: pd.DataFrame) -> str:
    """Observed against modelled mean fill per stream of the readings ``end`` (at the end of the
    last year: the only time a run's ``bins`` state describes), on the run whose state is ``bins``."""
    model = bins.set_index("bin")
    got = end.assign(model=(model["fill_l"] / model["capacity_l"]).reindex(end["bin"]).to_numpy())
    parts = [f"{s} {g['fill'].mean():.2f} observed / {g['model'].mean():.2f} modelled ({len(g)} bins)"
             for s, g in got.groupby(got["stream"].astype(str))]
    return "waste fill at the end of the period (last run): " + "; ".join(parts)


class WasteFitter:
    """The ``[waste]`` fitter of ``twin calibrate`` (see the module docstring)."""

    domain = "waste"
    kinds = ("weighbridge", "waste_fill")

    def fit(self, scenario: dict, observed: dict[str, pd.DataFrame], held_out: dict[str, pd.DataFrame],
            ctx: CalibrationContext) -> DomainFit:
        from twin.city import load_city
        from twin.city.zones import zone_factors
        from twin.scenario.spec import scenario_from_dict

        parsed = scenario_from_dict(scenario, source=str(ctx.scenario_file))
        cfg = parsed.modules.get("waste")
        keys = ("waste.resident_kg_day", "waste.job_kg_day")
        if cfg is None:
            return DomainFit(self.domain, (), ("waste: the scenario has no [waste] section",), {}, ())
        train = observed.get("weighbridge", pd.DataFrame())
        fill = observed.get("waste_fill")
        end = pd.DataFrame() if fill is None else fill[(fill["year"] == ctx.reference.years[1])
                                                       & (fill["time_s"] >= ctx.reference.period_s - 1.0)]
        kept: list[str] = []
        if train.empty:
            kept += [f"{k}: no weighbridge observations (bin fill does not identify the city-wide rates: "
                     "bins are sized from them)" for k in keys]
        if end.empty:
            kept.append(f"{FACTOR_KEY}: no bin fill readings at the end of the last year (the time a run's "
                        "bins state describes)")
        if train.empty and end.empty:
            return DomainFit(self.domain, (), tuple(kept), {}, ())
        if ctx.budget < 2:
            return DomainFit(self.domain, (), tuple(f"{k}: the fit needs two simulation runs, the budget "
                                                    f"is {ctx.budget}" for k in (*keys, FACTOR_KEY)), {}, ())
        fit_factors = not end.empty and ctx.budget >= 3
        if not end.empty and not fit_factors:
            kept.append(f"{FACTOR_KEY}: its fit needs three simulation runs, the budget is {ctx.budget}")
        tables = ("waste_daily", "bins")
        check = ctx.evaluate([{}], tables)[0]
        city = load_city(parsed.scenario.city, parsed.file_of("scenario.city"))
        runs, notes, prior_factors = 1, [], dict(cfg.zone_generation_factor)
        factors, factor_fit = prior_factors, None
        if fit_factors:
            factors, factor_fit, line = self.fit_districts(cfg, city, end, check, ctx, kept)
            runs += 2
            notes.append(line)
        fitted_factors = (factor_fit,) if factor_fit is not None else ()
        with_factors = {FACTOR_KEY: factors} if factor_fit is not None else {}
        if train.empty:
            return DomainFit(self.domain, fitted_factors, tuple(kept), {}, (), tuple(notes))
        if factor_fit is not None:  # the weighbridge is compared with the new factors (overflow is not
            if runs >= ctx.budget:  # collected: tonnes do not follow generation one to one)
                kept += [f"{k}: the district factors spent the budget ({ctx.budget} runs)" for k in keys]
                return DomainFit(self.domain, fitted_factors, tuple(kept), {}, (), tuple(notes))
            check, runs = ctx.evaluate([with_factors], tables)[0], runs + 1
        zone = zone_factors(city.zones, city.districts, factors, FACTOR_KEY)
        new = np.ones(len(city.buildings)) if zone is None else zone[city.buildings.zone]
        residents, jobs = city.buildings.residents * new, city.buildings.jobs * new
        one = np.ones(len(STREAMS))
        modelled = modelled_tonnes(train, ctx.table(check, "waste_daily"))
        ratios = stream_ratios(train, modelled)
        first: dict[str, float] = {}
        for s, r in ratios.items():
            if r.days < MIN_DAYS or r.modelled_t <= 0 or r.observed_t <= 0:
                why = (f"{r.days} weighed days, fewer than {MIN_DAYS}" if r.days < MIN_DAYS else
                       "no collection in the model on the weighed days" if r.modelled_t <= 0 else
                       "nothing weighed")
                kept.append(f"waste.resident_kg_day.{s}, waste.job_kg_day.{s}: {why}")
            else:
                first[s] = r.ratio
        notes.insert(0, "waste generation: ratio estimator of weighed over modelled tonnes per stream "
                     "(weighted least squares, variance proportional to the mean) on runs of the scenario "
                     "(with the district factors fitted first from the bin fill), mapped through the sorting "
                     "model to the true material per resident and job, repeated "
                     f"until every ratio is within {TOLERANCE:.0%} of 1; the prior is kept when every "
                     "stream's first ratio is within two standard errors (quasi-Poisson) or 1 % of 1 (the "
                     "streams are fitted together: sorting moves material between them)")
        kept += ["waste resident:job split: city totals cannot tell residents' waste from jobs' (both "
                 "scaled together)",
                 "waste.compliance, waste.missort: not identified by tonnes per stream (need "
                 "contamination audits)"]
        agree = all(abs(first[s] - 1.0) <= max(TOLERANCE, 2.0 * ratios[s].standard_error) for s in first)
        if first and agree:
            shown = ", ".join(f"{s} {first[s]:.3f} +- {ratios[s].standard_error:.3f}" for s in first)
            kept.append(f"waste.resident_kg_day, waste.job_kg_day: weighed / modelled tonnes ({shown}; "
                        "+- one standard error) agree with the prior")
            first = {}
        if not first or runs >= ctx.budget:
            if first:
                kept.append(f"{', '.join(keys)}: the district factors spent the budget ({ctx.budget} runs)")
            notes.append(fill_note(end, ctx.table(check, "bins")) if not end.empty else
                         "waste fill: no readings at the end of the last year")
            return DomainFit(self.domain, fitted_factors, tuple(kept), {}, (), tuple(notes))
        scale, steps, use = np.ones(len(STREAMS)), 0, dict(first)
        while steps < MAX_STEPS and runs < ctx.budget:
            scale = generation_scales(cfg, residents, jobs, use, scale)
            overrides = {f"waste.{k}": _values(cfg, k, d, scale) for k, d in TABLES}
            check = ctx.evaluate([{**overrides, **with_factors}], tables)[0]
            runs, steps = runs + 1, steps + 1
            daily = ctx.table(check, "waste_daily")
            modelled = modelled_tonnes(train, daily)
            now = stream_ratios(train, modelled)
            use = {s: now[s].ratio for s in use}
            if all(abs(r - 1.0) <= TOLERANCE for r in use.values()):
                break
        ctx.progress(f"waste: {steps} steps, generation scales "
                     + ", ".join(f"{s} {scale[i]:.3f}" for i, s in enumerate(STREAMS)))
        fit_figures = {**{f"{s}_first_ratio": first[s] for s in use}, **{f"{s}_ratio": use[s] for s in use},
                       "steps": float(steps), **by_stream(train, modelled)}
        held = held_out.get("weighbridge")
        held_modelled = modelled_tonnes(held, daily) if held is not None and len(held) else None
        holdout = by_stream(held, held_modelled) if held_modelled is not None else {}
        plots = (tonnes_figure(train, modelled, held, held_modelled, ctx.figures),)
        if not end.empty:
            notes.append(fill_note(end, ctx.table(check, "bins")))
        source = f"weighbridge: {len(train)} rows ({', '.join(f'{s} {ratios[s].days} days' for s in use)})"
        fitted = tuple(Fitted(f"waste.{k}", overrides[f"waste.{k}"], _values(cfg, k, d, one), source,
                              fit_figures)
                       for k, d in TABLES)
        return DomainFit(self.domain, fitted + fitted_factors, tuple(kept), holdout, plots, tuple(notes))

    def fit_districts(self, cfg: WasteConfig, city, fill: pd.DataFrame, check: Path, ctx: CalibrationContext,
                      kept: list[str]) -> tuple[dict[str, float], Fitted | None, str]:
        """The district factors from the end-of-period fill readings ``fill`` (:func:`district_ratios`;
        a probe run and a fresh draw besides the scenario's run ``check``; the module docstring): the
        factor table, its Fitted (None when every district keeps its prior) and the report's line;
        districts kept are added to ``kept``."""
        prior = dict(cfg.zone_generation_factor)
        districts = list(city.districts.name)
        probe = {**{d: PROBE for d in districts}, **{name: v * PROBE for name, v in prior.items()}}
        at_probe, fresh = (ctx.table(run, "bins") for run in ctx.evaluate(
            [{FACTOR_KEY: probe}, {REPLICATE_KEY: 1}], ("waste_daily", "bins")))
        at_prior, of = ctx.table(check, "bins"), bin_districts(city, cfg)
        ratios = district_ratios(fill, at_prior, at_probe, of, len(districts))
        nulls = district_ratios(fill.assign(fill=fill_fraction(fresh, fill["bin"])), at_prior, at_probe, of,
                                len(districts))
        table, figures, shown = dict(prior), {}, []
        for d, name in enumerate(districts):
            r, r0 = ratios[d], nulls[d]
            figures.update({f"{name}_ratio": r.ratio, f"{name}_se": r.standard_error,
                            f"{name}_bins": float(r.bins), f"{name}_fresh_ratio": r0.ratio,
                            f"{name}_fresh_se": r0.standard_error})
            shown.append(f"{name} {r.ratio:.3f} +- {r.standard_error:.3f} ({r.bins} bins; the scenario's "
                         f"fresh draw {r0.ratio:.3f} +- {r0.standard_error:.3f})")
            if r.bins < MIN_BINS or r0.bins < MIN_BINS:
                kept.append(f"{FACTOR_KEY}.{name}: {min(r.bins, r0.bins)} usable fill readings, fewer than "
                            f"{MIN_BINS}")
                continue
            if r.standard_error > MAX_SE:
                kept.append(f"{FACTOR_KEY}.{name}: the fill readings tell it only within "
                            f"+-{r.standard_error:.2g} (at most {MAX_SE:g} to fit it)")
                continue
            verdict = f_test((r.ratio - r0.ratio) ** 2 / (r.standard_error ** 2 + r0.standard_error ** 2), 1,
                             min(r.bins, r0.bins) - 1)
            if not verdict[0]:
                kept.append(f"{FACTOR_KEY}.{name}: observed over modelled fill growth {r.ratio:.3f} +- "
                            f"{r.standard_error:.3f} is within the noise of the scenario's own fresh draw "
                            f"({r0.ratio:.3f} +- {r0.standard_error:.3f}; {verdict[1]})")
            else:
                table[name] = round(float(np.clip(prior.get(name, 1.0) * r.ratio / r0.ratio, 0.0, 10.0)), 4)
                shown[-1] += f": fitted, {verdict[1]}"
        own = sorted(z for z in prior if z in city.zones.name)
        line = ("waste generation by district: ratio estimator of the bins' fill at the end of the period "
                "over the modelled fill's growth with generation (the scenario's run and a probe run at "
                f"x{PROBE:g}, common random numbers; bins of mixed districts and full bins left out), "
                "against the same estimator on the scenario's fresh draw (replicate 1) read at the same "
                "bins; a factor is the prior's x ratio / fresh ratio, fitted when the F test at "
                f"{ALPHA:g} rejects the fresh draw, with {MIN_BINS} readings or more and a standard error "
                f"at most {MAX_SE:g}): "
                + "; ".join(shown)
                + (f"; zones with their own factor keep it: {', '.join(own)}" if own else ""))
        if table == prior:
            return prior, None, line
        ctx.progress(f"waste: district factors {table}")
        return table, Fitted(FACTOR_KEY, table, prior, f"waste_fill: {len(fill)} readings", figures), line


def _values(cfg: WasteConfig, key: str, defaults: dict[str, float], scale: np.ndarray) -> dict[str, float]:
    """The per-stream table ``key`` of the config times ``scale`` (a TOML table of numbers)."""
    values = cfg.stream_values(key, defaults) * scale
    return {s: round(float(v), 6) for s, v in zip(STREAMS, values, strict=True)}
