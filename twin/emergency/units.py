"""Stations and units: the rich actors of the emergency module, as mesa Agents.

A :class:`Station` houses units of one kind at a road node. A :class:`Unit` (ambulance, fire
engine, police car, utility crew) moves through the states

    available -> dispatched -> en_route -> on_scene [-> transporting] -> returning -> available

with its life for one call written as a SimPy process (:meth:`Unit.respond`). A returning unit
may be sent to a new call before it is home (the dispatcher counts the rest of its way home);
standby units are ``off_duty`` outside surges. Subclass :class:`Unit` to change how a unit
behaves on a call, register the subclass with :func:`twin.emergency.register_unit_class` and
name it in ``[emergency] unit_class``; the dispatch centre only needs ``state``, ``on_duty`` and
:meth:`eta_s`. A policy may read ``call`` (the unit's current job) and ``busy_until_s``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from twin.emergency.centre import Call, DispatchCentre

AVAILABLE = "available"
DISPATCHED = "dispatched"
EN_ROUTE = "en_route"
ON_SCENE = "on_scene"
TRANSPORTING = "transporting"
RETURNING = "returning"
OFF_DUTY = "off_duty"
UNIT_STATES = (AVAILABLE, DISPATCHED, EN_ROUTE, ON_SCENE, TRANSPORTING, RETURNING, OFF_DUTY)
"""Every state a unit can be in."""


class Station(mesa.Agent):
    """A base for ``units`` regular and ``standby_units`` reserve units of one kind.

    ``index`` is the station's row in the travel-time trees.
    """

    def __init__(
        self,
        model: mesa.Model,
        *,
        name: str,
        unit_kind: str,
        node: int,
        x: float,
        y: float,
        index: int,
        units: int,
        standby_units: int = 0,
    ) -> None:
        super().__init__(model)
        self.units = units
        self.standby_units = standby_units
        self.name = name
        self.unit_kind = unit_kind
        self.node = int(node)
        self.x, self.y = float(x), float(y)
        self.index = index


class Unit(mesa.Agent):
    """One vehicle and its crew.

    Attributes:
        kind: unit kind ("ambulance", ...).
        station: home station.
        standby: a reserve unit, on duty only during surges.
        index: position in the dispatch centre's unit list (used in logs and tables).
        state: one of :data:`UNIT_STATES`.
        node: the node the unit last stood at (station, scene or hospital).
        home_at_s: when a returning unit reaches its station (seconds).
        call: the call the unit is committed to (None when free: at the station or on its way home).
        busy_until_s: when the unit is expected to be free again (seconds from the period's start):
            set on dispatch from its turnout, drive, the call's on-scene time and, for a patient
            transport, the hospital leg and handover; ``now`` once it is free (and 0 at the start).
        job: how many calls the unit has been sent to this period.
    """

    def __init__(self, model: mesa.Model, *, kind: str, station: Station, standby: bool, index: int) -> None:
        super().__init__(model)
        self.kind = kind
        self.station = station
        self.standby = standby
        self.index = index
        self.reset()

    def reset(self) -> None:
        """Back at the station at the start of an operating period."""
        self.on_duty = not self.standby
        self.state = AVAILABLE if self.on_duty else OFF_DUTY
        self.node = self.station.node
        self.home_at_s = 0.0
        self.job = 0
        self.call: Call | None = None
        self.busy_until_s = 0.0

    @property
    def free(self) -> bool:
        """Can take a call now (at the station, or on the way home)."""
        return self.on_duty and (self.state == AVAILABLE or self.state == RETURNING)

    def eta_s(self, centre: DispatchCentre, node: int) -> float:
        """Seconds to reach ``node`` if sent now (turnout included when leaving the station)."""
        to_node = centre.travel.from_station[self.station.index, node]
        if self.state == RETURNING:
            return max(self.home_at_s - centre.env.now, 0.0) + to_node
        return centre.turnout_s.get(self.kind, 0.0) + to_node

    def transports(self, centre: DispatchCentre, call: Call) -> bool:
        """Whether this unit takes the call's patient to hospital (an ambulance, the first one)."""
        return bool(
            call.transport
            and self.kind == "ambulance"
            and not call.transported
            and centre.travel.hospital_nodes.size
        )

    def hospital_s(self, centre: DispatchCentre, call: Call) -> float:
        """Seconds from the scene to the nearest hospital plus the handover there."""
        handover = centre.handover_s if call.handover_s is None else call.handover_s
        return float(centre.travel.time_to_hospital[call.node]) + handover

    def respond(self, centre: DispatchCentre, call: Call, travel_s: float, turnout_s: float) -> Generator:
        """The unit's life for one call, from dispatch to home (a SimPy process)."""
        env = centre.env
        job = self.job
        dispatched_s = env.now
        if turnout_s > 0.0:
            yield env.timeout(turnout_s)
        self.state = EN_ROUTE
        yield env.timeout(travel_s)
        self.state = ON_SCENE
        self.node = call.node
        centre.arrived(call, self, dispatched_s, turnout_s, travel_s)
        yield env.timeout(call.on_scene_s)
        travel = centre.travel
        if self.transports(centre, call):
            call.transported = True
            self.state = TRANSPORTING
            hospital = travel.hospital_nodes[travel.nearest_hospital[call.node]]
            yield env.timeout(self.hospital_s(centre, call))
            self.node = int(hospital)
        self.state = RETURNING
        self.call = None
        self.busy_until_s = env.now
        self.home_at_s = env.now + travel.to_station[self.station.index, self.node]
        centre.released(self)
        if self.home_at_s > env.now:
            yield env.timeout(self.home_at_s - env.now)
        if self.job == job:
            self.node = self.station.node
            self.state = AVAILABLE if self.on_duty else OFF_DUTY
