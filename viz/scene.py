"""The city scene: buildings, ground, river, roads, facilities and districts in one renderer.

Every part is built from the City's arrays in one go (numpy, then one pyvista mesh per part),
so a 100,000-building city costs a few array operations, not 100,000 actors:

- buildings: one merged mesh of roofs and walls extruded from the ragged footprints
  (:func:`building_mesh`), coloured by use, plainly, or by a per-building field;
- roads: one mesh of flat ribbons, one quad per directed link drawn on the right-hand side of
  its centre line, so the two directions of a street sit side by side; width by road class or
  by a link quantity (flow), colour by class or by a link field (speed ratio, flow, queue);
- facilities: one glyph set per group of kinds (hospitals as crosses, fire and police stations
  as cones, ...);
- districts: outlines and labels; the river as a ribbon of its width.

A :class:`CityScene` keeps handles to the meshes it drew so that an animation can change the
values in place (:meth:`CityScene.update`) instead of building the scene again per frame.
Sizes on screen (road widths, glyphs) are given in pixels and turned into metres with the
scene's metres-per-pixel, so a small test town and a 30 km city look alike.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyvista as pv

from twin.city import City
from twin.city.buildings import BUILDING_USES
from twin.city.facilities import FACILITY_KINDS
from viz.layers import Field, LayerView, Overlay

USE_COLORS = {
    "residential": "#e2b173",
    "commercial": "#4f86d1",
    "industrial": "#978cab",
    "public": "#d66a86",
}
"""Building colour by use (the order of :data:`twin.city.buildings.BUILDING_USES`)."""

PLAIN_BUILDING = "#dcd8d0"
GROUND = "#edefe8"
WATER = "#6fa8dc"
NO_DATA = "#c8c8c8"
TEXT = "#1e1e1e"
ROAD_CLASS_COLORS = ("#bdbdbd", "#9b9b9b", "#6b6b6b", "#434343")
ROAD_CLASS_PX = (0.9, 1.3, 2.0, 2.8)
"""Width of one direction of a road, in pixels of the default view, by link class 0-3."""
FLOW_PX = (0.8, 6.0)
"""Width range (pixels) of one direction when roads are widened by a link quantity."""


@dataclasses.dataclass(frozen=True)
class GlyphGroup:
    """How one group of facility kinds is drawn: label, shape, colour, size in pixels."""

    label: str
    kinds: tuple[str, ...]
    shape: str
    color: str
    size_px: float


FACILITY_GROUPS = (
    GlyphGroup("hospital", ("hospital",), "cross", "#e31a1c", 16),
    GlyphGroup("ambulance base", ("ems_base",), "sphere", "#fb9a99", 11),
    GlyphGroup("fire station", ("fire_station",), "cone", "#ff7f00", 14),
    GlyphGroup("police station", ("police_station",), "cone", "#1f2f9f", 14),
    GlyphGroup("utility depot", ("utility_depot",), "cube", "#8c5a3c", 11),
    GlyphGroup("waste depot / plant", ("waste_depot", "compost_plant", "recycling_centre",
                                       "hazardous_facility", "incinerator", "landfill"),
               "cylinder", "#238b45", 13),
    GlyphGroup("train / bus station", ("train_station", "bus_station"), "cube", "#6a3d9a", 15),
    GlyphGroup("bus stop", ("bus_stop",), "sphere", "#17a2b8", 6),
    GlyphGroup("school", ("school",), "sphere", "#e6c229", 8),
    GlyphGroup("museum, culture, scenic", ("museum", "culture_centre", "scenic_spot"),
               "diamond", "#c51b7d", 12),
)
"""Facility glyphs; every kind in FACILITY_KINDS belongs to exactly one group."""

LAYER_FACILITIES: dict[str, tuple[str, ...]] = {
    "emergency": ("hospital", "ambulance base", "fire station", "police station"),
    "waste": ("waste depot / plant",),
}
"""Facility groups a layer view draws unless told otherwise: the kinds the layer needs (the
other layers none, so glyphs do not hide the roads and districts; the plain city all)."""

Z_GROUND, Z_WATER, Z_ROAD, Z_OUTLINE = -1.0, 0.5, 1.5, 3.0


def building_mesh(city: City) -> pv.PolyData:
    """Roofs and walls of every building as one mesh, built from the ragged footprint arrays.

    Points: each footprint ring at ground level (z = 0) and at roof height. Cells: one roof
    polygon per building, then one wall quad per footprint edge. Cell array ``building`` holds the
    building index of every cell, so per-building values map to cells by indexing.
    """
    b = city.buildings
    xy = np.asarray(b.footprint_xy, dtype=float)
    start = np.asarray(b.footprint_start, dtype=np.int64)
    n_vertices = len(xy)
    owner = np.repeat(np.arange(len(b)), np.diff(start))
    points = np.zeros((2 * n_vertices, 3))
    points[:n_vertices, :2] = xy
    points[n_vertices:, :2] = xy
    points[n_vertices:, 2] = np.asarray(b.height_m, dtype=float)[owner]
    vertex = np.arange(n_vertices)
    following = vertex + 1
    following[start[1:] - 1] = start[:-1]  # close each ring
    walls = np.column_stack([vertex, following, n_vertices + following, n_vertices + vertex])
    connectivity = np.concatenate([n_vertices + vertex, walls.ravel()])
    offsets = np.concatenate([start, start[-1] + 4 * np.arange(1, n_vertices + 1)])
    mesh = pv.PolyData(points, faces=pv.CellArray.from_arrays(offsets, connectivity))
    mesh.cell_data["building"] = np.concatenate([np.arange(len(b)), owner])
    return mesh


def ribbon_points(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
                  width_m: np.ndarray, z: float) -> np.ndarray:
    """Corners (4 per segment) of flat ribbons lying on the right of each segment's direction."""
    dx, dy = x1 - x0, y1 - y0
    length = np.hypot(dx, dy)
    length[length == 0] = 1.0
    nx, ny = dy / length * width_m, -dx / length * width_m
    points = np.empty((len(x0), 4, 3))
    points[:, 0] = np.column_stack([x0, y0, np.full_like(x0, z)])
    points[:, 1] = np.column_stack([x1, y1, np.full_like(x0, z)])
    points[:, 2] = np.column_stack([x1 + nx, y1 + ny, np.full_like(x0, z)])
    points[:, 3] = np.column_stack([x0 + nx, y0 + ny, np.full_like(x0, z)])
    return points.reshape(-1, 3)


