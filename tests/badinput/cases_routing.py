"""Rows for the route tables' tolerance: out-of-range values."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

CASES = [
    Case("routing-validate-negative-tolerance", ("validate", "s.toml"),
         "s.toml: key 'traffic.route_tolerance'",
         files={"s.toml": quick("traffic", "", "route_tolerance = -0.1")}),
    Case("routing-validate-tolerance-above-one", ("validate", "s.toml"),
         "s.toml: key 'traffic.route_tolerance'",
         files={"s.toml": quick("traffic", "", "route_tolerance = 2")}),
]
