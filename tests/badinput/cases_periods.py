"""Rows for the operating period: the scenario's warm-up days and traffic's day-to-day adaptation."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

RUN = ("run", "s.toml", "--out", "out", "--quiet", "--no-picture")

CASES = [
    Case("periods-validate-negative-warmup", ("validate", "s.toml"), "s.toml: key 'scenario.warmup_days'",
         files={"s.toml": quick("scenario", "", "warmup_days = -1")}),
    Case("periods-validate-fractional-warmup", ("validate", "s.toml"), "s.toml: key 'scenario.warmup_days'",
         files={"s.toml": quick("scenario", "", "warmup_days = 1.5")}),
    Case("periods-run-text-warmup", RUN, "s.toml: key 'scenario.warmup_days'",
         files={"s.toml": quick("scenario", "", 'warmup_days = "two"')}),
    Case("periods-validate-long-warmup", ("validate", "s.toml"), "s.toml: key 'scenario.warmup_days'",
         files={"s.toml": quick("scenario", "", "warmup_days = 400")}),
    Case("periods-validate-departure-window", ("validate", "s.toml"),
         "s.toml: key 'traffic.departure_window_min'",
         files={"s.toml": quick("traffic", "", "departure_window_min = -5")}),
    Case("periods-validate-shift-share", ("validate", "s.toml"),
         "s.toml: key 'traffic.departure_shift_share'",
         files={"s.toml": quick("traffic", "", "departure_shift_share = 2")}),
    Case("periods-run-levers-in-warmup", RUN, "s.toml: key 'traffic.levers_in_warmup'",
         files={"s.toml": quick("traffic", "", 'levers_in_warmup = "yes"')}),
]
