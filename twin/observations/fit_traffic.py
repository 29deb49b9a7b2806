"""The traffic fit: the car trip rate and hourly departure profile (stage 1, link counts), then
the districts' trip factors (stage 2, link counts and travel times).

Stage 1. The gradient origin-destination matrix estimation of Spiess (1990), with the hours of the
departure profile in place of the OD cells. The demand of departure hour ``h`` is the prior's
times a multiplier ``g_h``; the objective is Spiess's ``Z(g) = 1/2 sum_i (v_i(g) - c_i)^2`` over
the training count rows ``i`` (modelled ``v``, counted ``c`` vehicles). A count in hour ``h`` is
taken to scale with ``g_h`` (``dv_i/dg_h = v_i / g_h``: the assignment proportions of Spiess are
estimated from the run itself, counts are attributed to the hour their interval starts in), so

    dZ/dg_h = sum_{i in h} (v_i / g_h) (v_i - c_i),    g_h <- g_h (1 - lambda dZ/dg_h)

with Spiess's step ``lambda* = sum v'_i (c_i - v_i) / sum v'_i^2`` (``v'_i = -v_i dZ/dg_{h(i)}``),
capped so that no multiplier turns negative. Because those proportions are approximations
(trips cross hours, congestion bends the response), each iteration simulates the step at
``lambda*`` times :data:`STEPS` (in parallel on a Dask executor) and keeps the best, and stops when
no step improves ``Z``. Each simulation is one run through ``ctx.evaluate``.

Why not SPSA (Spall 1998): it needs no model of the response, but with 10 to 24 hourly
parameters and noisy simulations it takes hundreds of runs to converge, where the
near-proportional response of counts to demand lets the gradient step converge in a handful.

The fitted keys are ``traffic.trip_rate`` and ``traffic.hourly_profile``: the profile's hours
inside the simulated period are multiplied by ``g``; hours outside it keep their prior weights
(they are not observed) and the trip rate changes so that their departures per resident stay
the prior's. When the period covers the whole day the profile is rescaled to the prior's sum
(the trip rate then carries the level).

Stage 2. ``traffic.zone_trip_factor`` by district (the city's districts; a zone's own factor in the
prior is kept and wins over its district's), from the run stage 1 ended on, by Gauss-Newton on
normalised residuals: each training link's counted vehicles over the period (``(V - C) /
sqrt(max((C + V0) / 2, 1))``, Poisson, ``V0`` the stage's first run) and, per origin zone, the
probes' summed observed minutes against the modelled means of their cells (``/ (TT_SIGMA sqrt(sum
o^2))``, :data:`TT_SIGMA`), so counts and travel times enter one chi-square objective. The Jacobian
is taken by finite differences, one run per district with its factor times ``1 +`` :data:`FD_STEP`,
all in one batch: with the common random numbers of :mod:`twin.traffic.demand` such a run keeps
every platoon and adds the district's new ones, so the difference is the district's added trips and
their congestion, not a new draw of the city. Spiess's proportional assignment would need each
link's flow by origin district, which the runs do not record. Each iteration then simulates the
step times :data:`DISTRICT_STEPS` and keeps the best run, and stops when none improves. A district
is fitted only when the observations pin its factor within :data:`MAX_SE` (standard errors from the
first Jacobian); the others keep the prior, and the kept lines say which. The fitted factors are
written only when they pass the extra-sum-of-squares F test against the prior at
:data:`~twin.observations.fit.ALPHA` (:func:`~twin.observations.fit.significant`), and again on a
fresh draw (:data:`~twin.observations.fit.REPLICATION_RUNS`). The trip rate and the district
factors share the level: what the observations identify is each district's trips per resident,
``trip_rate x factor``.

Travel-time figures (:func:`travel_time_figures`: each probe's observed minutes against the
modelled mean of its cell, year, origin zone, destination zone and departure hour of the period)
are reported on the training and the held-out probes at the prior and at the fit. Travel times
inform the factors only where demand moves them (congestion): in an uncongested city their
residuals barely change with a district's demand and the standard errors keep the prior.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from twin.observations.fit import (
    ALPHA,
    REPLICATE_KEY,
    REPLICATION_RUNS,
    CalibrationContext,
    DomainFit,
    Fitted,
    replicated_line,
    save_figure,
    significant,
)

STEPS = (1.0, 0.5, 1.6)
"""Multiples of Spiess's step simulated each iteration, in order of preference (fewer when the
budget runs short)."""

MIN_VEHICLES = 100.0
"""Counted vehicles (training rows) an hour of the profile needs to be fitted: below, the Poisson
noise of the count (10 % at 100) swamps the hour's demand, and its prior weight is kept."""

MIN_R2 = 0.5
"""Below this share of the link-to-link variation of the counts explained, the fit warns: the
city-wide keys fitted match the hourly totals, but the counts do not side with the model's links
(detectors keyed to the wrong links, or demand the keys cannot shape)."""

GEH_BAR = 5.0
"""GEH below which a counted link-hour fits."""

ACCEPTANCE = 0.85
"""Share of counted link-hours with GEH below :data:`GEH_BAR` a calibration must reach (the usual
acceptance bar, checked on the hold-out detectors)."""

MIN_MULTIPLIER = 0.2
"""The most one step may shrink an hour's demand (a factor), so that no hour empties at once."""

