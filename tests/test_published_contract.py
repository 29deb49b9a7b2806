"""The published-state contract: docs/architecture.md's table against what the modules publish.

Testville runs with every module switched on, a surge with a hazard area (so emergency publishes
``link_speed_factor``) and a waste shift inside the period (so trucks publish
``link_extra_vehicles``); every name on the board must be a row of the table with the same
publisher, shape and unit, and every row must be on the board.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from twin.engine import Module, NotPublished, Published
from twin.engine.published import PUBLISHERS
from twin.scenario.run import WARM_UP_SCENARIO, simulate
from twin.scenario.spec import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]

SURGE = {"start_h": 0.5, "end_h": 1.5, "circle": [2400.0, 0.0, 700.0], "road_speed_factor": 0.5}
"""A one-hour hazard area around New Town, inside the 2.4-hour period."""


def contract_table() -> dict[str, dict[str, str]]:
    """The rows of docs/architecture.md's "Published state" table, by name."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Published state", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `(\w+)` \| (\([^)]*\)) \| ([^|]+) \| (\w+) \|", line)
        if match:
            name, shape, unit, publisher = match.groups()
            rows[name] = {"shape": shape, "unit": unit.strip(), "publisher": publisher}
    return rows


@pytest.fixture(scope="module")
def board():
    data = {**WARM_UP_SCENARIO, "emergency": {"rate_scale": 10.0, "surge": [SURGE]}}
    model, *_ = simulate(scenario_from_dict(data, source="contract"))
    return model


def test_the_table_lists_every_built_in_name_with_its_publisher():
    table = contract_table()
    assert len(table) >= 8
    assert {name: row["publisher"] for name, row in table.items()} == PUBLISHERS


def test_every_module_publishes_what_the_table_says(board):
    table = contract_table()
    published = board.published
    assert set(published.names()) == set(table), "a name published but not documented, or the reverse"
    sizes = {"n_links": board.city.network.n_links, "n_zones": len(board.city.zones)}
    for name, row in table.items():
        item = published.item(name)
        shape = tuple(sizes[part.strip()] for part in row["shape"].strip("(),").split(",") if part.strip())
        assert item.value.shape == shape, name
        assert item.unit == ("" if row["unit"] == "-" else row["unit"]), name
        assert item.publisher == row["publisher"], name
        assert np.all(np.isfinite(item.value) | (item.value == np.inf)), name


def test_traffic_publishes_plausible_speeds_and_flows():
    data = {"scenario": {"name": "morning", "city": "testville", "period_days": 0.4}, "traffic": {}}
    model, *_ = simulate(scenario_from_dict(data, source="morning"))  # to 09:36, past the morning peak
    published, net = model.published, model.city.network
    speed, time_s = published.get("link_speed_kmh"), published.get("link_travel_time_s")
    open_links = np.isfinite(time_s)
    np.testing.assert_allclose(speed[open_links] * time_s[open_links] / 3.6, net.link_length_m[open_links])
    free_kmh = net.link_free_speed_mps * 3.6
    assert np.all(speed[open_links] <= free_kmh[open_links] * (1 + 1e-9))  # never faster than free flow
    flow = published.get("link_flow_vph")
    assert flow.min() >= 0.0 and np.count_nonzero(flow) > 0
    capacity = net.link_capacity_vph
    assert np.all(flow <= 1.5 * capacity)  # what left a link in 15 minutes, per hour: not far over capacity


def test_a_missing_name_says_who_publishes_it_and_whether_it_is_on():
    board = Published({"migration": ()})
    with pytest.raises(NotPublished, match=r"module 'traffic', which is not switched on .*\[traffic\]"):
        board.get("zone_travel_time_s")
    with pytest.raises(NotPublished, match=r"not published yet: module 'migration' \(switched on\)"):
        board.get("zone_population")
    assert board.get("zone_population", None) is None  # a default still reads it optionally


def test_a_plug_in_module_declares_its_names():
    class Air(Module):
        name = "air"
        publishes = ("zone_no2_ugm3",)

    board = Published({Air.name: Air.publishes})
    with pytest.raises(NotPublished, match="module 'air' \\(switched on\\)"):
        board.get("zone_no2_ugm3")
    with pytest.raises(NotPublished, match="nothing publishes 'zone_pm25'"):
        board.get("zone_pm25")
