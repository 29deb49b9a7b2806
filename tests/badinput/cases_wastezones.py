"""Rows for the waste district factors, ``waste.zone_generation_factor``: unknown names and bad factors."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import SMALL


def factors(text: str) -> dict[str, str]:
    """The one-second testville scenario with waste on and ``zone_generation_factor = text``."""
    return {"s.toml": SMALL + f"\n[waste]\nzone_generation_factor = {text}\n"}


CASES = [
    Case("wastezones-run-misspelt-district", ("run", "s.toml", "--out", "out", "--quiet"),
         "key 'waste.zone_generation_factor.old_twn': no district or zone named 'old_twn' (did you mean "
         "'old_town'?); districts: old_town, new_town; zones:", files=factors("{ old_twn = 1.4 }")),
    Case("wastezones-validate-too-large", ("validate", "s.toml"),
         "key 'waste.zone_generation_factor.new_town': must be >= 0 and <= 10, got 11",
         files=factors("{ new_town = 11 }")),
]
