"""Organic street layout for a district: an arterial skeleton subdivided into blocks of varying size.

The district is covered by a lattice of superblocks ``arterial_spacing_m`` on a side (about 1 km
in Hezhou's seed, which with the collectors and local streets gives the 8 km of street per km2 of
GB/T 51328-2018), rotated by ``grid_angle_deg`` and bent by a smooth sine warp of amplitude
``warp_m``, so arterials curve and meet at irregular angles. Each superblock is a quadrilateral
split in four by a collector cross (its two mid-lines, which line up with the neighbours' and so
run through the district); each quarter gets 0 to ``local_splits`` local streets in each
direction, more near the district centre, placed with jitter, so blocks range from half a
superblock down to 1 / (2 (local_splits + 1)) of one and local streets end in T-junctions rather
than running on as a fishnet. Nodes closer than ``MIN_GAP_M`` merge. A share
``cul_de_sac_share`` of the local street segments is cut short to a stub, a dead end
(cul-de-sac). Positions come from bilinear interpolation of the superblock's corners, so every
street inside a superblock follows its skew. Everything is drawn from the caller's numpy
Generator: the same seed gives the same streets.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.spatial import cKDTree

from twin.city.seedfile import DistrictSpec
from twin.city.terrain import inside_polygon

LOCAL, COLLECTOR, ARTERIAL = 0, 1, 2
"""Link classes as indexed by ``twin.city.network.LINK_CLASSES``."""

MIN_GAP_M = 50.0
"""Nodes closer than this merge: a link of 50 m takes 3.6 s at 50 km/h, longer than the traffic
module's usual 3 s step, which must not exceed any link's free-flow time."""


class _Layout:
    """Nodes keyed by where they lie, and the street lines (with class) they sit on."""

    def __init__(self, corners: np.ndarray) -> None:
        self.corners = corners  # (ni, nj, 2) corner positions in the rotated frame, m
        self.where: list[tuple[int, int, float, float]] = []  # (a, b, s, t) of each node
        self.jitter: dict[int, np.ndarray] = {}
        self.ids: dict[tuple, int] = {}
        self.lines: dict[tuple, list[tuple[float, int]]] = defaultdict(list)

    def point(self, a: int, b: int, s: float, t: float, jitter: np.ndarray | None = None) -> int:
        """The node at parameter (s, t) of superblock (a, b), registered on every line it lies on."""
        on_edge_s, on_edge_t = s in (0.0, 1.0), t in (0.0, 1.0)
        if on_edge_s and on_edge_t:
            key: tuple = ("c", a + int(s), b + int(t))
        elif on_edge_t:
            key = ("h", a, b + int(t), s)
        elif on_edge_s:
            key = ("v", a + int(s), b, t)
        else:
            key = ("p", a, b, s, t)
        node = self.ids.get(key)
        if node is None:
            node = self.ids[key] = len(self.where)
            self.where.append((a, b, s, t))
            if jitter is not None and not (s == 0.5 or t == 0.5):
                self.jitter[node] = jitter
        if t in (0.0, 1.0):
            self.lines[(ARTERIAL, "h", a, b + int(t))].append((s, node))
        if s in (0.0, 1.0):
            self.lines[(ARTERIAL, "v", a + int(s), b)].append((t, node))
        if s == 0.5:
            self.lines[(COLLECTOR, "cs", a, b)].append((t, node))
        if t == 0.5:
            self.lines[(COLLECTOR, "ct", a, b)].append((s, node))
        return node

    def positions(self) -> np.ndarray:
        """(n, 2) node positions in the rotated frame: bilinear in the superblock's corners, m."""
        where = np.asarray(self.where, dtype=np.float64)
        a, b = where[:, 0].astype(np.int64), where[:, 1].astype(np.int64)
        s, t = where[:, 2:3], where[:, 3:4]
        c = self.corners
        uv = ((1 - s) * (1 - t) * c[a, b] + s * (1 - t) * c[a + 1, b]
              + (1 - s) * t * c[a, b + 1] + s * t * c[a + 1, b + 1])
        if self.jitter:
            moved = np.fromiter(self.jitter, dtype=np.int64)
            uv[moved] += np.asarray(list(self.jitter.values()))
        return uv

    def links(self) -> np.ndarray:
        """(m, 3) rows (node a, node b, class): consecutive nodes along every line."""
        sizes = [len(m) for m in self.lines.values()]
        line = np.repeat(np.arange(len(sizes)), sizes)
        cls = np.repeat([key[0] for key in self.lines], sizes)
        flat = np.array([pair for m in self.lines.values() for pair in m], dtype=np.float64)
        param, node = flat[:, 0], flat[:, 1].astype(np.int64)
        order = np.lexsort((node, param, line))
        line, cls, node = line[order], cls[order], node[order]
        fresh = np.r_[True, (line[1:] != line[:-1]) | (node[1:] != node[:-1])]
        line, cls, node = line[fresh], cls[fresh], node[fresh]
        step = line[1:] == line[:-1]
        return np.column_stack([node[:-1][step], node[1:][step], cls[:-1][step]])


