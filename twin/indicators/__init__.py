"""Indicators: KPIs with units and direction, and the composite governance index (0-100)."""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.indicators.index": ("FULL_INDEX", "INDEX_DOMAIN", "PARTIAL_INDEX", "governance_index", "score"),
    "twin.indicators.indicator": ("INDICATOR_COLUMNS", "Indicator", "indicator_table"),
    "twin.indicators.system": ("IndexSystem", "load_system"),
})

__all__ = ["FULL_INDEX", "INDEX_DOMAIN", "INDICATOR_COLUMNS", "PARTIAL_INDEX", "IndexSystem", "Indicator",
           "governance_index", "indicator_table", "load_system", "score"]
