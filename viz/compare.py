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
from viz.layers import Field, LayerView, RunTables
from viz.scene import CityScene, new_plotter

DIFFERENCE_CMAP = "RdBu_r"
"""Diverging colour map for A - B: blue where A is lower, red where A is higher, white equal."""


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
    """One colour range for all ``fields``: a fixed range if the first has one, else the union."""
    present = [f for f in fields if f is not None]
    if not present:
        return None
    if present[0].clim is not None:
        return present[0].clim
    ranges = np.array([f.color_range() for f in present])
    if present[0].diverging:
        top = float(np.abs(ranges).max())
        return (-top, top)
    return float(ranges[:, 0].min()), float(ranges[:, 1].max())


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
    field = dataclasses.replace(fa, values=values, label=f"{fa.label}, A - B", cmap=DIFFERENCE_CMAP,
                                clim=None, diverging=True, **extra)
    caption = f"{a.caption}\nA = {name_a}, B = {name_b}"
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
                      size: tuple[int, int] = (1600, 1000),
                      off_screen: bool = True) -> tuple[pv.Plotter, CityScene]:
    """The difference view of two runs' layer views in one panel."""
    view = difference_view(a, b, name_a, name_b)
    plotter = new_plotter(size, off_screen=off_screen)
    scene = CityScene(plotter, city, view, title=f"{name_a} minus {name_b}", legend=False)
    return plotter, scene
