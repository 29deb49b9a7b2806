"""Helpers on the SimPy clock: a ticker for time-stepped models, and timed processes."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import simpy
from simpy.core import URGENT


def ticker(env: simpy.Environment, dt_s: float, tick: Callable[[float], None],
           until_s: float | None = None) -> Generator:
    """A process that calls ``tick(now)`` every ``dt_s`` seconds, before other same-time events.

    Ticks are scheduled with URGENT priority, so a time-stepped model (traffic) advances before
    the event-driven models (emergency, waste) act at the same instant: the order of events is
    the one an outer loop would give, whatever the order processes were started in.
    """
    while until_s is None or env.now < until_s:
        tick(env.now)
        event = simpy.Event(env)
        event._ok = True
        event._value = None
        env.schedule(event, URGENT, dt_s)
        yield event


def timed(process: Generator, timings: dict[str, float], key: str) -> Generator:
    """Wrap a SimPy generator so the CPU time spent inside it is added to ``timings[key]``."""
    send, arg = process.send, None
    while True:
        start = time.perf_counter()
        try:
            event = send(arg)
        except StopIteration as stop:
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - start
            return stop.value
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - start
        try:
            arg = yield event
            send = process.send
        except BaseException as exc:  # an Interrupt thrown in by SimPy goes on to the process
            arg = exc
            send = process.throw
