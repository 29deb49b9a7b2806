"""A look-ahead dispatch policy: wait for a busy unit that will reach the scene sooner.

Nearest-available sends the best *free* unit, even when a unit now busy close to the scene will
be free in a minute and arrive long before the free one, driving across town. ``LookAhead``
reads when each busy unit will be free (``unit.busy_until_s``) and where its job is
(``unit.call.node``), estimates its arrival through the centre's travel tables (back towards its
station, then out to the scene), and leaves the need waiting when that beats the best free unit
by ``margin_s``. The busy unit's release re-walks the queue; ``centre.recheck_at`` asks again at
the expected release too, in case the estimate was early (a hospital leg on slower roads).
A need never waits past ``patience_s`` after its call.

The package registers it as ``look_ahead`` (``__init__.py``, by name: this file is imported
only when a scenario uses it)::

    [scenario]
    plugins = ["citytwin_air"]  # or nothing, when the package is installed (its entry point)

    [emergency]
    policy = "look_ahead"
    policy_options = { margin_s = 60.0, patience_s = 900.0 }
"""

from __future__ import annotations

import math

from twin.emergency import NearestAvailable

RECHECK_AFTER_S = 60.0
"""The re-check is at least this long after now (seconds), for an estimate already in the past."""


class LookAhead(NearestAvailable):
    """Nearest available, or wait for a busy unit that will arrive at least ``margin_s`` sooner.

    Args:
        margin_s: how much sooner (seconds) the busy unit must arrive to be worth waiting for.
        patience_s: a need waits only for a unit free within this many seconds of the call.
    """

    name = "look_ahead"

    def __init__(self, margin_s: float = 60.0, patience_s: float = 900.0) -> None:
        self.margin_s = float(margin_s)
        self.patience_s = float(patience_s)
        self.waits = 0
        """Needs left waiting for a busy unit this period."""

    def start_period(self, centre) -> None:
        self.waits = 0

    def eta_when_free_s(self, centre, unit, node: int) -> float:
        """Seconds from now for a busy ``unit`` to reach ``node``: finish its job, head home, turn out."""
        travel, station = centre.travel, unit.station.index
        wait = max(unit.busy_until_s - centre.env.now, 0.0)
        return wait + travel.to_station[station, unit.call.node] + travel.from_station[station, node]

    def choose(self, centre, call, kind, candidates):
        best = super().choose(centre, call, kind, candidates)
        free_eta = best.eta_s(centre, call.node) if best is not None else math.inf
        soonest, soonest_eta = None, math.inf
        for unit in centre.by_kind.get(kind, ()):
            if unit.call is None or not unit.on_duty or unit.busy_until_s - call.time_s > self.patience_s:
                continue
            eta = self.eta_when_free_s(centre, unit, call.node)
            if eta < soonest_eta:
                soonest, soonest_eta = unit, eta
        if soonest is None or soonest_eta + self.margin_s >= free_eta:
            return best
        self.waits += 1
        centre.recheck_at(max(soonest.busy_until_s, centre.env.now + RECHECK_AFTER_S))
        return None

