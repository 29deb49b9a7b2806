"""TwinModel: a mesa.Model that owns the SimPy clock and steps the modules year by year.

One ``step()`` is one scenario year: every module's yearly beat, then the operating period
(``warmup_days`` unrecorded days followed by ``period_days`` recorded days of simulated seconds)
on a fresh simpy.Environment in which all modules' processes run together, then the year's
indicators (of the recorded days only) and governance index.
A fresh Environment per year keeps a year's leftover events out of the next year; within the
year it is the one master clock every module shares. Time unit: seconds.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence

import mesa
import numpy as np
import simpy
from tqdm import tqdm

from twin.city import City
from twin.engine.clock import timed
from twin.engine.module import Module
from twin.engine.published import Published
from twin.indicators import Indicator, governance_index

SECONDS_PER_DAY = 86_400.0


def stream_key(name: str) -> int:
    """A stable 32-bit number for a stream name (same on every platform and Python)."""
    return zlib.crc32(name.encode("utf-8"))


class TwinModel(mesa.Model):
    """The coupled city model: City + modules + one SimPy clock + published state.

    Args:
        city: the immutable city every module reads.
        modules: configured modules, in the order their yearly steps run.
        seed: master seed; all randomness derives from it (see :meth:`rng`).
        replicate: replicate number, part of every stream's key.
        start_year, horizon_years, period_days: the yearly loop.
        warmup_days: whole days simulated at the start of each year's period, before the
            ``period_days`` recorded ones: every module runs and carries its stocks (bins, queues,
            unit positions, the travellers' memory) across them, and leaves them out of its
            indicators (they start at ``warmup_s``).
        progress: show a progress bar of years and simulated time.
    """

    def __init__(
        self,
        city: City,
        modules: Sequence[Module],
        *,
        seed: int = 0,
        replicate: int = 0,
        start_year: int = 2025,
        horizon_years: int = 1,
        period_days: float = 1.0,
        warmup_days: int = 0,
        progress: bool = False,
    ) -> None:
        self.seed_value = int(seed)
        self.replicate = int(replicate)
        super().__init__(rng=int(self.rng_for("mesa").integers(2**63)))
        self.city = city
        self.modules = list(modules)
        self.start_year = start_year
        self.horizon_years = horizon_years
        self.warmup_days = int(warmup_days)
        self.warmup_s = self.warmup_days * SECONDS_PER_DAY  # recorded days start here
        self.period_s = (self.warmup_days + period_days) * SECONDS_PER_DAY  # warm-up included
        self.published = Published({m.name: tuple(m.publishes) for m in self.modules})
        self.env = simpy.Environment()
        self.year = start_year
        self.indicator_rows: list[tuple[int, Indicator]] = []
        self.timings: dict[str, float] = {}
        self._progress = progress
        self._bar: tqdm | None = None
        self._setup_done = False
        self.years_done = 0

    # -- randomness -----------------------------------------------------------------------------
    def seed_sequence(self, stream: str, year: int | None = None) -> np.random.SeedSequence:
        """The SeedSequence of a named stream, keyed by (replicate, stream, year).

        Keys are explicit rather than spawned in order, so adding a module or a year never
        changes another stream: two scenarios that differ only in a policy share their noise.
        """
        key = (self.replicate, stream_key(stream)) + (() if year is None else (int(year),))
        return np.random.SeedSequence(entropy=self.seed_value, spawn_key=key)

    def rng_for(self, stream: str, year: int | None = None) -> np.random.Generator:
        """A numpy Generator for a named stream (a module name, or 'module/purpose')."""
        return np.random.default_rng(self.seed_sequence(stream, year))

    # -- the yearly loop -------------------------------------------------------------------------
    def _timed_call(self, key: str, fn, *args):  # not _time: mesa 3.5 uses that name
        start = time.perf_counter()
        result = fn(*args)
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - start
        return result

    def setup(self) -> None:
        if self._setup_done:
            return
        for module in self.modules:
            self._timed_call(module.name, module.setup, self)
        self._setup_done = True

    def step(self) -> None:
        """Simulate one year: yearly beats, the operating period, then indicators."""
        self.setup()
        year = self.start_year + self.years_done
        self.year = year
        for module in self.modules:
            self._timed_call(module.name, module.start_year, self, year)
        self.env = simpy.Environment()
        for module in self.modules:
            for process in module.processes(self):
                self.env.process(timed(process, self.timings, module.name))
        if self._bar is not None:
            self.env.process(self._progress_process(year))
        self.env.run(until=self.period_s)
        for module in self.modules:
            self._timed_call(module.name, module.end_year, self, year)
        year_rows: list[Indicator] = []
        for module in self.modules:
            year_rows.extend(self._timed_call(module.name, module.indicators, self, year))
        self.indicator_rows.extend((year, ind) for ind in year_rows)
        self._year_indicators = year_rows
        self.years_done += 1

    def add_index(self, weights, bounds) -> None:
        """Append the governance index of the year just stepped."""
        for ind in governance_index(self._year_indicators, weights, bounds):
            self.indicator_rows.append((self.year, ind))

    def _progress_process(self, year: int):
        hour = 3600.0
        while self.env.now < self.period_s:
            yield self.env.timeout(min(hour, self.period_s - self.env.now))
            self._bar.update(min(hour, self.period_s) / hour)
            self._bar.set_postfix_str(f"year {year}, day {int(self.env.now // SECONDS_PER_DAY) + 1}")

    def run_years(self, weights=None, bounds=None) -> None:
        """Run every year of the horizon, adding the governance index after each."""
        total_hours = self.horizon_years * self.period_s / 3600.0
        self._bar = tqdm(total=total_hours, unit="sim-h", desc="simulating", disable=not self._progress,
                         leave=False) if self._progress else None
        try:
            for _ in range(self.horizon_years):
                self.step()
                self.add_index(weights or {}, bounds or {})
        finally:
            if self._bar is not None:
                self._bar.close()
