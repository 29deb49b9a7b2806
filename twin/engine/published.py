"""Published state: how modules couple through shared arrays instead of copies.

A module publishes a named array (with its unit) and others read the latest value. Names in use:

- ``link_travel_time_s`` (n_links): current link travel times, seconds (free-flow time plus the
  standing queue over the capacity: queueing delay included); traffic publishes it,
  emergency units, waste trucks and access read it (free-flow times when nobody publishes).
- ``link_extra_vehicles`` (n_links): vehicles other modules add to the roads (e.g. trucks).
- ``link_speed_factor`` (n_links): speed multipliers of the roads in open hazard areas (1 elsewhere;
  a crawl, ``CLOSED_SPEED_FACTOR``, on roads closed to traffic); emergency publishes it while a
  surge window with a place is open, traffic divides its free-flow times by it.
- ``zone_population`` (n_zones): current residents; migration publishes it each year and demand,
  incidents and waste generation read it (the City's figures when nobody publishes).
- ``zone_jobs`` (n_zones): current jobs, likewise.
- ``zone_travel_time_s`` (n_zones x n_zones): accessibility skim, seconds, from traffic: the
  remembered zone times (exponential average of the days' experienced skims, weight
  ``traffic.skim_smoothing``) that traffic's destinations and migration's choices both read; zone
  ``i`` to ``j`` is the resident-weighted mean time from ``i``'s homes to ``j``'s nearest
  connector (:mod:`twin.traffic.connectors`), so the diagonal is a zone's own trips, not 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PublishedArray:
    value: np.ndarray
    unit: str
    publisher: str


class Published:
    """A small board of named arrays; the latest publish wins."""

    def __init__(self) -> None:
        self._items: dict[str, PublishedArray] = {}

    def publish(self, name: str, value: np.ndarray, unit: str, publisher: str) -> None:
        self._items[name] = PublishedArray(value, unit, publisher)

    def get(self, name: str, default: np.ndarray | None = None) -> np.ndarray | None:
        item = self._items.get(name)
        return default if item is None else item.value

    def __contains__(self, name: str) -> bool:
        return name in self._items

    def names(self) -> list[str]:
        return sorted(self._items)
