"""Two runs compared: side by side with linked cameras on one colour scale, or their difference.

Both runs must be of the same city, so a field (one value per link, building or bin) can be
subtracted element by element. Points (bins) are matched by their ids; points present in only
one run are left out of the difference.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyvista as pv

from twin.city import City
from twin.errors import TwinInputError
from viz.layers import Field, LayerView, Overlay, RunTables
from viz.scene import CityScene, new_plotter

DIFFERENCE_CMAP = "RdBu_r"
"""Diverging colour map for A - B: blue where A is lower, red where A is higher, white equal.
When the field says which direction is better, the map turns so that blue is always better."""

NICE_STEPS = (1.0, 2.0, 4.0, 5.0, 8.0, 10.0)
"""Mantissas a difference's colour range ends on, so its five ticks are round numbers."""


def common_year(runs: list[RunTables]) -> int | None:
    """The last year every run holds (None when the runs name no years); a one-line error when
    two runs share no year: a comparison shows one year on both sides."""
    held = [set(r.years()) for r in runs]
    if not any(held):
        return None
    common = set.intersection(*held)
    if not common:
        spans = [f"{r.where} {min(h)}..{max(h)}" for r, h in zip(runs, held, strict=True) if h]
        raise TwinInputError(f"{runs[-1].where}: no year in common with {runs[0].where} "
                             f"({' against '.join(spans)}); a comparison shows one year on both sides")
    return max(common)


def nice_limit(top: float) -> float:
    """The smallest of 1, 2, 4, 5, 8 times a power of ten at or above ``top`` (> 0)."""
    if not np.isfinite(top) or top <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(top))
    return float(next(m * power for m in NICE_STEPS if m * power >= top * (1 - 1e-9)))


def policy_overlays(runs: list[RunTables]) -> list[tuple[Overlay, ...]]:
    """What each run's levers changed, to draw on the map (one tuple per run), where the other
    run differs (with one run: its levers): roads it closed (``traffic.closed_roads``, magenta),
    the road it added (``traffic.new_link``, teal), roads whose capacity it scaled
    (``traffic.capacity_factor``, orange), the emergency stations it added
    (``emergency.stations``, dark red) and the hazard areas of its surges
    (``emergency.surge`` circle or polygon, blue outline). Roads are their links as thick lines
    and a large unlabelled marker at their middle, so a 150 m bridge still shows at city scale.
    A run's panel shows its own; a difference shows both; labels name the run as A or B (the
    legend box is narrow)."""
    levers = [_levers(run) for run in runs]
    per_run = []
    for k, lever in enumerate(levers):
        overlays: list[Overlay] = []
        side = f" in {'AB'[k]}" if len(runs) == 2 else ""
        others = [other for j, other in enumerate(levers) if j != k]
        only = sorted(lever["closed"].difference(*(o["closed"] for o in others)))
        ends = _road_ends(runs[0].city, only)
        if len(ends):
            overlays += _marked(f"closed-{k}", ends, f"closed{side}: {', '.join(only)}", "#c000c0")
        new = lever["new"]
        if len(new) == 4 and all(o["new"] != new for o in others):
            overlays += _marked(f"new-{k}", np.array([new], dtype=float), f"new road{side}",
                                "#008f8f")
        scaled = sorted(r for r, f in lever["capacity"].items()
                        if all(o["capacity"].get(r) != f for o in others))
        ends = _road_ends(runs[0].city, scaled)
        if len(ends):
            what = ", ".join(f"{r} x{lever['capacity'][r]:g}" for r in scaled)
            overlays += _marked(f"capacity-{k}", ends, f"capacity{side}: {what}", "#ff8c00")
        stations = [s for s in lever["stations"] if all(s not in o["stations"] for o in others)]
        if stations:
            xy = np.array([[s[1], s[2]] for s in stations], dtype=float)
            overlays.append(Overlay(f"stations-{k}", "points", xy, f"new station{side}: "
                                    + ", ".join(s[0] for s in stations), color="#8b0000", size=24.0))
        areas = [a for a in lever["hazards"] if all(a not in o["hazards"] for o in others)]
        if areas:
            rings = [_ring_segments(a) for a in areas]
            overlays.append(Overlay(f"hazard-{k}", "segments", np.concatenate(rings),
                                    f"hazard area{side}", color="#1f5fd0", size=5.0))
        per_run.append(tuple(overlays))
    return per_run


