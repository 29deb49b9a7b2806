"""Bus lines on the road network: where they run, the road space they take, the bus skim.

Lines are generated from the city, with no random draw (:func:`generate_lines`): terminals are
the railway and bus stations, then the zones with the most residents plus jobs, each at least
``MIN_TERMINAL_GAP_M`` from the terminals already taken; each line joins a terminal to the one
farthest from it within ``MAX_LINE_M`` (the nearest if none is), along the quickest path when
local streets count three times and collectors one and a half times their free-flow time (buses
keep to arterials). Every line runs both ways (two *runs*), a stop every ``stop_spacing_m``.

Buses share the roads as a documented approximation of the loading: a run's buses are a flow of
``pce x 60 / headway`` car equivalents an hour taken from the capacity of every link it uses
(all day), not vehicles moved by the kernel; their times between stops are the remembered
(smoothed experienced) times of the links, at free flow on bus lanes, plus a dwell per stop. A
bus lane takes one lane per direction from general traffic (capacity x (lanes - 1) / lanes on
links of two lanes or more); the buses on it take no other capacity.

:func:`transit_skim` gives the generalised minutes of the best bus journey between zones: walk
to a stop within ``access_m`` of the zone centre and half the headway (both weighted), riding,
changes of line to a stop within ``TRANSFER_WALK_M`` (walk, half the new headway and a penalty),
and the walk to the destination zone's centre; a shortest path over stops (scipy's Dijkstra).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from twin.city import City, RoadNetwork
from twin.city.network import LINK_CLASSES
from twin.errors import ScenarioError
from twin.traffic.routing import RouteTables

MIN_TERMINAL_GAP_M = 1500.0
"""Terminals of different lines are at least this far apart (straight line), metres."""

MAX_LINE_M = 12_000.0
"""A line's terminals are at most this far apart when any terminal left is (straight line), metres."""

TRANSFER_WALK_M = 300.0
"""Longest walk between two stops for a change of line (straight line), metres."""

ROUTE_CLASS_FACTOR = {"local": 3.0, "collector": 1.5, "arterial": 1.0, "highway": 1.0}
"""Weight on each road class's free-flow time when a line's path is chosen."""

RESIDENTS_PER_LINE = 50_000
"""Lines generated per resident when the scenario does not fix their number."""


@dataclasses.dataclass(frozen=True, eq=False)
class BusLines:
    """Bus runs (each line's two directions) as CSR arrays on a road network.

    Attributes:
        name: line names (``B1``, ``B2``, ...).
        run_line: line of each run.
        link_start, link: run ``r`` drives ``link[link_start[r]:link_start[r + 1]]``.
        stop_start, stop_pos: run ``r``'s stops are before the links at positions
            ``stop_pos[stop_start[r]:stop_start[r + 1]]`` of its link list (its last stop, at
            the position one past its last link, is its terminal).
    """

    name: tuple[str, ...]
    run_line: np.ndarray
    link_start: np.ndarray
    link: np.ndarray
    stop_start: np.ndarray
    stop_pos: np.ndarray

    @property
    def n_runs(self) -> int:
        return len(self.run_line)

    def run_links(self, run: int) -> np.ndarray:
        return self.link[self.link_start[run]:self.link_start[run + 1]]

    def stop_nodes(self, network: RoadNetwork) -> np.ndarray:
        """The node of every stop, runs in order (metres via ``network.node_x/node_y``)."""
        nodes = []
        for r in range(self.n_runs):
            links = self.run_links(r)
            path = np.append(network.link_from[links], network.link_to[links[-1]])
            nodes.append(path[self.stop_pos[self.stop_start[r]:self.stop_start[r + 1]]])
        return np.concatenate(nodes) if nodes else np.zeros(0, dtype=np.int64)

    def on(self, index: np.ndarray) -> BusLines:
        """The same lines on another network: link ``l`` becomes ``index[l]``."""
        return dataclasses.replace(self, link=np.asarray(index, dtype=np.int64)[self.link])

    def length_km(self, network: RoadNetwork) -> float:
        """Route length of all runs, km."""
        return float(network.link_length_m[self.link].sum()) / 1000.0


def _terminals(city: City, count: int) -> np.ndarray:
    """Up to ``count`` terminal nodes: stations first, then the busiest zones, spaced apart."""
    fac, zones, net = city.facilities, city.zones, city.network
    stations = np.concatenate([fac.node[fac.of_kind("train_station")], fac.node[fac.of_kind("bus_station")]])
    activity = zones.population + zones.jobs
    busiest = zones.node[np.lexsort((np.arange(len(zones)), -activity))]
    chosen: list[int] = []
    for node in np.concatenate([stations, busiest]).astype(np.int64):
        x, y = net.node_x[node], net.node_y[node]
        if all(np.hypot(net.node_x[c] - x, net.node_y[c] - y) >= MIN_TERMINAL_GAP_M for c in chosen):
            chosen.append(int(node))
        if len(chosen) == count:
            break
    return np.array(chosen, dtype=np.int64)


