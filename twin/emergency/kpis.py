"""The emergency KPIs of one year, from the incidents table and the units' busy time.

Response time is call to first arrival on scene, and splits into call handling + wait for a
unit + turnout + travel (of the first unit to arrive); queueing delay is the wait from the end of
call handling to the first dispatch. A call no unit reached by the end of the operating period
is left out of the response-time statistics. The shares are right-censored at the period's end
(:func:`_censored`): a share of calls reached within a limit (a type's ``target_min``, or
``unanswered_after_min`` for the unanswered share) counts only the calls made at least that limit
before the end, since a younger call not yet reached might still be reached in time. A call no unit
reached within ``unanswered_after_min`` of it is unanswered; the younger calls still open at the
end are ``open_at_end_calls``.
Directed indicators (they enter the governance index) and their bounds (worst, best):

- ``response_p90_min`` (20, 6): 6 min is NFPA 1710's 90th-percentile budget for the first unit
  (64 s call processing + 60 s turnout + 240 s travel); 20 min is our choice, well past the
  12-minute urban average goal of China's prehospital guidance (国卫医发〔2020〕19号, as we read
  it; not checked against the text here);
- ``response_mean_min_medical`` (15, 5): 15 min is the top of the 10-15 min urban EMS averages
  commonly reported, 5 min about the call handling and turnout alone;
- ``share_within_target_{type}`` (80, 100): NFPA 1710 asks for 90 % compliance (score 50);
- ``queueing_delay_mean_min`` (10, 0) and ``unanswered_share`` (5, 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from twin.indicators import Indicator

if TYPE_CHECKING:
    from twin.emergency.module import EmergencyModule
    from twin.engine import TwinModel

DOMAIN = "emergency"


P90_BOUNDS = (20.0, 6.0)
"""(worst, best) of ``response_p90_min``, minutes (see the module docstring)."""

MEDICAL_MEAN_BOUNDS = (15.0, 5.0)
"""(worst, best) of ``response_mean_min_medical``, minutes."""

WITHIN_TARGET_BOUNDS = (80.0, 100.0)
"""(worst, best) of ``share_within_target_{type}``, %."""

PHASES = (
    ("call_handling", "call_handling_s", "call to dispatch decision"),
    ("wait", "wait_s", "end of call handling to the dispatch of the first unit to arrive"),
    ("turnout", "turnout_s", "turnout of the first unit to arrive"),
    ("travel", "travel_s", "drive of the first unit to arrive"),
)
"""The phases a response splits into: indicator stem, incidents column, what it measures."""


def _response_stats(
    minutes: np.ndarray,
    suffix: str,
    what: str,
    directed_p90: bool = False,
    mean_bounds: tuple[float, float] | None = None,
) -> list[Indicator]:
    if minutes.size == 0:
        return []
    p90 = float(np.percentile(minutes, 90))
    return [
        Indicator(
            DOMAIN,
            f"response_mean_min{suffix}",
            float(minutes.mean()),
            "min",
            "lower" if mean_bounds else "",
            mean_bounds,
            f"mean response time (call to first arrival){what}",
        ),
        Indicator(
            DOMAIN,
            f"response_median_min{suffix}",
            float(np.median(minutes)),
            "min",
            description=f"median response time{what}",
        ),
        Indicator(
            DOMAIN,
            f"response_p90_min{suffix}",
            p90,
            "min",
            "lower" if directed_p90 else "",
            P90_BOUNDS if directed_p90 else None,
            f"90th-percentile response time{what}",
        ),
    ]


def _censored(
    incidents: pd.DataFrame, end_s: float, limit_s: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the calls that can be judged against a limit (made at least ``limit_s`` seconds
    before ``end_s``, the period's end in seconds from its start) and of those a unit reached within
    ``limit_s`` of the call. ``limit_s`` is one number or one per call (seconds)."""
    judged = end_s - incidents["time_s"].to_numpy() >= limit_s
    in_time = incidents["response_s"].to_numpy() <= limit_s  # NaN (never reached) compares False
    return judged, judged & in_time


def _share(hits: np.ndarray, among: np.ndarray) -> float:
    """Percentage of the calls in mask ``among`` that are in mask ``hits``; ``among`` not empty."""
    return float(hits[among].mean()) * 100.0


