"""The road network as immutable CSR arrays: nodes in metres, directed links with their physics.

Links are stored sorted by origin node, so the outgoing links of node ``n`` are the index range
``out_start[n]:out_start[n + 1]``; ``in_links[in_start[n]:in_start[n + 1]]`` lists the incoming
ones. Every kernel in :mod:`twin.kernels` takes these arrays, never the object.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
import warnings
from functools import cached_property

import numpy as np

from twin.errors import CityError

if typing.TYPE_CHECKING:
    from scipy import sparse
    from scipy.spatial import cKDTree

LINK_CLASSES = ("local", "collector", "arterial", "highway")
"""Road classes, indexed by ``RoadNetwork.link_class``."""


class CityWarning(UserWarning):
    """City data was repaired (for example, reduced to its largest strongly connected part)."""


def _frozen(a: np.ndarray, dtype) -> np.ndarray:
    out = np.ascontiguousarray(a, dtype=dtype)
    if out is a:
        out = out.copy()
    out.flags.writeable = False
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Directed road graph in CSR order (links sorted by ``link_from``).

    Units: coordinates and lengths in metres, speeds in m/s, capacity in vehicles/hour for the
    whole link (all lanes), jam density in vehicles/metre/lane.
    """

    node_id: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    link_id: np.ndarray
    link_from: np.ndarray
    link_to: np.ndarray
    link_length_m: np.ndarray
    link_free_speed_mps: np.ndarray
    link_lanes: np.ndarray
    link_capacity_vph: np.ndarray
    link_jam_density_vpm: np.ndarray
    link_class: np.ndarray
    link_bridge: np.ndarray
    link_road: np.ndarray
    road_names: tuple[str, ...]
    out_start: np.ndarray
    in_start: np.ndarray
    in_links: np.ndarray

    def __post_init__(self) -> None:
        n, m = len(self.node_x), len(self.link_from)
        if n == 0 or m == 0:
            raise CityError("road network: it has no nodes or no links")
        for name in ("node_id", "node_y"):
            if len(getattr(self, name)) != n:
                raise CityError(f"road network: {name} has {len(getattr(self, name))} rows, expected {n}")
        link_arrays = ("link_id", "link_to", "link_length_m", "link_free_speed_mps", "link_lanes",
                       "link_capacity_vph", "link_jam_density_vpm", "link_class", "link_bridge",
                       "link_road")
        for name in link_arrays:
            if len(getattr(self, name)) != m:
                raise CityError(f"road network: {name} has {len(getattr(self, name))} rows, expected {m}")
        for name in ("node_x", "node_y", "link_length_m", "link_free_speed_mps", "link_capacity_vph",
                     "link_jam_density_vpm"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise CityError(f"road network: {name} has NaN or infinite values")
        for name in ("link_length_m", "link_free_speed_mps", "link_lanes", "link_capacity_vph",
                     "link_jam_density_vpm"):
            bad = np.flatnonzero(getattr(self, name) <= 0)
            if bad.size:
                raise CityError(
                    f"road network: {name} must be > 0; {bad.size} links are not "
                    f"(first: link id {self.link_id[bad[0]]})"
                )
        for name in ("link_from", "link_to"):
            a = getattr(self, name)
            if a.min() < 0 or a.max() >= n:
                raise CityError(f"road network: {name} refers to nodes that do not exist")
        if np.any(np.diff(self.link_from) < 0):
            raise CityError("road network: links are not sorted by origin node (use from_arrays)")
        if len(self.out_start) != n + 1 or len(self.in_start) != n + 1 or len(self.in_links) != m:
            raise CityError("road network: CSR index arrays have the wrong length")
        if self.link_road.max(initial=-1) >= len(self.road_names):
            raise CityError("road network: link_road refers to a road name that does not exist")
        n_components = int(_strong_labels(self.out_start, self.link_to, n).max(initial=-1)) + 1
        if n_components != 1:
            raise CityError(
                f"road network: not strongly connected ({n_components} parts); "
                "build it with RoadNetwork.from_arrays, which keeps the largest part"
            )

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        *,
        node_x,
        node_y,
        link_from,
        link_to,
        length_m,
        free_speed_mps,
        lanes,
        capacity_vph,
        jam_density_vpm=0.15,
        link_class=0,
        bridge=False,
        road=-1,
        road_names: tuple[str, ...] = (),
        node_id=None,
        link_id=None,
        source: str = "road network",
    ) -> RoadNetwork:
        """Validate, sort into CSR order and keep the largest strongly connected component.

        ``link_from``/``link_to`` are 0-based node positions. Dropped nodes and links are
        reported with a :class:`CityWarning`. Scalars broadcast over links.
        """
        node_x = np.asarray(node_x, dtype=np.float64)
        node_y = np.asarray(node_y, dtype=np.float64)
        n = len(node_x)
        link_from = np.asarray(link_from, dtype=np.int64)
        link_to = np.asarray(link_to, dtype=np.int64)
        m = len(link_from)

        def column(value, dtype):
            return np.broadcast_to(np.asarray(value, dtype=dtype), (m,)).copy()

        cols = {
            "link_length_m": column(length_m, np.float64),
            "link_free_speed_mps": column(free_speed_mps, np.float64),
            "link_lanes": column(lanes, np.int32),
            "link_capacity_vph": column(capacity_vph, np.float64),
            "link_jam_density_vpm": column(jam_density_vpm, np.float64),
            "link_class": column(link_class, np.int8),
            "link_bridge": column(bridge, np.bool_),
            "link_road": column(road, np.int32),
        }
        node_ids = np.arange(n, dtype=np.int64) if node_id is None else np.asarray(node_id, np.int64)
        link_ids = np.arange(m, dtype=np.int64) if link_id is None else np.asarray(link_id, np.int64)
        if m and (link_from.min() < 0 or link_to.min() < 0 or max(link_from.max(), link_to.max()) >= n):
            raise CityError(f"{source}: links refer to nodes that do not exist")
        for name in ("link_length_m", "link_free_speed_mps", "link_capacity_vph", "link_lanes"):
            bad = np.flatnonzero(~(cols[name] > 0))
            if bad.size:
                raise CityError(
                    f"{source}: {name} must be > 0; {bad.size} links are not "
                    f"(first: link id {link_ids[bad[0]]}, value {cols[name][bad[0]]})"
                )
        keep_nodes = _largest_strong_component(n, link_from, link_to)
        if not keep_nodes.all():
            new_index = np.full(n, -1, dtype=np.int64)
            new_index[keep_nodes] = np.arange(int(keep_nodes.sum()))
            keep_links = keep_nodes[link_from] & keep_nodes[link_to]
            warnings.warn(
                f"{source}: kept the largest strongly connected part: dropped "
                f"{int((~keep_nodes).sum())} of {n} nodes and {int((~keep_links).sum())} of {m} links",
                CityWarning,
                stacklevel=2,
            )
            node_x, node_y, node_ids = node_x[keep_nodes], node_y[keep_nodes], node_ids[keep_nodes]
            link_from, link_to = new_index[link_from[keep_links]], new_index[link_to[keep_links]]
            link_ids = link_ids[keep_links]
            cols = {k: v[keep_links] for k, v in cols.items()}
            n = len(node_x)
        order = np.lexsort((link_to, link_from))
        link_from, link_to, link_ids = link_from[order], link_to[order], link_ids[order]
        cols = {k: v[order] for k, v in cols.items()}
        out_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(link_from, minlength=n), out=out_start[1:])
        in_links = np.argsort(link_to, kind="stable")
        in_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(link_to, minlength=n), out=in_start[1:])
        return cls(
            node_id=_frozen(node_ids, np.int64),
            node_x=_frozen(node_x, np.float64),
            node_y=_frozen(node_y, np.float64),
            link_id=_frozen(link_ids, np.int64),
            link_from=_frozen(link_from, np.int32),
            link_to=_frozen(link_to, np.int32),
            **{k: _frozen(v, v.dtype) for k, v in cols.items()},
            road_names=tuple(road_names),
            out_start=_frozen(out_start, np.int64),
            in_start=_frozen(in_start, np.int64),
            in_links=_frozen(in_links, np.int32),
        )

    # -- derived quantities -------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.node_x)

    @property
    def n_links(self) -> int:
        return len(self.link_from)

    @cached_property
    def free_flow_time_s(self) -> np.ndarray:
        """Free-flow travel time of each link, seconds."""
        t = self.link_length_m / self.link_free_speed_mps
        t.flags.writeable = False
        return t

    @cached_property
    def storage_veh(self) -> np.ndarray:
        """Vehicles a link holds at jam density (length x lanes x jam density)."""
        s = self.link_length_m * self.link_lanes * self.link_jam_density_vpm
        s.flags.writeable = False
        return s

    def adjacency(self, weights: np.ndarray | None = None) -> sparse.csr_matrix:
        """A scipy CSR matrix of the graph (parallel links keep the smallest weight)."""
        from scipy import sparse  # here: the traffic tools never build one

        w = np.ones(self.n_links) if weights is None else np.asarray(weights, dtype=np.float64)
        mat = sparse.coo_matrix(
            (w, (self.link_from, self.link_to)), shape=(self.n_nodes, self.n_nodes)
        ).tocsr()
        if mat.nnz != self.n_links:  # parallel links were summed: take the minimum instead
            order = np.lexsort((w, self.link_to, self.link_from))
            f, t, ww = self.link_from[order], self.link_to[order], w[order]
            first = np.ones(len(f), dtype=bool)
            first[1:] = (f[1:] != f[:-1]) | (t[1:] != t[:-1])
            mat = sparse.csr_matrix((ww[first], (f[first], t[first])), shape=mat.shape)
        return mat

    @cached_property
    def _kdtree(self) -> cKDTree:
        from scipy.spatial import cKDTree  # here: the traffic tools never look up nearest nodes

        return cKDTree(np.column_stack([self.node_x, self.node_y]))

    def nearest_node(self, x, y) -> np.ndarray:
        """Index of the nearest node to each point (metres)."""
        _, idx = self._kdtree.query(np.column_stack([np.ravel(x), np.ravel(y)]))
        return idx.astype(np.int32)

    def links_of_road(self, name: str) -> np.ndarray:
        """Indices of the links that belong to the named road (corridor)."""
        try:
            code = self.road_names.index(name)
        except ValueError:
            raise CityError(
                f"no road named {name!r}; roads: {', '.join(self.road_names) or 'none'}"
            ) from None
        return np.flatnonzero(self.link_road == code)


