"""Reader for the plain-CSV network and demand format of data/traffic_grid/README.md.

- nodes: ``node_id, x_m, y_m``;
- links: ``link_id, from_node, to_node, length_m, free_speed_mps, lanes, capacity_veh_per_h,
  jam_density_veh_per_m_per_lane`` (capacity of the whole link, jam density per lane);
- trips: ``origin, destination, depart_time_s[, count]`` (node ids; ``count`` vehicles per row,
  1 when the column is absent).

Errors name the file and the line (1-based, the header is line 1).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np

from twin.city import RoadNetwork
from twin.csv_rows import csv_rows
from twin.errors import TwinInputError
from twin.numbers import check_column, check_size, parse_float
from twin.traffic.trips import Trips

NODE_COLUMNS = ("node_id", "x_m", "y_m")
LINK_COLUMNS = (
    "link_id",
    "from_node",
    "to_node",
    "length_m",
    "free_speed_mps",
    "lanes",
    "capacity_veh_per_h",
    "jam_density_veh_per_m_per_lane",
)
TRIP_COLUMNS = ("origin", "destination", "depart_time_s")

MAX_LANES = 20
"""Most lanes a link may have (more is a broken file: lanes multiply the link's storage)."""

MAX_VEHICLES = 10_000_000
"""Most vehicles a trips file may hold by default (the loading keeps arrays per vehicle row);
``twin traffic simulate --max-vehicles`` raises it (to at most 2**31 - 1)."""

_WHOLE = {"integer": True}
BOUNDS = {
    "node_id": _WHOLE, "x_m": {}, "y_m": {},
    "link_id": _WHOLE, "from_node": _WHOLE, "to_node": _WHOLE, "length_m": {"above": 0},
    "free_speed_mps": {"above": 0}, "lanes": {"integer": True, "low": 1, "high": MAX_LANES},
    "capacity_veh_per_h": {"above": 0}, "jam_density_veh_per_m_per_lane": {"above": 0},
    "origin": _WHOLE, "destination": _WHOLE, "depart_time_s": {"low": 0},
    "count": {"integer": True, "low": 0},
}
"""What each column allows beyond a finite number (:func:`twin.numbers.check_column`)."""


@dataclasses.dataclass(frozen=True)
class _Table:
    """The checked numeric columns of a CSV file (id columns int64, the others float64) and each
    row's line number in the file (the header is line 1)."""

    columns: dict[str, np.ndarray]
    line: np.ndarray

    def __len__(self) -> int:
        return len(self.line)


def _numbers(text: list[str]) -> np.ndarray:
    """``text`` as float64, NaN where an entry is not a number (:func:`twin.numbers.parse_float`)."""
    try:
        return np.array(text, dtype=np.float64)  # float() of each entry, in C
    except ValueError:
        return np.array([parse_float(t) for t in text], dtype=np.float64)


def _read(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> _Table:
    """The numeric columns of a CSV file, each checked against :data:`BOUNDS`, with a file-and-line
    error for anything malformed. Blank lines are skipped; a short row's missing fields are empty."""
    path = Path(path)
    if not path.is_file():
        raise TwinInputError(f"{path}: no such file")
    header, rows, lines = csv_rows(path, columns)
    missing = [c for c in columns if c not in header]
    if missing:
        raise TwinInputError(
            f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(columns + optional)})"
        )
    line = np.array(lines, dtype=np.int64)
    out = {}
    for name in columns + tuple(c for c in optional if c in header):
        k = header.index(name)  # the first column of that name
        text = [row[k] if k < len(row) else "" for row in rows]
        out[name] = check_column(_numbers(text), f"column {name}", lambda i: f"{path}, line {line[i]}",
                                 text=text, **BOUNDS[name])
    return _Table(out, line)


def _first_repeat(path: Path, table: _Table, name: str) -> None:
    """Refuse an id column with a repeated value (naming the line of its second appearance)."""
    ids = table.columns[name]
    first = np.zeros(len(ids), dtype=bool)
    first[np.unique(ids, return_index=True)[1]] = True
    if not first.all():
        dup = int(np.flatnonzero(~first)[0])
        raise TwinInputError(f"{path}, line {table.line[dup]}: {name} {ids[dup]} appears twice")


