"""Rows for the zone connectors: a count out of range or not a whole number."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

CASES = [
    Case("connectors-validate-zero", ("validate", "s.toml"),
         "s.toml: key 'traffic.zone_connectors'",
         files={"s.toml": quick("traffic", "", "zone_connectors = 0")}),
    Case("connectors-validate-above-sixteen", ("validate", "s.toml"),
         "s.toml: key 'traffic.zone_connectors'",
         files={"s.toml": quick("traffic", "", "zone_connectors = 17")}),
    Case("connectors-validate-fraction", ("validate", "s.toml"),
         "s.toml: key 'traffic.zone_connectors'",
         files={"s.toml": quick("traffic", "", "zone_connectors = 2.5")}),
]
