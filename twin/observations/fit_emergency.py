"""Emergency calibration: call rates by maximum likelihood, on-scene times by MLE, with tests that can fail.

What the ``[emergency]`` section can express, and so what is fitted (docs/observations.md,
"Emergency, waste and migration fits"):

- the call rate of each type, ``types.T.rate_per_1000`` (calls per 1000 of exposure and day) and
  ``types.T.jobs_weight`` (exposure = residents + jobs_weight x jobs): the calls of type ``T`` in
  zone ``z`` over the observed period are Poisson with mean ``a_T (P_z + w_T J_z)``, where ``P_z``
  and ``J_z`` are residents and jobs times the profile-weighted days observed. For a given ``w``
  the MLE of ``a`` is closed-form (calls / exposure); ``w`` is found by maximising the profile
  likelihood over the config's range 0..10. Zones differ only through their exposure: the config
  has no per-zone rate, so "zone x type" is pooled to "type x exposure", and the chi-square over
  the zone x type cells says whether that is enough;
- one city-wide ``hourly_profile`` (the config's only hourly form, shared by every type and zone):
  the MLE of a Poisson rate per hour of day is calls / seconds observed in that hour;
- the shape parameters (``jobs_weight``, ``hourly_profile``) replace the prior only when the data
  reject it at :data:`SHAPE_LEVEL` (the prior weight outside the 99 % profile-likelihood interval;
  the prior profile's chi-square p below 0.01): a noisy estimate does not overwrite a prior the
  data agree with (six such tests at 1 % change some key of a scenario's own data about one time
  in 17; at 5 % it would be one in four);
- the on-scene time of each type (``on_scene_min``, ``on_scene_distribution``, ``on_scene_cv``):
  exponential and lognormal fitted by MLE (``scipy.stats``, location 0), the lower AIC chosen,
  checked by a Kolmogorov-Smirnov test;
- the call-handling time of each type (``call_handling_min``, ``call_handling_cv``) and the
  turnout of each unit kind (``turnout_min.KIND``, with the one ``turnout_cv`` shared by every
  kind): lognormal by maximum likelihood (the model's own form, :func:`fit_phases`), from the
  incidents' ``call_handling_min`` and ``turnout_min`` columns. Turnout is attributed to the kind
  of the first unit on scene (``unit_kind``; where the log leaves it empty, the one kind a type
  sends, if it sends only one); a zero turnout (a unit sent from the road) has no turnout phase
  and is left out. Each fit is checked by Kolmogorov-Smirnov tests that can fail: of the fitted
  lognormal against the training times (Lilliefors: p by Monte Carlo, the parameters being
  estimated from those times), of the prior against the training times, and of the fit against
  the held-out zones' times.

Surge windows of the scenario are cut out (their calls and their time), since their rates are
multiplied (the scenario's surge hours and the observed calls' times both count from the start
of the recorded period, after the warm-up days). ``rate_scale`` (a demand lever) is kept: the fitted
rates are divided by it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, stats

from twin.observations.fit import CalibrationContext, DomainFit, Fitted

if TYPE_CHECKING:
    from twin.city import City
    from twin.emergency.config import EmergencyConfig

MIN_CALLS_RATE = 10
"""A type's rate is fitted from at least this many training calls (relative error 1/sqrt(n) <= 32 %)."""

MIN_CALLS_PER_HOUR = 10
"""The hourly profile is fitted when every hour of day is observed and the calls average this many
per hour of day (so each hour's rate has a relative error of about 30 % or less)."""


WEIGHT_RANGE = (0.0, 10.0)
"""Bounds of ``jobs_weight`` in the config."""

SHAPE_LEVEL = 0.01
"""Level of the tests that let the data replace a prior ``jobs_weight`` or ``hourly_profile``."""

MIN_SERVICE_TIMES = 20
"""A type's on-scene distribution is fitted from at least this many observed times."""

MIN_PHASE_TIMES = 20
"""A type's call-handling or a kind's turnout distribution is fitted from at least this many times."""

KS_LEVEL = 0.01
"""Level at which a Kolmogorov-Smirnov check of a phase fit is reported as rejected."""

KS_DRAWS = 999
"""Monte Carlo samples of the Lilliefors p-value (its resolution is 1 / (KS_DRAWS + 1))."""

KS_SAMPLE_MAX = 2000
"""The Lilliefors check of a fit to more times uses this many drawn at random (its Monte Carlo
costs KS_DRAWS x n draws: about 0.3 s at 2,000)."""

MIN_EXPECTED = 5.0
"""Chi-square cells are pooled until each expects at least this many calls (Cochran's rule)."""


@dataclasses.dataclass(frozen=True)
class RateFit:
    """One type's call rate: ``a`` calls per exposure-day (exposure in persons), the jobs weight,
    the rate's 95 % interval, the weight's (1 - :data:`SHAPE_LEVEL`) interval, and whether the
    weight was fitted (else the prior was used)."""

    calls: int
    a: float
    a_interval: tuple[float, float]
    jobs_weight: float
    weight_fitted: bool
    weight_interval: tuple[float, float]
    weight_estimate: float


@dataclasses.dataclass(frozen=True)
class ServiceFit:
    """A service-time distribution fitted to ``n`` times (minutes) and its KS check."""

    n: int
    distribution: str
    mean_min: float
    cv: float
    ks_statistic: float
    ks_p: float
    aic: dict[str, float]


