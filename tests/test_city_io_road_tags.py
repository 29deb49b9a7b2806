"""OSM tags to link physics: the one-way, lane and speed rules of docs/own_city.md, row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.city.io.road_tags import HIGHWAY_DEFAULTS, directed_links


def links_of(rows: list[dict]) -> pd.DataFrame:
    """directed_links of way segments given as tag dicts; pyrosm keeps rarer tags in JSON 'tags'."""
    frame = pd.DataFrame(rows)
    for col in ("highway", "oneway", "lanes", "maxspeed", "tags"):
        if col not in frame:
            frame[col] = None
    out = directed_links(frame)
    return pd.DataFrame({k: v for k, v in out.items()})


def test_directions():
    out = links_of([
        {"highway": "residential"},                                  # 0: two-way
        {"highway": "residential", "oneway": "yes"},                 # 1: forward
        {"highway": "residential", "oneway": "-1"},                  # 2: backward
        {"highway": "motorway"},                                     # 3: implied one-way
        {"highway": "motorway", "oneway": "no"},                     # 4: tagged two-way
        {"highway": "tertiary", "tags": '{"junction":"roundabout"}'},  # 5: roundabout, one-way
    ])
    by_seg = out.groupby("seg").reverse.apply(sorted).to_dict()
    assert by_seg == {0: [False, True], 1: [False], 2: [True], 3: [False], 4: [False, True], 5: [False]}


def test_lanes_speeds_capacities():
    out = links_of([
        {"highway": "primary", "lanes": "4"},                                  # 2 each way
        {"highway": "primary", "lanes": "3", "oneway": "yes", "maxspeed": "30 mph"},
        {"highway": "primary", "lanes": "3", "tags": '{"lanes:forward":"2","lanes:backward":"1"}'},
        {"highway": "secondary", "maxspeed": "walk"},                          # defaults
        {"highway": "track_of_a_new_kind"},                                    # unknown: 'road' row
    ]).sort_values(["seg", "reverse"]).reset_index(drop=True)
    assert out.lanes.tolist() == [2, 2, 3, 2, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(out.speed_kmh[2], 30 * 1.609344)
    sec, road = HIGHWAY_DEFAULTS["secondary"], HIGHWAY_DEFAULTS["road"]
    assert out.speed_kmh[5] == sec.speed_kmh and out.speed_kmh[7] == road.speed_kmh
    np.testing.assert_allclose(out.capacity_vph[:3], [2 * 1500.0, 2 * 1500.0, 3 * 1500.0])
    assert out.link_class.tolist() == [2, 2, 2, 2, 2, 2, 2, 0, 0]