def _pairs(network: RoadNetwork, terminals: np.ndarray) -> list[tuple[int, int]]:
    """Terminal index pairs, one per line (see the module doc)."""
    x, y = network.node_x[terminals], network.node_y[terminals]
    gap = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    free = np.ones(len(terminals), dtype=bool)
    pairs = []
    for a in range(len(terminals)):
        if not free[a]:
            continue
        free[a] = False
        pool = np.flatnonzero(free) if free.any() else np.setdiff1d(np.arange(len(terminals)), [a])
        if pool.size == 0:
            break
        near = pool[gap[a, pool] <= MAX_LINE_M]
        b = int(near[np.argmax(gap[a, near])]) if near.size else int(pool[np.argmin(gap[a, pool])])
        free[b] = False
        pairs.append((a, b))
    return pairs


def generate_lines(city: City, n_lines: int, stop_spacing_m: float) -> BusLines:
    """Up to ``n_lines`` lines (0: one per ``RESIDENTS_PER_LINE`` residents, at least one) on the
    city's network, each run both ways with stops about ``stop_spacing_m`` apart."""
    net = city.network
    if n_lines == 0:
        n_lines = max(1, round(float(city.zones.population.sum()) / RESIDENTS_PER_LINE))
    terminals = _terminals(city, 2 * n_lines)
    factor = np.array([ROUTE_CLASS_FACTOR[c] for c in LINK_CLASSES])[net.link_class]
    tables = RouteTables(net, net.free_flow_time_s * factor, terminals, parallel=False)
    names, run_line, links, stops = [], [], [], []
    for a, b in _pairs(net, terminals)[:n_lines]:
        runs = []
        for start, end in ((a, b), (b, a)):
            node, path = int(terminals[start]), []
            while node != terminals[end] and tables.next_link[end, node] >= 0:
                path.append(int(tables.next_link[end, node]))
                node = int(net.link_to[path[-1]])
            if node != terminals[end] or not path:
                break
            runs.append(np.array(path, dtype=np.int64))
        if len(runs) < 2:
            continue  # the terminals are not joined both ways
        names.append(f"B{len(names) + 1}")
        for path in runs:
            run_line.append(len(names) - 1)
            links.append(path)
            stops.append(_stop_positions(net.link_length_m[path], stop_spacing_m))
    if not names:
        raise ScenarioError(f"traffic.modes: no bus line could be laid on {city.name}'s network "
                            "(no two terminals joined both ways); switch modes off for this city")
    offsets = [np.cumsum([0] + [len(p) for p in seq]) for seq in (links, stops)]
    return BusLines(tuple(names), np.array(run_line, dtype=np.int64), offsets[0].astype(np.int64),
                    np.concatenate(links), offsets[1].astype(np.int64), np.concatenate(stops))


def _stop_positions(length_m: np.ndarray, spacing_m: float) -> np.ndarray:
    """Positions in a path (before link k; len(path) at its end) of stops about ``spacing_m`` apart."""
    positions, since = [0], 0.0
    for k, length in enumerate(length_m[:-1]):
        since += float(length)
        if since >= spacing_m:
            positions.append(k + 1)
            since = 0.0
    positions.append(len(length_m))
    return np.array(positions, dtype=np.int64)


def headways_min(lines: BusLines, base_min: float, by_line: dict[str, float], factor: float) -> np.ndarray:
    """Each run's headway, minutes: the line's own (``by_line``) or ``base_min``, times ``factor``.

    Raises ScenarioError naming the key for a line the network does not have.
    """
    for name in by_line:
        if name not in lines.name:
            raise ScenarioError(f"key 'traffic.modes.bus_headway_min': no bus line {name!r}; "
                                f"lines: {', '.join(lines.name)}")
    per_line = np.array([by_line.get(n, base_min) for n in lines.name]) * factor
    return per_line[lines.run_line]


def road_links(network: RoadNetwork, roads: tuple[str, ...], key: str, *,
               arterials: bool = False) -> np.ndarray:
    """Boolean mask of the links of the named roads (with ``arterials``, the word 'arterials'
    also selects every arterial); an unknown name is a ScenarioError naming ``key``."""
    mask = np.zeros(network.n_links, dtype=bool)
    for road in roads:
        if arterials and road == "arterials":
            mask |= network.link_class == LINK_CLASSES.index("arterial")
        elif road in network.road_names:
            mask[network.links_of_road(road)] = True
        else:
            extra = "'arterials', " if arterials else ""
            raise ScenarioError(f"key '{key}': no road named {road!r}; allowed: {extra}"
                                f"{', '.join(network.road_names) or '(the city names no road)'}")
    return mask


