"""Readers for the TNTP format of the Transportation Networks for Research collection.

Three files describe a test network: ``*_net.tntp`` (metadata, then one link per line:
init node, term node, capacity, length, free-flow time, B, power, speed, toll, type, ``;``),
``*_trips.tntp`` (metadata, then ``Origin o`` blocks of ``d : trips;`` pairs) and, for some,
``*_flow.tntp`` (the best-known equilibrium: from, to, volume, cost).

Conventions honoured (they differ between networks of the collection):

- link time ``t = fft * (1 + B * (x / capacity) ** power)``;
- generalized cost ``t + TOLL FACTOR * toll + DISTANCE FACTOR * length``, the two factors from
  the net file's metadata (0 when absent);
- ``<FIRST THRU NODE>``: nodes numbered below it are zone centroids that paths may start and end
  at but never pass through (1, the default, lets every node be passed through);
- intrazonal trips never load the network (the assignment ignores the diagonal);
- free-flow times of 0 are allowed (connectors).

Any malformed line raises :class:`~twin.errors.TwinInputError` naming the file and line number.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np

from twin.errors import TwinInputError
from twin.numbers import check_column, check_number, check_size, parse_float

_META = re.compile(r"^\s*<([^>]+)>\s*(.*?)\s*$")
_PAIR = re.compile(r"^\s*([^:\s]+)\s*:\s*([^;\s]+)\s*$")
_LINK_COLUMNS = ("init_node", "term_node", "capacity", "length", "free_flow_time", "b", "power",
                 "speed", "toll", "link_type")

MAX_ZONES = 20_000
"""Largest <NUMBER OF ZONES> read by default: the OD matrix takes 8 x zones x zones bytes
(3.2 GB at 20,000; the largest networks of the collection have under 2,000 zones).
``twin traffic assign --max-zones`` raises it."""

MAX_NODES = 1_000_000
"""Largest <NUMBER OF NODES> read by default (arrays per node are allocated from it);
``twin traffic assign --max-nodes`` raises it."""


@dataclasses.dataclass(frozen=True, eq=False)
class TntpNetwork:
    """A TNTP network: links in file order, nodes numbered 1..n_nodes as in the file.

    Units are the file's own (Sioux Falls: times in 0.01 h, capacities in vehicles per hour).
    """

    path: Path
    n_nodes: int
    n_zones: int
    first_thru_node: int
    toll_factor: float
    distance_factor: float
    init_node: np.ndarray
    term_node: np.ndarray
    capacity: np.ndarray
    length: np.ndarray
    free_flow_time: np.ndarray
    b: np.ndarray
    power: np.ndarray
    speed: np.ndarray
    toll: np.ndarray
    link_type: np.ndarray

    @property
    def n_links(self) -> int:
        return len(self.init_node)

    @property
    def fixed_cost(self) -> np.ndarray:
        """Flow-independent part of each link's generalized cost (toll and distance terms)."""
        return self.toll_factor * self.toll + self.distance_factor * self.length


def _open_lines(path: str | Path) -> tuple[Path, list[str]]:
    path = Path(path)
    if not path.is_file():
        raise TwinInputError(f"{path}: no such file")
    try:
        return path, path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot read ({exc.strerror})") from None


def _read_metadata(path: Path, lines: list[str]) -> tuple[dict[str, tuple[str, int]], int]:
    """Metadata ``<KEY>`` -> (value, line number), keys upper-case, and the index of the first data line."""
    meta: dict[str, tuple[str, int]] = {}
    for i, line in enumerate(lines):
        text = line.strip()
        if not text or text.startswith("~"):
            continue
        match = _META.match(text)
        if match is None:
            raise TwinInputError(
                f"{path}, line {i + 1}: expected a metadata line '<KEY> value' or <END OF METADATA>, "
                f"got {text[:40]!r}"
            )
        key = " ".join(match.group(1).upper().split())
        if key == "END OF METADATA":
            return meta, i + 1
        meta[key] = (match.group(2), i + 1)
    raise TwinInputError(f"{path}: no <END OF METADATA> line")


def _meta_number(path: Path, meta: dict[str, tuple[str, int]], key: str, default: float | None,
                 integer: bool) -> float:
    if key not in meta:
        if default is None:
            raise TwinInputError(f"{path}: metadata <{key}> is missing")
        return default
    text, line = meta[key]
    return check_number(text.split()[0] if text else text, f"<{key}>", f"{path}, line {line}",
                        integer=integer, low=0 if integer else None)