def _merge_close(xy: np.ndarray, links: np.ndarray, gap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes closer than ``gap_m`` become one (at their mean position): offset T-junctions turn into
    crossroads and no link is shorter than the gap. Of parallel streets the higher class stays."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = cKDTree(xy).query_pairs(gap_m, output_type="ndarray")
    n = len(xy)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    # label components in order of their first node, so the result does not depend on scipy's order
    first = np.full(label.max() + 1, n)
    np.minimum.at(first, label, np.arange(n))
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    label = rank[label]
    count = np.bincount(label)
    merged = np.column_stack([np.bincount(label, weights=xy[:, k]) for k in (0, 1)]) / count[:, None]
    a, b = label[links[:, 0]], label[links[:, 1]]
    keep = a != b
    lo, hi, cls = np.minimum(a, b)[keep], np.maximum(a, b)[keep], links[keep, 2]
    order = np.lexsort((-cls, hi, lo))
    lo, hi, cls = lo[order], hi[order], cls[order]
    fresh = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    return merged, np.column_stack([lo[fresh], hi[fresh], cls[fresh]])


def organic_streets(d: DistrictSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Street nodes (n, 2) in metres inside the district outline, and links (m, 3): a, b, class."""
    outline = np.asarray(d.outline, dtype=np.float64)
    centre = np.asarray(d.centre, dtype=np.float64)
    angle = np.deg2rad(d.grid_angle_deg)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    local = (outline - centre) @ rot
    size = d.arterial_spacing_m
    i0, i1 = int(np.floor(local[:, 0].min() / size)), int(np.ceil(local[:, 0].max() / size))
    j0, j1 = int(np.floor(local[:, 1].min() / size)), int(np.ceil(local[:, 1].max() / size))
    u, v = np.meshgrid(np.arange(i0, i1 + 1) * size, np.arange(j0, j1 + 1) * size, indexing="ij")
    phase = rng.uniform(0.0, 2.0 * np.pi, 2)
    wavelength = 3.3 * size
    corners = np.stack([u + d.warp_m * np.sin(2 * np.pi * v / wavelength + phase[0]),
                        v + d.warp_m * np.sin(2 * np.pi * u / wavelength + phase[1])], axis=-1)
    layout = _Layout(corners)
    ni, nj = corners.shape[0] - 1, corners.shape[1] - 1
    mid = 0.25 * (corners[:-1, :-1] + corners[1:, :-1] + corners[:-1, 1:] + corners[1:, 1:])
    closeness = np.exp(-np.hypot(mid[..., 0], mid[..., 1]) / d.density_scale_m)  # (ni, nj)
    # local streets per quarter and direction: up to local_splits, more where it is dense
    draws = rng.random((ni, nj, 4, 2))
    splits = np.minimum(np.floor(draws * (d.local_splits + 1) * (0.5 + closeness[..., None, None])),
                        d.local_splits).astype(np.int64)
    offsets = rng.uniform(-0.3, 0.3, (ni, nj, 4, 2, max(d.local_splits, 1)))
    jitter = rng.normal(0.0, 0.03 * size, (ni, nj, 4, max(d.local_splits, 1) ** 2, 2))
    for a in range(ni):
        for b in range(nj):
            for s, t in ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.5, 0.0), (0.5, 1.0),
                         (0.0, 0.5), (1.0, 0.5), (0.5, 0.5)):
                layout.point(a, b, s, t)
            for q, (qs, qt) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
                s_lo, t_lo = 0.5 * qs, 0.5 * qt
                ns, nt = splits[a, b, q]
                s_k = s_lo + 0.5 * (np.arange(1, ns + 1) + offsets[a, b, q, 0, :ns]) / (ns + 1)
                t_l = t_lo + 0.5 * (np.arange(1, nt + 1) + offsets[a, b, q, 1, :nt]) / (nt + 1)
                s_all = [s_lo, *s_k.tolist(), s_lo + 0.5]
                t_all = [t_lo, *t_l.tolist(), t_lo + 0.5]
                grid = np.empty((len(s_all), len(t_all)), dtype=np.int64)
                for x, s in enumerate(s_all):
                    for y, t in enumerate(t_all):
                        inner = 0 < x < len(s_all) - 1 and 0 < y < len(t_all) - 1
                        jit = jitter[a, b, q, (x - 1) * max(nt, 1) + (y - 1)] if inner else None
                        grid[x, y] = layout.point(a, b, s, t, jit)
                for x in range(1, len(s_all) - 1):
                    layout.lines[(LOCAL, "ls", a, b, q, x)].extend(zip(t_all, grid[x].tolist(), strict=True))
                for y in range(1, len(t_all) - 1):
                    layout.lines[(LOCAL, "lt", a, b, q, y)].extend(
                        zip(s_all, grid[:, y].tolist(), strict=True))
    xy, links = _merge_close(layout.positions() @ rot.T + centre, layout.links(), MIN_GAP_M)
    inside = inside_polygon(xy, outline)
    links = links[inside[links[:, 0]] & inside[links[:, 1]]]
    # cul-de-sacs: a cut local segment keeps a stub (60 % of it) from one of its ends
    cut = (links[:, 2] == LOCAL) & (rng.random(len(links)) < d.cul_de_sac_share)
    stub_from = links[cut, 0]
    stub_xy = xy[stub_from] + 0.6 * (xy[links[cut, 1]] - xy[stub_from])
    links = links[~cut]
    index = -np.ones(len(xy), dtype=np.int64)
    index[inside] = np.arange(int(inside.sum()))
    links[:, :2] = index[links[:, :2]]
    n_kept = int(inside.sum())
    stubs = np.column_stack([index[stub_from], n_kept + np.arange(len(stub_from)),
                             np.full(len(stub_from), LOCAL)])
    return np.concatenate([xy[inside], stub_xy]), np.concatenate([links, stubs])
