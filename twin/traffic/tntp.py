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

_META = re.compile(r"^\s*<([^>]+)>\s*(.*?)\s*$")
_PAIR = re.compile(r"^\s*([^:\s]+)\s*:\s*([^;\s]+)\s*$")
_LINK_COLUMNS = ("init_node", "term_node", "capacity", "length", "free_flow_time", "b", "power",
                 "speed", "toll", "link_type")


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
    try:
        value = float(text.split()[0]) if text else float("nan")
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or (integer and (value != int(value) or value < 0)):
        kind = "a non-negative integer" if integer else "a number"
        raise TwinInputError(f"{path}, line {line}: <{key}> must be {kind}, got {text!r}")
    return int(value) if integer else value


def read_tntp_network(path: str | Path) -> TntpNetwork:
    """Read a ``*_net.tntp`` file; nodes stay 1-based as in the file."""
    path, lines = _open_lines(path)
    meta, start = _read_metadata(path, lines)
    n_nodes = _meta_number(path, meta, "NUMBER OF NODES", None, True)
    n_zones = _meta_number(path, meta, "NUMBER OF ZONES", None, True)
    n_links = _meta_number(path, meta, "NUMBER OF LINKS", None, True)
    first_thru = _meta_number(path, meta, "FIRST THRU NODE", 1, True)
    toll_factor = _meta_number(path, meta, "TOLL FACTOR", 0.0, False)
    distance_factor = _meta_number(path, meta, "DISTANCE FACTOR", 0.0, False)
    if n_zones > n_nodes:
        raise TwinInputError(f"{path}: <NUMBER OF ZONES> {n_zones} exceeds <NUMBER OF NODES> {n_nodes}")
    rows: list[list[float]] = []
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
        try:
            values = [float(f) for f in fields]
        except ValueError:
            bad = next(f for f in fields if not _is_number(f))
            raise TwinInputError(f"{path}, line {i + 1}: {bad!r} is not a number") from None
        rows.append(values)
        line_of.append(i + 1)
    if len(rows) != n_links:
        raise TwinInputError(f"{path}: <NUMBER OF LINKS> says {n_links}, the file has {len(rows)} links")
    table = np.array(rows, dtype=np.float64).reshape(len(rows), len(_LINK_COLUMNS))
    columns = dict(zip(_LINK_COLUMNS, table.T, strict=True))
    _check_links(path, columns, line_of, n_nodes)
    return TntpNetwork(
        path=path, n_nodes=n_nodes, n_zones=n_zones, first_thru_node=first_thru,
        toll_factor=toll_factor, distance_factor=distance_factor,
        init_node=columns["init_node"].astype(np.int64), term_node=columns["term_node"].astype(np.int64),
        capacity=columns["capacity"], length=columns["length"], free_flow_time=columns["free_flow_time"],
        b=columns["b"], power=columns["power"], speed=columns["speed"], toll=columns["toll"],
        link_type=columns["link_type"].astype(np.int64),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_links(path: Path, col: dict[str, np.ndarray], line_of: list[int], n_nodes: int) -> None:
    def fail(mask: np.ndarray, what: str) -> None:
        bad = np.flatnonzero(mask)
        if bad.size:
            raise TwinInputError(f"{path}, line {line_of[bad[0]]}: {what}")

    fail(~np.isfinite(np.column_stack(list(col.values()))).all(axis=1), "NaN or infinite value")
    for name in ("init_node", "term_node"):
        v = col[name]
        fail((v != np.round(v)) | (v < 1) | (v > n_nodes), f"{name} must be a node 1..{n_nodes}")
    fail(col["init_node"] == col["term_node"], "a link from a node to itself")
    for name in ("length", "free_flow_time", "b", "power", "toll"):
        fail(col[name] < 0, f"{name} must be >= 0")
    fail((col["capacity"] <= 0) & (col["b"] > 0), "capacity must be > 0 on a link with B > 0")


def read_tntp_trips(path: str | Path, n_zones: int | None = None) -> np.ndarray:
    """Read a ``*_trips.tntp`` file into an OD matrix (zones x zones, trips; zone z is row z-1).

    ``n_zones``, when given (from the net file), must match the file's ``<NUMBER OF ZONES>``.
    A ``<TOTAL OD FLOW>`` that differs from the sum read gives a warning (a truncated file).
    """
    path, lines = _open_lines(path)
    meta, start = _read_metadata(path, lines)
    zones = _meta_number(path, meta, "NUMBER OF ZONES", None, True)
    if n_zones is not None and zones != n_zones:
        raise TwinInputError(f"{path}: <NUMBER OF ZONES> is {zones} but the network has {n_zones} zones")
    od = np.zeros((zones, zones), dtype=np.float64)
    origin = -1
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
            dest = _zone(path, i, match.group(1), zones)
            try:
                trips = float(match.group(2))
            except ValueError:
                trips = float("nan")
            if not np.isfinite(trips) or trips < 0:
                raise TwinInputError(
                    f"{path}, line {i + 1}: trips must be a number >= 0, got {match.group(2)!r}"
                )
            od[origin, dest] = trips
    if "TOTAL OD FLOW" in meta:
        total = _meta_number(path, meta, "TOTAL OD FLOW", None, False)
        if not np.isclose(od.sum(), total, rtol=1e-6, atol=1e-6):
            warnings.warn(f"{path}: <TOTAL OD FLOW> is {total:g} but the trips sum to {od.sum():g}",
                          stacklevel=2)
    return od


def _zone(path: Path, i: int, text: str, zones: int) -> int:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value == np.round(value) and 1 <= value <= zones):
        raise TwinInputError(f"{path}, line {i + 1}: zone must be an integer 1..{zones}, got {text!r}")
    return int(value) - 1


def read_tntp_flows(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read a ``*_flow.tntp`` solution: (from node, to node, volume, cost) per link, file order.

    The header line (``From To Volume Cost``) and blank lines are skipped.
    """
    path, lines = _open_lines(path)
    rows = []
    for i, line in enumerate(lines):
        fields = line.replace(";", " ").split()
        if not fields or not _is_number(fields[0]):
            if fields and rows:
                raise TwinInputError(
                    f"{path}, line {i + 1}: expected 'from to volume cost', got {line.strip()!r}"
                )
            continue
        if len(fields) != 4 or not all(_is_number(f) for f in fields):
            raise TwinInputError(f"{path}, line {i + 1}: expected 4 numbers 'from to volume cost'")
        rows.append([float(f) for f in fields])
    if not rows:
        raise TwinInputError(f"{path}: no flow lines")
    table = np.array(rows)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2], table[:, 3]
