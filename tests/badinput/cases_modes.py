"""Rows for the travel modes, ``[traffic.modes]``: bad shares and levers naming what the city lacks."""

from __future__ import annotations

from badinput import Case
from badinput.cases_scenario import QUICK, SMALL
from badinput.cases_seedcity import SEED


def modes(text: str) -> dict[str, str]:
    """testville_quick.toml with travel modes on and ``text`` in ``[traffic.modes]``."""
    return {"s.toml": QUICK + f"\n[traffic.modes]\nenabled = true\n{text}\n"}


def small_modes(text: str) -> dict[str, str]:
    """The one-second scenario with traffic and travel modes on and ``text`` in ``[traffic.modes]``."""
    return {"s.toml": SMALL + f"\n[traffic]\n\n[traffic.modes]\nenabled = true\n{text}\n"}


RUN = ("run", "s.toml", "--out", "out", "--quiet")

CASES = [
    Case("modes-validate-shares-sum", ("validate", "s.toml"),
         "s.toml: key 'traffic.modes': base_shares: the shares must sum to 1, got 1.1",
         files=modes("base_shares = { car = 0.3, bus = 0.08, ebike = 0.4, walk = 0.32 }")),
    Case("modes-validate-shares-missing-mode", ("validate", "s.toml"),
         "base_shares: give one share for each of car, bus, ebike, walk",
         files=modes("base_shares = { car = 0.6, walk = 0.4 }")),
    Case("modes-validate-unknown-key", ("validate", "s.toml"),
         "key 'traffic.modes.parking_price': unknown key (did you mean 'parking_price_yuan'?)",
         files=modes("parking_price = 5")),
    Case("modes-validate-negative-price", ("validate", "s.toml"),
         "key 'traffic.modes.parking_price_yuan': must be >= 0 and <= 200",
         files=modes("parking_price_yuan = -1")),
    Case("modes-validate-headway-factor-range", ("validate", "s.toml"),
         "key 'traffic.modes.bus_headway_factor': must be >= 0.1 and <= 10",
         files=modes("bus_headway_factor = 0")),
    Case("modes-validate-service-hours-order", ("validate", "s.toml"),
         "s.toml: key 'traffic.modes': bus_service_hours: give [first, last] hours of the day with "
         "first < last, got [22.0, 6.0]",
         files=modes("bus_service_hours = [22, 6]")),
    Case("modes-validate-service-hours-range", ("validate", "s.toml"),
         "key 'traffic.modes.bus_service_hours[1]': must be >= 0 and <= 24",
         files=modes("bus_service_hours = [6, 25]")),
    Case("modes-validate-bus-lanes-type", ("validate", "s.toml"),
         "key 'traffic.modes.bus_lanes': expected a list",
         files=modes('bus_lanes = "Link Road"')),
    Case("modes-run-bus-lane-unknown-road", RUN,
         "key 'traffic.modes.bus_lanes': no road named 'Atlantis Avenue'; allowed: Link Road, Test Bridge",
         files=small_modes('bus_lanes = ["Atlantis Avenue"]')),
    Case("modes-run-ebike-lane-unknown-road", RUN,
         "key 'traffic.modes.ebike_lanes': no road named 'arterial'; allowed: 'arterials', Link Road",
         files=small_modes('ebike_lanes = ["arterial"]')),
    Case("modes-run-parking-unknown-district", RUN,
         "key 'traffic.modes.parking_price_by_district.atlantis': no such district; allowed: old_town",
         files=small_modes("parking_price_by_district = { atlantis = 10.0 }")),
    Case("modes-run-headway-unknown-line", RUN,
         "key 'traffic.modes.bus_headway_min': no bus line 'B9'; lines: B1",
         files=small_modes("bus_headway_min = { B9 = 5.0 }")),
    Case("modes-run-named-line-unknown-road", RUN,
         "key 'traffic.modes.named_lines': bus line 'X': no road or facility named 'Atlantis Avenue'; "
         "roads: Link Road, Test Bridge",
         files=small_modes('named_lines = [{ name = "X", via = ["Test Bridge", "Atlantis Avenue"] }]')),
    Case("modes-run-named-line-name-taken", RUN,
         "key 'traffic.modes.named_lines': bus line name 'B1' is taken",
         files=small_modes('named_lines = [{ name = "B1", via = ["Test Bridge", "Link Road"] }]')),
    Case("modes-validate-named-line-bad-place", ("validate", "s.toml"),
         "key 'traffic.modes.named_lines[0]': bus line 'X': via: 3 is neither a name nor a point [x, y]",
         files=modes('named_lines = [{ name = "X", via = ["Link Road", 3] }]')),
    Case("modes-validate-named-line-one-point", ("validate", "s.toml"),
         "bus line 'X': via needs two places, or one named road",
         files=modes('named_lines = [{ name = "X", via = [[0, 0]] }]')),
    Case("modes-validate-named-lines-twice", ("validate", "s.toml"),
         "named_lines: line names must be unique",
         files=modes('named_lines = [{ name = "X", via = ["Link Road"] }, '
                     '{ name = "X", via = ["Test Bridge"] }]')),
    Case("modes-seed-bus-line-unknown-road", ("city", "info", "s.toml"),
         "bus_lines: bus line '1': no road or facility named 'Atlantis Avenue'; allowed: core bus station 1, "
         "or a point [x, y]",
         files={"s.toml": SEED + '[[facilities]]\nkind = "bus_station"\ndistrict = "core"\n'
                '[[bus_lines]]\nname = "1"\nvia = ["Atlantis Avenue", [0, 0]]\n'}),
]
