"""Property-based fuzzing of the file readers (TNTP, CVRPLIB, traffic CSV) with hypothesis.

Whatever the file holds (random text, random bytes, or a valid file with tokens replaced by
NaN, infinity, -1, 1e300, 2.5, huge integers, nothing or binary junk, lines dropped, repeated
or cut short), reading it ends in a result or a :class:`~twin.errors.TwinInputError` whose
message is one line; never another exception, never a hang or a huge allocation. The budgets
are small and the runs derandomized, so the suite is deterministic and quick.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from badinput.cases_readers import LINKS, NET, NODES, TRIPS, TRIPS_CSV, VRP
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
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


@pytest.mark.filterwarnings("ignore")  # the reader re-enables its CityWarning (a dropped node)
@FUZZ
@given(files=one_broken(nodes=NODES, links=LINKS, trips=TRIPS_CSV))
def test_csv_readers(folder, files):
    nodes, links, trips = (write(folder / f"{name}.csv", files[name]) for name in ("nodes", "links", "trips"))
    network = handled(read_network_csv, nodes, links)
    if network is not None:
        handled(read_trips_csv, trips, network, nodes)
