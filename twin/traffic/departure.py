"""Day-to-day departure-time adaptation: travellers leave earlier (or later) after bad days.

The rule is a bounded-rational one (Mahmassani and Chang 1986, "Experiments with departure time
choice dynamics of urban commuters", Transportation Research B 20(4): travellers keep their
departure time while the delay they remember stays inside an indifference band, and otherwise
move it), with the move chosen on Vickrey-Small scheduling costs (Small 1982, "The scheduling of
consumer activities: work trips", American Economic Review 72(3): per minute of travel time 1,
per minute early 0.61, per minute late 2.4):

- the module remembers, per origin zone and departure slot (the record interval, 15 min), the
  mean delay of the trips that left then (experienced trip time minus the free-flow time; a trip
  unfinished at midnight counts until midnight), an exponential memory with the skim's weight;
- each day, a trip whose slot's remembered delay exceeds ``band_s`` is a candidate; a share
  ``share`` of the candidates (drawn with the scenario's random stream: inertia) moves its
  departure by the shift ``s`` in {-window, ..., +window} (steps of one slot) that minimises
  ``remembered delay at (t + s) + 0.61 |s| (s < 0) + 2.4 s (s > 0)``; leaving ``|s|`` earlier
  means arriving about ``|s|`` early, later means late. No shift exceeds the window.
"""

from __future__ import annotations

import numpy as np

EARLY_COST = 0.61
"""Cost of a minute of early arrival per minute of travel time (Small 1982)."""

LATE_COST = 2.4
"""Cost of a minute of late arrival per minute of travel time (Small 1982)."""


def zone_of_nodes(start: np.ndarray, node: np.ndarray, n_nodes: int) -> np.ndarray:
    """Zone of each network node from a zone's node sets (``start`` offsets, ``node``); -1 for none.

    A node in several zones' sets counts for the last of them.
    """
    zone = np.full(n_nodes, -1, dtype=np.int64)
    zone[np.asarray(node, dtype=np.int64)] = np.repeat(np.arange(len(start) - 1), np.diff(start))
    return zone


def slot_delays(origin_zone: np.ndarray, depart_s: np.ndarray, delay_s: np.ndarray, size: np.ndarray,
                n_zones: int, slot_s: float, n_slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Vehicle-weighted mean delay (s) and vehicles per (origin zone, departure slot).

    Rows with a negative ``origin_zone`` or a non-finite delay are left out.
    """
    ok = (origin_zone >= 0) & np.isfinite(delay_s)
    cell = origin_zone[ok] * n_slots + np.minimum((depart_s[ok] // slot_s).astype(np.int64), n_slots - 1)
    weight = size[ok].astype(np.float64)
    count = np.bincount(cell, weights=weight, minlength=n_zones * n_slots).reshape(n_zones, n_slots)
    total = np.bincount(cell, weights=weight * delay_s[ok], minlength=n_zones * n_slots)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total.reshape(n_zones, n_slots) / count, 0.0)
    return mean, count


def shift_departures(depart_s: np.ndarray, origin_zone: np.ndarray, remembered_s: np.ndarray, *,
                     slot_s: float, window_s: float, band_s: float, share: float, day_s: float,
                     rng: np.random.Generator) -> np.ndarray:
    """New departure times (s) of the day's trips under the rule of the module docstring.

    Args:
        depart_s: drawn departure of each trip, seconds from the day's start.
        origin_zone: each trip's origin zone (-1: none, never moved).
        remembered_s: remembered delay per (zone, slot), seconds.
        slot_s: slot length; window_s: largest shift either way; band_s: indifference band.
        share: probability that a candidate moves; day_s: the day's length (departures stay in it).
        rng: the random stream (one uniform draw per trip, whatever the inputs).
    """
    n_slots = remembered_s.shape[1]
    draw = rng.random(len(depart_s))
    steps = int(window_s // slot_s)
    if steps == 0 or len(depart_s) == 0:
        return np.asarray(depart_s, dtype=np.float64).copy()
    shifts = np.arange(-steps, steps + 1) * slot_s  # seconds, |shift| <= window
    zone = np.maximum(origin_zone, 0)
    slot = np.minimum((depart_s // slot_s).astype(np.int64), n_slots - 1)
    moved = np.clip(depart_s[:, None] + shifts[None, :], 0.0, day_s - 1.0)
    moved_slot = np.minimum((moved // slot_s).astype(np.int64), n_slots - 1)
    penalty = np.where(shifts < 0, EARLY_COST * -shifts, LATE_COST * shifts)
    cost = remembered_s[zone[:, None], moved_slot] + penalty[None, :]
    best = np.argmin(cost, axis=1)  # ties: the earliest shift; the zero shift wins over equal costs below
    keep_cost = remembered_s[zone, slot]
    better = cost[np.arange(len(best)), best] < keep_cost - 1e-9
    candidate = (origin_zone >= 0) & (keep_cost > band_s) & (draw < share) & better
    return np.where(candidate, moved[np.arange(len(best)), best], depart_s)
