"""The emergency KPIs of one year, from the incidents table and the units' busy time.

Response time is call to first arrival on scene; queueing delay is call to first dispatch.
A call no unit reached by the end of the operating period is unanswered: it counts against
the share within target and is left out of the response-time statistics. Directed indicators
(they enter the governance index): share within target per type, 90th-percentile response,
mean queueing delay and the unanswered share.
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


def _response_stats(
    minutes: np.ndarray, suffix: str, what: str, directed_p90: bool = False
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
            description=f"mean response time (call to first arrival){what}",
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
            (30.0, 5.0) if directed_p90 else None,
            f"90th-percentile response time{what}",
        ),
    ]


def _within_target(incidents: pd.DataFrame, targets_s: np.ndarray) -> float:
    reached = incidents["response_s"].to_numpy() <= targets_s
    return float(reached.mean()) * 100.0 if len(incidents) else float("nan")


def year_indicators(
    module: EmergencyModule, model: TwinModel, incidents: pd.DataFrame, busy_s: np.ndarray
) -> list[Indicator]:
    """Indicator rows (domain "emergency") of the year whose calls are ``incidents``."""
    cfg = module.config
    target_s = incidents["type"].map({n: t.target_min * 60.0 for n, t in cfg.types.items()}).to_numpy(float)
    answered = incidents["response_s"].notna().to_numpy()
    minutes = incidents["response_s"].to_numpy() / 60.0
    rows = [Indicator(DOMAIN, "calls", float(len(incidents)), "calls", description="calls in the period")]
    rows += _response_stats(minutes[answered], "", " over all calls", directed_p90=True)
    for name in module.type_names:
        of_type = (incidents["type"] == name).to_numpy()
        if not of_type.any():
            continue
        rows += _response_stats(minutes[of_type & answered], f"_{name}", f", {name} calls")
        rows.append(
            Indicator(
                DOMAIN,
                f"share_within_target_{name}",
                _within_target(incidents[of_type], target_s[of_type]),
                "%",
                "higher",
                (50.0, 100.0),
                f"{name} calls reached within {cfg.types[name].target_min:g} min",
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
    unanswered = int((~answered).sum())
    rows.append(
        Indicator(
            DOMAIN,
            "unanswered_calls",
            float(unanswered),
            "calls",
            description="calls no unit reached within the period",
        )
    )
    if len(incidents):
        rows.append(
            Indicator(
                DOMAIN,
                "unanswered_share",
                unanswered / len(incidents) * 100.0,
                "%",
                "lower",
                (5.0, 0.0),
                "share of calls no unit reached within the period",
            )
        )
    rows += _utilisation(module, model, busy_s)
    if module.windows:
        rows += _surge_split(incidents, target_s, minutes, answered)
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
    incidents: pd.DataFrame, target_s: np.ndarray, minutes: np.ndarray, answered: np.ndarray
) -> list[Indicator]:
    """Peacetime and surge figures side by side (calls made outside / inside surge windows)."""
    rows = []
    surge = incidents["surge"].to_numpy()
    for label, mask in (("peacetime", ~surge), ("surge", surge)):
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
        rows.append(
            Indicator(
                DOMAIN,
                f"share_within_target_{label}",
                _within_target(incidents[mask], target_s[mask]),
                "%",
                description=f"calls made in {label} reached within their type's target",
            )
        )
        rows.append(
            Indicator(
                DOMAIN,
                f"unanswered_share_{label}",
                float((~answered[mask]).mean()) * 100.0,
                "%",
                description=f"calls made in {label} no unit reached within the period",
            )
        )
    return rows
