"""The day's buses as vehicles of the loading: rows that follow their line's path.

Each run of a bus line (one direction, :class:`~twin.traffic.transit.BusLines`) leaves its first
terminal every headway from ``SERVICE_START_S`` up to ``SERVICE_END_S`` (or the end of a shorter
day), both directions at the same times. A bus is a row of ``round(pce)`` vehicles (at least one)
with its run's links as its own path (:class:`~twin.traffic.loading.PathRows`): the kernel moves
it through the same link queues, capacity and storage budgets as the cars, whatever the route
choice, and it does not stop on the road (stops are taken as bays: the dwell is only in the bus
skim). When the loading simulates a sample of the cars (``sample_share`` < 1, capacities and
storage scaled by it) it simulates the same share of the buses: a run leaves every
``headway / sample_share``.
"""

from __future__ import annotations

import numpy as np

from twin.traffic.loading import PathRows
from twin.traffic.transit import BusLines

SERVICE_START_S = 6 * 3600.0
"""First departures of every run, seconds after midnight (ASSUMPTION: 06:00, usual for the trunk
lines of a Chinese prefecture city)."""

SERVICE_END_S = 22 * 3600.0
"""No run leaves at or after this time, seconds after midnight (ASSUMPTION: 22:00)."""


def bus_path_rows(lines: BusLines, headway_min: np.ndarray, pce: float, sample_share: float,
                  day_s: float) -> PathRows:
    """The buses of a day of ``day_s`` seconds as path rows, in run order then departure time.

    Args:
        lines: the bus runs, on the loading's network.
        headway_min: each run's headway, minutes.
        pce: car equivalents of a bus (the row weighs ``max(1, round(pce))`` vehicles).
        sample_share: share of the vehicles the loading simulates (0-1].
        day_s: length of the day loaded, seconds.
    """
    every_s = np.asarray(headway_min, np.float64) * 60.0 / sample_share
    end = min(SERVICE_END_S, day_s)
    counts = np.maximum(np.ceil((end - SERVICE_START_S) / every_s - 1e-9), 0).astype(np.int64)
    run = np.repeat(np.arange(lines.n_runs), counts)
    k = np.arange(run.size) - np.repeat(np.cumsum(counts) - counts, counts)  # departure number in its run
    length = np.diff(lines.link_start)[run]
    index = np.repeat(lines.link_start[run] - np.cumsum(length) + length, length) + np.arange(length.sum())
    return PathRows(
        depart_s=SERVICE_START_S + k * every_s[run],
        size=np.full(run.size, max(1, round(pce)), dtype=np.int64),
        path_start=np.concatenate([[0], np.cumsum(length)]).astype(np.int64),
        path=np.asarray(lines.link, np.int64)[index],
    )
