"""A year of emergency calls in Hezhou on time-varying travel times, against plain SimPy.

Runs the real EmergencyModule for 365 simulated days on the Hezhou seed city. Link travel times
change every hour (a stand-in for the traffic module, which is too heavy to run for a year here:
arterials and highways slow down by up to 2.5x in the morning and evening peaks), so the
station and hospital trees are rebuilt every ``skim_refresh_min``. Reports seconds per simulated
year, calls and SimPy events per second, and, in the same process, the event throughput of plain
SimPy (processes that only yield timeouts), the ceiling any SimPy model can reach.

    python benchmarks/emergency_year.py [--days 365] [--free-flow] [--json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import simpy

from twin import City
from twin.emergency import EmergencyConfig, EmergencyModule
from twin.engine import Module, TwinModel, ticker

PEAK = np.array([0, 0, 0, 0, 0, 0, 0.3, 1.0, 1.0, 0.5, 0.3, 0.3, 0.4, 0.3, 0.3, 0.4, 0.6, 1.0, 1.0, 0.6,
                 0.3, 0.1, 0, 0])
"""Relative congestion by hour of day (1 = the peak)."""


class HourlyCongestion(Module):
    """Publishes link_travel_time_s every hour: main roads slow down by up to 2.5x at the peaks."""

    name = "congestion_stand_in"

    def processes(self, model):
        net = model.city.network
        main = (net.link_class >= 2).astype(np.float64)

        def publish(now: float) -> None:
            slowdown = 1.0 + 1.5 * PEAK[int(now // 3600) % 24] * main
            model.published.publish("link_travel_time_s", net.free_flow_time_s * slowdown, "s", self.name)

        yield ticker(model.env, 3600.0, publish)


def simpy_throughput(n_events: int, n_processes: int = 200) -> float:
    """Events per second of plain SimPy: processes yielding exponential timeouts."""
    env = simpy.Environment()
    rng = np.random.default_rng(0)
    delays = rng.exponential(1.0, n_events).tolist()
    per = n_events // n_processes

    def proc(k):
        for d in delays[k * per:(k + 1) * per]:
            yield env.timeout(d)

    for k in range(n_processes):
        env.process(proc(k))
    start = time.perf_counter()
    env.run()
    return n_events / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--free-flow", action="store_true", help="no congestion stand-in: free-flow times")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    city = City.from_seed("hezhou")
    module = EmergencyModule(EmergencyConfig())
    modules = [module] if args.free_flow else [HourlyCongestion(None), module]
    model = TwinModel(city, modules, seed=1, horizon_years=1, period_days=args.days)
    start = time.perf_counter()
    model.step()
    wall = time.perf_counter() - start
    # SimPy numbers every scheduled event (its private event counter); read it once at the end
    events = next(model.env._eid)
    calls = len(module.last_incidents)
    plain = simpy_throughput(2_000_000)
    result = {
        "days": args.days, "congestion": not args.free_flow, "calls": calls,
        "dispatches": len(module.snapshot()["dispatches"]),
        "simpy_events": events, "wall_s": round(wall, 2),
        "seconds_per_simulated_year": round(wall * 365.0 / args.days, 2),
        "calls_per_s": round(calls / wall), "events_per_s": round(events / wall),
        "plain_simpy_events_per_s": round(plain), "share_of_plain_simpy": round(events / wall / plain, 3),
        "tree_rebuilds": module.travel.rebuilds,
        "emergency_module_s": round(model.timings.get("emergency", 0), 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<28} {value:,}" if not isinstance(value, str) else f"{key:<28} {value}")


if __name__ == "__main__":
    main()