def _levers(run: RunTables) -> dict:
    """The levers of ``run``'s scenario that :func:`policy_overlays` draws, as comparable values."""
    scenario = run.manifest.get("scenario", {})
    traffic = scenario.get("traffic", {}) or {}
    emergency = scenario.get("emergency", {}) or {}
    stations = [(str(s.get("name", "new station")), float(s.get("x", 0.0)), float(s.get("y", 0.0)))
                for s in emergency.get("stations") or () if isinstance(s, dict)]
    hazards = []
    for event in emergency.get("surge") or ():
        if not isinstance(event, dict):
            continue
        if len(event.get("circle") or ()) == 3:
            hazards.append(("circle", tuple(float(v) for v in event["circle"])))
        if len(event.get("polygon") or ()) >= 3:
            hazards.append(("polygon", tuple(tuple(float(v) for v in p) for p in event["polygon"])))
    return {"closed": set(traffic.get("closed_roads") or ()),
            "new": tuple(traffic.get("new_link") or ()),
            "capacity": {str(r): float(f) for r, f in (traffic.get("capacity_factor") or {}).items()},
            "stations": stations, "hazards": hazards}


def _road_ends(city: City, roads: list[str]) -> np.ndarray:
    """x0, y0, x1, y1 rows of the links of the named roads (names the city lacks are skipped)."""
    net = city.network
    codes = [net.road_names.index(r) for r in roads if r in net.road_names]
    links = np.flatnonzero(np.isin(np.asarray(net.link_road, int), codes))
    return np.column_stack([net.node_x[net.link_from[links]], net.node_y[net.link_from[links]],
                            net.node_x[net.link_to[links]], net.node_y[net.link_to[links]]]).astype(float)


def _ring_segments(area: tuple) -> np.ndarray:
    """A hazard area (("circle", (x, y, r)) or ("polygon", corners)) as closed outline segments."""
    if area[0] == "circle":
        x, y, r = area[1]
        angle = np.linspace(0.0, 2 * np.pi, 49)
        ring = np.column_stack([x + r * np.cos(angle), y + r * np.sin(angle)])
    else:
        ring = np.asarray(area[1] + area[1][:1], dtype=float)
    return np.column_stack([ring[:-1], ring[1:]])


def _marked(name: str, ends: np.ndarray, label: str, color: str) -> list[Overlay]:
    """Segments ``ends`` (x0, y0, x1, y1 rows) as thick lines and a marker at their middle."""
    middle = ((ends[:, :2] + ends[:, 2:]) / 2).mean(axis=0, keepdims=True)
    return [Overlay(name, "segments", ends, label, color=color, size=7.0),
            Overlay(f"{name}-marker", "points", middle, "", color=color, size=22.0)]


def with_overlays(view: LayerView | None, overlays: tuple[Overlay, ...], *,
                  caption: bool = False) -> LayerView | None:
    """``view`` with ``overlays`` drawn on top (a view of its own for the plain city); with
    ``caption``, their labels join the caption too (for panels that have no legend)."""
    if not overlays:
        return view
    if view is None:
        view = LayerView("city", "", None)
    labels = [o.label for o in overlays if o.label] if caption else []
    text = "\n".join(part for part in (view.caption, *labels) if part)
    return dataclasses.replace(view, caption=text, overlays=view.overlays + overlays)


def check_same_city(a: RunTables, b: RunTables) -> None:
    """A one-line error unless runs ``a`` and ``b`` were made on the same city."""
    hash_a = a.manifest.get("inputs", {}).get("city")
    hash_b = b.manifest.get("inputs", {}).get("city")
    if hash_a and hash_b and hash_a != hash_b:
        city_a = a.manifest.get("city", {}).get("name", "?")
        city_b = b.manifest.get("city", {}).get("name", "?")
        raise TwinInputError(
            f"{a.where} ({city_a}, city data {hash_a[:12]}) and {b.where} ({city_b}, city data "
            f"{hash_b[:12]}) are runs of different cities (or of different versions of one seed file); "
            "side-by-side and difference views need the same city"
        )


