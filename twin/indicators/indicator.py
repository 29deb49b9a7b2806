"""An indicator: one KPI value with its unit, direction and default normalisation bounds."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import pandas as pd

INDICATOR_COLUMNS = ["year", "domain", "indicator", "value", "unit", "better", "low", "high"]


@dataclasses.dataclass(frozen=True)
class Indicator:
    """A KPI of one domain for one year.

    ``better`` says which way is good ("higher", "lower" or "" for a figure that is only
    reported); ``bounds`` = (worst, best) maps the value onto a 0-100 score for the governance
    index unless the scenario overrides them.
    """

    domain: str
    name: str
    value: float
    unit: str
    better: str = ""
    bounds: tuple[float, float] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.better not in ("higher", "lower", ""):
            raise ValueError(f"indicator {self.key}: better must be 'higher', 'lower' or ''")
        if self.better and self.bounds is None:
            raise ValueError(f"indicator {self.key}: a direction needs bounds (worst, best)")

    @property
    def key(self) -> str:
        return f"{self.domain}.{self.name}"


def indicator_table(rows: list[tuple[int, Indicator]],
                    bounds: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """The long table written to indicators.parquet and indicators.csv.

    Columns: year, domain, indicator, value, unit; ``better`` (the indicator's direction:
    "higher", "lower", or "" for a figure only reported); ``low`` and ``high``: the range the
    governance index scores it over, from ``bounds`` ('domain.indicator' -> (worst, best), as
    :func:`twin.indicators.system.effective_bounds` gives with the scenario's overrides), in the
    indicator's unit; NaN (empty in the CSV) where the index does not score the indicator.
    """
    bounds = bounds or {}
    frame = pd.DataFrame(
        [(year, i.domain, i.name, float(i.value), i.unit, i.better,
          *sorted(bounds.get(i.key, (math.nan, math.nan)))) for year, i in rows],
        columns=INDICATOR_COLUMNS,
    )
    return frame.astype({"year": "int64", "value": "float64", "low": "float64", "high": "float64"})
