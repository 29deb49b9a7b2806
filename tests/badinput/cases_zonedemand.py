"""Rows for the zone demand factors, ``traffic.zone_trip_factor``: unknown names and bad factors."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import SMALL


def factors(text: str) -> dict[str, str]:
    """The one-second testville scenario with traffic on and ``zone_trip_factor = text``."""
    return {"s.toml": SMALL + f"\n[traffic]\nzone_trip_factor = {text}\n"}


RUN = ("run", "s.toml", "--out", "out", "--quiet")

CASES = [
    Case("zonedemand-run-unknown-zone", RUN,
         "key 'traffic.zone_trip_factor.nowhere': no district or zone named 'nowhere'; districts:",
         files=factors("{ nowhere = 1.5 }")),
    Case("zonedemand-run-misspelt-district", RUN,
         "zone_trip_factor.old_twn': no district or zone named 'old_twn' (did you mean 'old_town'?)",
         files=factors("{ old_twn = 2 }")),
    Case("zonedemand-validate-negative", ("validate", "s.toml"),
         "key 'traffic.zone_trip_factor.old_town-001': must be >= 0 and <= 10, got -1",
         files=factors('{ "old_town-001" = -1 }')),
    Case("zonedemand-validate-not-a-table", ("validate", "s.toml"),
         "key 'traffic.zone_trip_factor': expected a table, got float 2.0",
         files=factors("2.0")),
]
