"""Surge mode ("peacetime/wartime switching"): windows of more calls under wartime rules.

A surge event in the scenario names a time window, a call-rate multiplier and the zones it hits.
Inside any window the dispatch centre switches to wartime rules:

- standby units (``standby_per_station``) come on duty; they go off duty when the last window
  ends and they have finished their job;
- mutual aid: a kind with no free unit may be stood in for by another agency's unit
  (``mutual_aid``, e.g. a fire engine as first responder to a medical call);
- low-priority calls (priority number >= ``defer_priority``) wait until the surge is over.

Indicators are reported for calls made inside and outside the windows, side by side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from twin.city import City
from twin.errors import ScenarioError

if TYPE_CHECKING:
    import simpy

    from twin.emergency.centre import DispatchCentre
    from twin.emergency.config import SurgeEvent


@dataclasses.dataclass(frozen=True, eq=False)
class SurgeWindow:
    """A surge event resolved on a city: seconds from period start and a mask of zones hit."""

    start_s: float
    end_s: float
    multiplier: float
    zone_mask: np.ndarray


def resolve_surges(events: Sequence[SurgeEvent], city: City) -> list[SurgeWindow]:
    """Turn scenario surge events into windows; unknown zone or district names are errors."""
    windows = []
    for i, event in enumerate(events):
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
            mask |= city.zones.district == city.districts.name.index(name)
        if not event.zones and not event.districts:
            mask[:] = True
        windows.append(SurgeWindow(event.start_h * 3600.0, event.end_h * 3600.0, event.rate_multiplier, mask))
    return windows


def surge_switch(env: simpy.Environment, centre: DispatchCentre, window: SurgeWindow) -> Generator:
    """A process that turns wartime rules on at the window's start and off at its end."""
    if window.start_s > env.now:
        yield env.timeout(window.start_s - env.now)
    centre.enter_surge()
    yield env.timeout(window.end_s - env.now)
    centre.leave_surge()
