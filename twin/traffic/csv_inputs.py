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
import pandas as pd

from twin.city import RoadNetwork
from twin.errors import TwinInputError
from twin.numbers import check_column, check_size
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


def _read(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """The numeric columns of a CSV file, each checked against :data:`BOUNDS`, with a file-and-line
    error for anything malformed; id columns come back as int64, the others as float64. The index
    is each row's line number in the file (the header is line 1; blank lines are skipped)."""
    path = Path(path)
    if not path.is_file():
        raise TwinInputError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise TwinInputError(f"{path}: malformed CSV ({str(exc).strip().splitlines()[-1]})") from None
    except pd.errors.EmptyDataError:
        raise TwinInputError(f"{path}: the file is empty (expected columns {', '.join(columns)})") from None
    except UnicodeDecodeError as exc:
        raise TwinInputError(f"{path}: not UTF-8 text (byte {exc.start}); expected a CSV file") from None
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot read ({exc.strerror})") from None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TwinInputError(
            f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(columns + optional)})"
        )
    frame = frame[~frame.isna().all(axis=1)]  # blank lines (pandas would renumber the rows past them)
    line = frame.index.to_numpy() + 2
    out = {}
    for name in columns + tuple(c for c in optional if c in frame.columns):
        text = frame[name].fillna("")
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        out[name] = check_column(values, f"column {name}", lambda i: f"{path}, line {line[i]}",
                                 text=text.tolist(), **BOUNDS[name])
    return pd.DataFrame(out, index=line)


def _first_repeat(path: Path, ids: pd.Series, name: str) -> None:
    """Refuse an id column with a repeated value (naming the line of its second appearance)."""
    repeated = ids.duplicated().to_numpy()
    if repeated.any():
        dup = int(np.flatnonzero(repeated)[0])
        raise TwinInputError(f"{path}, line {ids.index[dup]}: {name} {ids.iloc[dup]} appears twice")


def read_network_csv(nodes_csv: str | Path, links_csv: str | Path) -> RoadNetwork:
    """A :class:`~twin.city.RoadNetwork` from node and link CSV files (node ids kept in ``node_id``)."""
    nodes_csv, links_csv = Path(nodes_csv), Path(links_csv)
    nodes = _read(nodes_csv, NODE_COLUMNS)
    links = _read(links_csv, LINK_COLUMNS)
    if nodes.empty or links.empty:
        raise TwinInputError(f"{nodes_csv if nodes.empty else links_csv}: no rows")
    node_id = nodes["node_id"].to_numpy()
    _first_repeat(nodes_csv, nodes["node_id"], "node_id")
    _first_repeat(links_csv, links["link_id"], "link_id")
    position = pd.Series(np.arange(len(node_id)), index=node_id)
    ends = {}
    for name in ("from_node", "to_node"):
        ids = links[name].to_numpy()
        found = pd.Index(position.index).get_indexer(ids)
        bad = np.flatnonzero(found < 0)
        if bad.size:
            raise TwinInputError(
                f"{links_csv}, line {links.index[bad[0]]}: {name} {ids[bad[0]]} is not in {nodes_csv}"
            )
        ends[name] = found
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        return RoadNetwork.from_arrays(
            node_x=nodes["x_m"],
            node_y=nodes["y_m"],
            node_id=node_id,
            link_from=ends["from_node"],
            link_to=ends["to_node"],
            link_id=links["link_id"].to_numpy(),
            length_m=links["length_m"],
            free_speed_mps=links["free_speed_mps"],
            lanes=links["lanes"].to_numpy(),
            capacity_vph=links["capacity_veh_per_h"],
            jam_density_vpm=links["jam_density_veh_per_m_per_lane"],
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
    frame = _read(trips_csv, TRIP_COLUMNS, optional=("count",))
    origin_id = frame["origin"].to_numpy()
    dest_id = frame["destination"].to_numpy()
    count = frame["count"].to_numpy() if "count" in frame else np.ones(len(frame), dtype=np.int64)
    depart = frame["depart_time_s"].to_numpy()
    check_size(int(count.sum(dtype=np.float64)), max_vehicles or MAX_VEHICLES, "vehicles (sum of count)",
               str(trips_csv), "--max-vehicles")
    known = set(_read(Path(nodes_csv), ("node_id",))["node_id"]) if nodes_csv else None
    index = pd.Index(network.node_id)
    o, d = index.get_indexer(origin_id), index.get_indexer(dest_id)
    if known is not None:
        for name, ids in (("origin", origin_id), ("destination", dest_id)):
            bad = np.flatnonzero(~np.isin(ids, np.fromiter(known, dtype=np.int64)))
            if bad.size:
                where = f"{trips_csv}, line {frame.index[bad[0]]}"
                raise TwinInputError(f"{where}: {name} {ids[bad[0]]} is not a node of {nodes_csv}")
    elif (o < 0).any() or (d < 0).any():
        bad = np.flatnonzero((o < 0) | (d < 0))[0]
        where = f"{trips_csv}, line {frame.index[bad]}"
        raise TwinInputError(f"{where}: node {origin_id[bad]} or {dest_id[bad]} is not in the network")
    on = (o >= 0) & (d >= 0)
    trips = Trips.from_arrays(o[on], d[on], depart[on], count[on])
    return CsvTrips(trips, int((~on).sum()), int(count[~on].sum()))
