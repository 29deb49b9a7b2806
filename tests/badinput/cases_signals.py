"""Rows for fixed-time signals: ``traffic.signals``, ``signal_cycle_s`` and ``signal_lost_time_s``."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

UNKNOWN = {"s.toml": quick("traffic", "", 'signals = "major"')}
SHORT = {"s.toml": quick("traffic", "", "signal_cycle_s = 40\nsignal_lost_time_s = 10")}

CASES = [
    Case("signals-validate-unknown", ("validate", "s.toml"),
         "s.toml: key 'traffic.signals': 'major' is not allowed; allowed: none, arterials, all",
         files=UNKNOWN),
    Case("signals-run-unknown", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
         "key 'traffic.signals'", files=UNKNOWN),
    Case("signals-validate-cycle-range", ("validate", "s.toml"),
         "key 'traffic.signal_cycle_s'",
         files={"s.toml": quick("traffic", "", "signal_cycle_s = 600")}),
    Case("signals-validate-lost-time-type", ("validate", "s.toml"),
         "key 'traffic.signal_lost_time_s'",
         files={"s.toml": quick("traffic", "", 'signal_lost_time_s = "4 s"')}),
    Case("signals-validate-no-green-left", ("validate", "s.toml"),
         "signal_cycle_s: 40 s with 10 s lost per phase leaves under 15 s of green per phase", files=SHORT),
]
