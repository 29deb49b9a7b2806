"""pyvista 3D views of a city and its runs: pictures, videos and HTML for presenters.

The second import package of the citytwin distribution. Layout, one idea per file:

- :mod:`viz.layers`: run-folder tables -> :class:`LayerView` (a field and overlays), no drawing;
- :mod:`viz.registry`: the layers by name; plug-ins add theirs with :func:`register_layer`;
- :mod:`viz.scene`: the city scene (merged building mesh, road ribbons, glyphs, districts);
- :mod:`viz.compare`: two runs side by side on a common colour scale, and their difference;
- :mod:`viz.animate`: the operating day as MP4 or GIF, with a clock, optional camera orbit;
- :mod:`viz.export`: PNG, the static HTML page of key moments, window, and the run picture;
- :mod:`viz.present`: ``twin present``, the local web viewer (trame, server-side rendering);
- :mod:`viz.cli`: ``twin view`` and ``twin present``.

Headless machines have no X display; VTK's default window then fails to open. On Linux VTK can
render off-screen through EGL instead, so when no display is set we ask for the EGL window
before pyvista (and with it VTK) is imported. ``setdefault`` leaves a user's own choice alone.
"""

from __future__ import annotations

import os
import sys

if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                              or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

from twin._lazy import export_lazily  # noqa: E402

export_lazily(__name__, {
    "viz.export": ("check_output", "render_run_picture", "save_html", "save_png"),
    "viz.layers": ("Field", "LayerView", "Overlay", "RunTables", "frame_times", "layer_view"),
    "viz.registry": ("LAYERS", "register_layer"),
    "viz.scene": ("CityScene", "building_mesh", "new_plotter", "render_city"),
})

__all__ = [
    "LAYERS",
    "CityScene",
    "Field",
    "LayerView",
    "Overlay",
    "RunTables",
    "building_mesh",
    "check_output",
    "frame_times",
    "layer_view",
    "new_plotter",
    "register_layer",
    "render_city",
    "render_run_picture",
    "save_html",
    "save_png",
]
