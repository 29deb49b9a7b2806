"""Rows for the loading's link model: an unknown ``traffic.link_model`` or ``--link-model``."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import quick
from badinput.cases_tools import SIMULATE

UNKNOWN = {"s.toml": quick("traffic", "", 'link_model = "lwr"')}

CASES = [
    Case("linkmodel-validate-unknown", ("validate", "s.toml"),
         "s.toml: key 'traffic.link_model': 'lwr' is not allowed; allowed: kinematic_wave, spatial_queue",
         files=UNKNOWN),
    Case("linkmodel-run-unknown", ("run", "s.toml", "--out", "out", "--quiet", "--no-picture"),
         "key 'traffic.link_model'", files=UNKNOWN),
    Case("linkmodel-simulate-unknown", (*SIMULATE, "--link-model", "lwr"),
         "argument --link-model: invalid choice"),
]
