"""From OSM way tags to link physics: directions, lanes, speeds and capacities.

OSM tags say where a road goes and sometimes how many lanes it has and how fast one may drive;
they never give a capacity. Missing values come from :data:`HIGHWAY_DEFAULTS`, one row per
``highway`` value, documented in docs/own_city.md. The rules:

- direction: ``oneway=yes|true|1`` forward only, ``oneway=-1|reverse`` backward only,
  ``oneway=no`` both; without a tag, ``highway=motorway`` and ``junction=roundabout|circular``
  are one-way (OSM's implied one-way rule), every other road is two-way.
- lanes per direction: ``lanes:forward`` / ``lanes:backward`` when tagged; else ``lanes`` on a
  one-way road, half of ``lanes`` (rounded up) on a two-way road; else the class default.
- speed: ``maxspeed`` in km/h (``mph`` values converted); anything else (``walk``, ``RU:urban``)
  falls back to the class default.
- capacity: lanes x the class's capacity per lane (vehicles/hour/lane).
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd


@dataclasses.dataclass(frozen=True)
class HighwayDefaults:
    """Defaults for one ``highway`` value; ``link_class`` indexes ``twin.city.LINK_CLASSES``."""

    link_class: int
    lanes: int
    speed_kmh: float
    capacity_per_lane_vph: float


HIGHWAY_DEFAULTS: dict[str, HighwayDefaults] = {
    "motorway": HighwayDefaults(3, 2, 110.0, 1900.0),
    "motorway_link": HighwayDefaults(3, 1, 60.0, 1500.0),
    "trunk": HighwayDefaults(3, 2, 90.0, 1800.0),
    "trunk_link": HighwayDefaults(3, 1, 50.0, 1500.0),
    "primary": HighwayDefaults(2, 2, 60.0, 1500.0),
    "primary_link": HighwayDefaults(2, 1, 40.0, 1200.0),
    "secondary": HighwayDefaults(2, 1, 50.0, 1300.0),
    "secondary_link": HighwayDefaults(2, 1, 40.0, 1100.0),
    "tertiary": HighwayDefaults(1, 1, 50.0, 900.0),
    "tertiary_link": HighwayDefaults(1, 1, 40.0, 900.0),
    "unclassified": HighwayDefaults(1, 1, 40.0, 800.0),
    "residential": HighwayDefaults(0, 1, 30.0, 600.0),
    "living_street": HighwayDefaults(0, 1, 10.0, 300.0),
    "service": HighwayDefaults(0, 1, 20.0, 400.0),
    "road": HighwayDefaults(0, 1, 30.0, 600.0),
}
"""Class defaults by ``highway`` value; unknown values get the ``road`` row."""

FORWARD_ONLY = {"yes", "true", "1"}
BACKWARD_ONLY = {"-1", "reverse"}
TWO_WAY = {"no", "false", "0"}
IMPLIED_ONEWAY_HIGHWAYS = {"motorway"}
IMPLIED_ONEWAY_JUNCTIONS = {"roundabout", "circular"}

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_speed_kmh(value) -> float:
    """A ``maxspeed`` tag in km/h, or NaN when it is missing or not a number."""
    if not isinstance(value, str):
        return np.nan
    match = _NUMBER.match(value.split(";")[0])
    if match is None:
        return np.nan
    speed = float(match.group(1))
    return speed * 1.609344 if match.group(2) == "mph" else speed


def parse_count(value) -> float:
    """A lane count tag (``"2"``, ``"2;3"`` takes the first), or NaN."""
    if not isinstance(value, str):
        return np.nan
    try:
        count = float(value.split(";")[0])
    except ValueError:
        return np.nan
    return count if count >= 1 else np.nan


def _extra_tags(tags: pd.Series, key: str) -> pd.Series:
    """One tag that pyrosm leaves in its JSON ``tags`` column (NaN where absent)."""
    values = np.full(len(tags), None, dtype=object)
    has = tags.fillna("").str.contains(f'"{key}"', regex=False).to_numpy()
    for i in np.flatnonzero(has):
        values[i] = json.loads(tags.iloc[i]).get(key)
    return pd.Series(values, index=tags.index)


def tag_column(edges: pd.DataFrame, name: str) -> pd.Series:
    """The tag ``name`` of every row: pyrosm's own column, else looked up in its JSON ``tags``."""
    if name in edges.columns:
        return edges[name]
    if "tags" in edges.columns:
        return _extra_tags(edges["tags"], name)
    return pd.Series([None] * len(edges), index=edges.index)


