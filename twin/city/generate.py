"""Seed file -> City: a deterministic generator of streets, zones, buildings and facilities.

Each district gets a jittered street grid (every n-th line an arterial) or an organic layout of
superblocks (twin/city/streets.py) clipped to its outline; highways join districts (everywhere they
meet streets, or only at their interchanges); streets inside hills are removed, and links that
cross the river are removed except at bridges. Zones are square cells (none inside a hill);
population and jobs fall off with distance from the district centre; buildings fill the street
blocks, clear of the river and the hills. Everything is drawn from one numpy Generator seeded by the seed file
(or the caller), so the same seed gives the same city bit for bit.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from twin.city.buildings import BUILDING_USES, Buildings
from twin.city.facilities import FACILITY_KINDS, Facilities
from twin.city.named_arterials import name_arterials
from twin.city.network import LINK_CLASSES, RoadNetwork, _largest_strong_component
from twin.city.seedfile import DistrictSpec, SeedCity
from twin.city.streets import organic_streets
from twin.city.terrain import in_hills, inside_polygon, river_distance_m
from twin.city.zones import Districts, Zones
from twin.errors import CityError

_USE_SHARES = {  # residential, commercial, industrial, public
    "urban": (0.70, 0.18, 0.06, 0.06),
    "growth": (0.62, 0.20, 0.12, 0.06),
    "rural": (0.80, 0.05, 0.10, 0.05),
}


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    w = np.asarray(weights, dtype=np.float64)
    if total == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    share = w / w.sum() * total
    base = np.floor(share).astype(np.int64)
    rest = int(total - base.sum())
    if rest:
        order = np.lexsort((np.arange(len(w)), -(share - base)))
        base[order[:rest]] += 1
    return base


def _rotation(angle_deg: float) -> np.ndarray:
    a = np.deg2rad(angle_deg)
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def _district_grid(d: DistrictSpec, rng: np.random.Generator):
    """Street grid nodes inside the outline, and the links between 4-neighbours with classes."""
    outline = np.asarray(d.outline, dtype=np.float64)
    centre = np.asarray(d.centre, dtype=np.float64)
    rot = _rotation(d.grid_angle_deg)
    local = (outline - centre) @ rot  # outline in grid coordinates
    s = d.street_spacing_m
    i0, i1 = int(np.floor(local[:, 0].min() / s)), int(np.ceil(local[:, 0].max() / s))
    j0, j1 = int(np.floor(local[:, 1].min() / s)), int(np.ceil(local[:, 1].max() / s))
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    grid_xy = np.column_stack([ii * s, jj * s]).astype(np.float64)
    jitter = rng.uniform(-0.12 * s, 0.12 * s, size=grid_xy.shape)
    on_arterial_i = ii % d.arterial_every == 0
    on_arterial_j = jj % d.arterial_every == 0
    jitter[on_arterial_i, 0] = 0.0  # arterials are straight
    jitter[on_arterial_j, 1] = 0.0
    xy = (grid_xy + jitter) @ rot.T + centre
    inside = inside_polygon(xy, outline)
    index = -np.ones(len(ii), dtype=np.int64)
    index[inside] = np.arange(int(inside.sum()))
    nj = j1 - j0 + 1
    pos = (ii - i0) * nj + (jj - j0)
    links = []
    for di, dj in ((1, 0), (0, 1)):
        nb_i, nb_j = ii + di, jj + dj
        ok = (nb_i <= i1) & (nb_j <= j1)
        a = pos[ok]
        b = ((nb_i - i0) * nj + (nb_j - j0))[ok]
        both = inside[a] & inside[b]
        a, b = a[both], b[both]
        line = (jj[a] if di else ii[a])  # index of the grid line the link runs along
        every = d.arterial_every
        cls = np.where(line % every == 0, 2, np.where(line % max(every // 2, 1) == 0, 1, 0))
        links.append(np.column_stack([index[a], index[b], cls]))
    links = np.concatenate(links)
    # drop a few local streets for an irregular pattern (arterials and collectors stay)
    drop = (links[:, 2] == 0) & (rng.random(len(links)) < 0.05)
    links = links[~drop]
    return xy[inside], links


def _segments_cross(p1, p2, q1, q2) -> np.ndarray:
    """Whether segments p1-p2 (arrays of shape (m, 2)) cross the segment q1-q2."""

    def orient(a, b, c):
        return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (
            c[..., 0] - a[..., 0]
        )

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return (d1 * d2 < 0) & (d3 * d4 < 0)


def _crossing_point(p1, p2, q1, q2):
    r, s = p2 - p1, q2 - q1
    denom = r[:, 0] * s[1] - r[:, 1] * s[0]
    t = ((q1[0] - p1[:, 0]) * s[1] - (q1[1] - p1[:, 1]) * s[0]) / denom
    return p1 + t[:, None] * r


BRIDGE_MIN_SIN = float(np.sin(np.radians(45.0)))
"""A bridge crosses the river at 45 degrees or more (sine of the angle): river bridges are built
near square to the flow, which keeps the span short; an arterial that meets the river at a
shallower angle is not continued by a bridge."""


def generate_city(spec: SeedCity, seed: int | None = None, source_hash: str = "", source: str = ""):
    """Build a :class:`~twin.city.city.City` from a validated seed spec, deterministically;
    ``source`` (the seed file) names it in errors (default: 'seed city <name>')."""
    from twin.city.city import City, River

    rng = np.random.default_rng(spec.city.seed if seed is None else seed)
    source = source or f"seed city {spec.city.name}"
    classes = spec.road_classes
    class_specs = [getattr(classes, name) for name in LINK_CLASSES]

    # -- streets --------------------------------------------------------------------------------
    xy_parts, link_parts, node_district = [], [], []
    offset = 0
    for k, d in enumerate(spec.districts):
        xy, links = (organic_streets if d.layout == "organic" else _district_grid)(d, rng)
        xy_parts.append(xy)
        links = links.copy()
        links[:, :2] += offset
        link_parts.append(links)
        node_district.append(np.full(len(xy), k))
        offset += len(xy)
    xy = np.concatenate(xy_parts)
    links = np.concatenate(link_parts)
    road = np.full(len(links), -1, dtype=np.int64)
    road_names: list[str] = []
    tree = cKDTree(xy)

    # -- highways: a chain of nodes, joined at both ends and where they pass a district ------------
    hw_xy, hw_links, hw_road = [], [], []
    next_node = len(xy)
    for h in spec.highways:
        pts = np.asarray(h.points, dtype=np.float64)
        chain = [pts[0]]
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            n_seg = max(int(np.ceil(np.hypot(*(b - a)) / h.node_spacing_m)), 1)
            t = np.arange(1, n_seg + 1)[:, None] / n_seg
            chain.extend(a + t * (b - a))
        chain = np.asarray(chain)
        # chain nodes that fall near a district node are merged into it (junctions), unless the
        # road has interchanges: then it meets the streets only there, by a ramp
        dist, near = tree.query(chain)
        ids = np.where(dist < 0.6 * h.node_spacing_m, near, -1)
        if h.interchanges:
            ids[:] = -1
        for q in range(len(chain)):
            if ids[q] < 0:
                ids[q] = next_node
                hw_xy.append(chain[q])
                next_node += 1
        code = len(road_names)
        road_names.append(h.name)
        for point in h.interchanges:
            _, street = tree.query(point)
            ramp_end = ids[np.argmin(np.hypot(*(chain - np.asarray(point)).T))]
            hw_links.append((ramp_end, street, LINK_CLASSES.index("arterial")))
            hw_road.append(code)
        ids = ids[np.r_[True, ids[1:] != ids[:-1]]]
        for a, b in zip(ids[:-1], ids[1:], strict=True):
            hw_links.append((a, b, LINK_CLASSES.index(h.road_class)))
            hw_road.append(code)
    if hw_xy:
        xy = np.vstack([xy, np.asarray(hw_xy)])
    if hw_links:
        links = np.vstack([links, np.asarray(hw_links)])
        road = np.concatenate([road, np.asarray(hw_road)])
    is_highway = np.zeros(len(links), dtype=bool)
    is_highway[len(links) - len(hw_links):] = True

    # -- hills: no streets inside (highways pass in cuttings and tunnels) --------------------------
    if spec.hills:
        mid = 0.5 * (xy[links[:, 0]] + xy[links[:, 1]])
        hilly = in_hills(spec, np.concatenate([xy[links[:, 0]], xy[links[:, 1]], mid])).reshape(3, -1)
        keep = ~hilly.any(axis=0) | is_highway
        links, road, is_highway = links[keep], road[keep], is_highway[keep]

    # -- the river: cut crossing streets, keep one crossing per bridge ----------------------------
    bridge = np.zeros(len(links), dtype=bool)
    bridge_lanes: dict[int, int] = {}  # road code -> lanes each direction, where the seed gives them
    if spec.river is not None:
        river = np.asarray(spec.river.polyline, dtype=np.float64)
        p1, p2 = xy[links[:, 0]], xy[links[:, 1]]
        crosses = np.zeros(len(links), dtype=bool)
        crossing_xy = np.full((len(links), 2), np.nan)
        crossing_sin = np.zeros(len(links))  # sine of the angle between street and river
        for q1, q2 in zip(river[:-1], river[1:], strict=True):
            hit = _segments_cross(p1, p2, q1, q2) & ~crosses
            if hit.any():
                crossing_xy[hit] = _crossing_point(p1[hit], p2[hit], q1, q2)
                street, flow = p2[hit] - p1[hit], q2 - q1
                crossing_sin[hit] = np.abs(street[:, 0] * flow[1] - street[:, 1] * flow[0]) / (
                    np.hypot(*street.T) * np.hypot(*flow))
                crosses |= hit
        keep = ~crosses | is_highway
        bridge |= crosses & is_highway
        candidates = np.flatnonzero(crosses & ~is_highway)
        arterial = LINK_CLASSES.index("arterial")
        for b in spec.bridges:
            if candidates.size == 0:
                break
            d = np.hypot(*(crossing_xy[candidates] - np.asarray(b.at)).T)
            on_arterial = ((links[candidates, 2] >= arterial) & (d <= b.snap_to_arterial_m)
                           & (crossing_sin[candidates] >= BRIDGE_MIN_SIN))
            pool = np.flatnonzero(on_arterial) if on_arterial.any() else np.arange(candidates.size)
            pick = pool[np.argmin(d[pool])]
            best = candidates[pick]
            candidates = np.delete(candidates, pick)
            keep[best] = bridge[best] = True
            links[best, 2] = arterial
            if b.lanes:
                bridge_lanes[len(road_names)] = b.lanes
            road[best] = len(road_names)
            road_names.append(b.name)
        links, road, bridge = links[keep], road[keep], bridge[keep]

    # both directions of every street
    a, b, cls = links[:, 0], links[:, 1], links[:, 2]
    link_from = np.concatenate([a, b])
    link_to = np.concatenate([b, a])
    cls2 = np.concatenate([cls, cls])
    speed = np.array([c.speed_kmh / 3.6 for c in class_specs])[cls2]
    lanes = np.array([c.lanes for c in class_specs])[cls2]
    road_both = np.concatenate([road, road])
    for code, n in bridge_lanes.items():
        lanes[road_both == code] = n
    cap = np.array([c.capacity_per_lane_vph for c in class_specs])[cls2] * lanes
    # grid points whose every street was dropped or cut by the river or a hill, and pieces cut
    # off from the rest, are not part of the network
    if len(link_from) == 0:
        raise CityError(f"seed city {spec.city.name}: no street inside any district; make districts.outline "
                        "larger than districts.street_spacing_m (grid) or arterial_spacing_m (organic)")
    used = _largest_strong_component(len(xy), link_from, link_to)
    keep = used[link_from] & used[link_to]
    link_from, link_to, cls2, speed, lanes, cap = (
        col[keep] for col in (link_from, link_to, cls2, speed, lanes, cap))
    bridge2, road2 = np.concatenate([bridge, bridge])[keep], road_both[keep]
    if not used.all():
        new_index = np.cumsum(used) - 1
        xy, link_from, link_to = xy[used], new_index[link_from], new_index[link_to]
    if spec.named_arterials:
        road2 = name_arterials(spec.named_arterials, xy, link_from, link_to, cls2, road2,
                               len(road_names), source)
        road_names.extend(s.name for s in spec.named_arterials)
    length = np.hypot(*(xy[link_to] - xy[link_from]).T)
    length = np.maximum(length, 10.0)
    network = RoadNetwork.from_arrays(
        node_x=xy[:, 0], node_y=xy[:, 1], link_from=link_from, link_to=link_to,
        length_m=length, free_speed_mps=speed, lanes=lanes, capacity_vph=cap,
        jam_density_vpm=spec.city.jam_density_vpm, link_class=cls2,
        bridge=bridge2, road=road2,
        road_names=tuple(road_names), source=f"seed city {spec.city.name}",
    )

    # -- districts and zones ------------------------------------------------------------------------
    outlines = [np.asarray(d.outline, dtype=np.float64) for d in spec.districts]
    starts = np.zeros(len(outlines) + 1, dtype=np.int64)
    np.cumsum([len(o) for o in outlines], out=starts[1:])
    districts = Districts(
        name=tuple(d.name for d in spec.districts),
        label=tuple(d.label or d.name for d in spec.districts),
        kind=tuple(d.kind for d in spec.districts),
        outline_start=starts,
        outline_xy=np.concatenate(outlines),
    )
    zsize = spec.city.zone_size_m
    z_name, z_dist, z_xy, z_pop, z_jobs, z_dw = [], [], [], [], [], []
    for k, d in enumerate(spec.districts):
        o = outlines[k]
        gx = np.arange(np.floor(o[:, 0].min() / zsize), np.ceil(o[:, 0].max() / zsize)) + 0.5
        gy = np.arange(np.floor(o[:, 1].min() / zsize), np.ceil(o[:, 1].max() / zsize)) + 0.5
        cx, cy = np.meshgrid(gx * zsize, gy * zsize, indexing="ij")
        cells = np.column_stack([cx.ravel(), cy.ravel()])
        cells = cells[inside_polygon(cells, o) & ~in_hills(spec, cells)]
        if len(cells) == 0:
            cells = np.asarray([d.centre], dtype=np.float64)
        r = np.hypot(*(cells - np.asarray(d.centre)).T)
        noise = rng.lognormal(0.0, 0.3, size=(2, len(cells)))
        pop = largest_remainder(d.population, np.exp(-r / d.density_scale_m) * noise[0])
        jobs = largest_remainder(d.jobs, np.exp(-r / (0.7 * d.density_scale_m)) * noise[1])
        households = d.population / spec.city.household_size
        dwellings_total = d.dwellings or int(np.ceil(households * 1.06))
        dw = largest_remainder(dwellings_total, pop + dwellings_total / len(cells) * 0.1)
        for q in range(len(cells)):
            z_name.append(f"{d.name}-{q + 1:03d}")
        z_dist.append(np.full(len(cells), k))
        z_xy.append(cells)
        z_pop.append(pop)
        z_jobs.append(jobs)
        z_dw.append(dw)
    z_xy = np.concatenate(z_xy)
    zones = Zones(
        name=tuple(z_name),
        district=np.concatenate(z_dist).astype(np.int32),
        x=z_xy[:, 0], y=z_xy[:, 1],
        area_m2=np.full(len(z_xy), zsize * zsize),
        population=np.concatenate(z_pop).astype(np.int64),
        jobs=np.concatenate(z_jobs).astype(np.int64),
        dwellings=np.concatenate(z_dw).astype(np.int64),
        node=network.nearest_node(z_xy[:, 0], z_xy[:, 1]),
    )

    buildings = _buildings(spec, rng, np.concatenate(xy_parts), np.concatenate(node_district),
                           zones, network)
    facilities = _facilities(spec, rng, np.concatenate(xy_parts), np.concatenate(node_district),
                             zones, network)
    river = None
    if spec.river is not None:
        river = River(spec.river.name, np.asarray(spec.river.polyline, dtype=np.float64),
                      spec.river.width_m)
    return City(
        name=spec.city.name, label=spec.city.label or spec.city.name, network=network,
        districts=districts, zones=zones, buildings=buildings, facilities=facilities,
        river=river, source_hash=source_hash, bus_lines=spec.bus_lines,
    )


def _buildings(spec: SeedCity, rng, node_xy, node_district, zones: Zones, network: RoadNetwork):
    """Rectangular buildings in a slot pattern in the block north-east of each street node: 3 x 3
    on a grid layout, 4 x 4 on an organic one (fewer, larger blocks per node)."""
    grid_slots = np.array([(u, v) for u in (0.2, 0.5, 0.8) for v in (0.2, 0.5, 0.8)])
    organic_slots = np.array([(u, v) for u in (0.14, 0.38, 0.62, 0.86) for v in (0.14, 0.38, 0.62, 0.86)])
    xs, ys, w, dpt, ang, height, use, dist = [], [], [], [], [], [], [], []
    for k, d in enumerate(spec.districts):
        mine = node_xy[node_district == k]
        if len(mine) == 0:
            continue
        s = d.street_spacing_m
        rot = _rotation(d.grid_angle_deg)
        slots = organic_slots if d.layout == "organic" else grid_slots
        centres = mine[:, None, :] + (slots * s) @ rot.T  # (nodes, 9, 2)
        centres = centres.reshape(-1, 2)
        built = rng.random(len(centres)) < d.building_share
        built &= inside_polygon(centres, np.asarray(d.outline))
        if d.layout == "organic":  # the grid layout keeps its placement (testville's tests pin it)
            clear = 0.5 * spec.river.width_m + 0.3 * s if spec.river is not None else 0.0
            built &= ~in_hills(spec, centres) & (river_distance_m(spec, centres) > clear)
        centres = centres[built]
        n = len(centres)
        r = np.hypot(*(centres - np.asarray(d.centre)).T)
        closeness = np.exp(-r / d.density_scale_m)
        lo, hi = d.building_height_m
        h = lo + (hi - lo) * np.clip(closeness * rng.uniform(0.5, 1.2, n), 0, 1)
        xs.append(centres[:, 0])
        ys.append(centres[:, 1])
        w.append(rng.uniform(0.12, 0.26, n) * s)
        dpt.append(rng.uniform(0.12, 0.26, n) * s)
        ang.append(np.full(n, np.deg2rad(d.grid_angle_deg)))
        height.append(np.round(h / 3.0) * 3.0 + 3.0 * (h < 3.0))
        use.append(rng.choice(len(BUILDING_USES), size=n, p=_USE_SHARES[d.kind]))
        dist.append(np.full(n, k))
    x, y = np.concatenate(xs), np.concatenate(ys)
    w, dpt, ang = np.concatenate(w), np.concatenate(dpt), np.concatenate(ang)
    height, use = np.concatenate(height), np.concatenate(use).astype(np.int8)
    n = len(x)
    corners = np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)])
    cx = corners[None, :, 0] * w[:, None]
    cy = corners[None, :, 1] * dpt[:, None]
    cos, sin = np.cos(ang)[:, None], np.sin(ang)[:, None]
    fx = x[:, None] + cx * cos - cy * sin
    fy = y[:, None] + cx * sin + cy * cos
    footprint_xy = np.stack([fx, fy], axis=-1).reshape(-1, 2)
    footprint_start = np.arange(0, 4 * n + 1, 4, dtype=np.int64)
    _, zone = cKDTree(np.column_stack([zones.x, zones.y])).query(np.column_stack([x, y]))
    floor_area = w * dpt * height / 3.0
    residents = np.zeros(n, dtype=np.int64)
    jobs = np.zeros(n, dtype=np.int64)
    order = np.argsort(zone, kind="stable")
    bounds = np.searchsorted(zone[order], np.arange(len(zones) + 1))
    res_w = floor_area * np.where(use == 0, 1.0, 0.02)
    job_w = floor_area * np.where(use == 0, 0.08, 1.0)
    for z in range(len(zones)):
        rows = order[bounds[z] : bounds[z + 1]]
        if len(rows) == 0:
            continue
        residents[rows] = largest_remainder(int(zones.population[z]), res_w[rows])
        jobs[rows] = largest_remainder(int(zones.jobs[z]), job_w[rows])
    return Buildings(
        x=x, y=y, height_m=height, use=use, zone=zone.astype(np.int32),
        node=network.nearest_node(x, y), residents=residents.astype(np.int32),
        jobs=jobs.astype(np.int32), footprint_start=footprint_start, footprint_xy=footprint_xy,
    )


def _facilities(spec: SeedCity, rng, node_xy, node_district, zones: Zones, network: RoadNetwork):
    names, kinds, pts, caps = [], [], [], []
    for f in spec.facilities:
        k = [d.name for d in spec.districts].index(f.district)
        d = spec.districts[k]
        if f.at:
            chosen = np.asarray(f.at, dtype=np.float64)
        else:
            candidates = node_xy[node_district == k]
            r = np.hypot(*(candidates - np.asarray(d.centre)).T)
            weight = np.exp(-r / d.density_scale_m)
            pick = rng.choice(len(candidates), size=f.count, replace=False, p=weight / weight.sum())
            chosen = candidates[np.sort(pick)]
        for q, name in enumerate(f.facility_names(d.label or d.name)):
            names.append(name)
            kinds.append(FACILITY_KINDS.index(f.kind))
            pts.append(chosen[q])
            caps.append(f.capacity)
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    _, zone = cKDTree(np.column_stack([zones.x, zones.y])).query(pts) if len(pts) else (0, [])
    return Facilities(
        name=tuple(names), kind=np.asarray(kinds, dtype=np.int8), x=pts[:, 0], y=pts[:, 1],
        node=network.nearest_node(pts[:, 0], pts[:, 1]) if len(pts) else np.zeros(0, np.int32),
        zone=np.asarray(zone, dtype=np.int32), capacity=np.asarray(caps, dtype=np.float64),
    )
