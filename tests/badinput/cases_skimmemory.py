"""Rows for the traffic skim memory and gridlock options: out-of-range values."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

CASES = [
    Case("skimmemory-validate-zero-smoothing", ("validate", "s.toml"),
         "s.toml: key 'traffic.skim_smoothing'",
         files={"s.toml": quick("traffic", "", "skim_smoothing = 0.0")}),
    Case("skimmemory-validate-negative-warmup", ("validate", "s.toml"),
         "s.toml: key 'traffic.warmup_days'",
         files={"s.toml": quick("traffic", "", "warmup_days = -1")}),
    Case("skimmemory-validate-gridlock-pct", ("validate", "s.toml"),
         "s.toml: key 'traffic.gridlock_warn_pct'",
         files={"s.toml": quick("traffic", "", "gridlock_warn_pct = 150")}),
]