def read_tntp_network(path: str | Path, max_nodes: int | None = None, max_zones: int | None = None
                      ) -> TntpNetwork:
    """Read a ``*_net.tntp`` file; nodes stay 1-based as in the file.

    Every number is checked by :mod:`twin.numbers`; <NUMBER OF NODES> and <NUMBER OF ZONES> are
    bounded by ``max_nodes`` and ``max_zones`` (defaults :data:`MAX_NODES`, :data:`MAX_ZONES`).
    """
    path, lines = _open_lines(path)
    meta, start = _read_metadata(path, lines)
    n_nodes = _meta_number(path, meta, "NUMBER OF NODES", None, True)
    n_zones = _meta_number(path, meta, "NUMBER OF ZONES", None, True)
    check_size(n_nodes, max_nodes or MAX_NODES, "<NUMBER OF NODES>", str(path), "--max-nodes")
    check_size(n_zones, max_zones or MAX_ZONES, "<NUMBER OF ZONES>", str(path), "--max-zones")
    n_links = _meta_number(path, meta, "NUMBER OF LINKS", None, True)
    first_thru = _meta_number(path, meta, "FIRST THRU NODE", 1, True)
    toll_factor = _meta_number(path, meta, "TOLL FACTOR", 0.0, False)
    distance_factor = _meta_number(path, meta, "DISTANCE FACTOR", 0.0, False)
    if n_zones > n_nodes:
        raise TwinInputError(f"{path}: <NUMBER OF ZONES> {n_zones} exceeds <NUMBER OF NODES> {n_nodes}")
    rows: list[list[str]] = []
    line_of: list[int] = []
    for i in range(start, len(lines)):
        text = lines[i].strip()
        if not text or text.startswith("~"):
            continue
        fields = text.rstrip(";").split()
        if text.count(";") > 1 or len(fields) != len(_LINK_COLUMNS):
            raise TwinInputError(
                f"{path}, line {i + 1}: expected {len(_LINK_COLUMNS)} columns "
                f"({', '.join(_LINK_COLUMNS)}) ending with ';', got {len(fields)}"
            )
        rows.append(fields)
        line_of.append(i + 1)
    if len(rows) != n_links:
        raise TwinInputError(f"{path}: <NUMBER OF LINKS> says {n_links}, the file has {len(rows)} links")
    columns = _check_links(path, rows, line_of, n_nodes)
    return TntpNetwork(
        path=path, n_nodes=n_nodes, n_zones=n_zones, first_thru_node=first_thru,
        toll_factor=toll_factor, distance_factor=distance_factor,
        init_node=columns["init_node"], term_node=columns["term_node"],
        capacity=columns["capacity"], length=columns["length"], free_flow_time=columns["free_flow_time"],
        b=columns["b"], power=columns["power"], speed=columns["speed"], toll=columns["toll"],
        link_type=columns["link_type"],
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_LINK_BOUNDS = {
    "init_node": {"integer": True, "low": 1}, "term_node": {"integer": True, "low": 1},
    "length": {"low": 0}, "free_flow_time": {"low": 0}, "b": {"low": 0}, "power": {"low": 0},
    "toll": {"low": 0}, "link_type": {"integer": True},
}
"""Bounds of the link columns beyond being finite (node ids are also bounded by the node count)."""


def _check_links(path: Path, rows: list[list[str]], line_of: list[int],
                 n_nodes: int) -> dict[str, np.ndarray]:
    """The link columns as arrays (node ids and types int64), every value checked."""
    def where(i: int) -> str:
        return f"{path}, line {line_of[i]}"

    def fail(mask: np.ndarray, what: str) -> None:
        bad = np.flatnonzero(mask)
        if bad.size:
            raise TwinInputError(f"{where(bad[0])}: {what}")

    col = {}
    for k, name in enumerate(_LINK_COLUMNS):
        text = [fields[k] for fields in rows]
        bounds = _LINK_BOUNDS.get(name, {})
        if name.endswith("_node"):
            bounds = {**bounds, "high": n_nodes}
        col[name] = check_column([parse_float(t) for t in text], name, where, text=text, **bounds)
    fail(col["init_node"] == col["term_node"], "a link from a node to itself")
    fail((col["capacity"] <= 0) & (col["b"] > 0), "capacity must be > 0 on a link with B > 0")
    return col


def read_tntp_trips(path: str | Path, n_zones: int | None = None, max_zones: int | None = None) -> np.ndarray:
    """Read a ``*_trips.tntp`` file into an OD matrix (zones x zones, trips; zone z is row z-1).

    ``n_zones``, when given (from the net file), must match the file's ``<NUMBER OF ZONES>``,
    which is bounded by ``max_zones`` (default :data:`MAX_ZONES`) before the matrix is made.
    A ``<TOTAL OD FLOW>`` that differs from the sum read gives a warning (a truncated file).
    """
    path, lines = _open_lines(path)
    meta, start = _read_metadata(path, lines)
    zones = _meta_number(path, meta, "NUMBER OF ZONES", None, True)
    check_size(zones, max_zones or MAX_ZONES, "<NUMBER OF ZONES>", str(path), "--max-zones")
    if n_zones is not None and zones != n_zones:
        raise TwinInputError(f"{path}: <NUMBER OF ZONES> is {zones} but the network has {n_zones} zones")
    origin = -1
    origins: list[int] = []
    dest_text: list[str] = []
    trips_text: list[str] = []
    line_of: list[int] = []
    for i in range(start, len(lines)):
        text = lines[i].strip()
        if not text or text.startswith("~"):
            continue
        if text.lower().startswith("origin"):
            origin = _zone(path, i, text[6:].strip(), zones)
            continue
        if origin < 0:
            raise TwinInputError(f"{path}, line {i + 1}: trips before the first 'Origin' line")
        for entry in text.split(";"):
            if not entry.strip():
                continue
            match = _PAIR.match(entry)
            if match is None:
                raise TwinInputError(
                    f"{path}, line {i + 1}: expected 'destination : trips;', got {entry.strip()!r}"
                )
            origins.append(origin)
            dest_text.append(match.group(1))
            trips_text.append(match.group(2))
            line_of.append(i + 1)

    def where(k: int) -> str:
        return f"{path}, line {line_of[k]}"

    dest = check_column([parse_float(t) for t in dest_text], "zone", where, text=dest_text, integer=True,
                        low=1, high=zones)
    trips = check_column([parse_float(t) for t in trips_text], "trips", where, text=trips_text, low=0)
    od = np.zeros((zones, zones), dtype=np.float64)
    od[np.asarray(origins, dtype=np.int64), dest - 1] = trips
    if "TOTAL OD FLOW" in meta:
        total = _meta_number(path, meta, "TOTAL OD FLOW", None, False)
        if not np.isclose(od.sum(), total, rtol=1e-6, atol=1e-6):
            warnings.warn(f"{path}: <TOTAL OD FLOW> is {total:g} but the trips sum to {od.sum():g}",
                          stacklevel=2)
    return od


def _zone(path: Path, i: int, text: str, zones: int) -> int:
    return int(check_number(text, "zone", f"{path}, line {i + 1}", integer=True, low=1, high=zones)) - 1


def read_tntp_flows(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read a ``*_flow.tntp`` solution: (from node, to node, volume, cost) per link, file order.

    The header line (``From To Volume Cost``) and blank lines are skipped.
    """
    path, lines = _open_lines(path)
    rows: list[list[str]] = []
    line_of: list[int] = []
    for i, line in enumerate(lines):
        fields = line.replace(";", " ").split()
        if not fields or not _is_number(fields[0]):
            if fields and rows:
                raise TwinInputError(
                    f"{path}, line {i + 1}: expected 'from to volume cost', got {line.strip()!r}"
                )
            continue
        if len(fields) != 4:
            raise TwinInputError(f"{path}, line {i + 1}: expected 4 numbers 'from to volume cost'")
        rows.append(fields)
        line_of.append(i + 1)
    if not rows:
        raise TwinInputError(f"{path}: no flow lines")

    def column(k: int, name: str, **bounds) -> np.ndarray:
        text = [fields[k] for fields in rows]
        return check_column([parse_float(t) for t in text], name, lambda j: f"{path}, line {line_of[j]}",
                            text=text, **bounds)

    return (column(0, "from", integer=True, low=1), column(1, "to", integer=True, low=1),
            column(2, "volume", low=0), column(3, "cost"))
