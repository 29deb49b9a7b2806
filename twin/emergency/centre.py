"""The dispatch centre: takes calls in priority order and sends units chosen by a policy.

A call reaches the centre's queue when its call handling is done (the module feeds it then).
Calls wait in one queue ordered by (priority, call time). Whenever a call comes in or a unit
comes free, the centre walks the queue from the top and asks the dispatch policy for a unit for
each unfilled need; a call leaves the queue when every unit it needs is on its way. In a loss
system (``loss_system = true``, used to validate against the hypercube model) a need that finds
no free unit at once is dropped. Outcomes go into per-call arrays (first dispatch, first arrival)
and a columnar log of unit busy periods, from which every KPI is computed; for the first unit
to arrive, its dispatch time, turnout and drive are kept, so that a response splits exactly into
call handling + wait for a unit + turnout + travel.
"""

from __future__ import annotations

import bisect
from array import array
from typing import TYPE_CHECKING

import mesa
import numpy as np

from twin.emergency.units import AVAILABLE, DISPATCHED, OFF_DUTY, RETURNING, Unit

if TYPE_CHECKING:
    import simpy

    from twin.emergency.dispatch import DispatchPolicy
    from twin.emergency.travel import TravelTimes


class Call:
    """A call waiting for units; ``needs`` lists the unit kinds still to send."""

    __slots__ = (
        "id", "priority", "time_s", "node", "needs", "on_scene_s", "transport", "transported",
        "type_code", "turnout_factor", "handover_s",
    )

    def __init__(
        self,
        id: int,
        priority: int,
        time_s: float,
        node: int,
        needs: list[str],
        on_scene_s: float,
        transport: bool,
        type_code: int = 0,
        turnout_factor: float = 1.0,
        handover_s: float | None = None,
    ) -> None:
        self.id = id
        self.priority = priority
        self.time_s = time_s
        self.node = node
        self.needs = needs
        self.on_scene_s = on_scene_s
        self.transport = transport
        self.transported = False
        self.type_code = type_code
        self.turnout_factor = turnout_factor
        self.handover_s = handover_s
        """Seconds of the hospital handover (None: the centre's mean)."""

    def key(self) -> tuple[int, float, int]:
        return (self.priority, self.time_s, self.id)


