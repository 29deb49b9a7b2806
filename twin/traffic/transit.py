"""Bus lines on the road network: where they run, the road space they take, the bus skim.

Lines are generated from the city, with no random draw (:func:`generate_lines`): terminals are
the railway and bus stations, then the zones with the most residents plus jobs, each at least
``MIN_TERMINAL_GAP_M`` from the terminals already taken; each line joins a terminal to the one
farthest from it within ``MAX_LINE_M`` (the nearest if none is), along the quickest path when
local streets count three times and collectors one and a half times their free-flow time (buses
keep to arterials). Every line runs both ways (two *runs*), a stop every ``stop_spacing_m``.

Buses share the roads as vehicles of the loading (:mod:`twin.traffic.bus_rows`: a row of
``pce`` cars per bus, following its run's links); their times between stops are the remembered
(smoothed) times the simulated buses took on the links, plus a dwell per stop. A bus lane
(:func:`bus_lane_links`: the named roads' links of two lanes or more, each direction) is a lane
of the loading network: the link keeps ``(lanes - 1) / lanes`` of its capacity (veh/h) and jam
storage (veh) for the cars, and a parallel one-lane bus-only *twin* (same nodes, length, free
speed, class and road) gets the other ``1 / lanes``. Cars never route onto a twin; the runs
drive the twin instead of the link, so a bus passes the car queue there and its remembered time
on the twin is what the bus skim rides on (free flow on an empty lane, not assumed). At a signal
the twin falls in its link's phase (same heading), with the same green.

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
from twin.city.seedfile import BusLineSpec
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
        name: line names (``B1``, ``B2``, ... for generated lines; named lines keep their name).
        line_headway_min: each line's own headway, minutes (NaN: the scenario's base headway).
        run_line: line of each run.
        link_start, link: run ``r`` drives ``link[link_start[r]:link_start[r + 1]]``.
        stop_start, stop_pos: run ``r``'s stops are before the links at positions
            ``stop_pos[stop_start[r]:stop_start[r + 1]]`` of its link list (its last stop, at
            the position one past its last link, is its terminal).
    """

    name: tuple[str, ...]
    line_headway_min: np.ndarray
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

    def __add__(self, other: BusLines) -> BusLines:
        """These lines, then ``other``'s (on the same network)."""
        return BusLines(
            self.name + other.name, np.concatenate([self.line_headway_min, other.line_headway_min]),
            np.concatenate([self.run_line, other.run_line + len(self.name)]),
            np.concatenate([self.link_start, other.link_start[1:] + self.link_start[-1]]),
            np.concatenate([self.link, other.link]),
            np.concatenate([self.stop_start, other.stop_start[1:] + self.stop_start[-1]]),
            np.concatenate([self.stop_pos, other.stop_pos]))

    def avoiding(self, network: RoadNetwork, closed: np.ndarray) -> BusLines:
        """The same lines with every stop-to-stop stretch that crosses a ``closed`` link replaced by
        the quickest way between its two stops over the open arterials and collectors (highways
        too), else over any open street (weighted as lines are laid, locals three times); a
        stretch with no open way stays as it is (the runs are cut there)."""
        ends, broken = [], []
        for r in range(self.n_runs):
            links, pos = self.run_links(r), self.stop_pos[self.stop_start[r]:self.stop_start[r + 1]]
            for k in range(len(pos) - 1):
                if closed[links[pos[k]:pos[k + 1]]].any():
                    broken.append((r, k))
                    first, last = links[pos[k]], links[pos[k + 1] - 1]
                    ends.append((int(network.link_from[first]), int(network.link_to[last])))
        if not broken:
            return self
        main = _of_class(network, ("collector", "arterial", "highway"))
        detours = _paths(network, np.where(main & ~closed, network.free_flow_time_s, np.inf), ends)
        missing = [k for k, p in enumerate(detours) if p is None]  # a stop reached by local streets only
        streets = _paths(network, np.where(closed, np.inf, _bus_weights(network)), [ends[k] for k in missing])
        for k, path in zip(missing, streets, strict=True):
            detours[k] = path
        replaced = dict(zip(broken, detours, strict=True))
        runs = []
        for r in range(self.n_runs):
            links, pos = self.run_links(r), self.stop_pos[self.stop_start[r]:self.stop_start[r + 1]]
            stretches = [replaced.get((r, k)) for k in range(len(pos) - 1)]
            runs.append([links[pos[k]:pos[k + 1]] if p is None else p for k, p in enumerate(stretches)])
        stop_pos = [np.cumsum([0] + [len(p) for p in run]) for run in runs]
        link = [np.concatenate(run).astype(np.int64) for run in runs]
        return dataclasses.replace(
            self, link_start=np.cumsum([0] + [len(p) for p in link]).astype(np.int64),
            link=np.concatenate(link), stop_pos=np.concatenate(stop_pos).astype(np.int64))


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
    pairs = _pairs(net, terminals)[:n_lines]
    legs = [(int(terminals[a]), int(terminals[b])) for p in pairs for a, b in (p, p[::-1])]
    paths = _paths(net, _bus_weights(net), legs)
    runs = [(paths[2 * k], paths[2 * k + 1]) for k in range(len(pairs))]
    runs = [pair for pair in runs if all(p is not None and len(p) for p in pair)]  # joined both ways
    if not runs:
        raise ScenarioError(f"traffic.modes: no bus line could be laid on {city.name}'s network "
                            "(no two terminals joined both ways); switch modes off for this city")
    names = tuple(f"B{k + 1}" for k in range(len(runs)))
    return _assemble(net, names, np.full(len(names), np.nan), runs, stop_spacing_m)


