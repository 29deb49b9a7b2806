"""Surge mode ("peacetime/wartime switching"): windows of more calls under wartime rules.

A surge event in the scenario names a time window, a call-rate multiplier and the place it hits:
zones, districts, and a hazard area (a circle or polygon in city coordinates). In the place,
call rates are multiplied (``rate_multiplier`` times ``type_multipliers[type]``): whole zones and
districts by the multiplier, and for a circle or polygon each zone by ``1 + (m - 1) x share`` of
its buildings inside, with the extra calls landing on those buildings. Roads whose midpoint lies
in the circle, polygon or the districts' outlines are slowed (``road_speed_factor``) and may be
closed to general traffic (``close_roads``): while the window is open the module publishes
``link_speed_factor`` (n_links: the speed multiplier for general traffic, ``CLOSED_SPEED_FACTOR``
on a closed road) for the traffic model, and units drive those roads at ``road_speed_factor``.
Inside any window the dispatch centre switches to wartime rules:

- standby units (``standby_per_station``) come on duty; they go off duty when the last window
  ends and they have finished their job;
- mutual aid: a kind with no free unit may be stood in for by another agency's unit
  (``mutual_aid``, e.g. a fire engine as first responder to a medical call);
- wartime priorities (``wartime_priority``, e.g. flood calls raised to priority 1);
- low-priority calls (priority number >= ``defer_priority``) wait until the surge is over.

Indicators are reported for calls made inside and outside the windows, side by side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from twin.city import City
from twin.errors import ScenarioError

if TYPE_CHECKING:
    import simpy

    from twin.emergency.centre import DispatchCentre
    from twin.emergency.config import SurgeEvent


CLOSED_SPEED_FACTOR = 0.02
"""Speed multiplier published for general traffic on a closed road: routes avoid it and a car
already on it crawls off, instead of being trapped (the loading kernel has no mid-day closures)."""


@dataclasses.dataclass(frozen=True, eq=False)
class SurgeWindow:
    """A surge event resolved on a city.

    ``zone_share[z]``: share of zone ``z``'s buildings in the place (1 for named zones and
    districts); ``building_in``: buildings inside the circle or polygon (None when there is no
    shape: calls land uniformly in their zone); ``type_multiplier[t]``: the rate multiplier of
    type ``t`` in the place; ``link_in``: roads slowed (or closed) while the window is open.
    """

    start_s: float
    end_s: float
    multiplier: float
    zone_mask: np.ndarray
    zone_share: np.ndarray
    building_in: np.ndarray | None
    type_multiplier: np.ndarray
    link_in: np.ndarray
    road_speed_factor: float
    close_roads: bool

    def zone_multiplier(self, type_code: int) -> np.ndarray:
        """Rate multiplier of each zone for incident type ``type_code``."""
        return 1.0 + (self.type_multiplier[type_code] - 1.0) * self.zone_share


def _in_shape(event: SurgeEvent, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points inside the event's circle or polygon."""
    inside = np.zeros(len(x), dtype=bool)
    if event.circle:
        cx, cy, r = event.circle
        inside |= np.hypot(x - cx, y - cy) <= r
    if event.polygon:
        inside |= _in_polygon(np.asarray(event.polygon, dtype=np.float64), x, y)
    return inside


def _in_polygon(corners: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points inside a polygon (matplotlib's path test; imported here, only when a place needs it)."""
    from matplotlib.path import Path as PolygonPath

    return PolygonPath(corners).contains_points(np.column_stack([x, y]))


def resolve_surges(
    events: Sequence[SurgeEvent], city: City, type_names: Sequence[str] = (), offset_s: float = 0.0
) -> list[SurgeWindow]:
    """Turn scenario surge events into windows; unknown zone or district names are errors.

    An event's hours count from the start of the recorded period: ``offset_s`` (the warm-up
    days, s) is added, so a surge at 16:00 falls on the first recorded day, inside the KPIs.
    """
    windows = []
    net, b = city.network, city.buildings
    mid_x = (net.node_x[net.link_from] + net.node_x[net.link_to]) / 2.0
    mid_y = (net.node_y[net.link_from] + net.node_y[net.link_to]) / 2.0
    for i, event in enumerate(events):
        link_in = _in_shape(event, mid_x, mid_y)
        mask = np.zeros(len(city.zones), dtype=bool)
        for name in event.zones:
            if name not in city.zones.name:
                raise ScenarioError(
                    f"key 'emergency.surge[{i}].zones': no zone named {name!r} in "
                    f"city {city.name!r} (zones are named like {city.zones.name[0]!r})"
                )
            mask[city.zones.name.index(name)] = True
        for name in event.districts:
            if name not in city.districts.name:
                raise ScenarioError(
                    f"key 'emergency.surge[{i}].districts': no district named {name!r}; "
                    f"districts: {', '.join(city.districts.name)}"
                )
            d = city.districts.name.index(name)
            mask |= city.zones.district == d
            link_in |= _in_polygon(city.districts.outline(d), mid_x, mid_y)
        shaped = bool(event.circle or event.polygon)
        if not event.zones and not event.districts and not shaped:
            mask[:] = True
        share = mask.astype(np.float64)
        building_in = None
        if shaped:
            building_in = _in_shape(event, b.x, b.y) | mask[b.zone]
            count = np.bincount(b.zone, minlength=len(mask))
            inside = np.bincount(b.zone, weights=building_in, minlength=len(mask))
            centroid_in = _in_shape(event, city.zones.x, city.zones.y)
            share = np.where(count > 0, inside / np.maximum(count, 1), centroid_in | mask)
            mask = share > 0
        multipliers = np.array(
            [event.rate_multiplier * event.type_multipliers.get(t, 1.0) for t in type_names], dtype=np.float64
        )
        windows.append(
            SurgeWindow(
                offset_s + event.start_h * 3600.0,
                offset_s + event.end_h * 3600.0,
                event.rate_multiplier,
                mask,
                share,
                building_in,
                multipliers,
                link_in,
                event.road_speed_factor,
                event.close_roads,
            )
        )
    return windows


def link_speed_factors(windows: Sequence[SurgeWindow], n_links: int) -> tuple[np.ndarray, np.ndarray]:
    """Speed multipliers per link (units, general traffic) while ``windows`` are open (slowest wins)."""
    units = np.ones(n_links)
    traffic = np.ones(n_links)
    for w in windows:
        units[w.link_in] = np.minimum(units[w.link_in], w.road_speed_factor)
        car = CLOSED_SPEED_FACTOR if w.close_roads else w.road_speed_factor
        traffic[w.link_in] = np.minimum(traffic[w.link_in], car)
    return units, traffic


def surge_switch(
    env: simpy.Environment, centre: DispatchCentre, window: SurgeWindow, on_roads: Callable[[], None]
) -> Generator:
    """A process that turns wartime rules on at the window's start and off at its end.

    ``on_roads`` is called after each switch (the module republishes the road speed factors and
    refreshes the units' travel times).
    """
    if window.start_s > env.now:
        yield env.timeout(window.start_s - env.now)
    centre.enter_surge(window)
    on_roads()
    yield env.timeout(window.end_s - env.now)
    centre.leave_surge(window)
    on_roads()
