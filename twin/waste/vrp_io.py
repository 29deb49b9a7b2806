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


def _numbers(fields: list[str], count: int, where: str, what: str) -> list[float]:
    if len(fields) != count:
        raise TwinInputError(f"{where}: expected {count} numbers ({what}), got {' '.join(fields)!r}")
    try:
        return [float(f) for f in fields]
    except ValueError:
        raise TwinInputError(f"{where}: expected numbers ({what}), got {' '.join(fields)!r}") from None


def read_cvrplib(path: str | Path) -> CvrpInstance:
    """Parse a CVRPLIB ``.vrp`` file; errors name the file and the line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot read the instance ({exc.strerror})") from None
    header: dict[str, str] = {}
    coords: dict[int, tuple[float, float]] = {}
    demand: dict[int, int] = {}
    depots: list[int] = []
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
            if section not in ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION"):
                raise TwinInputError(
                    f"{where}: unsupported section {line!r}; supported: "
                    "NODE_COORD_SECTION, DEMAND_SECTION, DEPOT_SECTION"
                )
            continue
        if ":" in line and not line[0].isdigit() and not line.startswith("-"):
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip()
            section = ""
            continue
        fields = line.split()
        if section == "NODE_COORD_SECTION":
            node, x, y = _numbers(fields, 3, where, "node x y")
            coords[int(node)] = (x, y)
        elif section == "DEMAND_SECTION":
            node, q = _numbers(fields, 2, where, "node demand")
            if q < 0:
                raise TwinInputError(f"{where}: demand must be >= 0, got {q:g}")
            demand[int(node)] = int(q)
        elif section == "DEPOT_SECTION":
            (node,) = _numbers(fields[:1], 1, where, "depot node")
            if node != -1:
                depots.append(int(node))
        else:
            raise TwinInputError(f"{where}: unexpected line {line!r} outside a section")
    return _instance(path, header, coords, demand, depots)


def _instance(
    path: Path, header: dict[str, str], coords: dict, demand: dict, depots: list[int]
) -> CvrpInstance:
    for key in ("DIMENSION", "CAPACITY"):
        if key not in header:
            raise TwinInputError(f"{path}: missing header {key}")
    kind = header.get("EDGE_WEIGHT_TYPE", "EUC_2D")
    if kind != "EUC_2D":
        raise TwinInputError(f"{path}: EDGE_WEIGHT_TYPE {kind!r} is not supported; supported: EUC_2D")
    if header.get("TYPE", "CVRP") != "CVRP":
        raise TwinInputError(f"{path}: TYPE {header['TYPE']!r} is not supported; supported: CVRP")
    try:
        dimension, capacity = int(header["DIMENSION"]), int(float(header["CAPACITY"]))
    except ValueError:
        raise TwinInputError(f"{path}: DIMENSION and CAPACITY must be integers") from None
    if dimension < 2 or capacity <= 0:
        raise TwinInputError(f"{path}: DIMENSION must be >= 2 and CAPACITY > 0")
    expected = set(range(1, dimension + 1))
    for name, table in (("NODE_COORD_SECTION", coords), ("DEMAND_SECTION", demand)):
        if set(table) != expected:
            missing = sorted(expected - set(table))[:3]
            extra = sorted(set(table) - expected)[:3]
            raise TwinInputError(
                f"{path}: {name} must list nodes 1..{dimension} once (missing {missing}, unexpected {extra})"
            )
    if len(depots) != 1:
        raise TwinInputError(f"{path}: DEPOT_SECTION must name exactly one depot, got {len(depots)}")
    depot = depots[0]
    if depot not in expected:
        raise TwinInputError(f"{path}: depot {depot} is not a node 1..{dimension}")
    order = [depot] + [k for k in range(1, dimension + 1) if k != depot]
    xy = np.array([coords[k] for k in order], dtype=np.float64)
    q = np.array([demand[k] for k in order], dtype=np.int64)
    if q[1:].max(initial=0) > capacity:
        raise TwinInputError(f"{path}: a customer's demand {q.max()} exceeds CAPACITY {capacity}")
    return CvrpInstance(header.get("NAME", path.stem), capacity, xy, q)
