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


def _read(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """The numeric columns of a CSV file, with a file-and-line error for anything malformed."""
    path = Path(path)
    if not path.is_file():
        raise TwinInputError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise TwinInputError(f"{path}: malformed CSV ({str(exc).strip().splitlines()[-1]})") from None
    except pd.errors.EmptyDataError:
        raise TwinInputError(f"{path}: the file is empty (expected columns {', '.join(columns)})") from None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TwinInputError(
            f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(columns + optional)})"
        )
    out = {}
    for name in columns + tuple(c for c in optional if c in frame.columns):
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise TwinInputError(
                f"{path}, line {bad[0] + 2}: column {name} is {frame[name].iloc[bad[0]]!r}, not a number"
            )
        out[name] = values
    return pd.DataFrame(out)


def _integers(path: Path, frame: pd.DataFrame, name: str) -> np.ndarray:
    values = frame[name].to_numpy()
    bad = np.flatnonzero(values != np.round(values))
    if bad.size:
        raise TwinInputError(
            f"{path}, line {bad[0] + 2}: column {name} must be a whole number, got {values[bad[0]]:g}"
        )
    return values.astype(np.int64)


def read_network_csv(nodes_csv: str | Path, links_csv: str | Path) -> RoadNetwork:
    """A :class:`~twin.city.RoadNetwork` from node and link CSV files (node ids kept in ``node_id``)."""
    nodes_csv, links_csv = Path(nodes_csv), Path(links_csv)
    nodes = _read(nodes_csv, NODE_COLUMNS)
    links = _read(links_csv, LINK_COLUMNS)
    if nodes.empty or links.empty:
        raise TwinInputError(f"{nodes_csv if nodes.empty else links_csv}: no rows")
    node_id = _integers(nodes_csv, nodes, "node_id")
    uniq, first = np.unique(node_id, return_index=True)
    if len(uniq) != len(node_id):
        dup = np.setdiff1d(np.arange(len(node_id)), first)[0]
        raise TwinInputError(f"{nodes_csv}, line {dup + 2}: node_id {node_id[dup]} appears twice")
    position = pd.Series(np.arange(len(node_id)), index=node_id)
    ends = {}
    for name in ("from_node", "to_node"):
        ids = _integers(links_csv, links, name)
        found = pd.Index(position.index).get_indexer(ids)
        bad = np.flatnonzero(found < 0)
        if bad.size:
            raise TwinInputError(
                f"{links_csv}, line {bad[0] + 2}: {name} {ids[bad[0]]} is not in {nodes_csv}"
            )
        ends[name] = found
    for name in (
        "length_m",
        "free_speed_mps",
        "lanes",
        "capacity_veh_per_h",
        "jam_density_veh_per_m_per_lane",
    ):
        bad = np.flatnonzero(links[name].to_numpy() <= 0)
        if bad.size:
            raise TwinInputError(
                f"{links_csv}, line {bad[0] + 2}: {name} must be > 0, got {links[name].iloc[bad[0]]:g}"
            )
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        return RoadNetwork.from_arrays(
            node_x=nodes["x_m"],
            node_y=nodes["y_m"],
            node_id=node_id,
            link_from=ends["from_node"],
            link_to=ends["to_node"],
            link_id=_integers(links_csv, links, "link_id"),
            length_m=links["length_m"],
            free_speed_mps=links["free_speed_mps"],
            lanes=_integers(links_csv, links, "lanes"),
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
    trips_csv: str | Path, network: RoadNetwork, nodes_csv: str | Path | None = None
) -> CsvTrips:
    """Trips between node ids of ``network``; node ids unknown to the nodes file are an error.

    Trips touching nodes that :meth:`RoadNetwork.from_arrays` dropped (outside the largest strongly
    connected part) cannot be driven: they are counted in ``off_network_*``, not silently lost.
    """
    trips_csv = Path(trips_csv)
    frame = _read(trips_csv, TRIP_COLUMNS, optional=("count",))
    origin_id = _integers(trips_csv, frame, "origin")
    dest_id = _integers(trips_csv, frame, "destination")
    count = _integers(trips_csv, frame, "count") if "count" in frame else np.ones(len(frame), dtype=np.int64)
    depart = frame["depart_time_s"].to_numpy()
    for name, values in (("depart_time_s", depart), ("count", count)):
        bad = np.flatnonzero(values < 0)
        if bad.size:
            raise TwinInputError(
                f"{trips_csv}, line {bad[0] + 2}: {name} must be >= 0, got {values[bad[0]]:g}"
            )
    known = (
        set(pd.read_csv(nodes_csv, usecols=["node_id"])["node_id"].astype(np.int64)) if nodes_csv else None
    )
    index = pd.Index(network.node_id)
    o, d = index.get_indexer(origin_id), index.get_indexer(dest_id)
    if known is not None:
        for name, ids in (("origin", origin_id), ("destination", dest_id)):
            bad = np.flatnonzero(~np.isin(ids, np.fromiter(known, dtype=np.int64)))
            if bad.size:
                raise TwinInputError(
                    f"{trips_csv}, line {bad[0] + 2}: {name} {ids[bad[0]]} is not a node of {nodes_csv}"
                )
    elif (o < 0).any() or (d < 0).any():
        bad = np.flatnonzero((o < 0) | (d < 0))[0]
        raise TwinInputError(
            f"{trips_csv}, line {bad + 2}: node {origin_id[bad]} or {dest_id[bad]} is not in the network"
        )
    on = (o >= 0) & (d >= 0)
    trips = Trips.from_arrays(o[on], d[on], depart[on], count[on])
    return CsvTrips(trips, int((~on).sum()), int(count[~on].sum()))