@dataclasses.dataclass(frozen=True)
class PhaseFit:
    """A lognormal phase time (minutes) fitted by maximum likelihood to ``n`` times, and its
    Kolmogorov-Smirnov checks: of the fit against the training times (Lilliefors: the p-value by
    Monte Carlo, the parameters being estimated from the same times; on :data:`KS_SAMPLE_MAX` of
    them drawn at random when there are more), of the prior against the training times, and of
    the fit against ``holdout_n`` held-out times (NaN when none)."""

    n: int
    mean_min: float
    cv: float
    ks_statistic: float
    ks_p: float
    prior_ks_p: float
    holdout_n: int
    holdout_ks_p: float

    @property
    def rejected(self) -> list[str]:
        """The checks that reject the fit at :data:`KS_LEVEL`."""
        checks = (("training", self.ks_p), ("hold-out", self.holdout_ks_p))
        return [what for what, p in checks if p < KS_LEVEL]

    def figures(self) -> dict[str, float]:
        """The figures the calibrated scenario and the report show."""
        out = {"n": float(self.n), "ks_statistic": self.ks_statistic, "ks_p": self.ks_p,
               "prior_ks_p": self.prior_ks_p}
        if self.holdout_n:
            out.update(holdout_n=float(self.holdout_n), holdout_ks_p=self.holdout_ks_p)
        return out


def lognormal_cdf(mean_min: float, cv: float):
    """The CDF of a lognormal of mean ``mean_min`` and coefficient of variation ``cv`` (as
    :func:`twin.emergency.incidents.lognormal` draws it; cv 0: a step at the mean)."""
    if cv <= 0:
        return lambda t: (np.asarray(t) >= mean_min).astype(np.float64)
    sigma = math.sqrt(math.log1p(cv * cv))
    return stats.lognorm(sigma, scale=mean_min * math.exp(-sigma * sigma / 2.0)).cdf


def fit_phase(x: np.ndarray, prior: tuple[float, float], held: np.ndarray | None = None,
              sigma: float | None = None, rng: np.random.Generator | None = None) -> PhaseFit:
    """Lognormal MLE of the positive times ``x`` (minutes): the mean of the logs, and their
    standard deviation unless ``sigma`` (a shared one) is given; ``prior`` is (mean, cv) of the
    scenario; ``held`` the held-out times. Deterministic (``rng`` defaults to seed 0)."""
    logs = np.log(np.asarray(x, dtype=np.float64))
    mu = float(logs.mean())
    s = float(logs.std()) if sigma is None else float(sigma)
    mean, cv = math.exp(mu + s * s / 2.0), math.sqrt(math.expm1(s * s))
    rng = np.random.default_rng(0) if rng is None else rng
    if s > 0:
        known = {} if sigma is None else {"scale": s}
        some = logs if len(logs) <= KS_SAMPLE_MAX else rng.choice(logs, KS_SAMPLE_MAX, replace=False)
        gof = stats.goodness_of_fit(stats.norm, some, known_params=known, statistic="ks",
                                    n_mc_samples=KS_DRAWS, rng=rng)
        d, p = float(gof.statistic), float(gof.pvalue)
    else:
        d, p = 0.0, 1.0
    prior_p = float(stats.kstest(x, lognormal_cdf(*prior)).pvalue)
    held = np.empty(0) if held is None else np.asarray(held, dtype=np.float64)
    held_p = float(stats.kstest(held, lognormal_cdf(mean, cv)).pvalue) if len(held) else float("nan")
    return PhaseFit(len(logs), mean, cv, d, p, prior_p, len(held), held_p)