def _bus_weights(network: RoadNetwork) -> np.ndarray:
    """Link weights buses are routed on: free-flow times, ``ROUTE_CLASS_FACTOR`` times by class."""
    factor = np.array([ROUTE_CLASS_FACTOR[c] for c in LINK_CLASSES])
    return network.free_flow_time_s * factor[network.link_class]


def _of_class(network: RoadNetwork, classes: tuple[str, ...]) -> np.ndarray:
    """Mask of the links of the given road classes."""
    return np.isin(network.link_class, [LINK_CLASSES.index(c) for c in classes])


def _paths(network: RoadNetwork, weight: np.ndarray, legs: list[tuple[int, int]]) -> list[np.ndarray | None]:
    """The least-``weight`` link path of each ``(from node, to node)`` leg (None: not joined;
    empty where the two nodes are the same), from one shortest-path tree per destination."""
    if not legs:
        return []
    targets = np.unique([b for _, b in legs])
    tables = RouteTables(network, weight, targets, parallel=False)
    paths: list[np.ndarray | None] = []
    for a, b in legs:
        row, node, path = int(np.searchsorted(targets, b)), a, []
        while node != b and tables.next_link[row, node] >= 0:
            path.append(int(tables.next_link[row, node]))
            node = int(network.link_to[path[-1]])
        paths.append(np.array(path, dtype=np.int64) if node == b else None)
    return paths


def _assemble(network: RoadNetwork, names: tuple[str, ...], headway_min: np.ndarray,
              runs: list[tuple[np.ndarray, np.ndarray]], stop_spacing_m: float) -> BusLines:
    """BusLines of lines ``names``, each with its two runs' link paths, stops ``stop_spacing_m`` apart."""
    paths = [p for pair in runs for p in pair]
    stops = [_stop_positions(network.link_length_m[p], stop_spacing_m) for p in paths]
    offsets = [np.cumsum([0] + [len(p) for p in seq]).astype(np.int64) for seq in (paths, stops)]
    return BusLines(names, np.asarray(headway_min, np.float64), np.repeat(np.arange(len(names)), 2),
                    offsets[0], np.concatenate(paths), offsets[1], np.concatenate(stops))


def named_lines(city: City, specs: tuple[BusLineSpec, ...], stop_spacing_m: float,
                key: str) -> BusLines | None:
    """The lines ``specs`` name (:class:`~twin.city.seedfile.BusLineSpec`) on the city's network, each
    run both ways with stops about ``stop_spacing_m`` apart; None when there are none.

    A named road is driven along its own links from the end nearer the place before it (the
    first road: from the end farther from the place after it); a facility is its node; a point
    the nearest arterial or collector node. Between places the line takes the quickest way when
    local streets count three times and collectors one and a half times their free-flow time.
    Raises ScenarioError naming ``key`` for an unknown name or places the streets do not join.
    """
    if not specs:
        return None
    net = city.network
    main = _of_class(net, ("collector", "arterial"))
    main_nodes = np.unique(np.concatenate([net.link_from[main], net.link_to[main]]))
    runs = []
    for spec in specs:
        stops = _places(city, spec, main_nodes, key)  # (node, road driven from it to the next)
        back = [(stops[j][0], stops[j - 1][1] if j else None) for j in range(len(stops) - 1, -1, -1)]
        pair = []
        for legs in (_line_legs(stops), _line_legs(back)):
            parts = [_leg_path(net, a, b, road) for a, b, road in legs]
            if any(p is None for p in parts) or not sum(len(p) for p in parts):
                raise ScenarioError(f"{key}: bus line {spec.name!r}: the streets do not join {spec.via!r} "
                                    "in this order both ways; name other roads or points")
            pair.append(np.concatenate(parts).astype(np.int64))
        runs.append(tuple(pair))
    return _assemble(net, tuple(s.name for s in specs), np.array([s.headway_min for s in specs]), runs,
                     stop_spacing_m)


