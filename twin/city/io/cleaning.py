"""Network cleaning: from OSM way segments to links a traffic model can step through.

An OSM way is a chain of shape points; pyrosm returns one segment between each pair. Real
networks thus have many tiny links, and a time-stepped traffic model cannot move a vehicle
through a link shorter than the distance it drives in one step. Cleaning, in order:

1. keep the largest strongly connected component (every node reaches every other node);
2. merge chains: a node with exactly one way in and one way out (one-way road) or exactly two
   neighbours both ways (two-way road) is a shape point when the links on either side have the
   same physics; its links are joined and their lengths added;
3. contract short links: a link shorter than ``free speed x time step`` is collapsed, its two
   end nodes becoming one node at their mean position (clusters of short links, as in a
   complex junction, become one node); links left with both ends on one node are dropped;
4. merge chains again (contraction makes new ones).

Lengths of merged links are sums of the segment lengths (the road's real length); a contracted
link's length is lost (at most one time step of driving per junction), and it is reported.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

LINK_ATTRIBUTES = ("speed_mps", "lanes", "capacity_vph", "link_class", "bridge", "road")
"""Link columns that must match for two links to merge into one."""


@dataclasses.dataclass
class LinkTable:
    """Directed links over nodes ``0..n_nodes-1`` (plain columns, all of one length)."""

    node_x: np.ndarray
    node_y: np.ndarray
    node_id: np.ndarray
    link_from: np.ndarray
    link_to: np.ndarray
    length_m: np.ndarray
    speed_mps: np.ndarray
    lanes: np.ndarray
    capacity_vph: np.ndarray
    link_class: np.ndarray
    bridge: np.ndarray
    road: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.node_x)

    @property
    def n_links(self) -> int:
        return len(self.link_from)

    def take_links(self, rows: np.ndarray, **replace) -> LinkTable:
        cols = {name: getattr(self, name)[rows] for name in ("link_from", "link_to", "length_m",
                                                              *LINK_ATTRIBUTES)}
        cols.update(replace)
        return dataclasses.replace(self, **cols)


@dataclasses.dataclass
class CleaningReport:
    """What cleaning did, with counts before and after each step."""

    nodes_in: int = 0
    links_in: int = 0
    scc_dropped_nodes: int = 0
    scc_dropped_links: int = 0
    scc_parts: int = 0
    chain_nodes_removed: int = 0
    short_threshold_s: float = 0.0
    short_links_contracted: int = 0
    short_nodes_merged: int = 0
    short_length_lost_m: float = 0.0
    loops_dropped: int = 0
    short_places_xy: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    nodes_out: int = 0
    links_out: int = 0

    def lines(self) -> list[str]:
        """A few lines for the terminal."""
        lines = [
            f"network: {self.nodes_in:,} nodes, {self.links_in:,} directed segments read",
            f"  strongly connected: kept the largest of {self.scc_parts:,} parts, dropped "
            f"{self.scc_dropped_nodes:,} nodes and {self.scc_dropped_links:,} links",
            f"  chains merged: {self.chain_nodes_removed:,} shape-point nodes removed",
            f"  short links (< {self.short_threshold_s:g} s at free speed): "
            f"{self.short_links_contracted:,} contracted at {len(self.short_places_xy):,} places, "
            f"{self.short_length_lost_m:,.0f} m of road dropped; {self.loops_dropped:,} loops dropped",
        ]
        if self.short_places_xy:
            shown = ", ".join(f"({x:.0f}, {y:.0f})" for x, y in self.short_places_xy[:5])
            more = " ..." if len(self.short_places_xy) > 5 else ""
            lines.append(f"    where (x, y in metres): {shown}{more}")
        lines.append(f"  result: {self.nodes_out:,} nodes, {self.links_out:,} links")
        return lines


def clean_network(table: LinkTable, time_step_s: float) -> tuple[LinkTable, CleaningReport]:
    """Run the cleaning steps of the module docstring; returns the table and a report."""
    report = CleaningReport(nodes_in=table.n_nodes, links_in=table.n_links,
                            short_threshold_s=time_step_s)
    table = _drop_self_loops(table, report)
    table = keep_largest_strong_component(table, report)
    n0 = table.n_nodes
    table = merge_chains(table)
    table = contract_short_links(table, time_step_s, report)
    table = merge_chains(table)
    report.chain_nodes_removed = n0 - table.n_nodes - report.short_nodes_merged
    report.nodes_out, report.links_out = table.n_nodes, table.n_links
    return table, report


def _drop_self_loops(table: LinkTable, report: CleaningReport) -> LinkTable:
    loop = table.link_from == table.link_to
    report.loops_dropped += int(loop.sum())
    return table.take_links(np.flatnonzero(~loop)) if loop.any() else table


def _compact_nodes(table: LinkTable, keep: np.ndarray) -> LinkTable:
    """Keep the nodes in the boolean mask ``keep`` and renumber the links (which must use only them)."""
    index = np.full(table.n_nodes, -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    return dataclasses.replace(
        table, node_x=table.node_x[keep], node_y=table.node_y[keep], node_id=table.node_id[keep],
        link_from=index[table.link_from], link_to=index[table.link_to])


def keep_largest_strong_component(table: LinkTable, report: CleaningReport) -> LinkTable:
    """Drop every node and link outside the largest strongly connected component."""
    n = table.n_nodes
    graph = sparse.csr_matrix((np.ones(table.n_links), (table.link_from, table.link_to)), shape=(n, n))
    parts, labels = csgraph.connected_components(graph, connection="strong")
    keep = labels == np.bincount(labels).argmax()
    keep_links = keep[table.link_from] & keep[table.link_to]
    report.scc_parts = int(parts)
    report.scc_dropped_nodes = int((~keep).sum())
    report.scc_dropped_links = int((~keep_links).sum())
    return _compact_nodes(table.take_links(np.flatnonzero(keep_links)), keep)


def _attribute_codes(table: LinkTable) -> np.ndarray:
    """One integer per distinct combination of the merge-relevant link attributes."""
    stacked = np.column_stack([np.asarray(getattr(table, a), dtype=np.float64) for a in LINK_ATTRIBUTES])
    _, codes = np.unique(stacked, axis=0, return_inverse=True)
    return codes.ravel()


def chain_successor(table: LinkTable) -> np.ndarray:
    """For each link, the link that continues it through a shape-point node, or -1.

    A node is a shape point when (a) it has one link in and one out, from and to different
    neighbours, or (b) it has two links in and two out, with the same two neighbours, and the
    through links match; in both cases the joined links must have equal attributes.
    """
    n, m = table.n_nodes, table.n_links
    frm, to = table.link_from, table.link_to
    attr = _attribute_codes(table)
    outdeg = np.bincount(frm, minlength=n)
    indeg = np.bincount(to, minlength=n)
    out_order = np.lexsort((to, frm))
    out_start = np.concatenate([[0], np.cumsum(outdeg)])
    succ = np.full(m, -1, dtype=np.int64)

    # (a) one in, one out
    a_nodes = np.flatnonzero((indeg == 1) & (outdeg == 1))
    in_order = np.argsort(to, kind="stable")
    in_start = np.concatenate([[0], np.cumsum(indeg)])
    l_in = in_order[in_start[a_nodes]]
    l_out = out_order[out_start[a_nodes]]
    ok = (frm[l_in] != to[l_out]) & (attr[l_in] == attr[l_out])
    succ[l_in[ok]] = l_out[ok]

    # (b) two in, two out, same two neighbours; through pairs: in from p continues to q != p
    b_nodes = np.flatnonzero((indeg == 2) & (outdeg == 2))
    o1, o2 = out_order[out_start[b_nodes]], out_order[out_start[b_nodes] + 1]
    i1, i2 = in_order[in_start[b_nodes]], in_order[in_start[b_nodes] + 1]
    p, q = to[o1], to[o2]
    swap = frm[i1] > frm[i2]
    i1, i2 = np.where(swap, i2, i1), np.where(swap, i1, i2)
    same = (p != q) & (frm[i1] == p) & (frm[i2] == q)
    ok = same & (attr[i1] == attr[o2]) & (attr[i2] == attr[o1])
    succ[i1[ok]] = o2[ok]
    succ[i2[ok]] = o1[ok]
    return succ


def merge_chains(table: LinkTable) -> LinkTable:
    """Join links through shape-point nodes (see :func:`chain_successor`) and drop those nodes."""
    succ = chain_successor(table)
    interior = np.zeros(table.n_nodes, dtype=bool)
    interior[table.link_to[succ >= 0]] = True
    if not interior.any():
        return table
    starts = np.flatnonzero(~interior[table.link_from])
    visited = np.zeros(table.n_links, dtype=bool)
    rows, ends, lengths = [], [], []
    length = table.length_m
    for s in starts:
        link, total = s, length[s]
        visited[s] = True
        while succ[link] >= 0:
            link = succ[link]
            visited[link] = True
            total += length[link]
        rows.append(s)
        ends.append(table.link_to[link])
        lengths.append(total)
    # rings made only of shape points (an isolated roundabout) have no start: keep them as they are
    rest = np.flatnonzero(~visited)
    interior[table.link_from[rest]] = False
    rows = np.concatenate([np.asarray(rows, dtype=np.int64), rest])
    ends = np.concatenate([np.asarray(ends, dtype=np.int64), table.link_to[rest]])
    lengths = np.concatenate([np.asarray(lengths, dtype=np.float64), length[rest]])
    merged = table.take_links(rows, link_to=ends, length_m=lengths)
    return _compact_nodes(merged, ~interior)


def contract_short_links(table: LinkTable, time_step_s: float, report: CleaningReport) -> LinkTable:
    """Collapse links shorter than free speed x ``time_step_s`` into single nodes."""
    short = table.length_m < table.speed_mps * time_step_s
    if not short.any():
        return table
    n = table.n_nodes
    graph = sparse.csr_matrix((np.ones(int(short.sum())), (table.link_from[short], table.link_to[short])),
                              shape=(n, n))
    n_groups, group = csgraph.connected_components(graph, directed=False)
    size = np.bincount(group, minlength=n_groups)
    cx = np.bincount(group, weights=table.node_x, minlength=n_groups) / size
    cy = np.bincount(group, weights=table.node_y, minlength=n_groups) / size
    first = np.full(n_groups, -1, dtype=np.int64)
    first[group[::-1]] = np.arange(n)[::-1]  # the first node of each group gives its OSM id
    frm, to = group[table.link_from], group[table.link_to]
    inside = frm == to
    report.short_links_contracted = int(short.sum())
    report.short_length_lost_m = float(table.length_m[inside].sum())
    report.loops_dropped += int((inside & ~short).sum())
    report.short_places_xy = [(float(cx[g]), float(cy[g])) for g in np.flatnonzero(size > 1)]
    report.short_nodes_merged = int(n - n_groups)
    keep = np.flatnonzero(~inside)
    table = dataclasses.replace(table, node_x=cx, node_y=cy, node_id=table.node_id[first])
    return table.take_links(keep, link_from=frm[keep], link_to=to[keep])
