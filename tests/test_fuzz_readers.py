"""Property-based fuzzing of the file readers (TNTP, CVRPLIB, traffic CSV, GeoJSON) with hypothesis.

Whatever the file holds (random text, random bytes, or a valid file with tokens replaced by
NaN, infinity, -1, 1e300, 2.5, huge integers, nothing or binary junk, lines dropped, repeated
or cut short), reading it ends in a result or a :class:`~twin.errors.TwinInputError` whose
message is one line; never another exception, never a hang or a huge allocation. The budgets
are small and the runs derandomized, so the suite is deterministic and quick.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from badinput.cases_readers import LINKS, NET, NODES, RING, TRIPS, TRIPS_CSV, VRP
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from twin.city.io.zones_geojson import read_facilities_geojson, read_zones_geojson
from twin.errors import TwinInputError
from twin.traffic.assignment import AssignmentNetwork
from twin.traffic.csv_inputs import read_network_csv, read_trips_csv
from twin.traffic.tntp import read_tntp_network, read_tntp_trips
from twin.waste.vrp_io import read_cvrplib

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

BAD_TOKENS = ["nan", "NaN", "inf", "-inf", "Infinity", "-1", "0", "-0", "1e300", "-1e300", "2.5", "1e12",
              "99999999999999999999", "1000000000", "", " ", "x", "\x00", "\ufffd", ";", ":", ",", "1_0",
              "0x10", "1e-300", "3", "1", "2", "4", "7", "1.0"]

TOKEN = re.compile(r"[^\s,;:]+")


@st.composite
def mutated(draw, text: str) -> str:
    """``text`` with a few tokens replaced and lines dropped, repeated or cut."""
    spans = [m.span() for m in TOKEN.finditer(text)]
    chosen = draw(st.lists(st.sampled_from(range(len(spans))), min_size=1, max_size=4, unique=True))
    for k in sorted(chosen, reverse=True):
        a, b = spans[k]
        text = text[:a] + draw(st.sampled_from(BAD_TOKENS) | st.text(max_size=6)) + text[b:]
    lines = text.splitlines(keepends=True)
    edit = draw(st.sampled_from(["none", "drop", "repeat", "cut"]))
    if lines and edit != "none":
        i = draw(st.integers(0, len(lines) - 1))
        if edit == "drop":
            del lines[i]
        elif edit == "repeat":
            lines.insert(i, lines[i])
        else:
            lines = lines[:i] + [lines[i][: draw(st.integers(0, len(lines[i])))]]
    return "".join(lines)


def content(valid: str):
    """``valid`` itself (so the readers after it run), a mutation of it, random text or bytes."""
    return st.one_of(st.just(valid), mutated(valid), mutated(valid), st.text(max_size=300),
                     st.binary(max_size=300))


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", errors="surrogatepass")
    return path


def handled(call, *args):
    """Run a reader; a TwinInputError must be one line, anything else fails the test."""
    try:
        with warnings.catch_warnings(record=True):  # readers warn (a dropped node ...): not the point
            result = call(*args)
    except TwinInputError as exc:
        assert "\n" not in str(exc) and str(exc), repr(str(exc))
        event(f"{call.__name__}: refused")
        return None
    event(f"{call.__name__}: accepted")
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=content(VRP))
def test_vrp_reader(folder, data):
    instance = handled(read_cvrplib, write(folder / "f.vrp", data))
    if instance is not None:  # what the reader accepts, the planner takes
        handled(instance.to_problem)


def one_broken(**valid: str):
    """The files ``valid`` with one of them (drawn) replaced by :func:`content` of it."""
    return st.sampled_from(sorted(valid)).flatmap(
        lambda name: content(valid[name]).map(lambda data: {**valid, name: data}))


@FUZZ
@given(files=one_broken(net=NET, trips=TRIPS))
def test_tntp_readers(folder, files):
    network = handled(read_tntp_network, write(folder / "net.tntp", files["net"]))
    trips = write(folder / "trips.tntp", files["trips"])
    if network is not None:
        handled(AssignmentNetwork.from_tntp, network)
        handled(read_tntp_trips, trips, network.n_zones)
    handled(read_tntp_trips, trips)


@FUZZ
@given(files=one_broken(nodes=NODES, links=LINKS, trips=TRIPS_CSV))
def test_csv_readers(folder, files):
    nodes, links, trips = (write(folder / f"{name}.csv", files[name]) for name in ("nodes", "links", "trips"))
    network = handled(read_network_csv, nodes, links)
    if network is not None:
        handled(read_trips_csv, trips, network, nodes)


JSON_ODD = st.sampled_from([float("nan"), float("inf"), -1, 1e300, 2.5, 10**30, "", "x", None, True, [], {},
                            [1], {"type": "Point"}])
JSON = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                max_size=3),
                    max_leaves=10)


def feature(draw) -> dict:
    props = {"name": "a", "population": 10, "jobs": 5, "kind": "hospital", "capacity": 3}
    ring = [list(p) for p in RING]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    doc = {"type": "Feature", "properties": props, "geometry": geometry}
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["props", "geometry", "coordinate", "feature"]))
        if where == "props":
            props[draw(st.sampled_from(sorted(props)))] = draw(JSON_ODD | JSON)
        elif where == "geometry":
            geometry[draw(st.sampled_from(["type", "coordinates"]))] = draw(
                JSON_ODD | JSON | st.sampled_from(["Point", "LineString", "MultiPolygon"]))
        elif where == "coordinate":  # (the ring may no longer be in the document: harmless)
            ring[draw(st.integers(0, len(ring) - 1))][draw(st.integers(0, 1))] = draw(JSON_ODD)
        else:
            doc[draw(st.sampled_from(["type", "properties", "geometry"]))] = draw(JSON_ODD | JSON)
    return doc


@st.composite
def geojson(draw) -> str | bytes:
    """A FeatureCollection with broken features, any JSON value, or random text or bytes."""
    kind = draw(st.sampled_from(["features", "features", "json", "text", "bytes"]))
    if kind == "features":
        features = [feature(draw) for _ in range(draw(st.integers(1, 3)))]
        doc = {"type": "FeatureCollection", "features": features}
        return json.dumps(doc)  # NaN and Infinity as JSON writes them (allowed by Python's reader)
    if kind == "json":
        return json.dumps(draw(JSON))
    return draw(st.text(max_size=200)) if kind == "text" else draw(st.binary(max_size=200))


@FUZZ
@given(data=geojson())
def test_geojson_readers(folder, data):
    path = write(folder / "z.geojson", data)
    handled(read_zones_geojson, path)
    handled(read_facilities_geojson, path)