def _strong_labels(indptr: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
    """Strongly connected component of each node of a CSR graph (each node's neighbours sorted).

    numba's kernel once the process has imported numba (the traffic tools, runs, the emergency
    and waste tools: no scipy.sparse to import, about 60 ms), else scipy's csgraph (the city
    tools, which never load a kernel: importing numba and loading one would cost them about
    0.6 s). Both number the components alike, label for label (tests/test_kernels_components.py).
    """
    if "numba" in sys.modules:
        from twin.kernels.components import strong_components

        return strong_components(indptr, indices, n)
    from scipy.sparse import csgraph, csr_matrix

    graph = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n), copy=True)
    graph.sum_duplicates()  # csgraph never returns on repeated entries (parallel links)
    return csgraph.connected_components(graph, connection="strong")[1]


def _largest_strong_component(n: int, link_from: np.ndarray, link_to: np.ndarray) -> np.ndarray:
    """Boolean mask of the nodes in the largest strongly connected component (none without links).

    Among equally large components, the one with the smallest label (the first to complete in
    the depth-first search from node 0) wins.
    """
    if len(link_from) == 0:
        return np.zeros(n, dtype=bool)
    order = np.lexsort((link_to, link_from))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(link_from, minlength=n), out=indptr[1:])
    labels = _strong_labels(indptr, np.ascontiguousarray(link_to[order]), n)
    return labels == np.bincount(labels).argmax()
