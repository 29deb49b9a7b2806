"""Validation: the real emergency module on tiny cities, against analytic queueing results.

- :func:`erlang_experiment`: one station with ``units`` ambulances, Poisson calls, exponential
  on-scene times and zero travel time (calls happen at the station's node) is an M/M/c queue;
  the simulated mean wait and P(wait) are compared with Erlang C.
- :func:`hypercube_experiment`: two stations a metre apart, two areas with call rates 0.6 and
  0.4 per hour, the closest-station policy (each unit first-due in its own area, backup in the
  other) and lost calls when both are busy: the hypercube loss model (Larson 1974).

Both build an ordinary scenario section, run :class:`~twin.emergency.EmergencyModule` inside a
:class:`~twin.engine.TwinModel`, and read the same tables a city run writes. Statistical error
is stated as a confidence interval from batch means (consecutive batches of calls or of time,
after a warm-up), never as a tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from twin.city import City, RoadNetwork
from twin.city.buildings import Buildings
from twin.city.facilities import FACILITY_KINDS, Facilities
from twin.city.zones import Districts, Zones
from twin.config import parse
from twin.emergency.config import UNIT_KINDS, EmergencyConfig
from twin.emergency.module import EmergencyModule, busy_time_per_unit
from twin.emergency.queueing import erlang_c, hypercube_loss
from twin.engine import TwinModel

HOURS = 3600.0


def tiny_city(populations: Sequence[int], station_nodes: Sequence[int], name: str = "tiny") -> City:
    """A city of two nodes 1 m apart; zone ``i`` (one building) sits on node ``i``; EMS bases on nodes."""
    network = RoadNetwork.from_arrays(
        node_x=[0.0, 1.0],
        node_y=[0.0, 0.0],
        link_from=[0, 1],
        link_to=[1, 0],
        length_m=1.0,
        free_speed_mps=10.0,
        lanes=1,
        capacity_vph=1800.0,
    )
    n = len(populations)
    square = np.array([[-10.0, -10.0], [11.0, -10.0], [11.0, 10.0], [-10.0, 10.0]])
    districts = Districts(
        name=("all",), label=("all",), kind=("urban",), outline_start=np.array([0, 4]), outline_xy=square
    )
    nodes = np.arange(n, dtype=np.int64)
    xs = nodes.astype(np.float64)
    zones = Zones(
        name=tuple(f"area_{i + 1}" for i in range(n)),
        district=np.zeros(n, np.int32),
        x=xs,
        y=np.zeros(n),
        area_m2=np.ones(n),
        population=np.asarray(populations, np.int64),
        jobs=np.zeros(n, np.int64),
        dwellings=np.asarray(populations, np.int64),
        node=nodes,
    )
    ring = np.array([[0.0, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.1]])
    buildings = Buildings(
        x=xs,
        y=np.zeros(n),
        height_m=np.full(n, 3.0),
        use=np.zeros(n, np.int8),
        zone=nodes.astype(np.int32),
        node=nodes,
        residents=np.asarray(populations, np.int32),
        jobs=np.zeros(n, np.int32),
        footprint_start=np.arange(0, 4 * n + 1, 4),
        footprint_xy=np.concatenate([ring + (x, 0.0) for x in xs]),
    )
    stations = np.asarray(station_nodes, dtype=np.int64)
    facilities = Facilities(
        name=tuple(f"base_{i + 1}" for i in range(len(stations))),
        kind=np.full(len(stations), FACILITY_KINDS.index("ems_base"), np.int8),
        x=stations.astype(np.float64),
        y=np.zeros(len(stations)),
        node=stations,
        zone=np.minimum(stations, n - 1).astype(np.int32),
        capacity=np.ones(len(stations)),
    )
    return City(
        name=name,
        label=name,
        network=network,
        districts=districts,
        zones=zones,
        buildings=buildings,
        facilities=facilities,
    )


def _section(
    units: int, calls_per_1000_per_hour: float, service_rate: float, **extra: Any
) -> EmergencyConfig:
    data = {
        "types": {
            "medical": {
                "rate_per_1000": calls_per_1000_per_hour * 24.0,
                "priority": 1,
                "units": ["ambulance"],
                "on_scene_min": 60.0 / service_rate,
                "on_scene_distribution": "exponential",
                "call_handling_min": 0.0,
                "transport_share": 0.0,
            }
        },
        "hourly_profile": [1.0] * 24,
        "units_per_station": {"ambulance": units, "fire_engine": 0, "police_car": 0, "utility_crew": 0},
        "standby_per_station": {},
        "turnout_min": dict.fromkeys(UNIT_KINDS, 0.0),
        "speed_factor": 1.0,
        **extra,
    }
    return parse(EmergencyConfig, data, source="validation", key="emergency")


def _run(
    city: City, config: EmergencyConfig, period_h: float, seed: int
) -> tuple[EmergencyModule, TwinModel]:
    module = EmergencyModule(config)
    model = TwinModel(city, [module], seed=seed, horizon_years=1, period_days=period_h / 24.0)
    model.step()
    return module, model


def batch_mean(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Mean of batch means and the half-width of its Student-t confidence interval."""
    k = len(values)
    half = stats.t.ppf(0.5 + confidence / 2.0, k - 1) * values.std(ddof=1) / np.sqrt(k)
    return float(values.mean()), float(half)


