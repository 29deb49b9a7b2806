"""Dispatch policies: which free unit to send to one need of a call.

A policy is a small class with one method, ``choose(centre, call, kind, candidates)``, that
returns one of ``candidates`` (the free units of ``kind``) or None to leave the need waiting.
The centre calls it once per unit a call needs, in priority order of the calls. Three policies
ship with the module:

- :class:`NearestAvailable` (default): the unit that reaches the scene first, by current
  travel times (a unit on its way home counts the rest of its way home);
- :class:`ClosestStation`: the free unit of the station closest to the scene (fixed first-due,
  second-due... order, as in the hypercube model);
- :class:`Tiered`: nearest available, but a reserve of units of a kind is kept for priority-1
  calls.

To add one, subclass :class:`DispatchPolicy`, register it with
:func:`twin.emergency.register_policy` and name it in ``[emergency] policy`` (its options in
``[emergency.policy_options]``), or pass an instance to ``EmergencyModule(config, policy=...)``;
docs/examples/emergency_custom_policy.py shows how.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from twin.catalog import build
from twin.emergency.config import POLICY_CATALOG
from twin.emergency.units import AVAILABLE

if TYPE_CHECKING:
    from twin.emergency.centre import Call, DispatchCentre
    from twin.emergency.config import EmergencyConfig
    from twin.emergency.units import Unit


class DispatchPolicy:
    """Base class: choose a unit for one need of a call (or None to wait).

    docs/emergency.md, "Writing a dispatch policy", lists what a policy may read and call.
    """

    name: ClassVar[str] = ""

    def start_period(self, centre: DispatchCentre) -> None:
        """Called once at the start of each operating period, after the centre has its new SimPy
        environment (``centre.env``) and empty queue, before the first call; does nothing here."""

    def choose(
        self, centre: DispatchCentre, call: Call, kind: str, candidates: Sequence[Unit]
    ) -> Unit | None:
        raise NotImplementedError


class NearestAvailable(DispatchPolicy):
    """The free unit with the shortest time to the scene (ties: lowest unit index)."""

    name = "nearest_available"

    def choose(self, centre, call, kind, candidates):
        best, best_s = None, float("inf")
        for unit in candidates:
            eta = unit.eta_s(centre, call.node)
            if eta < best_s:
                best, best_s = unit, eta
        return best


class ClosestStation(DispatchPolicy):
    """A free unit of the station with the shortest drive to the scene; units at home first."""

    name = "closest_station"

    def choose(self, centre, call, kind, candidates):
        from_station = centre.travel.from_station
        return min(
            candidates,
            default=None,
            key=lambda u: (from_station[u.station.index, call.node], u.state != AVAILABLE, u.index),
        )


class Tiered(NearestAvailable):
    """Nearest available, keeping ``reserve[kind]`` free units for priority-1 calls."""

    name = "tiered"

    def __init__(self, reserve: Mapping[str, int]) -> None:
        self.reserve = dict(reserve)

    def choose(self, centre, call, kind, candidates):
        if call.priority > 1 and len(candidates) <= self.reserve.get(kind, 0):
            return None
        return super().choose(centre, call, kind, candidates)


def make_policy(config: EmergencyConfig) -> DispatchPolicy:
    """The policy named by ``config.policy`` (built in, or registered by a plug-in), built from
    ``config.policy_options``."""
    if config.policy == Tiered.name:
        return Tiered(config.tiered_reserve)
    return build(POLICY_CATALOG, config.policy, config.policy_options)