def common_clim(fields: list[Field | None]) -> tuple[float, float] | None:
    """One colour range for all ``fields``: the union of their ranges (their fixed ``clim``
    where they have one, such as speed ratio 0-1 or a run's own slow floor to 1)."""
    present = [f for f in fields if f is not None]
    if not present:
        return None
    ranges = np.array([f.color_range() for f in present])
    if present[0].diverging:
        top = float(np.abs(ranges).max())
        return (-top, top)
    return float(ranges[:, 0].min()), float(ranges[:, 1].max())


def difference_meaning(field: Field) -> str:
    """What the colours of A - B of ``field`` mean: which is better, when the field says."""
    if field.better is None:
        return "red: A higher, blue: A lower"
    return f"blue: A better ({field.better}), red: A worse"


def difference_view(a: LayerView, b: LayerView, name_a: str, name_b: str) -> LayerView:
    """``a`` minus ``b`` per link, building or point, on a diverging colour map centred on 0."""
    fa, fb = a.field, b.field
    if fa is None or fb is None or fa.on != fb.on:
        raise TwinInputError(f"the {a.layer} layer has no field to subtract")
    if fa.on == "point":
        ids_b = {v: j for j, v in enumerate(fb.ids)}
        common = [(i, ids_b[v]) for i, v in enumerate(fa.ids) if v in ids_b]
        ia = np.array([i for i, _ in common], dtype=int)
        ib = np.array([j for _, j in common], dtype=int)
        values = fa.values[ia] - fb.values[ib]
        extra = {"xy": fa.xy[ia], "ids": fa.ids[ia]}
    else:
        values = np.asarray(fa.values, float) - np.asarray(fb.values, float)
        extra = {}
        if fa.width is not None and fb.width is not None:
            extra["width"] = np.fmax(fa.width, fb.width)
        if fa.zone_values is not None and fb.zone_values is not None:
            extra["zone_values"] = fa.zone_values - fb.zone_values
    finite = np.abs(values[np.isfinite(values)])
    top = nice_limit(float(finite.max()) if finite.size else 0.0)
    cmap = "RdBu" if fa.better == "higher" else DIFFERENCE_CMAP  # blue: better (or A lower)
    field = dataclasses.replace(fa, values=values, label=f"{fa.label}, A - B", cmap=cmap,
                                unit=fa.unit.split(";")[0],  # not the scale's note on A's colours
                                clim=(-top, top), diverging=True, **extra)
    caption = f"{a.caption}\nA = {name_a}, B = {name_b}\n{difference_meaning(fa)}"
    return LayerView(a.layer, caption, field)


def render_side_by_side(city: City, views: list[LayerView | None], titles: list[str], *,
                        size: tuple[int, int] = (1920, 1080), off_screen: bool = True,
                        clim: tuple[float, float] | None = None,
                        ) -> tuple[pv.Plotter, list[CityScene]]:
    """One panel per view, cameras linked, one colour scale (bar on the last panel).

    ``clim`` fixes the shared colour range (default: the common range of the views' fields).
    """
    clim = clim or common_clim([v.field if v is not None else None for v in views])
    plotter = new_plotter(size, panels=len(views), off_screen=off_screen)
    scenes = []
    for k, (view, title) in enumerate(zip(views, titles, strict=True)):
        plotter.subplot(0, k)
        scenes.append(CityScene(plotter, city, view, title=title, clim=clim,
                                scalar_bar=k == len(views) - 1, legend=False,
                                panel_px=size[0] // len(views)))
    plotter.link_views()
    scenes[0].set_camera()
    return plotter, scenes


def render_difference(city: City, a: LayerView, b: LayerView, name_a: str, name_b: str, *,
                      size: tuple[int, int] = (1600, 1000), off_screen: bool = True,
                      overlays: tuple[Overlay, ...] = ()) -> tuple[pv.Plotter, CityScene]:
    """The difference view of two runs' layer views in one panel, with ``overlays`` on top
    (what the policy changed: :func:`policy_overlays`)."""
    view = with_overlays(difference_view(a, b, name_a, name_b), overlays)
    plotter = new_plotter(size, off_screen=off_screen)
    scene = CityScene(plotter, city, view, title=f"{name_a} minus {name_b}")  # bar right of the city
    return plotter, scene
