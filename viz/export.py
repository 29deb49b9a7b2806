"""Export: PNG at a chosen size, interactive HTML, an interactive window; the run picture.

PNG and video are rendered off-screen (VTK's EGL window when there is no display, see
``viz/__init__.py``). HTML goes through trame (``plotter.trame.export_html``, the path pyvista
0.49 recommends over the deprecated ``Plotter.export_html``): one self-contained file that
opens in a browser with no server; it needs the ``html`` extra (trame-pyvista, nest-asyncio2).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyvista as pv

from twin.city import City
from twin.errors import TwinInputError
from twin.extras import require_extra
from viz.layers import RunTables, traffic_view
from viz.scene import render_city

OUTPUT_SUFFIXES = {"png": (".png",), "mp4": (".mp4", ".gif"), "html": (".html", ".htm")}


def check_output(path: str | Path, kind: str) -> Path:
    """``path`` if a ``kind`` file can be written there; a one-line error otherwise."""
    path = Path(path)
    suffixes = OUTPUT_SUFFIXES[kind]
    if path.suffix.lower() not in suffixes:
        raise TwinInputError(f"{path}: --{kind} wants a file ending in {' or '.join(suffixes)}")
    if path.is_dir():
        raise TwinInputError(f"{path}: is a folder; give a file name")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise TwinInputError(f"{path}: cannot write there, folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise TwinInputError(f"{path}: cannot write there (permission denied)")
    return path


def parse_size(text: str) -> tuple[int, int]:
    """"WxH" (for example 1920x1080) as (width, height) pixels; a one-line error otherwise."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise TwinInputError(f"--size {text!r}: expected WIDTHxHEIGHT, for example 1920x1080") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise TwinInputError(f"--size {text!r}: width and height must be between 16 and 8192")
    return width, height


def save_png(plotter: pv.Plotter, path: str | Path) -> Path:
    """Render ``plotter`` off-screen into a PNG of the plotter's window size."""
    path = check_output(path, "png")
    try:
        plotter.screenshot(str(path), return_img=False)
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot write the picture ({exc})") from None
    return path


def save_html(plotter: pv.Plotter, path: str | Path) -> Path:
    """Write ``plotter`` as a self-contained interactive HTML file (trame, no server)."""
    path = check_output(path, "html")
    require_extra("trame_pyvista", "html", "twin view --html")  # registers plotter.trame
    try:
        plotter.trame.export_html(str(path))
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot write the HTML file ({exc})") from None
    return path


def has_display() -> bool:
    """Whether an interactive window can open (an X11 or Wayland display is set)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def render_run_picture(city: City, path: str | Path, *, title: str = "",
                       state: dict | None = None, size: tuple[int, int] = (1600, 1000)) -> Path:
    """The default picture of a run (``city.png`` in every run folder).

    Buildings coloured by use and roads by class; when the run has traffic (``link_state``),
    roads are coloured by speed ratio and widened by flow instead, over plain buildings.
    """
    tables = RunTables(state=state or {}, name=title or city.name, city=city)
    view = traffic_view(tables) if tables.has("state", "link_state") else None
    lines = [title or city.label] + ([f"{city.label}, end of run"] if view is None and title else [])
    plotter, _ = render_city(city, view, title="\n".join(lines), size=size)
    try:
        return save_png(plotter, path)
    finally:
        plotter.close()
