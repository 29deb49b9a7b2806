"""The day's buses as vehicles of the loading: rows that follow their line's path.

Each run of a bus line (one direction, :class:`~twin.traffic.transit.BusLines`) leaves its first
terminal every headway within the service hours (``traffic.modes.bus_service_hours``, 06-22 by
default; up to the end of a shorter day), both directions at the same times. A bus is a row of
``round(pce)`` vehicles (at least one) with its run's links as its own path
(:class:`~twin.traffic.loading.PathRows`): the kernel moves it through the same link queues,
capacity and storage budgets as the cars, whatever the route choice, and it does not stop on the
road (stops are taken as bays: the dwell is only in the bus skim). Where its road has a bus lane
the run's path takes the link's bus-only twin (:func:`twin.traffic.module.with_bus_lanes`), a
one-lane link of its own queue and budgets that no car enters, so the bus passes the cars'
queue there. When the loading simulates a
sample of the cars (``sample_share`` < 1, capacities and storage scaled by it) it simulates the
same share of the buses: a run leaves every ``headway / sample_share``.
"""

from __future__ import annotations

import numpy as np

from twin.traffic.loading import PathRows
from twin.traffic.transit import BusLines


def bus_path_rows(lines: BusLines, headway_min: np.ndarray, pce: float, sample_share: float,
                  day_s: float, service_hours: tuple[float, ...]) -> PathRows:
    """The buses of a day of ``day_s`` seconds as path rows, in run order then departure time.

    Args:
        lines: the bus runs, on the loading's network.
        headway_min: each run's headway, minutes.
        pce: car equivalents of a bus (the row weighs ``max(1, round(pce))`` vehicles).
        sample_share: share of the vehicles the loading simulates (0-1].
        day_s: length of the day loaded, seconds.
        service_hours: [first, last] hour of the day: the first departure of every run, and the
            hour at or after which no run leaves.
    """
    start_s, end_s = service_hours[0] * 3600.0, service_hours[1] * 3600.0
    every_s = np.asarray(headway_min, np.float64) * 60.0 / sample_share
    end = min(end_s, day_s)
    counts = np.maximum(np.ceil((end - start_s) / every_s - 1e-9), 0).astype(np.int64)
    run = np.repeat(np.arange(lines.n_runs), counts)
    k = np.arange(run.size) - np.repeat(np.cumsum(counts) - counts, counts)  # departure number in its run
    length = np.diff(lines.link_start)[run]
    index = np.repeat(lines.link_start[run] - np.cumsum(length) + length, length) + np.arange(length.sum())
    return PathRows(
        depart_s=start_s + k * every_s[run],
        size=np.full(run.size, max(1, round(pce)), dtype=np.int64),
        path_start=np.concatenate([[0], np.cumsum(length)]).astype(np.int64),
        path=np.asarray(lines.link, np.int64)[index],
    )