def parse_each(values: pd.Series, parse) -> np.ndarray:
    """``parse`` applied to each distinct value once (tags repeat a lot), NaN where missing."""
    codes, uniques = pd.factorize(values)
    parsed = np.array([parse(u) for u in uniques] + [np.nan], dtype=np.float64)
    return parsed[codes]


def directed_links(edges: pd.DataFrame) -> dict[str, np.ndarray]:
    """Directed links from pyrosm way segments (one row per segment, ``u`` -> ``v`` in way order).

    Returns columns ``seg`` (row of ``edges``), ``reverse`` (True for the backward copy),
    ``speed_kmh``, ``lanes``, ``capacity_vph``, ``link_class``; the caller maps ``u``/``v``.
    """
    highway = edges["highway"].astype(str).to_numpy()
    known = np.isin(highway, list(HIGHWAY_DEFAULTS))
    highway = np.where(known, highway, "road")
    kinds, code = np.unique(highway, return_inverse=True)
    table = np.array([dataclasses.astuple(HIGHWAY_DEFAULTS[k]) for k in kinds], dtype=np.float64)
    cls, d_lanes, d_speed, d_cap = table[code].T

    oneway = tag_column(edges, "oneway").fillna("").astype(str).str.lower().to_numpy()
    junction = tag_column(edges, "junction").fillna("").astype(str).to_numpy()
    implied = np.isin(highway, list(IMPLIED_ONEWAY_HIGHWAYS)) | np.isin(
        junction, list(IMPLIED_ONEWAY_JUNCTIONS))
    backward_only = np.isin(oneway, list(BACKWARD_ONLY))
    forward_only = np.isin(oneway, list(FORWARD_ONLY)) | (
        implied & ~np.isin(oneway, list(TWO_WAY)) & ~backward_only)
    forward = ~backward_only
    backward = ~forward_only

    lanes_total = parse_each(tag_column(edges, "lanes"), parse_count)
    lanes_fwd = parse_each(tag_column(edges, "lanes:forward"), parse_count)
    lanes_bwd = parse_each(tag_column(edges, "lanes:backward"), parse_count)
    one_dir = forward_only | backward_only
    from_total = np.where(one_dir, lanes_total, np.ceil(lanes_total / 2.0))
    lanes_f = np.where(np.isnan(lanes_fwd), from_total, lanes_fwd)
    lanes_b = np.where(np.isnan(lanes_bwd), from_total, lanes_bwd)
    lanes_f = np.where(np.isnan(lanes_f), d_lanes, lanes_f).astype(np.int32)
    lanes_b = np.where(np.isnan(lanes_b), d_lanes, lanes_b).astype(np.int32)

    speed = parse_each(tag_column(edges, "maxspeed"), parse_speed_kmh)
    speed = np.where(np.isnan(speed) | (speed <= 0), d_speed, speed)

    seg = np.arange(len(edges))
    fwd, bwd = seg[forward], seg[backward]
    rows = np.concatenate([fwd, bwd])
    lanes = np.concatenate([lanes_f[fwd], lanes_b[bwd]])
    return {
        "seg": rows,
        "reverse": np.concatenate([np.zeros(len(fwd), bool), np.ones(len(bwd), bool)]),
        "speed_kmh": speed[rows],
        "lanes": lanes,
        "capacity_vph": lanes * d_cap[rows],
        "link_class": cls[rows].astype(np.int8),
    }
