"""The traffic fit: the city's car trip rate and hourly departure profile, fitted to link counts.

Method: the gradient origin-destination matrix estimation of Spiess (1990), with the hours of the
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
(the trip rate then carries the level). Travel times are compared, not fitted: each probe's
observed minutes against the modelled mean of its cell (year, origin zone, destination zone,
departure hour of the period; :func:`travel_time_figures`), on the training and the held-out
probes, at the prior and at the fit. ``traffic.zone_trip_factor`` (demand per zone) is not
fitted either: the city-wide rate is.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from twin.observations.fit import CalibrationContext, DomainFit, Fitted, save_figure

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


def travel_time_figures(probes: pd.DataFrame, trips: pd.DataFrame, node_zone: np.ndarray) -> dict[str, float]:
    """Observed travel times (``probes``, a travel_times table) against a run's ``trips`` (its
    trip_times): each probe against the vehicle-weighted mean modelled minutes of its cell
    (:func:`travel_cells`; ``node_zone`` maps nodes to zones). Figures over the probes whose cell
    the run has: ``tt_probes`` (that many), ``tt_matched_share`` (of all probes), ``tt_bias_pct``
    (summed modelled over summed observed minutes, less 1, %) and ``tt_mape_pct`` (mean absolute
    error over the observed minutes, %; it includes the trip-to-trip spread within a cell)."""
    if probes.empty:
        return {}
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
    modelled = mean.reindex(seen).to_numpy()
    observed = probes.minutes.to_numpy(np.float64)
    hit = np.isfinite(modelled) & (observed > 0)
    if not hit.any():
        return {"tt_probes": 0.0, "tt_matched_share": 0.0}
    m, o = modelled[hit], observed[hit]
    return {"tt_probes": float(hit.sum()), "tt_matched_share": float(hit.mean()),
            "tt_bias_pct": 100.0 * (m.sum() / o.sum() - 1.0),
            "tt_mape_pct": 100.0 * float(np.mean(np.abs(m - o) / o))}


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
    """Trip rate and hourly profile from link counts (see the module's docstring)."""

    domain = "traffic"
    kinds = ("counts", "travel_times")

    def fit(self, scenario: dict, observed: dict[str, pd.DataFrame], held_out: dict[str, pd.DataFrame],
            ctx: CalibrationContext) -> DomainFit:
        notes = ["method: gradient OD estimation (Spiess 1990) over the hours of the departure profile; "
                 f"each iteration simulates {len(STEPS)} step lengths and keeps the best"]
        keys = ("traffic.trip_rate", "traffic.hourly_profile")
        if "traffic" not in scenario:
            return DomainFit("traffic", (), tuple(f"{k}: the scenario runs no traffic module" for k in keys),
                             {}, (), tuple(notes))
        counts = observed.get("counts")
        if counts is None or counts.empty:
            return DomainFit("traffic", (), tuple(f"{k}: no counts to fit it to" for k in keys), {}, (),
                             tuple(notes))
        travel = None
        if observed.get("travel_times") is not None and not observed["travel_times"].empty:
            from twin.city import load_city
            from twin.observations.fit_emergency import zones_of_points
            from twin.scenario.spec import scenario_from_dict

            parsed = scenario_from_dict(scenario, source=str(ctx.scenario_file))
            city = load_city(parsed.scenario.city, parsed.file_of("scenario.city"))
            node_zone = zones_of_points(city, ctx.reference.node_x, ctx.reference.node_y)
            travel = (observed["travel_times"], held_out.get("travel_times"), node_zone)
        return _Fit(scenario, counts, held_out.get("counts"), ctx, notes, travel).run()


class _Fit:
    """One traffic calibration: the state of the iterations."""

    def __init__(self, scenario: dict, counts: pd.DataFrame, held: pd.DataFrame | None,
                 ctx: CalibrationContext, notes: list[str],
                 travel: tuple[pd.DataFrame, pd.DataFrame | None, np.ndarray] | None = None) -> None:
        from twin.traffic.config import HOURLY_PROFILE

        traffic = scenario["traffic"]
        self.ctx, self.counts, self.notes = ctx, counts, notes
        self.held = held if held is not None and not held.empty else None
        modes = traffic.get("modes") or {}
        self.rate_key = "traffic.modes.person_trip_rate" if modes.get("enabled") else "traffic.trip_rate"
        self.rate = float(ctx.value(self.rate_key))
        self.rate_high = _upper_bound(self.rate_key)
        self.profile = np.asarray(traffic.get("hourly_profile", HOURLY_PROFILE), dtype=np.float64)
        self.interval_s = float(traffic.get("record_interval_min", 15.0)) * 60.0
        ref = ctx.reference
        self.in_period = np.clip((ref.period_s - np.arange(24) * 3600.0) / 3600.0, 0.0, 1.0) > 0
        self.row_hour = (counts.start_s.to_numpy() // 3600).astype(np.int64) % 24
        self.observed_by_hour = np.bincount(self.row_hour, weights=counts.vehicles.to_numpy(), minlength=24)
        self.free = self.in_period & (self.observed_by_hour >= MIN_VEHICLES) & (self.profile > 0)
        self.runs: list[tuple[np.ndarray, float, np.ndarray, np.ndarray | None]] = []  # g, Z, v, held v
        self.travel = travel  # training probes, held-out probes, zone of each node
        self.travel_figures: list[tuple[dict[str, float], dict[str, float]]] = []  # per run: training, held

    def candidate(self, g: np.ndarray) -> dict:
        """The scenario overrides of the hourly demand multipliers ``g`` (see the module's docstring)."""
        inside = self.in_period
        weights = self.profile * np.where(self.free, g, 1.0)
        level = weights[inside].sum() / self.profile[inside].sum()
        profile = np.where(inside, weights / level, self.profile)
        return {self.rate_key: float(f"{min(self.rate * level, self.rate_high):.6g}"),
                "traffic.hourly_profile": [float(f"{p:.6g}") for p in profile]}

    def simulate(self, gs: list[np.ndarray]) -> None:
        ref = self.ctx.reference
        tables = ("link_timeseries",) if self.travel is None else ("link_timeseries", "trip_times")
        folders = self.ctx.evaluate([self.candidate(g) for g in gs], tables)
        for g, folder in zip(gs, folders, strict=True):
            series = self.ctx.table(folder, "link_timeseries")
            if self.travel is not None:
                probes, held_probes, node_zone = self.travel
                trips = self.ctx.table(folder, "trip_times")
                self.travel_figures.append((
                    travel_time_figures(probes, trips, node_zone),
                    {} if held_probes is None else travel_time_figures(held_probes, trips, node_zone)))
            v = modelled_counts(series, self.counts, self.interval_s, ref.start_year, ref.n_links)
            held = None if self.held is None else modelled_counts(series, self.held, self.interval_s,
                                                                 ref.start_year, ref.n_links)
            self.runs.append((g, self.objective(v), v, held))

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

    def run(self) -> DomainFit:
        ctx = self.ctx
        if not self.free.any():
            kept = tuple(f"{k}: fewer than {MIN_VEHICLES:g} counted vehicles in every hour of the period"
                         for k in ("traffic.trip_rate", "traffic.hourly_profile"))
            return DomainFit("traffic", (), kept, {}, (), tuple(self.notes))
        self.simulate([np.ones(24)])
        best = 0
        while ctx.budget - len(self.runs) > 0:
            g, z, v, _ = self.runs[best]
            change = self.step(g, v)
            if change is None:
                break
            steps = STEPS[:ctx.budget - len(self.runs)]
            trial = [np.maximum(g + s * change, MIN_MULTIPLIER * g) for s in steps]
            first = len(self.runs)
            self.simulate(trial)
            new = min(range(first, len(self.runs)), key=lambda i: self.runs[i][1])
            ctx.progress(f"traffic: Z {z:.4g} -> {self.runs[new][1]:.4g} (half squared error, hourly totals)")
            if self.runs[new][1] >= z * (1.0 - TOLERANCE):
                break
            best = new
        return self.result(best)

    def result(self, best: int) -> DomainFit:
        g, _, v, held_v = self.runs[best]
        prior_v, prior_held = self.runs[0][2], self.runs[0][3]
        train = figures_of(self.counts, v)
        holdout = figures_of(self.held, held_v) if self.held is not None else {}
        if self.travel_figures:
            train.update(self.travel_figures[best][0])
            holdout.update(self.travel_figures[best][1])
            self.notes.append(self._travel_note(best))
        fitted_values = self.candidate(g)
        prior = self.candidate(np.ones(24))
        hours = np.flatnonzero(self.free)
        source = (f"counts: {len(self.counts):,} rows on {self.counts.link.nunique():,} links, "
                  f"hours {hours.min()}..{hours.max()}")
        kept_hours = np.flatnonzero(~self.free & self.in_period)
        kept: tuple[str, ...] = ()
        if best == 0:  # no step improved on the prior: it fits as well as the data can tell
            fitted = ()
            kept = tuple(f"{k}: no step improved on the prior's fit to the hourly totals" for k in prior)
        else:
            fitted = tuple(Fitted(k, fitted_values[k], prior[k], source, train) for k in fitted_values)
            if kept_hours.size:
                kept = (f"traffic.hourly_profile hours {', '.join(map(str, kept_hours))}: fewer than "
                        f"{MIN_VEHICLES:g} counted vehicles each (prior weights kept)",)
        prior_train = figures_of(self.counts, prior_v)
        self.notes.append(f"{len(self.runs)} runs; training GEH<5 share {prior_train['geh5_share']:.1%} at "
                          f"the prior -> {train['geh5_share']:.1%} fitted"
                          + (f"; hold-out {figures_of(self.held, prior_held)['geh5_share']:.1%} -> "
                             f"{holdout['geh5_share']:.1%}" if holdout else ""))
        if holdout:
            meets = "meets" if holdout["geh5_share"] >= ACCEPTANCE else "misses"
            self.notes.append(f"hold-out: {holdout['geh5_share']:.1%} of the link-hours have GEH < "
                              f"{GEH_BAR:g}: {meets} the {ACCEPTANCE:.0%} acceptance bar")
        if train["r2"] < MIN_R2:
            warning = (f"the fitted traffic explains {train['r2']:.2f} of the link-to-link variation of the "
                       f"counts (r2; below {MIN_R2:g}): detectors keyed to the wrong links, or demand the "
                       "fitted keys cannot shape")
            warnings.warn(f"twin calibrate: {warning}", stacklevel=2)
            self.notes.append(f"warning: {warning}")
        figures = (self._scatter(v, held_v), self._by_hour(prior_v, v, prior_held, held_v),
                   self._by_zone(prior_v, v, prior_held, held_v), self._progress())
        return DomainFit("traffic", fitted, kept, holdout, figures, tuple(self.notes))

    def _travel_note(self, best: int) -> str:
        """The travel-time comparison at the prior and at the fit (training and held-out probes)."""
        parts = []
        for which, label in ((0, "training"), (1, "hold-out")):
            prior, fit = self.travel_figures[0][which], self.travel_figures[best][which]
            if "tt_bias_pct" in fit and "tt_bias_pct" in prior:
                parts.append(f"{label} {int(fit['tt_probes']):,} probes: bias {prior['tt_bias_pct']:+.1f} "
                             f"-> {fit['tt_bias_pct']:+.1f} %, mean absolute error "
                             f"{prior['tt_mape_pct']:.1f} -> {fit['tt_mape_pct']:.1f} %")
        return ("travel times compared, not fitted (modelled mean of the probe's year, origin zone, "
                "destination zone and departure hour; prior -> fitted): " + ("; ".join(parts) or
                                                                            "no probe's cell was simulated"))

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
        shares = [figures_of(self.counts, v)["geh5_share"] for _, _, v, _ in self.runs]
        ax.plot(np.arange(1, len(shares) + 1), shares, "o-")
        ax.axhline(ACCEPTANCE, color="k", lw=0.8, ls="--")
        ax.set_xlabel("run")
        ax.set_ylabel("training GEH<5 share")
        return save_figure(fig, self.ctx.figures / "traffic_runs.png")


def _upper_bound(key: str) -> float:
    """The largest value the scenario accepts for the traffic key ``key`` (its option's ``le``)."""
    import dataclasses

    from twin.traffic.config import TrafficConfig
    from twin.traffic.modes_config import ModesConfig

    cls = ModesConfig if key.startswith("traffic.modes.") else TrafficConfig
    field = next(f for f in dataclasses.fields(cls) if f.name == key.rsplit(".", 1)[1])
    return float(field.metadata["le"])