def erlang_experiment(
    units: int,
    arrival_rate: float,
    service_rate: float,
    calls: int,
    seed: int,
    batches: int = 30,
    confidence: float = 0.99,
    warmup_share: float = 0.02,
) -> dict[str, Any]:
    """M/M/c through the real module; rates per hour, waits in hours.

    The first ``warmup_share`` of the calls are left out; the rest are cut into ``batches``
    consecutive batches whose means give the confidence intervals.
    """
    residents = max(1000, round(arrival_rate * 24_000))  # about one call per 1000 residents a day
    city = tiny_city([residents], [0])
    config = _section(units, arrival_rate * 1000 / residents, service_rate)
    period_h = calls / arrival_rate * 1.05 + 10.0 / service_rate
    module, model = _run(city, config, period_h, seed)
    incidents = module.last_incidents.iloc[:calls]
    wait_h = incidents["queue_s"].to_numpy() / HOURS
    kept = wait_h[int(len(wait_h) * warmup_share) :]
    if np.isnan(kept).any():
        raise RuntimeError("a call of the sample was never dispatched; lengthen the period")
    groups = np.array_split(kept, batches)
    mean_wait, mean_half = batch_mean(np.array([g.mean() for g in groups]), confidence)
    p_wait, p_half = batch_mean(np.array([(g > 0).mean() for g in groups]), confidence)
    busy = busy_time_per_unit(module.busy_log(), units, model.period_s).sum()
    analytic_p, analytic_w = erlang_c(units, arrival_rate, service_rate)
    return {
        "units": units,
        "arrival_rate_per_h": arrival_rate,
        "service_rate_per_h": service_rate,
        "calls": int(len(incidents)),
        "calls_used": int(kept.size),
        "batches": batches,
        "confidence": confidence,
        "simulated_mean_wait": mean_wait,
        "mean_wait_ci_half_width": mean_half,
        "analytic_mean_wait": analytic_w,
        "simulated_p_wait": p_wait,
        "p_wait_ci_half_width": p_half,
        "analytic_p_wait": analytic_p,
        "utilisation": float(busy / (units * model.period_s)),
        "analytic_utilisation": arrival_rate / (units * service_rate),
        "wait_unit": "h",
    }


HYPERCUBE_RATES = (0.6, 0.4)
"""Call rates (per hour) of the two areas of the hypercube check."""


def hypercube_experiment(
    calls: int, seed: int, batches: int = 30, confidence: float = 0.99, warmup_h: float = 20.0
) -> dict[str, Any]:
    """Two units, two areas, a loss system: state probabilities vs the exact hypercube model."""
    city = tiny_city([600, 400], [0, 1])
    config = _section(1, 1.0, 1.0, policy="closest_station", loss_system=True)
    total_rate = sum(HYPERCUBE_RATES)
    period_h = warmup_h + calls / total_rate
    module, model = _run(city, config, period_h, seed)
    fractions = state_time_fractions(module.busy_log(), 2, warmup_h * HOURS, model.period_s, batches)
    exact = hypercube_loss(HYPERCUBE_RATES, 1.0, [[0, 1], [1, 0]])
    out: dict[str, Any] = {
        "calls": int(len(module.last_incidents)),
        "batches": batches,
        "confidence": confidence,
    }
    names = {(0, 0): "both_free", (1, 0): "only_unit_1_busy", (0, 1): "only_unit_2_busy", (1, 1): "both_busy"}
    for state, name in names.items():
        code = state[0] + 2 * state[1]
        mean, half = batch_mean(fractions[:, code], confidence)
        out[name] = {"simulated": mean, "ci_half_width": half, "analytic": exact[state]}
    incidents = module.last_incidents
    late = incidents[incidents["time_s"] >= warmup_h * HOURS]
    out["lost_share"] = float(late["queue_s"].isna().mean())
    return out


def state_time_fractions(
    busy_log: pd.DataFrame, n_units: int, start_s: float, end_s: float, batches: int
) -> np.ndarray:
    """Share of time in each joint busy state (code = sum of 2**unit over busy units), per time batch."""
    times = busy_log["time_s"].to_numpy()
    change = np.where(busy_log["busy"].to_numpy(), 1, -1) * (1 << busy_log["unit"].to_numpy())
    code = np.cumsum(change)
    edges = np.linspace(start_s, end_s, batches + 1)
    cuts = np.unique(np.concatenate([times[(times > start_s) & (times < end_s)], edges]))
    piece_start, length = cuts[:-1], np.diff(cuts)
    after = np.searchsorted(times, piece_start, side="right") - 1
    state = np.where(after >= 0, code[np.maximum(after, 0)], 0)
    batch = np.minimum(np.searchsorted(edges, piece_start, side="right") - 1, batches - 1)
    table = np.zeros((batches, 1 << n_units))
    np.add.at(table, (batch, state), length)
    return table / table.sum(axis=1, keepdims=True)