def quads(n: int) -> pv.CellArray:
    """n quads over points 4k..4k+3."""
    return pv.CellArray.from_arrays(4 * np.arange(n + 1), np.arange(4 * n))


def river_mesh(city: City) -> pv.PolyData | None:
    """The river as a ribbon of its width along its centre line (None if the city has none)."""
    river = city.river
    if river is None or len(river.polyline) < 2:
        return None
    line = np.asarray(river.polyline, dtype=float)
    tangent = np.gradient(line, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) * river.width_m / 2
    left, right = line + normal, line - normal
    k = len(line)
    points = np.zeros((2 * k, 3))
    points[:k, :2], points[k:, :2] = left, right
    points[:, 2] = Z_WATER
    i = np.arange(k - 1)
    cells = np.column_stack([np.full(k - 1, 4), i, i + 1, k + i + 1, k + i]).ravel()
    return pv.PolyData(points, faces=cells)


def bar_points(x: np.ndarray, y: np.ndarray, half_width: float, height: np.ndarray) -> np.ndarray:
    """Corners (8 per bar) of square columns standing on the ground at (x, y)."""
    unit = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0],
                     [-1, -1, 1], [1, -1, 1], [1, 1, 1], [-1, 1, 1]], dtype=float)
    corners = np.empty((len(x), 8, 3))
    corners[..., 0] = x[:, None] + unit[:, 0] * half_width
    corners[..., 1] = y[:, None] + unit[:, 1] * half_width
    corners[..., 2] = unit[:, 2] * np.maximum(height, 1.0)[:, None]
    return corners.reshape(-1, 3)


def bar_faces(n: int) -> np.ndarray:
    """Faces (legacy layout: 4, i, j, k, l) of ``n`` columns made by :func:`bar_points`."""
    sides = np.array([[0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7], [4, 5, 6, 7]])
    faces = sides[None, :, :] + 8 * np.arange(n)[:, None, None]
    return np.concatenate([np.full((n, 5, 1), 4), faces], axis=2).ravel()


def zone_tiles(city: City, cells: int = 220) -> tuple[pv.PolyData, np.ndarray]:
    """The districts' ground cut into square tiles (about ``cells`` across the longer side of the
    built-up area), each belonging to its nearest zone centre: a choropleth of zone values
    without zone polygons. Returns the tile mesh (just above the ground) and each tile's zone."""
    from matplotlib.path import Path as Polygon
    from scipy.spatial import cKDTree

    xmin, xmax, ymin, ymax = built_up_bounds(city)
    step = max(xmax - xmin, ymax - ymin) / cells
    xs = np.arange(xmin, xmax, step) + step / 2
    ys = np.arange(ymin, ymax, step) + step / 2
    cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
    centres = np.column_stack([cx, cy])
    d = city.districts
    inside = np.zeros(len(centres), bool)
    for i in range(len(d)):
        inside |= Polygon(d.outline(i)).contains_points(centres)
    centres = centres[inside]
    _, zone = cKDTree(np.column_stack([city.zones.x, city.zones.y])).query(centres)
    half = step / 2
    corners = np.empty((len(centres), 4, 3))
    for k, (sx, sy) in enumerate(((-1, -1), (1, -1), (1, 1), (-1, 1))):
        corners[:, k, 0] = centres[:, 0] + sx * half
        corners[:, k, 1] = centres[:, 1] + sy * half
    corners[..., 2] = Z_WATER - 0.25
    return pv.PolyData(corners.reshape(-1, 3), faces=quads(len(centres))), np.asarray(zone, int)


