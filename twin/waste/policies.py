"""Collection policies: which bins are emptied today, which may be, and what they are worth.

- :class:`FixedSchedule`: every bin of a stream is emptied every k days on static routes; the
  bins of a depot's territory are cut into k sectors by their bearing from the depot, one sector
  a day, and each sector's routes are planned once and reused.
- :class:`ThresholdPolicy`: bins whose fill is expected to pass ``must_threshold`` of capacity by
  the end of the day must be emptied; those expected between ``optional_threshold`` and it may be
  (prize-collecting: the planner takes them when the detour is worth the prize). With sensors
  the estimate is the sensor reading where one came in today, else the forecast; without sensors
  ("predicted fill") it is always the forecast.

The forecast (:class:`FillForecast`) is what the operator knows without a sensor: the fill left
at the last visit plus the expected generation since.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.waste.bins import Bins


@dataclasses.dataclass(frozen=True)
class Selection:
    """Today's bins: ``must`` (indices), ``optional`` (indices) and each optional bin's ``prize``.

    ``demand_g`` is the load the planner expects to pick up at each of ``must`` then ``optional``.
    ``static_key`` is set when the selection's routes are static (planned once, then reused).
    """

    must: np.ndarray
    optional: np.ndarray
    prize: np.ndarray
    demand_g: np.ndarray
    static_key: int | None = None


class FillForecast:
    """Expected fill of every bin (grams) from the last known level and expected generation."""

    def __init__(self, bins: Bins) -> None:
        self.bins = bins
        self.level_g = bins.fill_g.astype(np.float64)

    def add_expected(self, share_of_day: float) -> None:
        """Advance the forecast by ``share_of_day`` of a mean day's expected waste."""
        self.level_g = np.minimum(
            self.level_g + self.bins.expected_day_g * share_of_day, self.bins.capacity_g
        )

    def observe(self, index: np.ndarray, level_g: np.ndarray) -> None:
        """A truck or a sensor saw these levels."""
        self.level_g[index] = level_g


def read_sensors(
    rng: np.random.Generator, bins: Bins, noise: float, failure_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Today's readings: indices of bins whose sensor answered, and the level each reported (g).

    Readings are the true fill share plus Gaussian noise (``noise``, share of capacity), clipped
    to 0..1; each sensor fails to answer with probability ``failure_rate``.
    """
    n = len(bins)
    answered = bins.has_sensor & (rng.random(n) >= failure_rate)
    share = bins.fill_g / bins.capacity_g + rng.normal(0.0, noise, n)
    index = np.flatnonzero(answered)
    return index, np.clip(share[index], 0.0, 1.0) * bins.capacity_g[index]


class FixedSchedule:
    """Every bin of stream ``s`` is emptied every ``every_days[s]`` days, one sector a day.

    Routes are static, so they are planned for a busy day: each bin's load is ``peak`` (the
    largest weekday factor) times its mean load over the interval, at most its capacity; the
    planned unloading trips then cover the busiest weekday.
    """

    def __init__(
        self,
        bins: Bins,
        every_days: np.ndarray,
        depot_xy: np.ndarray,
        territory: np.ndarray,
        peak: float = 1.0,
    ) -> None:
        self.every_days = np.asarray(every_days, dtype=np.int64)
        self.peak = float(peak)
        k = self.every_days[bins.stream]
        bearing = np.arctan2(bins.y - depot_xy[territory, 1], bins.x - depot_xy[territory, 0])
        self.sector = np.zeros(len(bins), dtype=np.int64)
        for key in np.unique(territory * len(self.every_days) + bins.stream):
            members = np.flatnonzero(territory * len(self.every_days) + bins.stream == key)
            order = members[np.argsort(bearing[members], kind="stable")]
            self.sector[order] = np.arange(order.size) * k[order] // max(order.size, 1)
        self.bins = bins

    def select(self, day: int, stream: int, candidates: np.ndarray, estimate_g: np.ndarray) -> Selection:
        """The sector due today among ``candidates`` (the bins of one stream and territory)."""
        k = int(self.every_days[stream])
        sector = day % k
        must = candidates[self.sector[candidates] == sector]
        demand = np.minimum(self.bins.expected_day_g[must] * k * self.peak, self.bins.capacity_g[must])
        empty = np.zeros(0, dtype=np.int64)
        return Selection(must, empty, np.zeros(0), demand, static_key=sector)


class ThresholdPolicy:
    """Must visit bins expected past ``must_threshold`` by day's end; may visit those past the other."""

    def __init__(
        self, bins: Bins, must_threshold: float, optional_threshold: float, prize_per_bin: float
    ) -> None:
        self.bins = bins
        self.must_threshold = must_threshold
        self.optional_threshold = optional_threshold
        self.prize_per_bin = prize_per_bin

    def select(self, day: int, stream: int, candidates: np.ndarray, estimate_g: np.ndarray) -> Selection:
        bins = self.bins
        end_of_day = np.minimum(
            estimate_g[candidates] + bins.expected_day_g[candidates], bins.capacity_g[candidates]
        )
        share = end_of_day / bins.capacity_g[candidates]
        is_must = share >= self.must_threshold
        is_optional = ~is_must & (share >= self.optional_threshold)
        must, optional = candidates[is_must], candidates[is_optional]
        prize = self.prize_per_bin * share[is_optional]
        at_visit = np.minimum(
            estimate_g[candidates] + 0.5 * bins.expected_day_g[candidates], bins.capacity_g[candidates]
        )
        demand = np.concatenate([at_visit[is_must], at_visit[is_optional]])
        return Selection(must, optional, prize, demand)