class DispatchCentre(mesa.Agent):
    """The one dispatch centre of the city (a mesa Agent holding the call queue).

    Args:
        model: the TwinModel.
        units: every unit, regular and standby (an AgentSet; order = ``Unit.index``).
        policy: chooses a unit among the free candidates for one need of a call.
        travel: the travel-time trees.
        turnout_s: mean turnout by unit kind (seconds; a call's ``turnout_factor`` scales it).
        handover_s: mean hospital handover (seconds), for calls that carry none of their own.
        loss_system: drop needs that find no free unit instead of queueing them.
        defer_priority: during a surge, calls with priority >= this wait for the surge to end.
        mutual_aid: kinds that may stand in for each kind during a surge.
        wartime_priority: priority by incident type code during a surge (types left out keep theirs).
        wartime_trigger: switch to wartime rules when this many calls wait for a unit (0: only
            in surge windows); such a wartime lasts at least ``wartime_hold_s`` and ends when no
            call (deferred ones aside) waits.
    """

    def __init__(
        self,
        model: mesa.Model,
        *,
        units: mesa.agent.AgentSet,
        policy: DispatchPolicy,
        travel: TravelTimes,
        turnout_s: dict[str, float],
        handover_s: float,
        loss_system: bool,
        defer_priority: int,
        mutual_aid: dict[str, tuple[str, ...]],
        wartime_priority: dict[int, int] | None = None,
        wartime_trigger: int = 0,
        wartime_hold_s: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.units = units
        self.unit_list: list[Unit] = list(units)
        self.by_kind: dict[str, list[Unit]] = {}
        for unit in self.unit_list:
            self.by_kind.setdefault(unit.kind, []).append(unit)
        self.policy = policy
        self.travel = travel
        self.turnout_s = turnout_s
        self.handover_s = handover_s
        self.loss_system = loss_system
        self.defer_priority = defer_priority
        self.mutual_aid = mutual_aid
        self.wartime_priority = wartime_priority or {}
        self.wartime_trigger = wartime_trigger
        self.wartime_hold_s = wartime_hold_s
        self.start_period(model.env, 0)

    def start_period(self, env: simpy.Environment, n_calls: int) -> None:
        """Empty queue and fresh outcome arrays for an operating period of ``n_calls`` calls."""
        self.env = env
        self.queue: list[tuple[tuple[int, float, int], Call]] = []
        self.surge_level = 0
        self.surge_started_s = 0.0
        self.surge_s = 0.0
        self.switches = 0
        """Times the centre switched from peacetime to wartime rules this period."""
        self.load_wartime_since: float | None = None
        """When the load switched wartime on (None: not switched on by the load)."""
        self.first_dispatch_s = np.full(n_calls, np.nan)
        self.first_arrival_s = np.full(n_calls, np.nan)
        self.arrival_dispatch_s = np.full(n_calls, np.nan)
        """Dispatch time of the first unit to arrive (it may not be the first one sent)."""
        self.arrival_turnout_s = np.full(n_calls, np.nan)
        self.arrival_travel_s = np.full(n_calls, np.nan)
        self.arrival_kind = np.full(n_calls, "", dtype=object)
        """Kind of the first unit to arrive ("" while none has)."""
        self.base_priority: dict[int, int] = {}
        self.busy_unit = array("l")
        self.busy_time = array("d")
        self.busy_flag = array("b")
        self.dispatch_call = array("l")
        self.dispatch_unit = array("l")
        self.dispatch_time = array("d")
        self.dispatch_from = array("l")
        self.deferred = 0
        self._rechecks: set[float] = set()

    # -- wartime switching ---------------------------------------------------------------------
    @property
    def in_surge(self) -> bool:
        return self.surge_level > 0

    def enter_surge(self, window: object = None) -> None:
        """Wartime rules on: standby units come on duty, wartime priorities apply (``window`` unused)."""
        if self.surge_level == 0:
            self.surge_started_s = self.env.now
            self.switches += 1
            for unit in self.unit_list:
                if unit.standby:
                    unit.on_duty = True
                    if unit.state == OFF_DUTY:
                        unit.state = AVAILABLE
        self.surge_level += 1
        self._reprioritise()
        self.dispatch_waiting()

    def leave_surge(self, window: object = None) -> None:
        """Wartime rules off: standby units go off duty once free; deferred calls are served."""
        self.surge_level -= 1
        if self.surge_level == 0:
            self.surge_s += self.env.now - self.surge_started_s
            for unit in self.unit_list:
                if unit.standby:
                    unit.on_duty = False
                    if unit.state == AVAILABLE:
                        unit.state = OFF_DUTY
        self._reprioritise()
        self.dispatch_waiting()

    def _priority(self, call: Call) -> int:
        """The call's priority under the rules in force (its type's own in peacetime)."""
        own = self.base_priority.setdefault(call.id, call.priority)
        return self.wartime_priority.get(call.type_code, own) if self.in_surge else own

    def _reprioritise(self) -> None:
        """Re-rank the waiting calls after a switch of rules."""
        if not self.wartime_priority:
            return
        for _, call in self.queue:
            call.priority = self._priority(call)
        self.queue = sorted(((call.key(), call) for _, call in self.queue), key=lambda item: item[0])

    # -- calls ---------------------------------------------------------------------------------
    def receive(self, call: Call) -> None:
        """A new call: queue it and try to send units at once."""
        if self.wartime_priority:
            call.priority = self._priority(call)
        if self.loss_system:
            self._fill(call, {})
            return
        bisect.insort(self.queue, (call.key(), call))
        self.dispatch_waiting()

    def released(self, unit: Unit) -> None:
        """A unit has finished a call and is on its way home: it may take a waiting call."""
        self._log_busy(unit, False)
        if self.queue:
            self.dispatch_waiting()
        elif self.load_wartime_since is not None:
            self._switch_on_load()

    def arrived(self, call: Call, unit: Unit, dispatched_s: float, turnout_s: float, travel_s: float) -> None:
        """A unit reached the scene; the first one sets the call's response time and its split."""
        if np.isnan(self.first_arrival_s[call.id]):
            self.first_arrival_s[call.id] = self.env.now
            self.arrival_dispatch_s[call.id] = dispatched_s
            self.arrival_turnout_s[call.id] = turnout_s
            self.arrival_travel_s[call.id] = travel_s
            self.arrival_kind[call.id] = unit.kind

    def dispatch_waiting(self) -> None:
        """Walk the queue in priority order and send what can be sent."""
        defer = self.defer_priority if self.in_surge else None
        free: dict[str, list[Unit]] = {}
        kept = []
        for item in self.queue:
            call = item[1]
            if defer is not None and call.priority >= defer:
                kept.append(item)
                continue
            self._fill(call, free)
            if call.needs:
                kept.append(item)
        self.queue = kept
        if self.wartime_trigger:
            self._switch_on_load()

    def _switch_on_load(self) -> None:
        """The load-triggered switch: wartime when ``wartime_trigger`` calls wait for a unit,
        peacetime again when none waits (deferred calls aside) after ``wartime_hold_s``."""
        deferred = self.defer_priority if self.in_surge else 99
        waiting = sum(1 for _, call in self.queue if call.priority < deferred)
        if self.load_wartime_since is None:
            if waiting >= self.wartime_trigger:
                self.load_wartime_since = self.env.now
                self.enter_surge()
        elif waiting == 0 and self.env.now - self.load_wartime_since >= self.wartime_hold_s:
            self.load_wartime_since = None
            self.leave_surge()

    def _fill(self, call: Call, free: dict[str, list[Unit]]) -> None:
        """Send units to the unfilled needs of ``call``; ``free`` caches the free units by kind."""
        still = []
        for kind in call.needs:
            unit = self._choose(call, kind, free)
            if unit is None:
                still.append(kind)
            else:
                free[unit.kind].remove(unit)
                self.assign(unit, call)
        call.needs = [] if self.loss_system else still

    def _choose(self, call: Call, kind: str, free: dict[str, list[Unit]]) -> Unit | None:
        kinds = (kind, *self.mutual_aid.get(kind, ())) if self.in_surge else (kind,)
        for candidate_kind in kinds:
            if candidate_kind not in free:
                free[candidate_kind] = self.candidates(candidate_kind)
            if free[candidate_kind]:
                unit = self.policy.choose(self, call, candidate_kind, free[candidate_kind])
                if unit is not None:
                    return unit
        return None

    def recheck_at(self, t_s: float) -> None:
        """Walk the queue again at ``t_s`` (seconds from the period's start, after ``env.now``).

        For a policy that left a need waiting (returned None) for a reason that changes with
        time, not with a call or a release (a unit due back soon): without it the need is asked
        about again only at the next call or release. Several requests for one time make one walk.
        """
        t_s = float(t_s)
        if not t_s > self.env.now:
            raise ValueError(f"recheck_at needs a time after now ({self.env.now:g} s), got {t_s:g}")
        if t_s not in self._rechecks:
            self._rechecks.add(t_s)
            self.env.process(self._recheck(t_s))

    def _recheck(self, t_s: float):
        yield self.env.timeout(t_s - self.env.now)
        self._rechecks.discard(t_s)
        if self.queue:
            self.dispatch_waiting()

    def candidates(self, kind: str) -> list[Unit]:
        """Units of ``kind`` free to take a call now."""
        return [u for u in self.by_kind.get(kind, ()) if u.free]

    def eta_s(self, unit: Unit, node: int) -> float:
        """Seconds for ``unit`` to reach ``node`` if sent now."""
        return unit.eta_s(self, node)

    def assign(self, unit: Unit, call: Call) -> None:
        """Send ``unit`` to ``call`` (synchronously marks it dispatched, then starts its process)."""
        now = self.env.now
        from_station = unit.state != RETURNING
        mean_turnout = self.turnout_s.get(unit.kind, 0.0) if from_station else 0.0
        travel = float(unit.eta_s(self, call.node)) - mean_turnout
        turnout = mean_turnout * call.turnout_factor
        unit.state = DISPATCHED
        unit.job += 1
        unit.call = call
        hospital = unit.hospital_s(self, call) if unit.transports(self, call) else 0.0
        unit.busy_until_s = now + turnout + travel + call.on_scene_s + hospital
        self._log_busy(unit, True)
        if np.isnan(self.first_dispatch_s[call.id]):
            self.first_dispatch_s[call.id] = now
        self.dispatch_call.append(call.id)
        self.dispatch_unit.append(unit.index)
        self.dispatch_time.append(now)
        self.dispatch_from.append(unit.station.node if from_station else unit.node)
        self.env.process(unit.respond(self, call, travel, turnout))

    def _log_busy(self, unit: Unit, busy: bool) -> None:
        self.busy_unit.append(unit.index)
        self.busy_time.append(self.env.now)
        self.busy_flag.append(1 if busy else 0)