def _places(city: City, spec: BusLineSpec, main_nodes: np.ndarray, key: str) -> list[tuple[int, str | None]]:
    """The nodes a named line passes, in order, each with the road driven from it to the next
    (None: the quickest way)."""
    net, fac = city.network, city.facilities
    x, y = net.node_x, net.node_y

    def gap(a: int, b: int) -> float:
        return float(np.hypot(x[a] - x[b], y[a] - y[b]))

    raw: list[tuple[int, int, str | None]] = []  # a place's two ends and its road (None: a node)
    for place in spec.places():
        if isinstance(place, tuple):
            near = int(main_nodes[np.argmin(np.hypot(x[main_nodes] - place[0], y[main_nodes] - place[1]))])
            raw.append((near, near, None))
        elif place in net.road_names:  # its two ends: the road's nodes farthest apart
            links = net.links_of_road(place)
            nodes = np.unique(np.concatenate([net.link_from[links], net.link_to[links]]))
            span = np.hypot(x[nodes, None] - x[None, nodes], y[nodes, None] - y[None, nodes])
            i, j = np.unravel_index(np.argmax(span), span.shape)
            raw.append((int(nodes[i]), int(nodes[j]), place))
        elif place in fac.name:
            node = int(fac.node[fac.name.index(place)])
            raw.append((node, node, None))
        else:
            raise ScenarioError(f"{key}: bus line {spec.name!r}: no road or facility named {place!r}; "
                                f"roads: {', '.join(net.road_names) or '(none)'}; or a facility name, or a "
                                "point [x, y]")
    stops: list[tuple[int, str | None]] = []
    for k, (a, b, road) in enumerate(raw):
        if road is None:
            stops.append((a, None))
            continue
        if stops:  # enter at the end nearer the place before
            near_a = gap(a, stops[-1][0]) <= gap(b, stops[-1][0])
        elif k + 1 < len(raw):  # the first place: leave by the end nearer the next place
            after = raw[k + 1][0]
            near_a = gap(a, after) > gap(b, after)
        else:
            near_a = True
        first, last = (a, b) if near_a else (b, a)
        stops.extend([(first, road), (last, None)])
    return stops


def _line_legs(stops: list[tuple[int, str | None]]) -> list[tuple[int, int, str | None]]:
    """Consecutive places as legs ``(from node, to node, road driven or None)``."""
    return [(a, b, road) for (a, road), (b, _) in zip(stops[:-1], stops[1:], strict=True) if a != b]


def _leg_path(network: RoadNetwork, a: int, b: int, road: str | None) -> np.ndarray | None:
    """One leg's links: along ``road``'s own links, or the buses' quickest way."""
    if road is None:
        return _paths(network, _bus_weights(network), [(a, b)])[0]
    own = np.zeros(network.n_links, dtype=bool)
    own[network.links_of_road(road)] = True
    return _paths(network, np.where(own, network.free_flow_time_s, np.inf), [(a, b)])[0]


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
    """Each run's headway, minutes: ``by_line``'s, else the line's own, else ``base_min``; times
    ``factor``.

    Raises ScenarioError naming the key for a line the network does not have.
    """
    for name in by_line:
        if name not in lines.name:
            raise ScenarioError(f"key 'traffic.modes.bus_headway_min': no bus line {name!r}; "
                                f"lines: {', '.join(lines.name)}")
    own = np.where(np.isnan(lines.line_headway_min), base_min, lines.line_headway_min)
    per_line = np.array([by_line.get(n, h) for n, h in zip(lines.name, own, strict=True)]) * factor
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


def bus_lane_links(network: RoadNetwork, roads: tuple[str, ...]) -> np.ndarray:
    """The links that get a bus lane (indices): those of the named roads (``traffic.modes.bus_lanes``;
    an unknown name is a ScenarioError naming the key) with two lanes or more (a one-lane street
    keeps its lane for everyone)."""
    mask = road_links(network, roads, "traffic.modes.bus_lanes")
    return np.flatnonzero(mask & (network.link_lanes >= 2))


def twin_index(twin_of: np.ndarray) -> np.ndarray:
    """The link a bus drives for each link: its bus-only twin (``twin_of`` >= 0), else itself."""
    return np.where(twin_of >= 0, twin_of, np.arange(len(twin_of)))


def general_capacity_vph(network: RoadNetwork, capacity_vph: np.ndarray, bus_lane: np.ndarray) -> np.ndarray:
    """Capacity left to general traffic on each link, veh/h: a bus lane takes one lane of a link
    with two or more, ``capacity x (lanes - 1) / lanes`` (the lane itself is the link's bus-only
    twin in the loading, :func:`twin.traffic.module.with_bus_lanes`)."""
    lanes = network.link_lanes.astype(np.float64)
    lane = bus_lane & (lanes >= 2)
    return np.where(lane, capacity_vph * (lanes - 1.0) / np.maximum(lanes, 1.0), capacity_vph)


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
        with np.errstate(invalid="ignore"):  # inf - inf past a closed link: no ride there
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
