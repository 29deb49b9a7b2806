"""The Module protocol: how a domain model plugs into the engine.

A module is a small class with the same verbs as every other module (scikit-learn style):

- ``setup(model)``: once, before the first year (build arrays, create Mesa agents);
- ``start_year(model, year)``: the yearly beat, before the operating period (migration moves
  households, traffic rebuilds demand from the new population);
- ``processes(model)``: SimPy generators started at t = 0 of each year's operating period;
- ``end_year(model, year)``: after the operating period;
- ``indicators(model, year)``: the year's KPIs as :class:`~twin.indicators.Indicator` rows;
- ``timeseries()`` and ``snapshot()``: tables written to the run folder at the end.

Configuration arrives validated and frozen in ``self.config`` (an instance of ``config_class``).
Modules talk to each other only through ``model.published`` (see :mod:`twin.engine.published`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

if TYPE_CHECKING:
    from twin.engine.model import TwinModel
    from twin.indicators import Indicator


class Module:
    """Base class with do-nothing defaults; subclasses override what they need."""

    name: ClassVar[str] = ""
    """Section name in scenario files, e.g. ``"traffic"``."""
    domain: ClassVar[str] = ""
    """Indicator domain the module reports under (weights in [indicators.weights])."""
    config_class: ClassVar[type] = object
    """Frozen dataclass validated from the module's scenario section."""
    publishes: ClassVar[tuple[str, ...]] = ()
    """Names a plug-in module publishes on ``model.published`` (the built-in modules' names are
    :data:`twin.engine.published.PUBLISHERS`); a reader asking before the first publish is told
    which module writes the name."""

    def __init__(self, config: Any) -> None:
        self.config = config

    def setup(self, model: TwinModel) -> None:
        """Prepare state once, before the first year."""

    def start_year(self, model: TwinModel, year: int) -> None:
        """Yearly step before the operating period."""

    def processes(self, model: TwinModel) -> Iterable[Generator]:
        """SimPy processes for this year's operating period (time 0 = period start, seconds)."""
        return ()

    def end_year(self, model: TwinModel, year: int) -> None:
        """Yearly step after the operating period."""

    def indicators(self, model: TwinModel, year: int) -> list[Indicator]:
        """KPIs of the year just simulated."""
        return []

    def timeseries(self) -> dict[str, pd.DataFrame]:
        """Time series recorded over the run, by table name."""
        return {}

    def snapshot(self) -> dict[str, pd.DataFrame]:
        """Final state for the viewer (per link, zone, building...), by table name."""
        return {}