def year_indicators(
    module: EmergencyModule, model: TwinModel, incidents: pd.DataFrame, busy_s: np.ndarray
) -> list[Indicator]:
    """Indicator rows (domain "emergency") of the year whose calls are ``incidents``."""
    cfg = module.config
    target_s = incidents["type"].map({n: t.target_min * 60.0 for n, t in cfg.types.items()}).to_numpy(float)
    answered = incidents["response_s"].notna().to_numpy()
    minutes = incidents["response_s"].to_numpy() / 60.0
    on_target, in_target = _censored(incidents, model.period_s, target_s)
    rows = [Indicator(DOMAIN, "calls", float(len(incidents)), "calls", description="calls in the period")]
    rows += _response_stats(minutes[answered], "", " over all calls", directed_p90=True)
    for stem, column, what in PHASES:
        phase = incidents[column].to_numpy()[answered] / 60.0
        if phase.size:
            rows.append(Indicator(DOMAIN, f"{stem}_mean_min", float(phase.mean()), "min",
                                  description=f"mean {what} (answered calls)"))
    for name in module.type_names:
        of_type = (incidents["type"] == name).to_numpy()
        if not of_type.any():
            continue
        bounds = MEDICAL_MEAN_BOUNDS if name == "medical" else None
        rows += _response_stats(
            minutes[of_type & answered], f"_{name}", f", {name} calls", mean_bounds=bounds
        )
        target_min = cfg.types[name].target_min
        if (of_type & on_target).any():
            rows.append(
                Indicator(
                    DOMAIN,
                    f"share_within_target_{name}",
                    _share(in_target, of_type & on_target),
                    "%",
                    "higher",
                    WITHIN_TARGET_BOUNDS,
                    f"{name} calls reached within {target_min:g} min, of those made at least "
                    f"{target_min:g} min before the period's end",
                )
            )
    for district in model.city.districts.name:
        in_district = (incidents["district"] == district).to_numpy()
        rows += _response_stats(minutes[in_district & answered], f"_{district}", f" in district {district}")
    queue_min = incidents["queue_s"].to_numpy()[incidents["queue_s"].notna().to_numpy()] / 60.0
    if queue_min.size:
        rows.append(
            Indicator(
                DOMAIN,
                "queueing_delay_mean_min",
                float(queue_min.mean()),
                "min",
                "lower",
                (10.0, 0.0),
                "mean time from call to first dispatch",
            )
        )
    after_min = cfg.unanswered_after_min
    observed, in_time = _censored(incidents, model.period_s, after_min * 60.0)
    unanswered = observed & ~in_time
    rows.append(
        Indicator(
            DOMAIN,
            "unanswered_calls",
            float(unanswered.sum()),
            "calls",
            description=f"calls no unit reached within {after_min:g} min of the call",
        )
    )
    rows.append(
        Indicator(
            DOMAIN,
            "open_at_end_calls",
            float((~answered & ~observed).sum()),
            "calls",
            description=f"calls still unreached at the period's end, made less than {after_min:g} min "
            "before it (censored: neither answered nor unanswered)",
        )
    )
    if observed.any():
        rows.append(
            Indicator(
                DOMAIN,
                "unanswered_share",
                _share(unanswered, observed),
                "%",
                "lower",
                (5.0, 0.0),
                f"share of the calls made at least {after_min:g} min before the period's end that no "
                f"unit reached within {after_min:g} min",
            )
        )
    rows += _utilisation(module, model, busy_s)
    centre = module.centre
    if module.windows or cfg.wartime_trigger_calls:
        rows.append(Indicator(DOMAIN, "wartime_switches", float(centre.switches), "switches",
                              description="times the centre switched from peacetime to wartime rules"))
        rows.append(Indicator(DOMAIN, "wartime_hours", centre.surge_s / 3600.0, "h",
                              description="hours under wartime rules (surge windows or load)"))
    if module.windows:
        rows += _surge_split(incidents, minutes, answered, on_target, in_target, observed, unanswered)
    return rows


def _utilisation(module: EmergencyModule, model: TwinModel, busy_s: np.ndarray) -> list[Indicator]:
    """Busy time over on-duty time per kind (standby units count their surge hours)."""
    rows = []
    surge_s = module.centre.surge_s
    for kind in sorted({u.kind for u in module.units}):
        members = [u for u in module.centre.unit_list if u.kind == kind]
        on_duty = sum(surge_s if u.standby else model.period_s for u in members)
        busy = float(sum(busy_s[u.index] for u in members))
        if on_duty > 0:
            rows.append(
                Indicator(
                    DOMAIN,
                    f"utilisation_{kind}",
                    busy / on_duty * 100.0,
                    "%",
                    description=f"share of on-duty time {kind} units were committed to calls",
                )
            )
    return rows


def _surge_split(
    incidents: pd.DataFrame,
    minutes: np.ndarray,
    answered: np.ndarray,
    on_target: np.ndarray,
    in_target: np.ndarray,
    observed: np.ndarray,
    unanswered: np.ndarray,
) -> list[Indicator]:
    """Peacetime and surge figures side by side (calls made outside / inside surge windows), and
    the calls made inside a window's place ("hazard") against those made elsewhere meanwhile.
    ``on_target``, ``in_target`` are the masks of :func:`_censored` against each call's target,
    ``observed`` that against ``unanswered_after_min`` and ``unanswered`` its unreached calls."""
    rows = []
    surge = incidents["surge"].to_numpy()
    hazard = incidents["in_hazard"].to_numpy()
    splits = (
        ("peacetime", ~surge), ("surge", surge), ("hazard", hazard), ("surge_elsewhere", surge & ~hazard)
    )
    for label, mask in splits:
        if not mask.any():
            continue
        reached = minutes[mask & answered]
        if reached.size:
            rows.append(
                Indicator(
                    DOMAIN,
                    f"response_mean_min_{label}",
                    float(reached.mean()),
                    "min",
                    description=f"mean response time of calls made in {label}",
                )
            )
            rows.append(
                Indicator(
                    DOMAIN,
                    f"response_p90_min_{label}",
                    float(np.percentile(reached, 90)),
                    "min",
                    description=f"90th-percentile response time of calls made in {label}",
                )
            )
        if (mask & on_target).any():
            rows.append(
                Indicator(
                    DOMAIN,
                    f"share_within_target_{label}",
                    _share(in_target, mask & on_target),
                    "%",
                    description=f"share within target of the calls made in {label} (as "
                    "share_within_target_{type})",
                )
            )
        if (mask & observed).any():
            rows.append(
                Indicator(
                    DOMAIN,
                    f"unanswered_share_{label}",
                    _share(unanswered, mask & observed),
                    "%",
                    description=f"unanswered share of the calls made in {label} (as unanswered_share)",
                )
            )
    return rows
