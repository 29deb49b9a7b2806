"""Indicators: KPIs with units and direction, and the composite governance index (0-100)."""

from twin.indicators.index import INDEX_DOMAIN, governance_index, score
from twin.indicators.indicator import INDICATOR_COLUMNS, Indicator, indicator_table

__all__ = ["INDEX_DOMAIN", "INDICATOR_COLUMNS", "Indicator", "governance_index",
           "indicator_table", "score"]