def _positions(index: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Position of each of ``ids`` in ``index`` (distinct values), -1 where it is absent."""
    order = np.argsort(index, kind="stable")
    at = np.minimum(np.searchsorted(index[order], ids), len(index) - 1)
    return np.where(index[order][at] == ids, order[at], -1)


def read_network_csv(nodes_csv: str | Path, links_csv: str | Path) -> RoadNetwork:
    """A :class:`~twin.city.RoadNetwork` from node and link CSV files (node ids kept in ``node_id``)."""
    nodes_csv, links_csv = Path(nodes_csv), Path(links_csv)
    nodes = _read(nodes_csv, NODE_COLUMNS)
    links = _read(links_csv, LINK_COLUMNS)
    if not len(nodes) or not len(links):
        raise TwinInputError(f"{links_csv if len(nodes) else nodes_csv}: no rows")
    node_id = nodes.columns["node_id"]
    _first_repeat(nodes_csv, nodes, "node_id")
    _first_repeat(links_csv, links, "link_id")
    ends = {}
    for name in ("from_node", "to_node"):
        ids = links.columns[name]
        found = _positions(node_id, ids)
        bad = np.flatnonzero(found < 0)
        if bad.size:
            raise TwinInputError(
                f"{links_csv}, line {links.line[bad[0]]}: {name} {ids[bad[0]]} is not in {nodes_csv}"
            )
        ends[name] = found
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        return RoadNetwork.from_arrays(
            node_x=nodes.columns["x_m"],
            node_y=nodes.columns["y_m"],
            node_id=node_id,
            link_from=ends["from_node"],
            link_to=ends["to_node"],
            link_id=links.columns["link_id"],
            length_m=links.columns["length_m"],
            free_speed_mps=links.columns["free_speed_mps"],
            lanes=links.columns["lanes"],
            capacity_vph=links.columns["capacity_veh_per_h"],
            jam_density_vpm=links.columns["jam_density_veh_per_m_per_lane"],
            source=str(links_csv),
        )


@dataclasses.dataclass(frozen=True)
class CsvTrips:
    """Trips read from CSV: those on the network, and the ones whose nodes the network dropped."""

    trips: Trips
    off_network_trips: int
    off_network_vehicles: int


def read_trips_csv(
    trips_csv: str | Path, network: RoadNetwork, nodes_csv: str | Path | None = None,
    max_vehicles: int | None = None,
) -> CsvTrips:
    """Trips between node ids of ``network``; node ids unknown to the nodes file are an error.

    The file may hold at most ``max_vehicles`` vehicles (default :data:`MAX_VEHICLES`).

    Trips touching nodes that :meth:`RoadNetwork.from_arrays` dropped (outside the largest strongly
    connected part) cannot be driven: they are counted in ``off_network_*``, not silently lost.
    """
    trips_csv = Path(trips_csv)
    table = _read(trips_csv, TRIP_COLUMNS, optional=("count",))
    origin_id = table.columns["origin"]
    dest_id = table.columns["destination"]
    count = table.columns.get("count", np.ones(len(table), dtype=np.int64))
    depart = table.columns["depart_time_s"]
    check_size(int(count.sum(dtype=np.float64)), max_vehicles or MAX_VEHICLES, "vehicles (sum of count)",
               str(trips_csv), "--max-vehicles")
    known = _read(Path(nodes_csv), ("node_id",)).columns["node_id"] if nodes_csv else None
    o, d = _positions(network.node_id, origin_id), _positions(network.node_id, dest_id)
    if known is not None:
        for name, ids in (("origin", origin_id), ("destination", dest_id)):
            bad = np.flatnonzero(~np.isin(ids, known))
            if bad.size:
                where = f"{trips_csv}, line {table.line[bad[0]]}"
                raise TwinInputError(f"{where}: {name} {ids[bad[0]]} is not a node of {nodes_csv}")
    elif (o < 0).any() or (d < 0).any():
        bad = np.flatnonzero((o < 0) | (d < 0))[0]
        where = f"{trips_csv}, line {table.line[bad]}"
        raise TwinInputError(f"{where}: node {origin_id[bad]} or {dest_id[bad]} is not in the network")
    on = (o >= 0) & (d >= 0)
    trips = Trips.from_arrays(o[on], d[on], depart[on], count[on])
    return CsvTrips(trips, int((~on).sum()), int(count[~on].sum()))
