"""The engine: one SimPy clock per year, yearly beats in order, keyed random streams, the ticker."""

from __future__ import annotations

import dataclasses

import numpy as np
import simpy

from twin.engine import Module, TwinModel, ticker
from twin.indicators import Indicator


@dataclasses.dataclass(frozen=True)
class NoConfig:
    pass


class Recorder(Module):
    """A module that logs every call so the test can read the order of events."""

    name = "recorder"
    domain = "test"
    config_class = NoConfig

    def __init__(self, log, tag="r"):
        super().__init__(NoConfig())
        self.log, self.tag = log, tag

    def setup(self, model):
        self.log.append((self.tag, "setup"))

    def start_year(self, model, year):
        self.log.append((self.tag, "start", year))

    def processes(self, model):
        def every_six_hours():
            while True:
                self.log.append((self.tag, "tick", model.year, model.env.now))
                yield model.env.timeout(6 * 3600)

        yield every_six_hours()

    def end_year(self, model, year):
        self.log.append((self.tag, "end", year))

    def indicators(self, model, year):
        # one indicator of the index's system: 3 min of delay in 2030, 4.5 in 2031 (bound 15, target 0)
        delay = 3.0 + 1.5 * (year - 2030)
        return [Indicator("traffic", "delay_per_trip", delay, "min", "lower", (15.0, 0.0))]


def test_yearly_loop_runs_modules_in_order_on_one_clock(testville):
    log = []
    model = TwinModel(testville, [Recorder(log, "a"), Recorder(log, "b")], seed=1, start_year=2030,
                      horizon_years=2, period_days=1.0)
    model.run_years()
    assert log[:2] == [("a", "setup"), ("b", "setup")]
    assert log[2:4] == [("a", "start", 2030), ("b", "start", 2030)]
    ticks = [e for e in log if e[1] == "tick" and e[2] == 2030]
    assert [e[3] for e in ticks if e[0] == "a"] == [0, 21600, 43200, 64800]  # fresh clock per year
    assert ("a", "end", 2031) in log
    years = sorted({y for y, _ in model.indicator_rows})
    assert years == [2030, 2031]
    index = [i for y, i in model.indicator_rows if i.domain == "governance" and i.name == "index_partial"]
    assert [round(i.value, 6) for i in index] == [80.0, 70.0]  # one dimension of five: partial only
    assert not [i for y, i in model.indicator_rows if i.name == "index"]


def test_random_streams_are_keyed_not_ordered(testville):
    a = TwinModel(testville, [], seed=5)
    b = TwinModel(testville, [], seed=5)
    b.rng_for("something_else").random(1000)  # drawing from another stream changes nothing
    assert a.rng_for("traffic/demand", 2025).random() == b.rng_for("traffic/demand", 2025).random()
    assert a.rng_for("traffic/demand", 2025).random() != a.rng_for("traffic/demand", 2026).random()
    c = TwinModel(testville, [], seed=5, replicate=1)
    assert a.rng_for("x").random() != c.rng_for("x").random()
    assert a.rng_for("x").random() != TwinModel(testville, [], seed=6).rng_for("x").random()


def test_ticker_runs_before_other_events_at_the_same_instant():
    env = simpy.Environment()
    order = []

    def other():
        while True:
            order.append(("event", env.now))
            yield env.timeout(10)

    env.process(other())  # started first, yet the tick at the same instant must come first
    env.process(ticker(env, 10, lambda now: order.append(("tick", now))))
    env.run(until=35)
    assert order[2:] == [("tick", 10), ("event", 10), ("tick", 20), ("event", 20),
                         ("tick", 30), ("event", 30)]


def test_mesa_model_api_is_available(testville):
    import mesa

    model = TwinModel(testville, [], seed=2)
    assert isinstance(model, mesa.Model)

    class Probe(mesa.Agent):
        def step(self):
            self.stepped = True

    agents = [Probe(model) for _ in range(3)]
    model.agents.shuffle_do("step")
    assert all(a.stepped for a in agents)
    assert isinstance(model.rng, np.random.Generator)