def district_outlines(city: City) -> pv.PolyData:
    """Closed outlines of every district as one line mesh."""
    d = city.districts
    xy = np.asarray(d.outline_xy, dtype=float)
    start = np.asarray(d.outline_start, dtype=np.int64)
    points = np.column_stack([xy, np.full(len(xy), Z_OUTLINE)])
    rings = [np.r_[np.arange(start[i], start[i + 1]), start[i]] for i in range(len(d))]
    lines = np.concatenate([np.r_[len(r), r] for r in rings]) if rings else np.zeros(0, int)
    return pv.PolyData(points, lines=lines)


def city_bounds(city: City) -> tuple[float, float, float, float]:
    """xmin, xmax, ymin, ymax of roads, buildings, district outlines and river (metres)."""
    net, b = city.network, city.buildings
    xs = [net.node_x, b.x, city.districts.outline_xy[:, 0]]
    ys = [net.node_y, b.y, city.districts.outline_xy[:, 1]]
    x = np.concatenate([np.asarray(v, float) for v in xs])
    y = np.concatenate([np.asarray(v, float) for v in ys])
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


def built_up_bounds(city: City) -> tuple[float, float, float, float]:
    """xmin, xmax, ymin, ymax (metres) of the built-up area, what a whole-city camera frames: the
    building footprints and the streets among them (the 2nd to 98th percentile of the road
    nodes, so a few long roads out of town do not leave the frame mostly empty ground)."""
    net, b = city.network, city.buildings
    xy = np.asarray(b.footprint_xy, float)
    nx, ny = np.asarray(net.node_x, float), np.asarray(net.node_y, float)
    return (min(float(xy[:, 0].min()), float(np.percentile(nx, 2))),
            max(float(xy[:, 0].max()), float(np.percentile(nx, 98))),
            min(float(xy[:, 1].min()), float(np.percentile(ny, 2))),
            max(float(xy[:, 1].max()), float(np.percentile(ny, 98))))


def _backdrop(actor) -> None:
    """A white, three-quarters opaque box behind a text actor, legible over a close-up."""
    prop = actor.GetTextProperty()
    prop.SetBackgroundColor(1.0, 1.0, 1.0)
    prop.SetBackgroundOpacity(0.75)


def _mid_colour(cmap: str) -> str:
    """The middle colour of matplotlib colour map ``cmap`` as "#rrggbb" (a legend symbol)."""
    import matplotlib

    r, g, b, _ = matplotlib.colormaps[cmap](0.6)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _glyph_source(shape: str) -> pv.PolyData:
    if shape == "cross":
        bar = pv.Box(bounds=(-0.5, 0.5, -0.16, 0.16, 0.0, 0.32))
        return bar.merge(pv.Box(bounds=(-0.16, 0.16, -0.5, 0.5, 0.0, 0.32)))
    if shape == "cone":
        return pv.Cone(center=(0, 0, 0.5), direction=(0, 0, 1), height=1.0, radius=0.45,
                       resolution=16)
    if shape == "cube":
        return pv.Cube(center=(0, 0, 0.35), x_length=0.8, y_length=0.8, z_length=0.7)
    if shape == "cylinder":
        return pv.Cylinder(center=(0, 0, 0.35), direction=(0, 0, 1), radius=0.45, height=0.7,
                           resolution=16)
    if shape == "diamond":
        return pv.Octahedron(center=(0, 0, 0.5), radius=0.55)
    return pv.Sphere(center=(0, 0, 0.5), radius=0.5, theta_resolution=12, phi_resolution=12)


