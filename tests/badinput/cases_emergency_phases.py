"""Rows for the emergency phase model, hazard areas and wartime rules (issue 14 item 5).

Each bad scenario is scenarios/testville_quick.toml with one line added to ``[emergency]``;
``twin validate`` and ``twin run`` must both print the one line, and the run must write nothing.
"""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

SURGE = 'surge = [{ start_h = 1.0, end_h = 2.0, %s }]'

BAD = [
    ("call-handling-negative", "types = { medical = { call_handling_min = -1.0 } }",
     "key 'emergency.types.medical.call_handling_min': must be >= 0"),
    ("call-handling-cv-huge", "types = { medical = { call_handling_cv = 50.0 } }",
     "key 'emergency.types.medical.call_handling_cv': must be >= 0 and <= 10"),
    ("turnout-unknown-kind", "turnout_min = { helicopter = 1.0 }",
     "turnout_min.helicopter is not a unit kind; allowed: ambulance, fire_engine"),
    ("turnout-negative", "turnout_min = { ambulance = -1.0 }",
     "key 'emergency.turnout_min.ambulance': must be >= 0"),
    ("turnout-cv-negative", "turnout_cv = -0.1", "key 'emergency.turnout_cv': must be >= 0"),
    ("handover-cv-text", 'handover_cv = "high"', "key 'emergency.handover_cv': expected a number"),
    ("circle-two-numbers", SURGE % "circle = [0.0, 0.0]",
     "surge[0].circle must be [x, y, radius] with radius > 0"),
    ("circle-zero-radius", SURGE % "circle = [0.0, 0.0, 0.0]",
     "surge[0].circle must be [x, y, radius] with radius > 0"),
    ("polygon-two-corners", SURGE % "polygon = [[0.0, 0.0], [1.0, 1.0]]",
     "surge[0].polygon must be a list of at least 3 [x, y] corners"),
    ("road-speed-zero", SURGE % "road_speed_factor = 0.0",
     "road_speed_factor': must be > 0 and <= 1"),
    ("type-multiplier-unknown-type", SURGE % "type_multipliers = { earthquake = 2.0 }",
     "surge[0].type_multipliers.earthquake is not a simulated incident type"),
    ("wartime-priority-unknown-type", "wartime_priority = { earthquake = 1 }",
     "wartime_priority.earthquake is not a simulated incident type"),
    ("wartime-priority-four", "wartime_priority = { medical = 4 }",
     "key 'emergency.wartime_priority.medical': must be >= 1 and <= 3"),
    ("wartime-trigger-negative", "wartime_trigger_calls = -1",
     "key 'emergency.wartime_trigger_calls': must be >= 0 and <= 100000"),
    ("wartime-hold-text", 'wartime_hold_min = "1h"', "key 'emergency.wartime_hold_min': expected a number"),
]

CASES = [
    case
    for name, line, message in BAD
    for case in (
        Case(f"emergency_phases-validate-{name}", ("validate", "s.toml"), message,
             files={"s.toml": quick("emergency", "", line)}),
        Case(f"emergency_phases-run-{name}", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
             message, files={"s.toml": quick("emergency", "", line)}),
    )
]
