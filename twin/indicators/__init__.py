"""Indicators: KPIs with units and direction, and the composite governance index (0-100)."""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.indicators.index": ("INDEX_DOMAIN", "governance_index", "score"),
    "twin.indicators.indicator": ("INDICATOR_COLUMNS", "Indicator", "indicator_table"),
})

__all__ = ["INDEX_DOMAIN", "INDICATOR_COLUMNS", "Indicator", "governance_index",
           "indicator_table", "score"]
