"""Waste calibration: generation per person and stream from the plant weighbridge, by a ratio estimator.

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
only), sorting ``compliance`` and ``missort`` (they need contamination audits), a per-zone rate
(the config has none). Bin fill readings are compared, not fitted: bins are sized from the
configured rates (``design_days``), so in the model a fill fraction does not scale with them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize

from twin.observations.fit import CalibrationContext, DomainFit, Fitted

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


def fill_note(fill: pd.DataFrame, bins: pd.DataFrame, year: int, period_s: float) -> str:
    """Observed against modelled mean fill per stream, for readings at the end of the last year
    (the only time a run's ``bins`` state describes)."""
    end = fill[(fill["year"] == year) & (fill["time_s"] >= period_s - 1.0)]
    if end.empty:
        return "waste fill: no readings at the end of the last year (the time a run's bins state describes)"
    model = bins.set_index("bin")
    got = end.assign(model=(model["fill_l"] / model["capacity_l"]).reindex(end["bin"]).to_numpy())
    parts = [f"{s} {g['fill'].mean():.2f} observed / {g['model'].mean():.2f} modelled ({len(g)} bins)"
             for s, g in got.groupby(got["stream"].astype(str))]
    return "waste fill at the end of the period (compared, not fitted): " + "; ".join(parts)


class WasteFitter:
    """The ``[waste]`` fitter of ``twin calibrate`` (see the module docstring)."""

    domain = "waste"
    kinds = ("weighbridge", "waste_fill")

    def fit(self, scenario: dict, observed: dict[str, pd.DataFrame], held_out: dict[str, pd.DataFrame],
            ctx: CalibrationContext) -> DomainFit:
        from twin.city import load_city
        from twin.scenario.spec import scenario_from_dict

        parsed = scenario_from_dict(scenario, source=str(ctx.scenario_file))
        cfg = parsed.modules.get("waste")
        keys = ("waste.resident_kg_day", "waste.job_kg_day")
        if cfg is None:
            return DomainFit(self.domain, (), ("waste: the scenario has no [waste] section",), {}, ())
        if "weighbridge" not in observed or observed["weighbridge"].empty:
            why = ("no weighbridge observations (bin fill alone does not identify generation: bins are "
                   "sized from the configured rates)")
            return DomainFit(self.domain, (), tuple(f"{k}: {why}" for k in keys), {}, ())
        if ctx.budget < 2:
            return DomainFit(self.domain, (), tuple(f"{k}: the fit needs two simulation runs, the budget "
                                                    f"is {ctx.budget}" for k in keys), {}, ())
        tables = ("waste_daily", "bins")
        train = observed["weighbridge"]
        check = ctx.evaluate([{}], tables)[0]
        modelled = modelled_tonnes(train, ctx.table(check, "waste_daily"))
        ratios = stream_ratios(train, modelled)
        kept: list[str] = []
        use: dict[str, float] = {}
        for s, r in ratios.items():
            if r.days < MIN_DAYS or r.modelled_t <= 0 or r.observed_t <= 0:
                why = (f"{r.days} weighed days, fewer than {MIN_DAYS}" if r.days < MIN_DAYS else
                       "no collection in the model on the weighed days" if r.modelled_t <= 0 else
                       "nothing weighed")
                kept.append(f"waste.resident_kg_day.{s}, waste.job_kg_day.{s}: {why}")
            else:
                use[s] = r.ratio
        notes = ["waste generation: ratio estimator of weighed over modelled tonnes per stream (weighted "
                 "least squares, variance proportional to the mean) on runs of the scenario, mapped "
                 "through the sorting model to the true material per resident and job, repeated until "
                 f"every ratio is within {TOLERANCE:.0%} of 1; the prior is kept when every stream's first "
                 "ratio is within two standard errors (quasi-Poisson) or 1 % of 1 (the streams are fitted "
                 "together: sorting moves material between them)"]
        kept += ["waste resident:job split: city totals cannot tell residents' waste from jobs' (both "
                 "scaled together)",
                 "waste.compliance, waste.missort: not identified by tonnes per stream (need "
                 "contamination audits)",
                 "waste per zone: the config has no per-zone generation rate"]
        if all(abs(ratios[s].ratio - 1.0) <= max(TOLERANCE, 2.0 * ratios[s].standard_error) for s in use):
            shown = ", ".join(f"{s} {ratios[s].ratio:.3f} +- {ratios[s].standard_error:.3f}" for s in use)
            kept.append(f"waste.resident_kg_day, waste.job_kg_day: weighed / modelled tonnes ({shown}; "
                        "+- one standard error) agree with the prior")
            use = {}
        fill = observed.get("waste_fill")
        if not use:
            if fill is not None and len(fill):
                notes.append(fill_note(fill, ctx.table(check, "bins"), ctx.reference.years[1],
                                       ctx.reference.period_s))
            return DomainFit(self.domain, (), tuple(kept), {}, (), tuple(notes))
        city = load_city(parsed.scenario.city, parsed.file_of("scenario.city"))
        residents, jobs = city.buildings.residents, city.buildings.jobs
        scale, runs, steps = np.ones(len(STREAMS)), 1, 0
        first = dict(use)
        while steps < MAX_STEPS and runs < ctx.budget:
            scale = generation_scales(cfg, residents, jobs, use, scale)
            overrides = {f"waste.{k}": _values(cfg, k, d, scale) for k, d in TABLES}
            check = ctx.evaluate([overrides], tables)[0]
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
        if fill is not None and len(fill):
            notes.append(fill_note(fill, ctx.table(check, "bins"), ctx.reference.years[1],
                                   ctx.reference.period_s))
        source = f"weighbridge: {len(train)} rows ({', '.join(f'{s} {ratios[s].days} days' for s in use)})"
        one = np.ones(len(STREAMS))
        fitted = tuple(Fitted(f"waste.{k}", overrides[f"waste.{k}"], _values(cfg, k, d, one), source,
                              fit_figures)
                       for k, d in TABLES)
        return DomainFit(self.domain, fitted, tuple(kept), holdout, plots, tuple(notes))


def _values(cfg: WasteConfig, key: str, defaults: dict[str, float], scale: np.ndarray) -> dict[str, float]:
    """The per-stream table ``key`` of the config times ``scale`` (a TOML table of numbers)."""
    values = cfg.stream_values(key, defaults) * scale
    return {s: round(float(v), 6) for s, v in zip(STREAMS, values, strict=True)}
