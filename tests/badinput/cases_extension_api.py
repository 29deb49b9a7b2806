"""Rows for the extension APIs (issue 20 items 2, 3, 5): registered policies and agent classes.

Each bad scenario is scenarios/testville_quick.toml with one line added to a module's section
(the example plug-in named in ``[scenario] plugins`` where a row needs its ``look_ahead``);
``twin validate`` and ``twin run`` must both print the one line, and the run must write nothing.
"""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick

PLUGIN = 'plugins = ["citytwin_air"]'
"""The example plug-in (examples/citytwin-air), which registers the ``look_ahead`` policy."""


def with_plugin(text: str) -> str:
    """``text`` with the example plug-in named in its ``[scenario]`` section."""
    return text.replace("[scenario]\n", f"[scenario]\n{PLUGIN}\n", 1)


BAD = [
    ("policy-unknown", quick("emergency", "", 'policy = "nearest"'),
     "key 'emergency.policy': 'nearest' is not allowed; allowed: nearest_available, closest_station, tiered"),
    ("policy-options-on-built-in", quick("emergency", "", "policy_options = { margin_s = 60.0 }"),
     "policy_options: the built-in policy 'nearest_available' takes none"),
    ("policy-option-unknown",
     with_plugin(quick("emergency", "", 'policy = "look_ahead"\npolicy_options = { margin = 60.0 }')),
     "policy_options.margin is not an option of dispatch policy 'look_ahead'; allowed: margin_s, patience_s"),
    ("policy-option-date",
     with_plugin(quick("emergency", "", 'policy = "look_ahead"\npolicy_options = { margin_s = 2025-01-01 }')),
     "policy_options.margin_s: date datetime.date(2025, 1, 1) is not allowed; options are strings"),
    ("policy-options-not-a-table", quick("emergency", "", 'policy_options = "fast"'),
     "key 'emergency.policy_options': expected a table, got str 'fast'"),
    ("unit-class-unknown", quick("emergency", "", 'unit_class = "helicopter"'),
     "key 'emergency.unit_class': 'helicopter' is not allowed; allowed: unit (a plug-in adds one with "
     "twin.emergency.register_unit_class)"),
    ("unit-option-reserved", quick("emergency", "", 'unit_options = { kind = "helicopter" }'),
     "unit_options.kind is not an option of unit class 'unit'; allowed: none"),
    ("truck-class-unknown", quick("waste", "", 'truck_class = "lorry"'),
     "key 'waste.truck_class': 'lorry' is not allowed; allowed: truck (a plug-in adds one with "
     "twin.waste.register_truck_class)"),
    ("truck-option-unknown", quick("waste", "", "truck_options = { crew = 3 }"),
     "truck_options.crew is not an option of truck class 'truck'; allowed: none"),
    ("household-agent-unknown", quick("migration", "", 'household_agent = "houshold"'),
     "household_agent: 'houshold' is not a registered household agent class (did you mean 'household'?)"),
    ("household-options-without-agent", quick("migration", "", "household_agent_options = { weight = 1.0 }"),
     "household_agent_options: name a household_agent to pass them to"),
]

CASES = [
    case
    for name, text, message in BAD
    for case in (
        Case(f"extension_api-validate-{name}", ("validate", "s.toml"), message, files={"s.toml": text}),
        Case(f"extension_api-run-{name}", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
             message, files={"s.toml": text}),
    )
]
