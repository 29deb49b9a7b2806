"""Day-to-day route adjustment toward a dynamic user equilibrium (DUE).

Each iteration ("day") loads the demand with fixed paths. From the day's records we take the
experienced link times per interval (mean traversal time of the vehicles that left the link in
the interval; free-flow time where none did) and compute, per departure interval, the shortest
times to every destination on them. The relative gap of the day is

    gap = sum(vehicles x (experienced trip time - best time at departure)) / sum(vehicles x experienced)

with the best time from the interval the row departed in (a static-per-interval approximation of
time-dependent shortest paths). Then a share ``switch_share`` of the rows, drawn at random, take
the best path of their departure interval for the next day; the others keep yesterday's path.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city import RoadNetwork
from twin.traffic.loading import DynamicLoading, LoadingSettings
from twin.traffic.routing import extract_paths
from twin.traffic.trips import Trips


@dataclasses.dataclass(frozen=True)
class DayToDayResult:
    """Per iteration: relative gap, mean trip time (s) and completed vehicles; the last loading."""

    gaps: list[float]
    mean_travel_time_s: list[float]
    completed: list[int]
    last: DynamicLoading


def experienced_link_times(load: DynamicLoading) -> np.ndarray:
    """Mean traversal time per (interval, link), free-flow time where no vehicle left (inf if closed)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        times = np.where(load.rec_exits > 0, load.rec_time / load.rec_exits, load.fft[None, :])
    times[:, load.closed] = np.inf
    return np.maximum(times, load.fft[None, :])


def smooth_skim(remembered_s: np.ndarray, experienced_s: np.ndarray, weight: float) -> np.ndarray:
    """Exponential memory of zone times: ``(1 - weight) x remembered + weight x experienced``, seconds.

    Where either skim is infinite (a pair cut off by a closure, or reconnected after one) the
    experienced time is taken as it is: no route now means none remembered, and a new route
    counts from the day it opens. ``weight`` 1 keeps the experienced day only.
    """
    both = np.isfinite(remembered_s) & np.isfinite(experienced_s)
    with np.errstate(invalid="ignore"):
        mixed = (1.0 - weight) * remembered_s + weight * experienced_s
    return np.where(both, mixed, experienced_s)


def relative_difference(reference_s: np.ndarray, other_s: np.ndarray, weights: np.ndarray) -> float:
    """``sum w |other - reference| / sum w reference`` over the pairs finite in both (0 if none).

    With ``reference`` the experienced skim, ``other`` the remembered one and ``w`` the trips
    between zones, it is the day-to-day gap of destination choice: 0 when the times travellers
    chose on are the times they then met.
    """
    ok = np.isfinite(reference_s) & np.isfinite(other_s) & (weights > 0)
    total = float((weights[ok] * reference_s[ok]).sum())
    return float((weights[ok] * np.abs(other_s[ok] - reference_s[ok])).sum()) / total if total > 0 else 0.0


def day_to_day(
    network: RoadNetwork,
    trips: Trips,
    settings: LoadingSettings,
    *,
    iterations: int = 10,
    switch_share: float = 0.2,
    rng: np.random.Generator,
    **loading_kwargs,
) -> DayToDayResult:
    """Iterate days of fixed-path loading, switching ``switch_share`` of rows to best paths each day."""
    settings = dataclasses.replace(settings, route_choice="fixed")
    gaps, means, completed = [], [], []
    paths = None
    for _ in range(iterations):
        load = DynamicLoading(network, trips, settings, **loading_kwargs)
        if paths is not None:
            load.assign_paths(np.arange(load.n_rows), *paths)
        load.run()
        summary = load.summary()
        means.append(summary["mean_travel_time_s"])
        completed.append(summary["completed"])
        times = experienced_link_times(load)
        interval = np.minimum(
            (load.veh_depart // settings.record_interval_s).astype(np.int64), len(times) - 1
        )
        best = np.full(load.n_rows, np.nan)
        starts, links = load.paths()
        switch = rng.random(load.n_rows) < switch_share
        new_paths = {}
        for k in np.unique(interval):
            rows = np.flatnonzero(interval == k)
            dist = load.route_table(times[k])
            best[rows] = dist[load.veh_dest_idx[rows], load.veh_origin[rows]]
            movers = rows[switch[rows]]
            new_paths[k] = (
                movers,
                *extract_paths(
                    movers,
                    load.veh_origin,
                    load.veh_dest_idx,
                    network.out_start,
                    network.link_to,
                    times[k],
                    dist,
                    settings.route_noise,
                ),
            )
        done = np.isfinite(load.veh_arrive)
        size = load.veh_size.astype(np.float64)
        experienced = load.row_travel_time_s()
        gaps.append(float(((experienced - best) * size)[done].sum() / (experienced * size)[done].sum()))
        paths = _merge_paths(starts, links, new_paths)
    return DayToDayResult(gaps, means, completed, load)


def _merge_paths(starts: np.ndarray, links: np.ndarray, new_paths: dict) -> tuple[np.ndarray, np.ndarray]:
    """Yesterday's paths with the switching rows' paths replaced."""
    per_row = [links[starts[i] : starts[i + 1]] for i in range(len(starts) - 1)]
    for rows, new_starts, new_links in new_paths.values():
        for j, row in enumerate(rows):
            per_row[row] = new_links[new_starts[j] : new_starts[j + 1]]
    lengths = np.array([len(p) for p in per_row], dtype=np.int64)
    merged = np.zeros(len(per_row) + 1, dtype=np.int64)
    np.cumsum(lengths, out=merged[1:])
    flat = np.concatenate(per_row) if per_row else np.zeros(0, dtype=np.int32)
    return merged, flat.astype(np.int32)
