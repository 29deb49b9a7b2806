"""Reading CVRPLIB instances (the TSPLIB-style ``.vrp`` format) into routing problems.

Supported: ``TYPE : CVRP`` with ``EDGE_WEIGHT_TYPE : EUC_2D`` (the A, B, E, F, M, P and X sets),
sections ``NODE_COORD_SECTION``, ``DEMAND_SECTION`` and ``DEPOT_SECTION`` (ended by ``-1``).
Distances follow the sets' convention: Euclidean distance rounded to the nearest integer.
A malformed file raises :class:`~twin.errors.TwinInputError` naming the file and line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from twin.errors import TwinInputError
from twin.numbers import check_column, check_number, check_size, parse_float
from twin.waste.planner import RoutingProblem, VehicleSpec


@dataclasses.dataclass(frozen=True, eq=False)
class CvrpInstance:
    """A CVRPLIB instance: node 0 is the depot, nodes 1..n are customers (0-based here)."""

    name: str
    capacity: int
    coords: np.ndarray
    demand: np.ndarray

    @property
    def n_customers(self) -> int:
        return len(self.demand) - 1

    def distance_matrix(self) -> np.ndarray:
        """Rounded Euclidean distances (nearest integer), the A/B/P sets' convention."""
        diff = self.coords[:, None, :] - self.coords[None, :, :]
        return np.floor(np.sqrt((diff**2).sum(axis=2)) + 0.5).astype(np.int64)

    def to_problem(self) -> RoutingProblem:
        """The instance as a :class:`RoutingProblem` (every customer required, fleet unbounded)."""
        dist = self.distance_matrix()
        n = self.n_customers
        return RoutingProblem(
            distance=dist,
            duration=dist,
            depots=np.array([0]),
            depot_service_s=np.array([0]),
            client_location=np.arange(1, n + 1),
            pickup=self.demand[1:].astype(np.int64),
            service_s=np.zeros(n, dtype=np.int64),
            prize=np.zeros(n, dtype=np.int64),
            required=np.ones(n, dtype=bool),
            vehicles=(VehicleSpec(count=n, capacity=self.capacity),),
            objective="distance",
        )


MAX_DIMENSION = 10_000
"""Largest DIMENSION read by default: the dense distance matrix takes 8 x DIMENSION x DIMENSION bytes
(0.8 GB at 10,000 nodes); ``twin waste route --max-nodes`` raises it."""

_SECTION_COLUMNS = {
    "NODE_COORD_SECTION": ("node x y", 3),
    "DEMAND_SECTION": ("node demand", 2),
    "DEPOT_SECTION": ("depot node", 1),
}


def read_cvrplib(path: str | Path, max_dimension: int | None = None) -> CvrpInstance:
    """Parse a CVRPLIB ``.vrp`` file; errors name the file and the line.

    Every number is checked by :mod:`twin.numbers` (finite, ids and demands whole, magnitudes
    bounded) and DIMENSION against ``max_dimension`` (default :data:`MAX_DIMENSION`) before
    anything of that size is built.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot read the instance ({exc.strerror})") from None
    header: dict[str, tuple[str, str]] = {}
    rows: dict[str, list[tuple[str, list[str]]]] = {name: [] for name in _SECTION_COLUMNS}
    section = ""
    for number, raw in enumerate(lines, start=1):
        where = f"{path}:{number}"
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        if line.endswith("_SECTION"):
            section = line
            if section not in _SECTION_COLUMNS:
                raise TwinInputError(
                    f"{where}: unsupported section {line[:40]!r}; supported: {', '.join(_SECTION_COLUMNS)}"
                )
            continue
        if ":" in line and not line[0].isdigit() and not line.startswith("-"):
            key, _, value = line.partition(":")
            header[key.strip().upper()] = (value.strip(), where)
            section = ""
            continue
        if not section:
            raise TwinInputError(f"{where}: unexpected line {line[:40]!r} outside a section")
        what, count = _SECTION_COLUMNS[section]
        fields = line.split()
        if section == "DEPOT_SECTION":
            fields = fields[:1]
            if fields == ["-1"]:
                section = ""
                continue
        if len(fields) != count:
            raise TwinInputError(f"{where}: expected {count} numbers ({what}), got {line[:60]!r}")
        rows[section].append((where, fields))
    return _instance(path, header, rows, max_dimension)


def _column(rows: list[tuple[str, list[str]]], k: int, name: str, **bounds) -> np.ndarray:
    """Column ``k`` of a section's rows, checked by :func:`twin.numbers.check_column`."""
    text = [fields[k] for _, fields in rows]
    return check_column([parse_float(t) for t in text], name, lambda i: rows[i][0], text=text, **bounds)


def _header_int(path: Path, header: dict[str, tuple[str, str]], key: str, low: int) -> int:
    if key not in header:
        raise TwinInputError(f"{path}: missing header {key}")
    text, where = header[key]
    return int(check_number(text, key, where, integer=True, low=low))


def _instance(path: Path, header: dict[str, tuple[str, str]], rows: dict,
              max_dimension: int | None) -> CvrpInstance:
    dimension = _header_int(path, header, "DIMENSION", 2)
    capacity = _header_int(path, header, "CAPACITY", 1)
    check_size(dimension, max_dimension or MAX_DIMENSION, "DIMENSION", str(path), "--max-nodes")
    kind = header.get("EDGE_WEIGHT_TYPE", ("EUC_2D",))[0]
    if kind != "EUC_2D":
        raise TwinInputError(f"{path}: EDGE_WEIGHT_TYPE {kind!r} is not supported; supported: EUC_2D")
    if header.get("TYPE", ("CVRP",))[0] != "CVRP":
        raise TwinInputError(f"{path}: TYPE {header['TYPE'][0]!r} is not supported; supported: CVRP")
    coords, demands, depots = rows["NODE_COORD_SECTION"], rows["DEMAND_SECTION"], rows["DEPOT_SECTION"]
    node = {name: _column(rows[name], 0, "node", integer=True, low=1, high=dimension)
            for name in ("NODE_COORD_SECTION", "DEMAND_SECTION")}
    x, y = (_column(coords, k, f"coordinate {name}") for k, name in ((1, "x"), (2, "y")))
    demand = _column(demands, 1, "demand", integer=True, low=0)
    depot = _column(depots, 0, "depot", integer=True, low=1, high=dimension)
    for name, ids in node.items():
        if len(ids) != dimension or len(np.unique(ids)) != dimension:
            missing = np.setdiff1d(np.arange(1, dimension + 1), ids)[:3].tolist()
            raise TwinInputError(f"{path}: {name} must list nodes 1..{dimension} once "
                                 f"({len(ids)} lines; missing {missing})")
    if len(depot) != 1:
        raise TwinInputError(f"{path}: DEPOT_SECTION must name exactly one depot, got {len(depot)}")
    depot = int(depot[0])
    xy = np.empty((dimension, 2))
    xy[node["NODE_COORD_SECTION"] - 1] = np.column_stack([x, y])
    q = np.empty(dimension, dtype=np.int64)
    q[node["DEMAND_SECTION"] - 1] = demand
    order = np.r_[depot - 1, np.delete(np.arange(dimension), depot - 1)]
    xy, q = xy[order], q[order]
    if q[1:].max(initial=0) > capacity:
        raise TwinInputError(f"{path}: a customer's demand {q[1:].max()} exceeds CAPACITY {capacity}")
    name = header["NAME"][0] if "NAME" in header else path.stem
    return CvrpInstance(name, capacity, xy, q)
