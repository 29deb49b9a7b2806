"""Names for generated arterials: a seed's ``[[named_arterials]]`` put real road names on the
superblock arterials the generator drew (twin/city/streets.py), without adding, moving or removing
a link.

The rule, for each named arterial in seed order: a directed link is on it when

* it is an arterial (``LINK_CLASSES`` "arterial") that no highway, bridge or earlier named
  arterial has named (a link already named keeps its name);
* both its end nodes lie within ``snap_m`` metres of the ``path`` polyline;
* it runs within ``MAX_TURN_DEG`` (30 degrees) of the direction of the path's segment nearest the
  link's midpoint, either way along it;

and of those links the longest connected chain is kept (the connected part, links taken as
undirected, with the most metres; both directions of a two-way street belong to it), so a stray
arterial that merely touches the path is left out. A path that names no link is an error.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from twin.city.network import LINK_CLASSES
from twin.city.seedfile import NamedArterialSpec
from twin.city.terrain import polyline_distance_m
from twin.errors import CityError

MAX_TURN_DEG = 30.0
"""Largest angle between a named link and its path's local direction, degrees: a street that
crosses the path (a collector or a cross arterial) meets it near square and is not named."""


def name_arterials(
    specs: tuple[NamedArterialSpec, ...], node_xy: np.ndarray, link_from: np.ndarray,
    link_to: np.ndarray, link_class: np.ndarray, road: np.ndarray, first_code: int, source: str,
) -> np.ndarray:
    """The links' road codes with the named arterials' links set to ``first_code + k`` (spec k).

    ``node_xy`` (n, 2) in metres; ``link_from``, ``link_to``, ``link_class``, ``road`` (m,) are the
    directed links (road -1: unnamed); ``source`` (the seed file) starts the error message.
    """
    road = road.copy()
    a, b = node_xy[link_from], node_xy[link_to]
    vec = b - a
    length = np.hypot(*vec.T)
    arterial = link_class == LINK_CLASSES.index("arterial")
    cos_max = np.cos(np.radians(MAX_TURN_DEG))
    n = len(node_xy)
    for k, spec in enumerate(specs):
        path = np.asarray(spec.path, dtype=np.float64)
        near_a, _ = polyline_distance_m(a, path)
        near_b, _ = polyline_distance_m(b, path)
        _, segment = polyline_distance_m(0.5 * (a + b), path)
        along = path[segment + 1] - path[segment]
        cos = np.abs(np.einsum("mk,mk->m", vec, along)) / (length * np.hypot(*along.T))
        on = np.flatnonzero(arterial & (road < 0) & (near_a <= spec.snap_m) & (near_b <= spec.snap_m)
                            & (cos >= cos_max))
        if on.size == 0:
            raise CityError(
                f"{source}: named_arterials[{k}] {spec.name!r}: its path names no link (no unnamed "
                f"arterial has both ends within snap_m = {spec.snap_m:g} m of it and runs within "
                f"{MAX_TURN_DEG:g} degrees of it); move the path onto an arterial (scripts/plan_view.py "
                "draws them) or raise snap_m (0 < snap_m <= 1000)")
        graph = coo_matrix((np.ones(on.size), (link_from[on], link_to[on])), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        metres = np.bincount(label[link_from[on]], weights=length[on], minlength=label.max() + 1)
        road[on[label[link_from[on]] == np.argmax(metres)]] = first_code + k
    return road