class CityScene:
    """A city drawn into the active renderer of ``plotter``, with a layer view on top.

    Args:
        plotter: where to draw (the active subplot).
        city: the city.
        view: a layer view (field and overlays) or None for the plain city.
        title: first line of the title (scenario name); the view's caption is the second line.
        buildings: "use" (colour by use), "plain", or "field" (the view's building field);
            default: "field" when the view has a building field, "plain" when it has any other
            field, "use" otherwise.
        clim: colour range for the field (a common scale across panels); default its own.
        scalar_bar: draw the field's colour bar (one per plotter when panels share a scale).
        legend: draw the legend of building uses and facility glyphs.
        panel_px: width of this panel in pixels (for on-screen sizes); default the window width.
        facilities: labels of the :data:`FACILITY_GROUPS` to draw (and list in the legend);
            default those :data:`LAYER_FACILITIES` gives the view's layer, all for the plain city.
        building_field: a per-building field (``twin view --colour-by``,
            :func:`viz.layers.building_colour`) that colours the buildings whatever the layer
            draws on the roads and points, with a colour bar of its own.
    """

    def __init__(self, plotter: pv.Plotter, city: City, view: LayerView | None = None, *,
                 title: str = "", buildings: str | None = None,
                 clim: tuple[float, float] | None = None, scalar_bar: bool = True,
                 legend: bool = True, panel_px: int | None = None,
                 facilities: tuple[str, ...] | None = None,
                 building_field: Field | None = None) -> None:
        self.plotter = plotter
        self.building_field = building_field
        self.city = city
        self.view = view
        if facilities is None and view is not None and view.layer != "city":
            facilities = LAYER_FACILITIES.get(view.layer, ())
        self.groups = tuple(g for g in FACILITY_GROUPS if facilities is None or g.label in facilities)
        self.bounds = city_bounds(city)
        self.frame_bounds = built_up_bounds(city)
        xmin, xmax, ymin, ymax = self.frame_bounds
        extent = max(xmax - xmin, ymax - ymin)
        self.panel_px = float(panel_px or plotter.window_size[0])
        self.metres_per_px = extent / self.panel_px
        field = view.field if view is not None else None
        self.clim = clim if clim is not None else (field.color_range() if field else None)
        if building_field is not None:
            buildings = "colour_by"
        elif buildings is None:  # zone values colour the ground: buildings stay plain over them
            buildings = ("field" if field is not None and field.on == "building"
                         and field.zone_values is None
                         else "plain" if field is not None else "use")
        self._overlay_meshes: dict[str, tuple[pv.PolyData, object]] = {}
        self.legend_shown = legend
        self.fill = 0.77 if legend else 0.94
        self.font_scale = float(np.clip(plotter.window_size[1] / 1000.0, 0.45, 2.0))
        plotter.set_background("#fbfbfb", top="#dde6ef")
        plotter.renderer.SetDitherGradient(False)  # smooth bands: palette pictures and GIFs stay small
        self._draw_ground()
        self._draw_river()
        self._draw_buildings(buildings, field, scalar_bar)
        if field is not None and field.zone_values is not None:
            self._draw_zone_tiles(field, scalar_bar and buildings != "field")
            self._draw_zone_bars(field)
        self._draw_roads(field, scalar_bar)
        self._draw_facilities()
        self._draw_districts()
        if field is not None and field.on == "point":
            self._draw_point_field(field, scalar_bar)
        for overlay in view.overlays if view is not None else ():
            self._draw_overlay(overlay)
        if legend:
            self._draw_legend(buildings == "use")
        text = self._title_text(title, view)
        self.title_actor = plotter.add_text(text, position=(0.015, 0.975), viewport=True,
                                            font_size=self._pt(16), color=TEXT)
        self.title_actor.GetTextProperty().SetVerticalJustificationToTop()  # any number of lines
        _backdrop(self.title_actor)
        for bar in plotter.scalar_bars.values():  # bars over a close-up's buildings stay legible
            if bar.GetOrientation() == 0:  # horizontal: tick labels below, the title above
                bar.SetTextPositionToPrecedeScalarBar()
            bar.DrawBackgroundOn()
            bar.GetBackgroundProperty().SetColor(1.0, 1.0, 1.0)
            bar.GetBackgroundProperty().SetOpacity(0.75)
        self.title = title
        self.clock_actor = None
        self.set_camera()

    # -- parts -------------------------------------------------------------------------------

    def _ground_box(self) -> tuple[float, float, float, float]:
        xmin, xmax, ymin, ymax = self.bounds
        pad = 0.04 * max(xmax - xmin, ymax - ymin)
        return xmin - pad, xmax + pad, ymin - pad, ymax + pad

    def _draw_ground(self) -> None:
        xmin, xmax, ymin, ymax = self._ground_box()
        ground = pv.Plane(center=((xmin + xmax) / 2, (ymin + ymax) / 2, Z_GROUND),
                          i_size=xmax - xmin, j_size=ymax - ymin)
        self.plotter.add_mesh(ground, color=GROUND, lighting=False, name=None)

    def _draw_river(self) -> None:
        river = river_mesh(self.city)
        if river is None:
            return
        xmin, xmax, ymin, ymax = self._ground_box()
        river = river.clip_box((xmin, xmax, ymin, ymax, -1e4, 1e4), invert=False)  # stop at the ground's edge
        if river.n_cells == 0:
            return
        self.plotter.add_mesh(river, color=WATER, lighting=False)
        line = self.city.river.polyline
        mid = line[len(line) // 2]
        self.plotter.add_point_labels(
            np.array([[mid[0] + self.city.river.width_m, mid[1], 20.0]]), [self.city.river.name],
            font_size=self._pt(15), text_color="#1d4e89", shape=None, show_points=False, italic=True,
            always_visible=True)

    def _draw_buildings(self, mode: str, field: Field | None, scalar_bar: bool) -> None:
        mesh = building_mesh(self.city)
        owner = mesh.cell_data["building"]
        self.building_mesh = mesh
        if mode == "colour_by" and self.building_field is not None:
            extra = self.building_field
            mesh.cell_data["value"] = np.asarray(extra.values, dtype=float)[owner]
            second = field is not None and scalar_bar
            self.building_actor = self.plotter.add_mesh(
                mesh, scalars="value", cmap=extra.cmap, clim=extra.color_range(), nan_color=NO_DATA,
                show_scalar_bar=True, smooth_shading=False,
                scalar_bar_args=self._bar_args(f"buildings, {extra.title}", second=second))
        elif mode == "field" and field is not None and field.on == "building":
            mesh.cell_data["value"] = np.asarray(field.values, dtype=float)[owner]
            self.building_actor = self.plotter.add_mesh(
                mesh, scalars="value", cmap=field.cmap, clim=self.clim, nan_color=NO_DATA,
                show_scalar_bar=scalar_bar, scalar_bar_args=self._bar_args(field.title),
                smooth_shading=False)
        elif mode == "use":
            colors = np.array([pv.Color(USE_COLORS[u]).int_rgb for u in BUILDING_USES], np.uint8)
            mesh.cell_data["rgb"] = colors[np.asarray(self.city.buildings.use, int)[owner]]
            self.building_actor = self.plotter.add_mesh(mesh, scalars="rgb", rgb=True)
        else:
            self.building_actor = self.plotter.add_mesh(mesh, color=PLAIN_BUILDING)

    def _zone_bar_points(self, field: Field) -> np.ndarray:
        values = np.nan_to_num(np.asarray(field.zone_values, dtype=float))
        low, high = self.clim if self.clim is not None else field.color_range()
        scale = max(abs(low), abs(high)) or 1.0
        xmin, xmax, ymin, ymax = self.bounds
        tallest = 0.08 * max(xmax - xmin, ymax - ymin)
        heights = np.clip(np.abs(values) / scale, 0.0, 1.0) * tallest
        zones = self.city.zones
        return bar_points(np.asarray(zones.x, float), np.asarray(zones.y, float),
                          self._glyph_size_m(5.0), heights)

    def _draw_zone_tiles(self, field: Field, scalar_bar: bool) -> None:
        mesh, self.tile_zone = zone_tiles(self.city)
        if mesh.n_cells == 0:
            return
        mesh.cell_data["value"] = np.asarray(field.zone_values, dtype=float)[self.tile_zone]
        self.zone_tile_mesh = mesh
        self.plotter.add_mesh(mesh, scalars="value", cmap=field.cmap, clim=self.clim,
                              nan_color=GROUND, lighting=False, show_scalar_bar=scalar_bar,
                              scalar_bar_args=self._bar_args(field.title))  # no data: ground

    def _draw_zone_bars(self, field: Field) -> None:
        n = len(self.city.zones)
        mesh = pv.PolyData(self._zone_bar_points(field), faces=bar_faces(n))
        mesh.cell_data["value"] = np.repeat(np.asarray(field.zone_values, dtype=float), 5)
        self.zone_bar_mesh = mesh
        self.plotter.add_mesh(mesh, scalars="value", cmap=field.cmap, clim=self.clim,
                              nan_color=NO_DATA, show_scalar_bar=False)

    def _road_widths_px(self, field: Field | None) -> np.ndarray:
        net = self.city.network
        if field is not None and field.on == "link" and field.width is not None:
            rel = np.clip(np.nan_to_num(np.asarray(field.width, float)), 0.0, 1.0)
            return FLOW_PX[0] + (FLOW_PX[1] - FLOW_PX[0]) * np.sqrt(rel)
        return np.asarray(ROAD_CLASS_PX)[np.asarray(net.link_class, int)]

    def _road_points(self, field: Field | None) -> np.ndarray:
        net = self.city.network
        f, t = net.link_from, net.link_to
        width_m = self._road_widths_px(field) * self.metres_per_px
        return ribbon_points(net.node_x[f].astype(float), net.node_y[f].astype(float),
                             net.node_x[t].astype(float), net.node_y[t].astype(float),
                             width_m, Z_ROAD)

    def _draw_roads(self, field: Field | None, scalar_bar: bool) -> None:
        net = self.city.network
        mesh = pv.PolyData(self._road_points(field), faces=quads(net.n_links))
        self.road_mesh = mesh
        if field is not None and field.on == "link":
            mesh.cell_data["value"] = np.asarray(field.values, dtype=float)
            self.plotter.add_mesh(mesh, scalars="value", cmap=field.cmap, clim=self.clim,
                                  nan_color=NO_DATA, lighting=False, show_scalar_bar=scalar_bar,
                                  scalar_bar_args=self._bar_args(field.title))
        else:
            colors = np.array([pv.Color(c).int_rgb for c in ROAD_CLASS_COLORS], np.uint8)
            mesh.cell_data["rgb"] = colors[np.asarray(net.link_class, int)]
            self.plotter.add_mesh(mesh, scalars="rgb", rgb=True, lighting=False)

    def _glyph_size_m(self, size_px: float) -> float:
        return 1.5 * size_px * min(self.font_scale, 1.0) * self.metres_per_px

    def _draw_facilities(self) -> None:
        fac = self.city.facilities
        kinds = np.asarray(fac.kind, int)
        for group in self.groups:
            codes = [FACILITY_KINDS.index(k) for k in group.kinds]
            rows = np.flatnonzero(np.isin(kinds, codes))
            if rows.size == 0:
                continue
            size = self._glyph_size_m(group.size_px)
            centres = np.column_stack([fac.x[rows], fac.y[rows], np.full(rows.size, 2.0)])
            glyphs = pv.PolyData(centres.astype(float)).glyph(
                geom=_glyph_source(group.shape), scale=False, orient=False, factor=size)
            self.plotter.add_mesh(glyphs, color=group.color, smooth_shading=False)

    def _draw_districts(self) -> None:
        d = self.city.districts
        self.plotter.add_mesh(district_outlines(self.city), color="#4d4d4d", line_width=2.5,
                              lighting=False)
        top = float(np.max(self.city.buildings.height_m)) * 1.3 + 20.0
        xmin, xmax, _, _ = self.frame_bounds
        margin = 0.02 * (xmax - xmin)
        centres = []
        for i in range(len(d)):
            ring = d.outline(i)
            # a label starts at its point: its width in metres (a bold character is at most
            # 0.6 font sizes wide; the frame fills self.fill of the panel) stays in the frame
            width = 0.6 * len(d.label[i]) * self._pt(18) * self.metres_per_px / self.fill
            low, high = xmin + margin, xmax - width - margin
            x = float(np.clip(ring[:, 0].mean() - width / 2, low, max(low, high)))
            centres.append([x, ring[:, 1].max() - 0.12 * np.ptp(ring[:, 1]), top])
        self.label_points = np.asarray(centres, float)
        self.plotter.add_point_labels(self.label_points, list(d.label),
                                      font_size=self._pt(18),
                                      text_color=TEXT, shape_color="white", shape_opacity=0.65,
                                      show_points=False, always_visible=True, bold=True)

    def _overlay_z(self) -> float:
        return float(np.percentile(self.city.buildings.height_m, 90)) + 5.0

    def _point_cloud(self, xy: np.ndarray) -> pv.PolyData:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if len(xy) == 0:  # VTK cannot draw an empty mesh: keep one hidden point
            xy = np.array([[self.bounds[0], self.bounds[2]]])
        return pv.PolyData(np.column_stack([xy, np.full(len(xy), self._overlay_z())]))

    def _draw_point_field(self, field: Field, scalar_bar: bool) -> None:
        mesh = self._point_cloud(field.xy)
        mesh.point_data["value"] = self._point_values(field, mesh)
        self.point_field_mesh = mesh
        self.plotter.add_mesh(mesh, scalars="value", cmap=field.cmap, clim=self.clim,
                              nan_color=NO_DATA, render_points_as_spheres=True,
                              point_size=self._px(7.0),
                              lighting=False, show_scalar_bar=scalar_bar,
                              scalar_bar_args=self._bar_args(field.title))

    @staticmethod
    def _point_values(field: Field, mesh: pv.PolyData) -> np.ndarray:
        values = np.asarray(field.values, dtype=float)
        return values if len(values) == mesh.n_points else np.full(mesh.n_points, np.nan)

    def _overlay_mesh(self, overlay: Overlay) -> pv.PolyData:
        xy = np.asarray(overlay.xy, dtype=float)
        z = self._overlay_z()
        if overlay.kind == "segments":
            xy = xy.reshape(-1, 4)
            if len(xy) == 0:
                xy = np.array([[self.bounds[0], self.bounds[2]] * 2])
            ends = np.empty((2 * len(xy), 3))
            ends[0::2, :2], ends[1::2, :2], ends[:, 2] = xy[:, :2], xy[:, 2:], z
            lines = np.column_stack([np.full(len(xy), 2), np.arange(0, 2 * len(xy), 2),
                                     np.arange(1, 2 * len(xy), 2)]).ravel()
            return pv.PolyData(ends, lines=lines)
        mesh = self._point_cloud(xy)
        if overlay.values is not None:
            values = np.asarray(overlay.values, dtype=float)
            mesh.point_data["value"] = values if len(values) == mesh.n_points else np.full(
                mesh.n_points, np.nan)
        return mesh

    def _draw_overlay(self, overlay: Overlay) -> None:
        mesh = self._overlay_mesh(overlay)
        style = {"lighting": False}
        if overlay.kind == "points":
            style.update(render_points_as_spheres=True, point_size=self._px(overlay.size))
        else:
            style.update(line_width=self._px(overlay.size))
        if overlay.values is not None:
            title = f"{overlay.label} ({overlay.unit})" if overlay.unit else overlay.label
            actor = self.plotter.add_mesh(mesh, scalars="value", cmap=overlay.cmap,
                                          clim=overlay.clim, nan_color="black",
                                          show_scalar_bar=overlay.bar,
                                          scalar_bar_args=self._bar_args(title, second=True),
                                          **style)
        else:
            actor = self.plotter.add_mesh(mesh, color=overlay.color, **style)
        actor.SetVisibility(len(overlay.xy) > 0)
        self._overlay_meshes[overlay.name] = (mesh, actor)

    def _draw_legend(self, uses: bool) -> None:
        entries = [[u, USE_COLORS[u]] for u in BUILDING_USES] if uses else []
        present = set(np.asarray(self.city.facilities.kind, int).tolist())
        entries += [[g.label, g.color] for g in self.groups
                    if present & {FACILITY_KINDS.index(k) for k in g.kinds}]
        entries.append([self.city.river.name if self.city.river else "river", WATER])
        entries.append(["district boundary", "#4d4d4d"])
        field = self.view.field if self.view else None
        if field is None or field.on != "link":
            entries.append(["road, darker: major", ROAD_CLASS_COLORS[2]])
        elif field.width is not None:
            entries.append(["road width: flow", _mid_colour(field.cmap)])
        overlays = self.view.overlays if self.view else ()
        entries += [[o.label, o.color] for o in overlays
                    if o.values is None and o.label]  # an unlabelled overlay marks another
        entries += [[o.label, _mid_colour(o.cmap)] for o in overlays if o.values is not None]
        if field is not None and field.zone_values is not None:
            entries.append(["zone value: ground, column", _mid_colour(field.cmap)])
        legend = self.plotter.add_legend([[label, TEXT] for label, _ in entries], bcolor="white",
                                         border=True, size=(0.17, min(0.03 * len(entries), 0.6)),
                                         loc="upper right", face="rectangle",
                                         background_opacity=0.85)
        legend.SetPosition(0.82, 0.97 - legend.GetPosition2()[1])
        for i, (_, color) in enumerate(entries):  # symbol colours from scalars, text stays dark
            symbol = pv.Rectangle([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
            symbol.cell_data["rgb"] = np.tile(np.array(pv.Color(color).int_rgb, np.uint8),
                                              (symbol.n_cells, 1))
            legend.SetEntrySymbol(i, symbol)

    def _bar_args(self, title: str, second: bool = False) -> dict:
        if not self.legend_shown:  # panels of a comparison: a horizontal bar along the bottom
            return {"title": title, "vertical": False, "position_x": 0.2,
                    "position_y": 0.03 if not second else 0.14, "height": 0.07, "width": 0.6,
                    "title_font_size": self._pt(16), "label_font_size": self._pt(14),
                    "color": TEXT, "n_labels": 5, "fmt": "%.4g"}
        title = title.replace(" (", "\n(").replace(", ", ",\n").replace("; ", ";\n")  # narrow bar
        return {"title": title, "vertical": True, "position_x": 0.88 if not second else 0.74,
                "position_y": 0.05, "height": 0.38, "width": 0.05, "title_font_size": self._pt(16),
                "label_font_size": self._pt(14), "color": TEXT, "n_labels": 5, "fmt": "%.4g"}

    def _px(self, size: float) -> float:
        """A point or line size given for a 1000-pixel-high window, scaled to this window."""
        return max(size * self.font_scale, 1.5)

    def _pt(self, size: float) -> int:
        """A font size given for a 1000-pixel-high window, scaled to this window."""
        return max(int(round(size * self.font_scale)), 6)

    @staticmethod
    def _title_text(title: str, view: LayerView | None) -> str:
        caption = view.caption if view is not None else ""
        return "\n".join(part for part in (title, caption) if part)

    # -- camera and updates -----------------------------------------------------------------

    def set_camera(self, azimuth_deg: float = 0.0, tilt_deg: float | None = None,
                   bounds: tuple[float, float, float, float] | None = None) -> None:
        """Look at the built-up area (:func:`built_up_bounds`; or ``bounds``: xmin, xmax, ymin,
        ymax in metres) from the south (rotated by ``azimuth_deg``), tilted ``tilt_deg`` from
        the vertical: default 38, or 24 in a panel taller than 1.2 times its width would suit
        (side by side), which sees a wide city more from above and so fills more of its height."""
        if tilt_deg is None:
            tilt_deg = 38.0 if self.panel_px / self.plotter.window_size[1] >= 1.2 else 24.0
        xmin, xmax, ymin, ymax = self.frame_bounds if bounds is None else bounds
        centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2, 0.0])
        angle = np.radians(azimuth_deg)
        tilt = np.radians(tilt_deg)
        direction = np.array([np.sin(angle) * np.sin(tilt), -np.cos(angle) * np.sin(tilt),
                              np.cos(tilt)])
        camera = self.plotter.camera
        camera.focal_point = tuple(centre)
        camera.position = tuple(centre + direction * max(xmax - xmin, ymax - ymin))
        camera.up = (0.0, 0.0, 1.0)
        camera.view_angle = 30.0
        top = float(np.max(self.city.buildings.height_m))
        renderer = self.plotter.renderer
        renderer.ResetCamera(xmin, xmax, ymin, ymax, 0.0, top)
        corners = [(x, y, 0.0) for x in (xmin, xmax) for y in (ymin, ymax)]
        for _ in range(3):  # zoom until the city's corners fill the panel (perspective: iterate)
            camera.zoom(self.fill / max(self._screen_span(corners), 1e-6))
        if self.legend_shown:  # shift the city left, clear of the legend on the right
            camera.SetWindowCenter(0.2, 0.0)
        renderer.ResetCameraClippingRange()

    def _screen_span(self, points: list[tuple[float, float, float]]) -> float:
        """Largest extent of ``points`` on screen as a fraction of the panel width or height."""
        renderer = self.plotter.renderer
        xy = []
        for point in points:
            renderer.SetWorldPoint(*point, 1.0)
            renderer.WorldToView()
            xy.append(renderer.GetViewPoint()[:2])
        xy = np.asarray(xy)
        return float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1])) / 2.0)

    def set_clock(self, text: str) -> None:
        """Show ``text`` (the time of day) large under the title."""
        if self.clock_actor is None:
            box = [0.0] * 4  # the title's extent on screen (pixels): the clock goes under it
            self.title_actor.GetBoundingBox(self.plotter.renderer, box)
            height = self.plotter.renderer.GetSize()[1] or self.plotter.window_size[1]
            top = 0.975 - (box[3] - box[2] + 12) / height
            self.clock_actor = self.plotter.add_text(text, position=(0.015, top), viewport=True,
                                                     font_size=self._pt(26), color=TEXT)
            self.clock_actor.GetTextProperty().SetVerticalJustificationToTop()
            _backdrop(self.clock_actor)
        else:
            self.clock_actor.SetInput(text)

    def update(self, view: LayerView) -> None:
        """Show another moment of the same layer: new values and overlays, same actors."""
        field = view.field
        if field is not None and field.on == "link":
            self.road_mesh.points = self._road_points(field)
            self.road_mesh.cell_data["value"] = np.asarray(field.values, dtype=float)
        elif field is not None and field.on == "building" and self.building_field is None:
            owner = self.building_mesh.cell_data["building"]
            self.building_mesh.cell_data["value"] = np.asarray(field.values, dtype=float)[owner]
            if field.zone_values is not None and hasattr(self, "zone_tile_mesh"):
                self.zone_tile_mesh.cell_data["value"] = np.asarray(
                    field.zone_values, dtype=float)[self.tile_zone]
            if field.zone_values is not None and hasattr(self, "zone_bar_mesh"):
                self.zone_bar_mesh.points = self._zone_bar_points(field)
                self.zone_bar_mesh.cell_data["value"] = np.repeat(
                    np.asarray(field.zone_values, dtype=float), 5)
        elif field is not None and field.on == "point":
            mesh = self._point_cloud(field.xy)
            mesh.point_data["value"] = self._point_values(field, mesh)
            self.point_field_mesh.copy_from(mesh)
        for overlay in view.overlays:
            if overlay.name not in self._overlay_meshes:
                continue
            mesh, actor = self._overlay_meshes[overlay.name]
            mesh.copy_from(self._overlay_mesh(overlay))
            actor.SetVisibility(len(overlay.xy) > 0)
        self.title_actor.SetInput(self._title_text(self.title, view))
        self.view = view

    def set_scale(self, bounds: tuple[float, float, float, float]) -> None:
        """Size the roads for a camera framing ``bounds`` (xmin, xmax, ymin, ymax, metres), so a
        district or bridge close-up keeps roads a few pixels wide instead of the whole city's
        ribbons seen from near. Glyphs, bars and labels keep their city-scale sizes. A close-up
        (under 40 % of the built-up area across) outlines the buildings' edges, so roofs and
        walls read as blocks."""
        xmin, xmax, ymin, ymax = bounds
        self.metres_per_px = max(xmax - xmin, ymax - ymin) / self.panel_px
        self.road_mesh.points = self._road_points(self.view.field if self.view is not None else None)
        fx0, fx1, fy0, fy1 = self.frame_bounds
        close = bool(max(xmax - xmin, ymax - ymin) < 0.4 * max(fx1 - fx0, fy1 - fy0))
        prop = self.building_actor.GetProperty()
        prop.SetEdgeVisibility(close)
        prop.SetEdgeColor(0.35, 0.33, 0.3)
        prop.SetLineWidth(1.0)


def new_plotter(size: tuple[int, int] = (1600, 1000), *, panels: int = 1,
                off_screen: bool = True) -> pv.Plotter:
    """A plotter of ``size`` pixels (width, height) with ``panels`` side by side."""
    plotter = pv.Plotter(off_screen=off_screen, window_size=list(size), shape=(1, panels),
                         border=panels > 1, border_color="#9a9a9a")
    plotter.enable_anti_aliasing("msaa", multi_samples=4)
    return plotter


def render_city(city: City, view: LayerView | None = None, *, title: str = "",
                size: tuple[int, int] = (1600, 1000), off_screen: bool = True,
                buildings: str | None = None,
                building_field: Field | None = None) -> tuple[pv.Plotter, CityScene]:
    """One city (with a layer view, and buildings coloured by ``building_field`` when given) in
    a new plotter; returns the plotter and the scene."""
    plotter = new_plotter(size, off_screen=off_screen)
    scene = CityScene(plotter, city, view, title=title, buildings=buildings,
                      building_field=building_field)
    return plotter, scene
