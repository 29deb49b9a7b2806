"""Trips as columns: origin node, destination node, departure time and vehicle count."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Trips:
    """A demand table: row ``i`` releases ``count[i]`` vehicles from ``origin[i]`` at ``depart_s[i]``.

    Nodes are 0-based positions in the road network; times are seconds from the period start.
    ``destination`` is a node, or a zone index when the loading is given zone connectors
    (:class:`~twin.traffic.loading.DynamicLoading`, as the traffic Module's demand is).
    """

    origin: np.ndarray
    destination: np.ndarray
    depart_s: np.ndarray
    count: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.origin)
        for name in ("destination", "depart_s", "count"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"trips: {name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.origin)

    @property
    def vehicles(self) -> int:
        """Total vehicles over all rows."""
        return int(self.count.sum())

    @classmethod
    def from_arrays(cls, origin, destination, depart_s, count=1) -> Trips:
        origin = np.ascontiguousarray(origin, dtype=np.int32)
        n = len(origin)
        return cls(
            origin=origin,
            destination=np.ascontiguousarray(destination, dtype=np.int32),
            depart_s=np.ascontiguousarray(depart_s, dtype=np.float64),
            count=np.ascontiguousarray(np.broadcast_to(np.asarray(count, dtype=np.int32), (n,))),
        )

    def scaled(self, factor: float, rng: np.random.Generator) -> Trips:
        """Demand times ``factor`` (vehicle counts thinned or repeated binomially, same departures)."""
        whole = int(np.floor(factor))
        counts = self.count.astype(np.int64) * whole + rng.binomial(self.count, factor - whole)
        keep = counts > 0
        return Trips.from_arrays(self.origin[keep], self.destination[keep], self.depart_s[keep], counts[keep])