TOLERANCE = 1e-3
"""Relative improvement of Z below which the fit stops."""

FACTOR_KEY = "traffic.zone_trip_factor"
"""The key of the trip factors fitted by district."""

FD_STEP = 0.2
"""Relative change of a district's trip factor in its finite-difference run: large enough that the
change of the counts it causes stands above the simulation's own noise, small enough to stay near
linear."""

DISTRICT_STEPS = (1.0, 0.5)
"""Multiples of the Gauss-Newton step of the district factors simulated each iteration."""

MAX_SE = 0.1
"""A district's factor is fitted only when the observations pin it within this standard error
(Poisson counts, probes spread by :data:`TT_SIGMA`): a district few counted links or probes see
keeps its prior."""

TT_SIGMA = 0.25
"""Relative spread of a probe's observed minutes about its cell's modelled mean (the trip-to-trip
spread within a cell and the probe's 10 % noise): the travel-time residuals are divided by it so
that they weigh as the counts' Poisson residuals do. Measured on testville's probes against the
run they were drawn from: median absolute error 22 % per probe, and the origin zones' sums
(:meth:`_Fit.residuals`) scatter by 0.16 of ``sqrt(sum o^2)``; 0.25 errs on the side of
weighing travel times less."""



def geh(modelled: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """The GEH statistic of hourly flows (veh/h): ``sqrt(2 (M - C)^2 / (M + C))`` (0 where both are 0)."""
    total = modelled + observed
    squares = 2.0 * (modelled - observed) ** 2
    return np.sqrt(np.divide(squares, total, out=np.zeros_like(total), where=total > 0))


def modelled_counts(series: pd.DataFrame, counts: pd.DataFrame, interval_s: float, start_year: int,
                    n_links: int) -> np.ndarray:
    """The run's vehicles for each count row: the record intervals of ``series`` (a run's
    link_timeseries) from the row's start to its end, each end rounded to the record interval."""
    if counts.empty:
        return np.zeros(0)
    years = int(counts.year.max()) - start_year + 1
    k_end = np.maximum(np.rint(counts.end_s.to_numpy() / interval_s).astype(np.int64), 1)
    n_k = int(k_end.max())
    grid = np.zeros((years, n_k + 1, n_links))
    k = np.rint(series.time_s.to_numpy() / interval_s).astype(np.int64)
    y = series.year.to_numpy() - start_year
    keep = (k < n_k) & (y >= 0) & (y < years) & (series.link.to_numpy() < n_links)
    np.add.at(grid, (y[keep], k[keep] + 1, series.link.to_numpy()[keep]),
              series.flow_vph.to_numpy()[keep] * interval_s / 3600.0)
    cum = np.cumsum(grid, axis=1)  # cum[:, k] = vehicles of the intervals before k
    k0 = np.minimum(np.rint(counts.start_s.to_numpy() / interval_s).astype(np.int64), k_end - 1)
    yy, link = counts.year.to_numpy() - start_year, counts.link.to_numpy()
    return cum[yy, k_end, link] - cum[yy, k0, link]


def link_hours(counts: pd.DataFrame, modelled: np.ndarray) -> pd.DataFrame:
    """Observed and modelled hourly flows (veh/h) per counted link and hour, with their GEH."""
    frame = pd.DataFrame({"link": counts.link.to_numpy(), "year": counts.year.to_numpy(),
                          "hour": (counts.start_s.to_numpy() // 3600).astype(np.int64),
                          "observed": counts.vehicles.to_numpy(), "modelled": modelled,
                          "hours": (counts.end_s - counts.start_s).to_numpy() / 3600.0})
    hourly = frame.groupby(["link", "year", "hour"], as_index=False)[["observed", "modelled", "hours"]].sum()
    hourly["observed"] /= hourly.hours
    hourly["modelled"] /= hourly.hours
    hourly["geh"] = geh(hourly.modelled.to_numpy(), hourly.observed.to_numpy())
    return hourly


def travel_cells(frame: pd.DataFrame, origin_zone: np.ndarray, destination_zone: np.ndarray,
                 hours: np.ndarray) -> pd.MultiIndex:
    """The (year, origin zone, destination zone, departure hour of the period) cell of each row."""
    return pd.MultiIndex.from_arrays([frame.year.to_numpy(np.int64), origin_zone, destination_zone,
                                      hours.astype(np.int64)])


def probe_minutes(probes: pd.DataFrame, trips: pd.DataFrame, node_zone: np.ndarray) -> np.ndarray:
    """The modelled minutes of each probe (``probes``, a travel_times table): the vehicle-weighted
    mean travel time of a run's ``trips`` (its trip_times) in the probe's cell (:func:`travel_cells`;
    ``node_zone`` maps nodes to zones); NaN where the run has no trip in the cell."""
    depart_h = trips.depart_s.to_numpy() / 3600.0
    cells = travel_cells(trips, node_zone[trips.origin.to_numpy(np.int64)],
                         node_zone[trips.destination.to_numpy(np.int64)], depart_h)
    weight = trips.vehicles.to_numpy(np.float64)
    frame = pd.DataFrame({"w": weight, "wt": weight * trips.travel_time_s.to_numpy() / 60.0}, index=cells)
    sums = frame.groupby(level=[0, 1, 2, 3]).sum()
    mean = (sums.wt / sums.w).rename("modelled")
    hours = np.floor(probes.depart_h.to_numpy())
    seen = travel_cells(probes, node_zone[probes.origin.to_numpy(np.int64)],
                        node_zone[probes.destination.to_numpy(np.int64)], hours)
    return mean.reindex(seen).to_numpy(np.float64)


def probe_figures(observed: np.ndarray, modelled: np.ndarray) -> dict[str, float]:
    """Travel-time figures of probes (``observed`` minutes) against their modelled minutes
    (:func:`probe_minutes`), over the probes whose cell the run has: ``tt_probes`` (that many),
    ``tt_matched_share`` (of all probes), ``tt_bias_pct`` (summed modelled over summed observed
    minutes, less 1, %) and ``tt_mape_pct`` (mean absolute error over the observed minutes, %; it
    includes the trip-to-trip spread within a cell)."""
    if len(observed) == 0:
        return {}
    hit = np.isfinite(modelled) & (observed > 0)
    if not hit.any():
        return {"tt_probes": 0.0, "tt_matched_share": 0.0}
    m, o = modelled[hit], observed[hit]
    return {"tt_probes": float(hit.sum()), "tt_matched_share": float(hit.mean()),
            "tt_bias_pct": 100.0 * (m.sum() / o.sum() - 1.0),
            "tt_mape_pct": 100.0 * float(np.mean(np.abs(m - o) / o))}


def travel_time_figures(probes: pd.DataFrame, trips: pd.DataFrame, node_zone: np.ndarray) -> dict[str, float]:
    """Observed travel times (``probes``, a travel_times table) against a run's ``trips`` (its
    trip_times): :func:`probe_figures` of :func:`probe_minutes`."""
    if probes.empty:
        return {}
    return probe_figures(probes.minutes.to_numpy(np.float64), probe_minutes(probes, trips, node_zone))


def figures_of(counts: pd.DataFrame, modelled: np.ndarray) -> dict[str, float]:
    """Fit figures of the counted link-hours: the GEH < 5 share, the coefficient of determination
    ``r2`` and root mean square error (veh/h) of their flows, their number, and the modelled /
    counted vehicles."""
    if counts.empty:
        return {}
    hourly = link_hours(counts, modelled)
    error = hourly.modelled - hourly.observed
    spread = float(((hourly.observed - hourly.observed.mean()) ** 2).sum())
    observed = float(counts.vehicles.sum())
    return {"geh5_share": float((hourly.geh < GEH_BAR).mean()),
            "r2": 1.0 - float((error ** 2).sum()) / spread if spread > 0 else math.nan,
            "rmse_vph": float(np.sqrt((error ** 2).mean())), "link_hours": float(len(hourly)),
            "total_ratio": float(modelled.sum() / observed) if observed > 0 else math.nan}


class TrafficFitter:
    """Trip rate and hourly profile from link counts, district trip factors from counts and travel
    times (see the module's docstring)."""

    domain = "traffic"
    kinds = ("counts", "travel_times")

    def fit(self, scenario: dict, observed: dict[str, pd.DataFrame], held_out: dict[str, pd.DataFrame],
            ctx: CalibrationContext) -> DomainFit:
        notes = ["method: gradient OD estimation (Spiess 1990) over the hours of the departure profile, "
                 f"each iteration simulating {len(STEPS)} step lengths; then Gauss-Newton over the "
                 "districts' trip factors, the Jacobian by finite differences (one run per district, "
                 "common random numbers per zone), on counts and travel times together"]
        keys = ("traffic.trip_rate", "traffic.hourly_profile", FACTOR_KEY)
        if "traffic" not in scenario:
            return DomainFit("traffic", (), tuple(f"{k}: the scenario runs no traffic module" for k in keys),
                             {}, (), tuple(notes))
        counts = observed.get("counts")
        probes = observed.get("travel_times")
        if (counts is None or counts.empty) and (probes is None or probes.empty):
            why = "no counts or travel times to fit it to"
            return DomainFit("traffic", (), tuple(f"{k}: {why}" for k in keys), {}, (), tuple(notes))
        from twin.city import load_city
        from twin.scenario.spec import scenario_from_dict

        parsed = scenario_from_dict(scenario, source=str(ctx.scenario_file))
        city = load_city(parsed.scenario.city, parsed.file_of("scenario.city"))
        travel = None
        if probes is not None and not probes.empty:
            from twin.observations.fit_emergency import zones_of_points

            node_zone = zones_of_points(city, ctx.reference.node_x, ctx.reference.node_y)
            travel = (probes, held_out.get("travel_times"), node_zone)
        return _Fit(scenario, counts, held_out.get("counts"), ctx, notes, travel, city).run()


@dataclasses.dataclass(frozen=True)
class _Run:
    """One simulated candidate: its overrides and what it models for the observations."""

    overrides: dict
    v: np.ndarray
    """Modelled vehicles of the training count rows."""
    held: np.ndarray | None
    """Of the held-out count rows."""
    minutes: np.ndarray | None
    """Modelled minutes of the training probes (NaN: no trip in the probe's cell)."""
    held_minutes: np.ndarray | None
    factors: np.ndarray | None = None
    """The districts' trip factors it ran with (None: the prior's)."""


class _Fit:
    """One traffic calibration: the state of the iterations."""

    def __init__(self, scenario: dict, counts: pd.DataFrame | None, held: pd.DataFrame | None,
                 ctx: CalibrationContext, notes: list[str],
                 travel: tuple[pd.DataFrame, pd.DataFrame | None, np.ndarray] | None, city) -> None:
        from twin.traffic.config import HOURLY_PROFILE

        traffic = scenario["traffic"]
        self.ctx, self.notes = ctx, notes
        self.counts = counts if counts is not None and not counts.empty else None
        self.held = held if held is not None and not held.empty and self.counts is not None else None
        modes = traffic.get("modes") or {}
        self.rate_key = "traffic.modes.person_trip_rate" if modes.get("enabled") else "traffic.trip_rate"
        self.rate = float(ctx.value(self.rate_key))
        self.rate_high = _upper_bound(self.rate_key)
        self.profile = np.asarray(traffic.get("hourly_profile", HOURLY_PROFILE), dtype=np.float64)
        self.interval_s = float(traffic.get("record_interval_min", 15.0)) * 60.0
        ref = ctx.reference
        self.in_period = np.clip((ref.period_s - np.arange(24) * 3600.0) / 3600.0, 0.0, 1.0) > 0
        rows = self.counts if self.counts is not None else pd.DataFrame({"start_s": [], "vehicles": []})
        self.row_hour = (rows.start_s.to_numpy() // 3600).astype(np.int64) % 24
        self.observed_by_hour = np.bincount(self.row_hour, weights=rows.vehicles.to_numpy(), minlength=24)
        self.free = self.in_period & (self.observed_by_hour >= MIN_VEHICLES) & (self.profile > 0)
        self.row_link = (pd.factorize(rows.link)[0] if "link" in rows else np.zeros(0, np.int64),
                         rows.vehicles.to_numpy(np.float64))
        self.runs: list[_Run] = []
        self.travel = travel  # training probes, held-out probes, zone of each node
        self.districts = list(city.districts.name)
        self.prior_factors = dict(ctx.value(FACTOR_KEY) or {})
        zone_names = set(city.zones.name)
        self.zone_own = sorted(k for k in self.prior_factors if k in zone_names)
        self.kept: list[str] = []
        self.hour_fit: list[tuple[str, object, object, str]] = []
        self.district_fit: list[Fitted] = []

    # -- simulations --------------------------------------------------------------------------------
    def candidate(self, g: np.ndarray) -> dict:
        """The scenario overrides of the hourly demand multipliers ``g`` (see the module's docstring)."""
        inside = self.in_period
        weights = self.profile * np.where(self.free, g, 1.0)
        level = weights[inside].sum() / self.profile[inside].sum()
        profile = np.where(inside, weights / level, self.profile)
        return {self.rate_key: float(f"{min(self.rate * level, self.rate_high):.6g}"),
                "traffic.hourly_profile": [float(f"{p:.6g}") for p in profile]}

    def simulate(self, candidates: list[dict], factors: list[np.ndarray | None] | None = None) -> None:
        """Run the candidates (one batch of sweep runs) and keep what each models."""
        ref = self.ctx.reference
        tables = ("link_timeseries",) if self.travel is None else ("link_timeseries", "trip_times")
        folders = self.ctx.evaluate(candidates, tables)
        for k, (overrides, folder) in enumerate(zip(candidates, folders, strict=True)):
            minutes = held_minutes = None
            if self.travel is not None:
                probes, held_probes, node_zone = self.travel
                trips = self.ctx.table(folder, "trip_times")
                minutes = probe_minutes(probes, trips, node_zone)
                if held_probes is not None and not held_probes.empty:
                    held_minutes = probe_minutes(held_probes, trips, node_zone)
            v = held = None
            if self.counts is not None:
                series = self.ctx.table(folder, "link_timeseries")
                v = modelled_counts(series, self.counts, self.interval_s, ref.start_year, ref.n_links)
                if self.held is not None:
                    held = modelled_counts(series, self.held, self.interval_s, ref.start_year, ref.n_links)
            self.runs.append(_Run(overrides, v if v is not None else np.zeros(0), held, minutes, held_minutes,
                                  None if factors is None else factors[k]))

    # -- stage 1: trip rate and hourly profile (hourly totals of the counts) --------------------------
    def objective(self, v: np.ndarray) -> float:
        """Spiess's ``Z``: half the squared differences of the hourly totals of the training counts."""
        modelled = np.bincount(self.row_hour, weights=v, minlength=24)
        return 0.5 * float(np.sum((modelled - self.observed_by_hour) ** 2))

    def step(self, g: np.ndarray, v: np.ndarray) -> np.ndarray | None:
        """The scaled Spiess step: the change of ``g`` that zeroes each hour's linearised error
        (``g_h (C_h / V_h - 1)``), or None at a stationary point."""
        modelled = np.bincount(self.row_hour, weights=v, minlength=24)
        ratio = np.divide(self.observed_by_hour, modelled, out=np.ones(24), where=modelled > 0)
        change = np.where(self.free, g * (ratio - 1.0), 0.0)
        return change if np.any(np.abs(change) > 1e-9) else None

    def prior_fits_the_hours(self) -> tuple[bool, str]:
        """Whether the prior's run (the first) matches the hourly totals of the counts within their
        Poisson noise: the chi-square ``sum_h (V_h - C_h)^2 / C_h`` over the fitted hours against
        its distribution at :data:`ALPHA` (then stage 1 keeps the prior), and a line saying so."""
        from scipy.stats import chi2

        modelled = np.bincount(self.row_hour, weights=self.runs[0].v, minlength=24)[self.free]
        observed = self.observed_by_hour[self.free]
        stat = float(np.sum((modelled - observed) ** 2 / observed))
        pvalue = float(chi2.sf(stat, len(observed)))
        return pvalue >= ALPHA, (f"the prior fits the hourly totals of the counts within their Poisson noise "
                                 f"(chi-square {stat:.3g} on {len(observed)} df, p = {pvalue:.2g})")

    def fit_hours(self, budget: int) -> int:
        """Stage 1 within ``budget`` runs: the index of the best run (0: the prior's)."""
        ctx = self.ctx
        gs = [np.ones(24)]
        self.simulate([self.candidate(gs[0])])
        if self.counts is None:
            self.kept += [f"{k}: no counts to fit it to" for k in (self.rate_key, "traffic.hourly_profile")]
            return 0
        if not self.free.any():
            self.kept += [f"{k}: fewer than {MIN_VEHICLES:g} counted vehicles in every hour of the period"
                          for k in (self.rate_key, "traffic.hourly_profile")]
            return 0
        consistent, why = self.prior_fits_the_hours()
        if consistent:
            self.kept += [f"{k}: {why}" for k in (self.rate_key, "traffic.hourly_profile")]
            return 0
        best = 0
        while budget - len(self.runs) > 0:
            g, z = gs[best], self.objective(self.runs[best].v)
            change = self.step(g, self.runs[best].v)
            if change is None:
                break
            trial = [np.maximum(g + s * change, MIN_MULTIPLIER * g) for s in STEPS[:budget - len(self.runs)]]
            first = len(self.runs)
            gs += trial
            self.simulate([self.candidate(t) for t in trial])
            new = min(range(first, len(self.runs)), key=lambda i: self.objective(self.runs[i].v))
            z_new = self.objective(self.runs[new].v)
            ctx.progress(f"traffic: Z {z:.4g} -> {z_new:.4g} (half squared error, hourly totals)")
            if z_new >= z * (1.0 - TOLERANCE):
                break
            best = new
        prior, fitted = self.candidate(np.ones(24)), self.candidate(gs[best])
        if best == 0:  # no step improved on the prior: it fits as well as the data can tell
            self.kept += [f"{k}: no step improved on the prior's fit to the hourly totals" for k in prior]
        else:
            source = (f"counts: {len(self.counts):,} rows on {self.counts.link.nunique():,} links, hours "
                      f"{np.flatnonzero(self.free).min()}..{np.flatnonzero(self.free).max()}")
            self.hour_fit = [(k, fitted[k], prior[k], source) for k in fitted]
            kept_hours = np.flatnonzero(~self.free & self.in_period)
            if kept_hours.size:
                self.kept.append(f"traffic.hourly_profile hours {', '.join(map(str, kept_hours))}: fewer "
                                 f"than {MIN_VEHICLES:g} counted vehicles each (prior weights kept)")
        return best

    # -- stage 2: the districts' trip factors (link counts and travel times) --------------------------
    def residuals(self, run: _Run, start: _Run) -> np.ndarray:
        """Normalised residuals of a run, by counted link and by probes' origin zone: each training
        link's ``(V - C) / sqrt(max((C + V0) / 2, 1))`` (its vehicles over the period; Poisson, the
        variance taken half from the count and half from the stage's ``start`` run ``V0``, as GEH
        does: over the count alone a fit is drawn to links counted low), then each
        origin zone's ``(sum m - sum o) / (TT_SIGMA sqrt(sum o^2))`` over its probes (minutes;
        :data:`TT_SIGMA`) whose cell the stage's ``start`` run has (a cell another run lacks takes
        the start's minutes). Summed over the period and the zone, so that the few vehicles of a
        quarter hour do not drown the districts' share of a link in their Poisson noise."""
        parts = []
        if self.counts is not None:
            link, c = self.row_link
            total = np.bincount(link, weights=c)
            start_total = np.bincount(link, weights=start.v, minlength=len(total))
            spread = np.sqrt(np.maximum((total + start_total) / 2.0, 1.0))
            parts.append((np.bincount(link, weights=run.v, minlength=len(total)) - total) / spread)
        if self.travel is not None and start.minutes is not None:
            probes, _, node_zone = self.travel
            o = probes.minutes.to_numpy(np.float64)
            use = np.isfinite(start.minutes) & (o > 0)
            m = np.where(np.isfinite(run.minutes), run.minutes, start.minutes)[use]
            zone = node_zone[probes.origin.to_numpy(np.int64)][use]
            spread = np.sqrt(np.bincount(zone, weights=o[use] ** 2))
            seen = spread > 0
            parts.append((np.bincount(zone, weights=m, minlength=len(spread))
                           - np.bincount(zone, weights=o[use], minlength=len(spread)))[seen]
                          / (TT_SIGMA * spread[seen]))
        return np.concatenate(parts)

    def with_factors(self, base: dict, factors: np.ndarray) -> dict:
        """``base``'s overrides with the districts' trip factors ``factors`` (the prior's other
        entries kept)."""
        table = {**self.prior_factors, **{d: float(f"{f:.6g}") for d, f in zip(self.districts, factors,
                                                                                  strict=True)}}
        return {**base, FACTOR_KEY: table}

    def fit_districts(self, start: int) -> int:
        """Stage 2 from the run ``start``: the index of the best run (``start`` when the factors are kept)."""
        ctx, n = self.ctx, len(self.districts)
        if n < 2:
            self.kept.append(f"{FACTOR_KEY}: the city has one district; its factor is the trip rate's")
            return start
        if ctx.budget - len(self.runs) < n + 1 + REPLICATION_RUNS:
            self.kept.append(f"{FACTOR_KEY}: the budget leaves fewer than {n + 1 + REPLICATION_RUNS} runs "
                             "(one per district, a step and the replication check); raise --budget")
            return start
        f = np.array([float(self.prior_factors.get(d, 1.0)) for d in self.districts])
        prior_f = f.copy()
        high = _upper_bound(FACTOR_KEY)
        first_run = self.runs[start]
        base, free, se = start, np.arange(n), None
        z = 0.5 * float(np.sum(self.residuals(first_run, first_run) ** 2))
        z_start = z
        while ctx.budget - len(self.runs) >= len(free) + 1 + REPLICATION_RUNS:
            r = self.residuals(self.runs[base], first_run)
            moved = [f * np.where(np.arange(n) == d, 1.0 + FD_STEP, 1.0) for d in free]
            first = len(self.runs)
            self.simulate([self.with_factors(first_run.overrides, m) for m in moved], moved)
            jac = np.column_stack([(self.residuals(self.runs[first + k], first_run) - r) / (f[d] * FD_STEP)
                                   for k, d in enumerate(free)])
            if se is None:  # which districts the observations identify: decided on the first Jacobian
                se = _standard_errors(jac)
                ok = se <= MAX_SE
                for d in free[~ok]:
                    self.kept.append(f"{FACTOR_KEY}.{self.districts[d]}: the counts and travel times tell it "
                                     f"only within +-{se[d]:.2g} (at most {MAX_SE:g} to fit it)")
                free, jac = free[ok], jac[:, ok]
                if not free.size:
                    break
            delta = gauss_newton_step(jac, r)
            steps = DISTRICT_STEPS[:ctx.budget - len(self.runs) - REPLICATION_RUNS]
            trial = []
            for s in steps:
                t = f.copy()
                t[free] = np.clip(f[free] + s * delta, MIN_MULTIPLIER * f[free], high)
                trial.append(t)
            stepped = len(self.runs)
            self.simulate([self.with_factors(first_run.overrides, t) for t in trial], trial)
            scores = {i: 0.5 * float(np.sum(self.residuals(self.runs[i], first_run) ** 2))
                      for i in range(stepped, len(self.runs))}  # the steps' runs (not the differences')
            new = min(scores, key=scores.__getitem__)
            ctx.progress(f"traffic: district factors, Z {z:.4g} -> {scores[new]:.4g} (half squared "
                         "normalised error, counts and travel times)")
            if scores[new] >= z * (1.0 - TOLERANCE):
                break
            base, z, f = new, scores[new], self.runs[new].factors.copy()
        if se is None or not free.size:
            return start
        names = ", ".join(f"{self.districts[d]} {f[d]:.3g} +- {se[d]:.2g}" for d in free)
        rows = len(self.residuals(first_run, first_run))
        verdict = significant(z_start, z, len(free), rows)
        if base == start or not verdict[0]:
            self.kept.append(f"{FACTOR_KEY}: {verdict[1]}; the prior kept (best found: {names})")
            return start
        again = len(self.runs)  # the same two candidates on a fresh draw of the city's randomness
        self.simulate([{**first_run.overrides, REPLICATE_KEY: 1},
                       {**self.runs[base].overrides, REPLICATE_KEY: 1}], [prior_f, f])
        fresh = self.runs[again]
        replicated = significant(0.5 * float(np.sum(self.residuals(fresh, fresh) ** 2)),
                                  0.5 * float(np.sum(self.residuals(self.runs[again + 1], fresh) ** 2)),
                                  len(free), rows)
        if not replicated[0]:
            self.kept.append(f"{FACTOR_KEY}: the improvement did not replicate on a fresh draw of the demand "
                             f"and the traffic (replicate 1: {replicated[1]}); the prior kept (best found: "
                             f"{names})")
            return start
        verdict = (True, replicated_line(verdict[1], replicated[1]))
        rate = float(self.runs[base].overrides.get(self.rate_key, self.rate))
        per_resident = ", ".join(f"{self.districts[d]} {rate * f[d]:.3g}" for d in free)
        self.notes.append(f"{FACTOR_KEY} fitted: {names} (standard errors at Poisson counts and "
                          f"{TT_SIGMA:.0%} probe spread); {verdict[1]}; trips per resident ({self.rate_key} "
                          f"x factor, what the observations identify): {per_resident}"
                          + (f"; zones with their own factor keep it: {', '.join(self.zone_own)}"
                             if self.zone_own else ""))
        parts = [f"counts: {len(self.counts):,} rows on {self.counts.link.nunique():,} links"
                 if self.counts is not None else "",
                 f"travel times: {len(self.travel[0]):,} probes" if self.travel is not None else ""]
        source = "; ".join(p for p in parts if p) + f" ({len(self.runs)} runs)"
        prior_table = {**self.prior_factors} or {}
        self.district_fit = [Fitted(FACTOR_KEY, self.runs[base].overrides[FACTOR_KEY], prior_table, source,
                                    self.figures(self.runs[base])[0])]
        return base

    # -- result -------------------------------------------------------------------------------------
    def figures(self, run: _Run) -> tuple[dict[str, float], dict[str, float]]:
        """The fit figures of a run on the training and the held-out observations."""
        train = figures_of(self.counts, run.v) if self.counts is not None else {}
        holdout = figures_of(self.held, run.held) if self.held is not None else {}
        if self.travel is not None:
            probes, held_probes, _ = self.travel
            train.update(probe_figures(probes.minutes.to_numpy(np.float64), run.minutes))
            if run.held_minutes is not None:
                holdout.update(probe_figures(held_probes.minutes.to_numpy(np.float64), run.held_minutes))
        return train, holdout

    def run(self) -> DomainFit:
        ctx = self.ctx
        n = len(self.districts)
        # the districts' share of the budget: two iterations and the check; where the budget is
        # short, one, once the hours have had their prior run and three steps; on a budget too small
        # for that, none (the hours' first step comes first)
        full = 2 * (n + len(DISTRICT_STEPS)) + REPLICATION_RUNS if n >= 2 else 0
        least = n + 1 + REPLICATION_RUNS if n >= 2 else 0
        hours_budget = max(ctx.budget - full, min(ctx.budget - least, 1 + 3 * len(STEPS)),
                           min(ctx.budget, 1 + len(STEPS)))
        best_hours = self.fit_hours(hours_budget)
        best = self.fit_districts(best_hours)
        return self.result(best)

    def result(self, best: int) -> DomainFit:
        final, prior = self.runs[best], self.runs[0]
        train, holdout = self.figures(final)
        fitted = tuple(Fitted(k, value, prior_value, source, train)
                       for k, value, prior_value, source in self.hour_fit)
        fitted += tuple(dataclasses.replace(f, fit=train) for f in self.district_fit)
        if self.counts is not None:
            prior_train, prior_held = self.figures(prior)
            self.notes.append(f"{len(self.runs)} runs; training GEH<5 share {prior_train['geh5_share']:.1%} "
                              f"at the prior -> {train['geh5_share']:.1%} fitted"
                              + (f"; hold-out {prior_held['geh5_share']:.1%} -> {holdout['geh5_share']:.1%}"
                                 if "geh5_share" in holdout else ""))
            if "geh5_share" in holdout:
                meets = "meets" if holdout["geh5_share"] >= ACCEPTANCE else "misses"
                self.notes.append(f"hold-out: {holdout['geh5_share']:.1%} of the link-hours have GEH < "
                                  f"{GEH_BAR:g}: {meets} the {ACCEPTANCE:.0%} acceptance bar")
            if train["r2"] < MIN_R2:
                warning = (f"the fitted traffic explains {train['r2']:.2f} of the link-to-link variation of "
                           f"the counts (r2; below {MIN_R2:g}): detectors keyed to the wrong links, or "
                           "demand the fitted keys cannot shape")
                warnings.warn(f"twin calibrate: {warning}", stacklevel=2)
                self.notes.append(f"warning: {warning}")
        if self.travel is not None:
            self.notes.append(self._travel_note(final))
        figures: tuple[Path, ...] = ()
        if self.counts is not None:
            figures = (self._scatter(final.v, final.held),
                       self._by_hour(prior.v, final.v, prior.held, final.held),
                       self._by_zone(prior.v, final.v, prior.held, final.held), self._progress())
        return DomainFit("traffic", fitted, tuple(self.kept), holdout, figures, tuple(self.notes))

    def _travel_note(self, final: _Run) -> str:
        """The travel-time error at the prior and at the fit (training and held-out probes)."""
        parts = []
        for which, label in ((0, "training"), (1, "hold-out")):
            prior, fit = self.figures(self.runs[0])[which], self.figures(final)[which]
            if "tt_bias_pct" in fit and "tt_bias_pct" in prior:
                parts.append(f"{label} {int(fit['tt_probes']):,} probes: bias {prior['tt_bias_pct']:+.1f} "
                             f"-> {fit['tt_bias_pct']:+.1f} %, mean absolute error "
                             f"{prior['tt_mape_pct']:.1f} -> {fit['tt_mape_pct']:.1f} %")
        return ("travel times (fitted with the district factors; modelled mean of the probe's year, origin "
                "zone, destination zone and departure hour; prior -> fitted): "
                + ("; ".join(parts) or "no probe's cell was simulated"))

    def _scatter(self, v: np.ndarray, held_v: np.ndarray | None) -> Path:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5.5, 5))
        top = 1.0
        for counts, modelled, label, colour in ((self.counts, v, "training", "tab:blue"),
                                                (self.held, held_v, "hold-out", "tab:orange")):
            if counts is None:
                continue
            hourly = link_hours(counts, modelled)
            share = (hourly.geh < GEH_BAR).mean()
            ax.scatter(hourly.observed, hourly.modelled, s=6, alpha=0.5, color=colour,
                       label=f"{label}: {len(hourly):,} link-hours, {share:.0%} GEH<5")
            top = max(top, float(hourly[["observed", "modelled"]].max().max()))
        ax.plot([0, top], [0, top], color="k", lw=0.8)
        ax.set_xlabel("counted, veh/h")
        ax.set_ylabel("modelled (fitted), veh/h")
        ax.legend(fontsize=8)
        return save_figure(fig, self.ctx.figures / "traffic_scatter.png")

    def _by_hour(self, prior_v, v, prior_held, held_v) -> Path:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 3.5))
        counts, prior_all, fitted_all = self._all_counts(prior_v, v, prior_held, held_v)
        hour = (counts.start_s.to_numpy() // 3600).astype(np.int64)
        lines = ((counts.vehicles.to_numpy(), "counted", "k-o"), (prior_all, "prior", "C1--"),
                 (fitted_all, "fitted", "C0-"))
        for values, label, style in lines:
            total = pd.Series(values).groupby(hour).sum()
            ax.plot(total.index, total.to_numpy(), style, label=label, ms=3)
        ax.set_xlabel("hour of the period")
        ax.set_ylabel("vehicles at the counted links")
        ax.legend(fontsize=8)
        return save_figure(fig, self.ctx.figures / "traffic_by_hour.png")

    def _all_counts(self, prior_v, v, prior_held, held_v) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """Training and hold-out counts together, with their prior and fitted modelled vehicles."""
        if self.held is None:
            return self.counts, prior_v, v
        return (pd.concat([self.counts, self.held], ignore_index=True), np.concatenate([prior_v, prior_held]),
                np.concatenate([v, held_v]))

    def _by_zone(self, prior_v, v, prior_held, held_v) -> Path:
        """Counted, prior and fitted vehicles at the detectors of each zone (the zone whose centre is
        nearest to the link's middle), the 25 zones with the most counted vehicles."""
        import matplotlib.pyplot as plt

        from twin.city import load_city
        from twin.scenario import load_scenario

        ref = self.ctx.reference
        scenario = load_scenario(self.ctx.scenario_file)
        zones = load_city(scenario.scenario.city, scenario.file_of("scenario.city")).zones
        counts, prior_all, fitted_all = self._all_counts(prior_v, v, prior_held, held_v)
        link = counts.link.to_numpy()
        mid_x = (ref.node_x[ref.link_from[link]] + ref.node_x[ref.link_to[link]]) / 2.0
        mid_y = (ref.node_y[ref.link_from[link]] + ref.node_y[ref.link_to[link]]) / 2.0
        zone = np.argmin((mid_x[:, None] - zones.x[None, :]) ** 2 + (mid_y[:, None] - zones.y[None, :]) ** 2,
                         axis=1)
        table = pd.DataFrame({"zone": zone, "counted": counts.vehicles.to_numpy(), "prior": prior_all,
                              "fitted": fitted_all}).groupby("zone").sum().nlargest(25, "counted")
        fig, ax = plt.subplots(figsize=(8, 3.8))
        x = np.arange(len(table))
        for k, (column, colour) in enumerate((("counted", "k"), ("prior", "C1"), ("fitted", "C0"))):
            ax.bar(x + (k - 1) * 0.27, table[column], width=0.27, color=colour, label=column)
        ax.set_xticks(x, [ref.zones[z] for z in table.index], rotation=90, fontsize=7)
        ax.set_ylabel("vehicles at the zone's detectors")
        ax.legend(fontsize=8)
        return save_figure(fig, self.ctx.figures / "traffic_by_zone.png")

    def _progress(self) -> Path:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3))
        shares = [figures_of(self.counts, run.v)["geh5_share"] for run in self.runs]
        ax.plot(np.arange(1, len(shares) + 1), shares, "o-")
        ax.axhline(ACCEPTANCE, color="k", lw=0.8, ls="--")
        ax.set_xlabel("run")
        ax.set_ylabel("training GEH<5 share")
        return save_figure(fig, self.ctx.figures / "traffic_runs.png")


def gauss_newton_step(jac: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """The Gauss-Newton change of the parameters: least squares of ``jac delta = -residuals``."""
    return np.linalg.lstsq(jac, -residuals, rcond=None)[0]


def _standard_errors(jac: np.ndarray) -> np.ndarray:
    """Standard errors of least-squares parameters of unit-variance residuals with Jacobian ``jac``
    (``sqrt diag (J'J)^-1``; infinite when ``J'J`` is singular)."""
    try:
        return np.sqrt(np.maximum(np.diag(np.linalg.inv(jac.T @ jac)), 0.0))
    except np.linalg.LinAlgError:
        return np.full(jac.shape[1], np.inf)


def _upper_bound(key: str) -> float:
    """The largest value the scenario accepts for the traffic key ``key`` (its option's ``le``)."""
    import dataclasses

    from twin.traffic.config import TrafficConfig
    from twin.traffic.modes_config import ModesConfig

    cls = ModesConfig if key.startswith("traffic.modes.") else TrafficConfig
    field = next(f for f in dataclasses.fields(cls) if f.name == key.rsplit(".", 1)[1])
    return float(field.metadata["le"])