def general_capacity_vph(network: RoadNetwork, capacity_vph: np.ndarray, lines: BusLines,
                         headway_min: np.ndarray, pce: float, bus_lane: np.ndarray) -> np.ndarray:
    """Capacity left to cars on each link, veh/h: bus lanes take one lane of links with two or
    more; elsewhere each run takes ``pce x 60 / headway`` an hour (at least 10 % is left)."""
    lanes = network.link_lanes.astype(np.float64)
    lane = bus_lane & (lanes >= 2)
    capacity = np.where(lane, capacity_vph * (lanes - 1.0) / np.maximum(lanes, 1.0), capacity_vph)
    runs = np.repeat(np.arange(lines.n_runs), np.diff(lines.link_start))
    buses = np.bincount(lines.link, weights=pce * 60.0 / headway_min[runs], minlength=network.n_links)
    buses[lane] = 0.0
    return np.maximum(capacity - buses, 0.1 * capacity)


def transit_skim(network: RoadNetwork, lines: BusLines, link_time_s: np.ndarray, headway_min: np.ndarray,
                 zone_x: np.ndarray, zone_y: np.ndarray, *, access_m: float, walk_kph: float, detour: float,
                 out_of_vehicle_weight: float, dwell_s: float, transfer_min: float) -> np.ndarray:
    """Generalised minutes of the best bus journey between zones (zones x zones; inf: none).

    ``link_time_s``: the buses' time on each link (seconds; inf where closed, a run cannot pass).
    """
    from scipy import sparse
    from scipy.sparse import csgraph
    from scipy.spatial import cKDTree

    n_zones = len(zone_x)
    stop_node = lines.stop_nodes(network)
    n_stops = len(stop_node)
    stop_run = np.repeat(np.arange(lines.n_runs), np.diff(lines.stop_start))
    board, alight = 2 * n_zones, 2 * n_zones + n_stops  # first vertex of each kind
    walk_min = 60.0 / (walk_kph * 1000.0) * detour  # minutes of walking per straight-line metre
    w = out_of_vehicle_weight
    rows, cols, costs = [], [], []

    def edges(a, b, cost):
        rows.append(np.asarray(a, np.int64))
        cols.append(np.asarray(b, np.int64))
        costs.append(np.asarray(cost, np.float64) + 1e-9)  # scipy drops zero-weight edges

    sx, sy = network.node_x[stop_node], network.node_y[stop_node]
    stops_tree, zones_tree = cKDTree(np.column_stack([sx, sy])), cKDTree(np.column_stack([zone_x, zone_y]))
    access = zones_tree.sparse_distance_matrix(stops_tree, access_m, output_type="coo_matrix")
    wait = w * headway_min[stop_run] / 2.0
    edges(access.row, board + access.col, w * walk_min * access.data + wait[access.col])
    edges(alight + access.col, n_zones + access.row, w * walk_min * access.data)
    # riding: boarding or staying on from a stop to the next one of the run
    for r in range(lines.n_runs):
        first, last = lines.stop_start[r], lines.stop_start[r + 1]
        cum = np.concatenate([[0.0], np.cumsum(link_time_s[lines.run_links(r)])])
        ride = (np.diff(cum[lines.stop_pos[first:last]]) + dwell_s) / 60.0
        ok = np.isfinite(ride)
        here = np.arange(first, last - 1)[ok]
        edges(board + here, alight + here + 1, ride[ok])
        edges(alight + here, alight + here + 1, ride[ok])
    pairs = stops_tree.query_pairs(TRANSFER_WALK_M, output_type="ndarray")
    pairs = np.concatenate([pairs, pairs[:, ::-1]]) if len(pairs) else np.zeros((0, 2), dtype=np.int64)
    pairs = pairs[stop_run[pairs[:, 0]] != stop_run[pairs[:, 1]]]
    gap = np.hypot(sx[pairs[:, 0]] - sx[pairs[:, 1]], sy[pairs[:, 0]] - sy[pairs[:, 1]])
    edges(alight + pairs[:, 0], board + pairs[:, 1], w * walk_min * gap + wait[pairs[:, 1]] + transfer_min)
    n = 2 * n_zones + 2 * n_stops
    graph = sparse.csr_matrix((np.concatenate(costs), (np.concatenate(rows), np.concatenate(cols))),
                              shape=(n, n))
    dist = csgraph.dijkstra(graph, directed=True, indices=np.arange(n_zones))
    return dist[:, n_zones:2 * n_zones]