def seconds_by_hour(period_s: float, windows: Sequence[tuple[float, float]] = ()) -> np.ndarray:
    """Seconds of each hour of day (24) in one operating period of ``period_s`` seconds, less the
    ``windows`` ((start_s, end_s), e.g. surges) cut out."""
    start = np.arange(0.0, period_s, 3600.0)
    end = np.minimum(start + 3600.0, period_s)
    length = end - start
    covered = np.zeros(len(start))
    merged: list[list[float]] = []
    for lo, hi in sorted((max(a, 0.0), min(b, period_s)) for a, b in windows):
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    for lo, hi in merged:
        covered += np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
    return np.bincount((start // 3600.0).astype(np.int64) % 24, weights=length - covered, minlength=24)


def hour_of_day(time_s: np.ndarray) -> np.ndarray:
    """Hour of day (0..23) of times in seconds from the period's start (midnight)."""
    return (np.floor(np.asarray(time_s, dtype=np.float64) / 3600.0).astype(np.int64)) % 24


def fit_hourly_profile(calls_by_hour: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The Poisson MLE of the relative hourly rate (mean 1), or None and why it is not identified."""
    calls = np.asarray(calls_by_hour, dtype=np.float64)
    if (seconds <= 0).any():
        missing = np.flatnonzero(seconds <= 0)
        return None, f"hours {missing[0]}..{missing[-1]} of the day are not observed"
    if calls.sum() < MIN_CALLS_PER_HOUR * 24:
        return None, f"{int(calls.sum())} calls, fewer than {MIN_CALLS_PER_HOUR} per hour of day"
    rate = calls / seconds
    return rate / rate.mean(), ""


def fit_rate(calls: np.ndarray, resident_days: np.ndarray, job_days: np.ndarray, prior_weight: float
             ) -> RateFit:
    """Maximum-likelihood rate of one incident type from its calls per zone.

    Args:
        calls: (zones,) calls observed in each zone.
        resident_days, job_days: (zones,) residents and jobs times the profile-weighted days
            observed (the expected calls are ``a * (resident_days + w * job_days)``).
        prior_weight: ``w`` kept unless it lies outside the 99 % profile-likelihood interval of
            ``w`` (likelihood-ratio test at :data:`SHAPE_LEVEL`).
    """
    calls = np.asarray(calls, dtype=np.float64)
    n = float(calls.sum())

    def loglik(w: float) -> float:
        exposure = resident_days + w * job_days
        a = n / max(exposure.sum(), 1e-300)
        mu = np.maximum(a * exposure, 1e-300)
        return float(np.sum(calls * np.log(mu)) - a * exposure.sum())

    lo, hi = WEIGHT_RANGE
    grid = np.linspace(lo, hi, 201)
    values = np.array([loglik(w) for w in grid])
    k = int(np.argmax(values))
    best = optimize.minimize_scalar(lambda w: -loglik(w), bounds=(grid[max(k - 1, 0)], grid[min(k + 1, 200)]),
                                    method="bounded", options={"xatol": 1e-6})
    w_hat = float(best.x) if -best.fun >= values[k] else float(grid[k])
    floor = loglik(w_hat) - stats.chi2.ppf(1.0 - SHAPE_LEVEL, 1) / 2.0

    def bound(order: np.ndarray, end: float) -> float:
        """Where the profile likelihood first falls below ``floor`` along the grid points
        ``order`` (moving away from ``w_hat``), refined by Brent's method; ``end`` if it never does."""
        below = order[values[order] < floor]
        if below.size == 0:
            return end
        outer = float(grid[below[0]])
        return float(optimize.brentq(lambda w: loglik(w) - floor, min(outer, w_hat), max(outer, w_hat)))

    interval = (bound(np.flatnonzero(grid < w_hat)[::-1], lo), bound(np.flatnonzero(grid > w_hat), hi))
    fitted = n > 0 and not interval[0] <= prior_weight <= interval[1]
    w = w_hat if fitted else float(prior_weight)
    exposure = float((resident_days + w * job_days).sum())
    a = n / exposure
    # exact Poisson interval of the count (Garwood), over the exposure
    low = stats.chi2.ppf(0.025, 2 * n) / 2.0 if n > 0 else 0.0
    high = stats.chi2.ppf(0.975, 2 * n + 2) / 2.0
    return RateFit(int(n), a, (float(low / exposure), float(high / exposure)), w, fitted, interval, w_hat)


def pooled_chi_square(observed: np.ndarray, expected: np.ndarray, fitted_parameters: int = 0
                      ) -> tuple[float, int, float]:
    """Pearson chi-square of counts against expected counts, cells pooled (in order of expected
    count) until each expects at least :data:`MIN_EXPECTED`; returns (chi2, degrees of freedom, p).

    The degrees of freedom are the pooled cells less one (the total is matched when the model
    was fitted to these counts) less ``fitted_parameters``; with no fit pass ``fitted_parameters=-1``
    (the total is then free too). None left: p is NaN.
    """
    obs = np.asarray(observed, dtype=np.float64).ravel()
    exp = np.asarray(expected, dtype=np.float64).ravel()
    keep = exp > 0
    obs, exp = obs[keep], exp[keep]
    order = np.argsort(exp, kind="stable")
    groups_o: list[float] = []
    groups_e: list[float] = []
    acc_o = acc_e = 0.0
    for i in order:
        acc_o += obs[i]
        acc_e += exp[i]
        if acc_e >= MIN_EXPECTED:
            groups_o.append(acc_o)
            groups_e.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0:
        if groups_e:
            groups_o[-1] += acc_o
            groups_e[-1] += acc_e
        else:
            groups_o.append(acc_o)
            groups_e.append(acc_e)
    o, e = np.array(groups_o), np.array(groups_e)
    chi2 = float(np.sum((o - e) ** 2 / e)) if len(e) else 0.0
    df = len(e) - 1 - fitted_parameters
    p = float(stats.chi2.sf(chi2, df)) if df > 0 else float("nan")
    return chi2, df, p


def fit_service_time(minutes: np.ndarray) -> ServiceFit:
    """Exponential and lognormal (location 0) fitted by MLE; the lower AIC is kept and checked by
    a one-sample Kolmogorov-Smirnov test (its p-value is conservative, the parameters being
    estimated from the same sample: Lilliefors)."""
    x = np.asarray(minutes, dtype=np.float64)
    x = x[np.isfinite(x) & (x > 0)]
    _, scale_e = stats.expon.fit(x, floc=0)
    shape, _, scale_l = stats.lognorm.fit(x, floc=0)
    aic = {"exponential": 2 * 1 - 2 * float(np.sum(stats.expon.logpdf(x, scale=scale_e))),
           "lognormal": 2 * 2 - 2 * float(np.sum(stats.lognorm.logpdf(x, shape, scale=scale_l)))}
    if aic["lognormal"] < aic["exponential"]:
        dist = "lognormal"
        mean = float(scale_l * math.exp(shape**2 / 2.0))
        cv = float(math.sqrt(math.expm1(shape**2)))
        ks = stats.kstest(x, "lognorm", args=(shape, 0, scale_l))
    else:
        dist, mean, cv = "exponential", float(scale_e), 1.0
        ks = stats.kstest(x, "expon", args=(0, scale_e))
    return ServiceFit(len(x), dist, mean, cv, float(ks.statistic), float(ks.pvalue), aic)


def zones_of_points(city: City, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The zone of each point: that of the nearest building (of the nearest zone centroid when the
    city has no buildings)."""
    from scipy.spatial import cKDTree

    b = city.buildings
    if len(b):
        tree, zone = cKDTree(np.column_stack([b.x, b.y])), np.asarray(b.zone)
    else:
        tree, zone = cKDTree(np.column_stack([city.zones.x, city.zones.y])), np.arange(len(city.zones))
    return zone[tree.query(np.column_stack([x, y]))[1]].astype(np.int64)


@dataclasses.dataclass(frozen=True)
class CallData:
    """Calls cut to the fit's window: zone index, type code and hour of each call."""

    zone: np.ndarray
    type: np.ndarray
    hour: np.ndarray


def call_data(table: pd.DataFrame, types: Sequence[str], city: City, windows: Sequence[tuple[float, float]]
              ) -> CallData:
    """The calls of an incidents table (as :func:`~twin.observations.read.read_observations` gives
    it) outside the ``windows``, with zones looked up where only x/y were given."""
    time_s = table["time_s"].to_numpy(np.float64)
    inside = np.zeros(len(table), dtype=bool)
    for lo, hi in windows:
        inside |= (time_s >= lo) & (time_s < hi)
    table = table[~inside]
    zone = table["zone_index"].to_numpy(np.int64).copy()
    unknown = zone < 0
    if unknown.any():
        zone[unknown] = zones_of_points(city, table["x"].to_numpy()[unknown], table["y"].to_numpy()[unknown])
    code = pd.Index(list(types)).get_indexer(table["type"].astype(object))
    return CallData(zone, code.astype(np.int64), hour_of_day(table["time_s"].to_numpy()))


def exposure_by_year(city: City, years: Sequence[int], population: pd.DataFrame | None) -> np.ndarray:
    """(years, zones) residents the model's emergency module sees in each year: the observed
    residents of that year and zone where given (the migration module publishes the end-of-year
    population before the emergency module draws its calls), else the city's residents."""
    base = np.asarray(city.zones.population, dtype=np.float64)
    out = np.tile(base, (len(years), 1))
    if population is not None and len(population):
        for k, year in enumerate(years):
            rows = population[population["year"] == year]
            out[k, rows["zone_index"].to_numpy(np.int64)] = rows["residents"].to_numpy(np.float64)
    return out


class EmergencyFitter:
    """The ``[emergency]`` fitter of ``twin calibrate`` (see the module docstring)."""

    domain = "emergency"
    kinds = ("incidents",)

    def fit(self, scenario: dict, observed: dict[str, pd.DataFrame], held_out: dict[str, pd.DataFrame],
            ctx: CalibrationContext) -> DomainFit:
        from twin.city import load_city
        from twin.scenario.spec import read_scenario_file, scenario_from_dict

        parsed = scenario_from_dict(scenario, source=str(ctx.scenario_file))
        cfg = parsed.modules.get("emergency")
        if cfg is None or "incidents" not in observed:
            why = "the scenario has no [emergency] section" if cfg is None else "no incidents observations"
            return DomainFit(self.domain, (), (f"emergency: {why}",), {}, ())
        city = load_city(parsed.scenario.city, parsed.file_of("scenario.city"))
        ref = ctx.reference
        years = list(range(ref.years[0], ref.years[1] + 1))
        # surge hours and observed calls' times both count from the recorded period's start
        windows = [(e.start_h * 3600.0, e.end_h * 3600.0) for e in cfg.surge]
        names = tuple(cfg.types)
        population = pd.concat([t for t in (observed.get("population"), held_out.get("population"))
                                if t is not None], ignore_index=True) if (
            "population" in observed or "population" in held_out) else None
        held_zones = None
        if "incidents" in ctx.held_keys:  # drawn among all the zones, those without calls included
            held_zones = pd.Index(ref.zones).get_indexer(list(ctx.held_keys["incidents"]))
        result = fit_emergency(cfg, names, city, years, ref.period_s, windows, observed["incidents"],
                               held_out.get("incidents"), population, held_zones)
        ctx.progress(f"emergency: {result.calls} calls fitted ({len(result.fitted)} keys)")
        raw = read_scenario_file(ctx.scenario_file)[0].get("emergency", {})
        has_types = isinstance(raw, dict) and "types" in raw
        fitted = result.fitted if has_types else whole_types(result.fitted, cfg)
        plots = emergency_figures(result, ref.zones, ctx.figures)
        return DomainFit(self.domain, fitted, result.kept, result.holdout, plots, result.notes)


def whole_types(fitted: Sequence[Fitted], cfg: EmergencyConfig) -> tuple[Fitted, ...]:
    """The fitted keys with those of ``emergency.types.T.FIELD`` gathered into one whole table per
    type, every simulated type included, for a scenario whose file (and parents) leave the types
    at their defaults: a calibrated scenario that set only some fields would otherwise define a
    types table of its own that replaces the default set (and its fields' defaults)."""
    prefix = "emergency.types."
    by_type = [f for f in fitted if f.key.startswith(prefix)]
    if not by_type:
        return tuple(fitted)
    out = [f for f in fitted if not f.key.startswith(prefix)]
    for name, spec in cfg.types.items():
        prior = {field.name: _plain(getattr(spec, field.name)) for field in dataclasses.fields(spec)}
        mine = [f for f in by_type if f.key.startswith(f"{prefix}{name}.")]
        value = dict(prior)
        figures: dict[str, float] = {}
        for f in mine:
            field = f.key.rsplit(".", 1)[1]
            value[field] = f.value
            figures.update({f"{field}_{k}": v for k, v in f.fit.items()})
        source = "; ".join(dict.fromkeys(f.source for f in mine)) or "not fitted (written whole: defaults)"
        out.append(Fitted(f"{prefix}{name}", value, prior, source, figures))
    return tuple(out)


def _plain(value: object) -> object:
    """A config value as TOML data (tuples as lists)."""
    return list(value) if isinstance(value, tuple) else value


@dataclasses.dataclass(frozen=True)
class EmergencyResult:
    """What :func:`fit_emergency` found (the parts of a :class:`DomainFit`), and the fits themselves."""

    fitted: tuple[Fitted, ...]
    kept: tuple[str, ...]
    holdout: dict[str, float]
    notes: tuple[str, ...]
    calls: int
    rates: dict[str, RateFit]
    profile: np.ndarray
    service: dict[str, ServiceFit]
    chi_square: tuple[float, int, float]
    """Zone x type cells, pooled: (chi2, df, p)."""
    zone_calls: np.ndarray
    """Calls per zone (training zones from the training rows, held-out zones from the held-out)."""
    zone_expected: np.ndarray
    """Expected calls per zone of the fitted rates."""
    train_zone: np.ndarray
    hour_calls: np.ndarray
    """Training calls per hour of day."""
    hour_expected: dict[str, np.ndarray]
    """Expected training calls per hour of day: ``prior`` and ``fitted`` profiles."""
    phases: Phases | None = None
    """The call-handling and turnout fits."""


def fit_emergency(cfg: EmergencyConfig, names: Sequence[str], city: City, years: Sequence[int],
                  period_s: float, windows: Sequence[tuple[float, float]], incidents: pd.DataFrame,
                  held: pd.DataFrame | None = None, population: pd.DataFrame | None = None,
                  held_zones: Sequence[int] | None = None) -> EmergencyResult:
    """Fit the emergency config ``cfg`` (an :class:`~twin.emergency.config.EmergencyConfig`) to
    observed ``incidents`` (training rows) over ``years`` x ``period_s`` s less ``windows``.

    ``held_zones`` (zone indices) are held out, those without calls included: they are left out
    of the fit (calls and exposure) and their calls, ``held`` (the held-out rows) and any training
    call placed in them by its x/y, are predicted apart. None: the zones of ``held``'s calls
    (exact only when the held-out zones were drawn among zones with calls, which biases the fit
    low: see :func:`~twin.observations.fit.split_holdout`).
    ``population`` (observations, optional) gives each year's residents of the zones it covers.
    """
    n_zones, k = len(city.zones), len(names)
    if held_zones is None:
        held_zones = np.unique(held["zone_index"].to_numpy(np.int64)) if held is not None else []
    train_zone = np.ones(n_zones, dtype=bool)
    train_zone[np.asarray(held_zones, dtype=np.int64)[np.asarray(held_zones) >= 0]] = False
    calls = call_data(incidents, names, city, windows)
    inside = train_zone[calls.zone]
    zone, code, hour = calls.zone[inside], calls.type[inside], calls.hour[inside]
    counts = np.zeros((k, n_zones))
    np.add.at(counts, (code, zone), 1.0)
    seconds = seconds_by_hour(period_s, windows) * len(years)
    fitted: list[Fitted] = []
    kept: list[str] = []
    notes = [
        "emergency rates: Poisson maximum likelihood per type over the observed exposure "
        "(residents + jobs_weight x jobs, times the profile-weighted days); zones pooled through their "
        "exposure (the config has no per-zone rate); surge windows cut out",
    ]
    source = f"incidents: {len(zone)} calls in {int(train_zone.sum())} zones"
    prior_profile = np.asarray(cfg.hourly_profile, dtype=np.float64)
    prior_profile = prior_profile / prior_profile.mean()
    by_hour = np.bincount(hour, minlength=24).astype(np.float64)
    profile, why = fit_hourly_profile(by_hour, seconds)
    observed_h = seconds > 0
    prior_h = by_hour.sum() * prior_profile * seconds / max(np.sum(prior_profile * seconds), 1e-300)
    prior_chi = pooled_chi_square(by_hour[observed_h], prior_h[observed_h])
    if profile is not None and not prior_chi[2] < SHAPE_LEVEL:
        why = f"the prior fits the calls by hour (chi-square {prior_chi[0]:.1f} on {prior_chi[1]} df, " \
              f"p = {prior_chi[2]:.3g})"
        profile = None
    if profile is None:
        profile = prior_profile
        kept.append(f"emergency.hourly_profile: {why}")
    else:
        fitted.append(Fitted("emergency.hourly_profile", [round(float(p), 4) for p in profile],
                             list(cfg.hourly_profile), source + " by hour of day",
                             {"prior_chi2": prior_chi[0], "prior_df": prior_chi[1], "prior_p": prior_chi[2]}))
    days = np.sum(profile * seconds) / 86_400.0 / len(years)  # profile-weighted days per year
    residents = exposure_by_year(city, years, population)
    jobs = np.asarray(city.zones.jobs, dtype=np.float64)
    resident_days = residents.sum(axis=0) * days
    job_days = jobs * days * len(years)
    scale = float(cfg.rate_scale)
    rates: dict[str, RateFit] = {}
    expected = np.zeros((k, n_zones))
    for t, name in enumerate(names):
        spec = cfg.types[name]
        fit = fit_rate(counts[t, train_zone], resident_days[train_zone], job_days[train_zone],
                       spec.jobs_weight)
        rates[name] = fit
        key = f"emergency.types.{name}"
        if fit.calls < MIN_CALLS_RATE or scale == 0:
            why = "rate_scale is 0" if scale == 0 else f"{fit.calls} calls, fewer than {MIN_CALLS_RATE}"
            kept.append(f"{key}.rate_per_1000: {why}")
            kept.append(f"{key}.jobs_weight: {why}")
            a, w = spec.rate_per_1000 * scale / 1000.0, spec.jobs_weight
        else:
            a, w = fit.a, fit.jobs_weight
            mu = a * (resident_days + w * job_days)
            chi = pooled_chi_square(counts[t, train_zone], mu[train_zone], 1 + int(fit.weight_fitted))
            low, high = (1000.0 * v / scale for v in fit.a_interval)
            fitted.append(Fitted(f"{key}.rate_per_1000", round(1000.0 * a / scale, 6), spec.rate_per_1000,
                                 f"incidents: {fit.calls} {name} calls",
                                 {"low95": low, "high95": high, "chi2_zones": chi[0], "df": chi[1],
                                  "p": chi[2]}))
            if fit.weight_fitted:
                fitted.append(Fitted(f"{key}.jobs_weight", round(w, 4), spec.jobs_weight,
                                     f"incidents: {fit.calls} {name} calls across zones",
                                     {"low95": fit.weight_interval[0], "high95": fit.weight_interval[1]}))
            else:
                kept.append(f"{key}.jobs_weight: the prior {spec.jobs_weight:g} lies in the 99 % interval "
                            f"{fit.weight_interval[0]:.2f}..{fit.weight_interval[1]:.2f} "
                            f"(estimate {fit.weight_estimate:.2f})")
        expected[t] = a * (resident_days + w * job_days)
    chi_all = pooled_chi_square(counts[:, train_zone], expected[:, train_zone],
                                sum(1 + int(r.weight_fitted) for r in rates.values()))
    notes.append(f"emergency zone x type chi-square (cells pooled to >= {MIN_EXPECTED:g} expected calls): "
                 f"{chi_all[0]:.1f} on {chi_all[1]} df, p = {chi_all[2]:.3g}")
    holdout: dict[str, float] = {}
    zone_calls = counts.sum(axis=0)
    if not train_zone.all():
        h_counts = np.zeros((k, n_zones))
        np.add.at(h_counts, (calls.type[~inside], calls.zone[~inside]), 1.0)
        if held is not None and len(held):
            h = call_data(held, names, city, windows)
            np.add.at(h_counts, (h.type, h.zone), 1.0)
        zone_calls = np.where(train_zone, zone_calls, h_counts.sum(axis=0))
        out = ~train_zone
        chi = pooled_chi_square(h_counts[:, out], expected[:, out], fitted_parameters=-1)
        holdout = {"calls": float(h_counts[:, out].sum()), "expected": float(expected[:, out].sum()),
                   "chi2": chi[0], "df": chi[1], "p": chi[2]}
    service: dict[str, ServiceFit] = {}
    times = incidents["on_scene_min"].to_numpy(np.float64) if "on_scene_min" in incidents else None
    for name in names:
        key = f"emergency.types.{name}"
        spec = cfg.types[name]
        mine = (incidents["type"].astype(object) == name).to_numpy()
        x = times[mine] if times is not None else np.empty(0)
        x = x[np.isfinite(x) & (x > 0)]
        if len(x) < MIN_SERVICE_TIMES:
            kept.append(f"{key}.on_scene_min, on_scene_distribution, on_scene_cv: {len(x)} on-scene times, "
                        f"fewer than {MIN_SERVICE_TIMES}")
            continue
        s = fit_service_time(x)
        service[name] = s
        figures = {"n": float(s.n), "ks_statistic": s.ks_statistic, "ks_p": s.ks_p,
                   "aic_exponential": s.aic["exponential"], "aic_lognormal": s.aic["lognormal"]}
        what = f"incidents: {s.n} {name} on-scene times"
        fitted.append(Fitted(f"{key}.on_scene_min", round(s.mean_min, 3), spec.on_scene_min, what, figures))
        fitted.append(Fitted(f"{key}.on_scene_distribution", s.distribution, spec.on_scene_distribution, what,
                             {}))  # the figures are on_scene_min's
        if s.distribution == "lognormal":
            fitted.append(Fitted(f"{key}.on_scene_cv", round(s.cv, 4), spec.on_scene_cv, what, {}))
    phases = fit_phases(cfg, names, incidents, held)
    fitted += phases.fitted
    kept += phases.kept
    notes += phases.notes
    checked = [f for f in (*phases.handling.values(), *phases.turnout.values()) if f.holdout_n]
    if checked:  # the phase fits against the held-out zones' times: the smallest KS p
        holdout.update(phase_times=float(sum(f.holdout_n for f in checked)),
                       phase_ks_p_min=min(f.holdout_ks_p for f in checked))
    kept.append("emergency.rate_scale: a demand lever, kept; the fitted rates are divided by it")
    share = {"prior": prior_profile * seconds, "fitted": profile * seconds}
    hour_expected = {k: by_hour.sum() * v / max(v.sum(), 1e-300) for k, v in share.items()}
    return EmergencyResult(tuple(fitted), tuple(kept), holdout, tuple(notes), int(len(zone)), rates, profile,
                           service, chi_all, zone_calls, expected.sum(axis=0), train_zone, by_hour,
                           hour_expected, phases)


@dataclasses.dataclass(frozen=True)
class Phases:
    """The call-handling fits by type and the turnout fits by unit kind, with the times they
    were fitted to (for the plots) and what :func:`fit_emergency` reports of them."""

    handling: dict[str, PhaseFit]
    turnout: dict[str, PhaseFit]
    times: dict[str, np.ndarray]
    """Training times (minutes) of each fit, keyed ``call_handling TYPE`` or ``turnout KIND``."""
    priors: dict[str, tuple[float, float]]
    """Prior (mean, cv) of each fit, same keys."""
    fitted: list[Fitted]
    kept: list[str]
    notes: list[str]


def _phase_times(table: pd.DataFrame | None, column: str) -> np.ndarray:
    if table is None or column not in table:
        return np.full(0 if table is None else len(table), np.nan)
    return table[column].to_numpy(np.float64)


def turnout_kinds(table: pd.DataFrame, cfg: EmergencyConfig) -> np.ndarray:
    """The unit kind each call's turnout belongs to: its ``unit_kind`` where the log gives it,
    else the one kind its type sends (if it sends only one), else ""."""
    single = {name: spec.units[0] for name, spec in cfg.types.items() if len(set(spec.units)) == 1}
    by_type = table["type"].astype(object).map(single).fillna("").to_numpy(dtype=object)
    if "unit_kind" not in table:
        return by_type
    given = table["unit_kind"].astype(object).fillna("").to_numpy(dtype=object)
    return np.where(given != "", given, by_type)


def fit_phases(cfg: EmergencyConfig, names: Sequence[str], incidents: pd.DataFrame,
               held: pd.DataFrame | None = None) -> Phases:
    """Call handling per incident type and turnout per unit kind (one CV shared by the kinds, as
    the config has it), lognormal by maximum likelihood from the training ``incidents`` and
    checked against ``held`` (held-out rows); a type or kind with fewer than
    :data:`MIN_PHASE_TIMES` positive times keeps its prior, and the report says which."""
    from twin.emergency.config import UNIT_KINDS

    handling, turnout = _phase_times(incidents, "call_handling_min"), _phase_times(incidents, "turnout_min")
    held_handling, held_turnout = _phase_times(held, "call_handling_min"), _phase_times(held, "turnout_min")
    kind_of = turnout_kinds(incidents, cfg)
    held_kind = turnout_kinds(held, cfg) if held is not None else np.empty(0, dtype=object)
    fits: dict[str, dict[str, PhaseFit]] = {"handling": {}, "turnout": {}}
    times: dict[str, np.ndarray] = {}
    priors: dict[str, tuple[float, float]] = {}
    fitted: list[Fitted] = []
    kept: list[str] = []
    positive = np.isfinite(handling) & (handling > 0)
    held_positive = np.isfinite(held_handling) & (held_handling > 0)
    for name in names:
        key = f"emergency.types.{name}"
        spec = cfg.types[name]
        mine = positive & (incidents["type"].astype(object) == name).to_numpy()
        if mine.sum() < MIN_PHASE_TIMES:
            kept.append(f"{key}.call_handling_min, call_handling_cv: {int(mine.sum())} call-handling times, "
                        f"fewer than {MIN_PHASE_TIMES}")
            continue
        theirs = held_positive & (held["type"].astype(object) == name).to_numpy() if held is not None else \
            held_positive
        prior = (spec.call_handling_min, spec.call_handling_cv)
        fit = fit_phase(handling[mine], prior, held_handling[theirs])
        fits["handling"][name] = fit
        times[f"call_handling {name}"], priors[f"call_handling {name}"] = handling[mine], prior
        what = f"incidents: {fit.n} {name} call-handling times"
        fitted.append(Fitted(f"{key}.call_handling_min", round(fit.mean_min, 4), spec.call_handling_min, what,
                             fit.figures()))
        fitted.append(Fitted(f"{key}.call_handling_cv", round(fit.cv, 4), spec.call_handling_cv, what, {}))
    positive = np.isfinite(turnout) & (turnout > 0)
    held_positive = np.isfinite(held_turnout) & (held_turnout > 0)
    unknown = int((positive & (kind_of == "")).sum())
    enough = [k for k in UNIT_KINDS if (positive & (kind_of == k)).sum() >= MIN_PHASE_TIMES]
    for kind in UNIT_KINDS:
        n = int((positive & (kind_of == kind)).sum())
        if kind not in enough:
            kept.append(f"emergency.turnout_min.{kind}: {n} turnout times, fewer than {MIN_PHASE_TIMES}")
    if enough:
        logs = {k: np.log(turnout[positive & (kind_of == k)]) for k in enough}
        sigma = math.sqrt(sum(float(((v - v.mean()) ** 2).sum()) for v in logs.values())
                          / sum(len(v) for v in logs.values()))
        total = 0
        for kind in enough:
            x = turnout[positive & (kind_of == kind)]
            prior = (cfg.turnout_s(kind) / 60.0, cfg.turnout_cv)
            fit = fit_phase(x, prior, held_turnout[held_positive & (held_kind == kind)], sigma=sigma)
            fits["turnout"][kind] = fit
            times[f"turnout {kind}"], priors[f"turnout {kind}"] = x, prior
            total += fit.n
            fitted.append(Fitted(f"emergency.turnout_min.{kind}", round(fit.mean_min, 4), prior[0],
                                 f"incidents: {fit.n} turnout times of {kind} units first on scene",
                                 fit.figures()))
        fitted.append(Fitted("emergency.turnout_cv", round(math.sqrt(math.expm1(sigma * sigma)), 4),
                             cfg.turnout_cv, f"incidents: {total} turnout times of {', '.join(enough)} "
                             "(one log-sd shared by the kinds)", {}))
    else:
        kept.append(f"emergency.turnout_cv: no unit kind has {MIN_PHASE_TIMES} turnout times")
    every = {f"call handling {k}": f for k, f in fits["handling"].items()}
    every.update({f"turnout {k}": f for k, f in fits["turnout"].items()})
    rejected = [f"{name} ({', '.join(f.rejected)})" for name, f in every.items() if f.rejected]
    checks = sum(1 + int(f.holdout_n > 0) for f in every.values())
    false_alarm = 1.0 - (1.0 - KS_LEVEL) ** checks
    chance = f"{checks} checks: a true model has one or more rejected {false_alarm:.0%} of the time"
    notes = ["emergency phases: lognormal maximum likelihood of call handling per type and of turnout per "
             "unit kind (one CV shared by the kinds, as the config has it; zero turnouts, units sent from "
             "the road, left out" + (f"; {unknown} turnout times of types sending several kinds, with no "
                                     "unit_kind, left out" if unknown else "") + "); Kolmogorov-Smirnov "
             f"checks (training and hold-out) at {KS_LEVEL:g}: "
             + (f"{'; '.join(rejected)} rejected ({chance})" if rejected else
                f"none rejected ({chance})" if every else "no fit")]
    return Phases(fits["handling"], fits["turnout"], times, priors, fitted, kept, notes)


def emergency_figures(result: EmergencyResult, zone_names: Sequence[str], folder: Path) -> tuple[Path, ...]:
    """The report's plots: calls per zone against the fitted model's expectation (training and
    held-out zones), and calls per hour of day against the prior and the fitted profile."""
    import matplotlib.pyplot as plt

    from twin.observations.fit import save_figure

    fig, ax = plt.subplots(figsize=(5.5, 5))
    for mask, label, colour in ((result.train_zone, "training zones", "tab:blue"),
                                (~result.train_zone, "held-out zones", "tab:orange")):
        if mask.any():
            ax.scatter(result.zone_expected[mask], result.zone_calls[mask], s=14, color=colour, label=label)
    top = max(float(result.zone_calls.max(initial=1.0)), float(result.zone_expected.max(initial=1.0)))
    ax.plot([0, top], [0, top], color="k", lw=0.8)
    if len(zone_names) <= 30:
        for z, name in enumerate(zone_names):
            ax.annotate(name, (result.zone_expected[z], result.zone_calls[z]), fontsize=6)
    ax.set_xlabel("expected calls (fitted rates)")
    ax.set_ylabel("observed calls")
    ax.legend(fontsize=8)
    by_zone = save_figure(fig, folder / "emergency_by_zone.png")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    hours = np.arange(24)
    ax.plot(hours, result.hour_calls, "k-o", ms=3, label="observed")
    ax.plot(hours, result.hour_expected["prior"], "C1--", label="prior profile")
    ax.plot(hours, result.hour_expected["fitted"], "C0-", label="fitted profile")
    ax.set_xlabel("hour of day")
    ax.set_ylabel("calls (training zones)")
    ax.legend(fontsize=8)
    out = (by_zone, save_figure(fig, folder / "emergency_by_hour.png"))
    if result.phases is not None and result.phases.times:
        out += (phase_figure(result.phases, folder),)
    return out


def phase_figure(phases: Phases, folder: Path) -> Path:
    """One panel per phase fit: the training times' empirical CDF against the fitted and the
    prior lognormal's (minutes), with the KS p-values."""
    import matplotlib.pyplot as plt

    from twin.observations.fit import save_figure

    names = list(phases.times)
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        x = np.sort(phases.times[name])
        kind, _, what = name.partition(" ")
        fit = (phases.handling if kind == "call_handling" else phases.turnout)[what]
        prior = phases.priors[name]
        grid = np.linspace(0.0, 1.1 * max(x[-1], prior[0] * (1.0 + 3.0 * prior[1])), 300)
        ax.step(x, np.arange(1, len(x) + 1) / len(x), "k-", where="post", lw=1,
                label=f"observed (n={len(x)})")
        ax.plot(grid, lognormal_cdf(fit.mean_min, fit.cv)(grid), "C0-", label=f"fitted (KS p {fit.ks_p:.2g})")
        ax.plot(grid, lognormal_cdf(*prior)(grid), "C1--", label=f"prior (KS p {fit.prior_ks_p:.2g})")
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel("minutes", fontsize=8)
        ax.legend(fontsize=6)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return save_figure(fig, folder / "emergency_phases.png")
