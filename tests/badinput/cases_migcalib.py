"""Rows for the migration base-year keys of issue 17: ``zone_constants`` and ``housing_growth_rate``."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

RUN = ("run", "s.toml", "--out", "out", "--quiet", "--no-picture")

CASES = [
    Case("migcalib-validate-zone-constants-unknown", ("validate", "s.toml"),
         "s.toml: key 'migration.zone_constants': 'fitted' is not allowed; allowed: calibrated, zero",
         files={"s.toml": quick("migration", "", 'zone_constants = "fitted"')}),
    Case("migcalib-run-zone-constants-number", RUN, "key 'migration.zone_constants'",
         files={"s.toml": quick("migration", "", "zone_constants = 0")}),
    Case("migcalib-validate-housing-growth-negative", ("validate", "s.toml"),
         "key 'migration.housing_growth_rate': must be >= 0 and <= 0.2",
         files={"s.toml": quick("migration", "", "housing_growth_rate = -0.01")}),
    Case("migcalib-run-housing-growth-huge", RUN, "key 'migration.housing_growth_rate'",
         files={"s.toml": quick("migration", "", "housing_growth_rate = 5.0")}),
]
