"""Rows for ``emergency.unanswered_after_min``, the limit past which an unreached call is unanswered.

Each bad scenario is scenarios/testville_quick.toml with one line added to ``[emergency]``;
``twin validate`` and ``twin run`` must both print the one line, and the run must write nothing.
"""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

BAD = [
    ("zero", "unanswered_after_min = 0.0",
     "key 'emergency.unanswered_after_min': must be > 0 and <= 1440"),
    ("two-days", "unanswered_after_min = 2880.0",
     "key 'emergency.unanswered_after_min': must be > 0 and <= 1440"),
    ("text", 'unanswered_after_min = "1h"', "key 'emergency.unanswered_after_min': expected a number"),
]

CASES = [
    case
    for name, line, message in BAD
    for case in (
        Case(f"emergency_unanswered-validate-{name}", ("validate", "s.toml"), message,
             files={"s.toml": quick("emergency", "", line)}),
        Case(f"emergency_unanswered-run-{name}", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
             message, files={"s.toml": quick("emergency", "", line)}),
    )
]
