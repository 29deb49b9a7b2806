"""Export: PNG at a chosen size, a static HTML page, an interactive window; the run picture.

PNG and video are rendered off-screen (VTK's EGL window when there is no display, see
``viz/__init__.py``). The HTML page is static and self-contained: the same pictures as ``--png``
(titles, labels, legends, colour bars, scenario names, all drawn by VTK) at a few key moments
of the day, embedded as palette PNGs (256 colours: the scenes are flat colours, so a picture
is a few hundred kB), with a time control (buttons, a slider, arrow keys) in a few lines of
inline script. It loads nothing from anywhere: no server, no outside host, no WebGL. The 3D
interactive view is ``twin present`` (:mod:`viz.present`).
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyvista as pv
from PIL import Image

from twin.city import City
from twin.errors import TwinInputError
from viz.compare import (
    common_year,
    difference_meaning,
    policy_overlays,
    render_difference,
    render_side_by_side,
    with_overlays,
)
from viz.layers import (
    Field,
    LayerView,
    Overlay,
    RunTables,
    clock,
    frame_times,
    layer_view,
    run_labels,
    traffic_view,
)
from viz.scene import render_city

KEY_HOURS = (("night", 3.0), ("AM peak", 8.0), ("midday", 12.5), ("PM peak", 17.5))
"""The moments (label, hour of the day) a static page of a day-long layer shows."""

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


def render_views(city: City, views: list[LayerView | None], names: list[str], *, diff: bool = False,
                 size: tuple[int, int], off_screen: bool = True,
                 overlays: list[tuple[Overlay, ...]] | None = None,
                 focus: tuple[float, float, float, float] | None = None,
                 building_field: Field | None = None) -> pv.Plotter:
    """The picture of one run's view, two runs side by side, or (``diff``) A minus B, with
    ``overlays`` (per run: what its policy changed, :func:`viz.compare.policy_overlays`) on the
    run's panel, or all of them on the difference; ``focus`` (xmin, xmax, ymin, ymax, metres:
    a district or bridge of :func:`viz.present.camera_presets`) frames that instead of the
    built-up area, roads narrowed to a few pixels there; ``building_field`` (one run) colours
    its buildings (``--colour-by``)."""
    overlays = overlays or [() for _ in views]
    if diff:
        plotter, scene = render_difference(city, views[0], views[1], names[0], names[1], size=size,
                                           off_screen=off_screen, overlays=sum(overlays, ()))
        scenes = [scene]
    elif len(views) == 2:  # panels have no legend: the overlays' labels join the captions
        views = [with_overlays(v, o, caption=True) for v, o in zip(views, overlays, strict=True)]
        plotter, scenes = render_side_by_side(city, views, [f"A: {names[0]}", f"B: {names[1]}"],
                                              size=size, off_screen=off_screen)
    else:
        plotter, scene = render_city(city, with_overlays(views[0], overlays[0]), title=names[0],
                                     size=size, off_screen=off_screen, building_field=building_field)
        scenes = [scene]
    if focus is not None:
        for k, scene in enumerate(scenes):
            plotter.subplot(0, k)
            scene.set_scale(focus)
        plotter.subplot(0, 0)
        scenes[0].set_camera(bounds=focus)
    return plotter


def palette_png(rgb: np.ndarray) -> bytes:
    """An RGB picture (h, w, 3) as a 256-colour palette PNG: median-cut colours, no dithering,
    so flat colours stay flat (a maximum-coverage palette merged the ground with the sky in a
    colourful zone picture: mean error 4.5 units against 0.6); a third to a sixth of the bytes
    of a full-colour PNG."""
    image = Image.fromarray(np.ascontiguousarray(rgb[..., :3], dtype=np.uint8))
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def png_bytes(plotter: pv.Plotter) -> bytes:
    """The plotter's picture as a palette PNG (:func:`palette_png`)."""
    return palette_png(plotter.screenshot(return_img=True))


def key_times(times: np.ndarray, warmup_s: float = 0.0) -> list[tuple[str, float]]:
    """The moments (label, seconds) a static page shows of a layer sampled at ``times``.

    A layer covering most of a day (18 h or more) shows :data:`KEY_HOURS` of the first recorded
    day (``warmup_s`` s after the period start; the sample at or before each); a shorter period
    shows four samples spread evenly over it. Labels count from the first recorded day
    (:func:`viz.layers.clock`).
    """
    times = np.unique(np.asarray(times, dtype=float))
    if times.size == 0:
        return []
    if times[-1] - times[0] >= 18 * 3600.0:
        picks = [(label, times[max(int(np.searchsorted(times, warmup_s + hour * 3600.0,
                                                        side="right")) - 1, 0)])
                 for label, hour in KEY_HOURS]
    else:
        index = np.unique(np.linspace(0, times.size - 1, min(4, times.size)).round().astype(int))
        picks = [("", times[i]) for i in index]
    return [(f"{label} {clock(t, warmup_s)}".strip(), float(t)) for label, t in picks]


def html_page(title: str, states: Sequence[tuple[str, bytes]], notes: Sequence[str] = (),
              kpis: pd.DataFrame | None = None) -> str:
    """A self-contained page: ``title``, ``notes`` (one paragraph each), one picture per state
    (label, PNG bytes) with buttons, a slider and the arrow keys to step between them, and the
    headline indicators ``kpis`` (from :func:`viz.present.headline_kpis`) as a table."""
    from viz.present import format_value

    pictures = "\n".join(
        f'<img class="state" id="state-{k}" alt="{html.escape(label)}" style="display:none" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        for k, (label, png) in enumerate(states))
    buttons = "".join(f'<button type="button" data-k="{k}">{html.escape(label)}</button>'
                      for k, (label, _) in enumerate(states))
    paragraphs = "".join(f"<p>{html.escape(note)}</p>" for note in notes)
    table = ""
    if kpis is not None:
        columns = [c for c in kpis.columns if c not in ("domain", "indicator", "unit")]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in ["indicator (unit)", *columns])
        rows = "".join(
            f"<tr><td>{html.escape(f'{r.domain}: {r.indicator} ({r.unit})')}</td>"
            + "".join(f"<td>{format_value(float(kpis.at[i, c]))}</td>" for c in columns) + "</tr>"
            for i, r in kpis.iterrows())
        table = (f'<h2 style="font-size:1.1em">Headline indicators ({int(kpis.attrs["year"])})</h2>'
                 f'<table id="kpis"><tr>{head}</tr>{rows}</table>')
    control = "" if len(states) < 2 else (
        f'<div class="control"><input type="range" id="time" min="0" max="{len(states) - 1}" '
        f'value="0" step="1"> {buttons}</div>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<style>body{{font-family:sans-serif;margin:1em;color:#1e1e1e}} img{{max-width:100%}}
button{{margin:0 .2em;padding:.3em .7em}} button.on{{background:#24364b;color:#fff}}
.control{{margin:.5em 0}} p{{margin:.2em 0}} td,th{{padding:.1em .6em;text-align:right}}
td:first-child,th:first-child{{text-align:left}}</style></head>
<body><h1 style="font-size:1.4em">{html.escape(title)}</h1>{paragraphs}{control}
{pictures}
{table}
<script>
const pictures = document.querySelectorAll("img.state"), buttons = document.querySelectorAll("button"),
  slider = document.getElementById("time");
function show(k) {{
  k = (k + pictures.length) % pictures.length;
  pictures.forEach((p, i) => p.style.display = i === k ? "block" : "none");
  buttons.forEach((b, i) => b.className = i === k ? "on" : "");
  if (slider) slider.value = k;
  window.shown = k;
}}
buttons.forEach(b => b.onclick = () => show(+b.dataset.k));
if (slider) slider.oninput = () => show(+slider.value);
document.onkeydown = e => {{ if (e.key === "ArrowRight") show(window.shown + 1);
  if (e.key === "ArrowLeft") show(window.shown - 1); }};
show(0);
</script></body></html>
"""


def save_html(plotter: pv.Plotter, path: str | Path, *, title: str = "CityTwin") -> Path:
    """Write ``plotter``'s picture as a self-contained HTML page titled ``title``."""
    path = check_output(path, "html")
    return _write_text(path, html_page(title, [("", png_bytes(plotter))]))


def write_html(runs: list[RunTables], layer: str | None, path: str | Path, *,
               time_s: float | None = None, year: int | None = None, quantity: str = "speed_ratio",
               diff: bool = False, size: tuple[int, int] = (1600, 1000)) -> tuple[Path, int]:
    """A static page of ``layer`` of one run (or two side by side, or their difference).

    The states are the key moments of the day (:func:`key_times`), or ``time_s`` alone, or one
    state for the plain city, the population layer and layers without a time of day. Returns
    the file and the number of states.
    """
    from viz.present import headline_kpis

    path = check_output(path, "html")
    names = run_labels(runs)
    overlays = policy_overlays(runs)
    if year is None and len(runs) == 2:
        year = common_year(runs)
    if layer is None or layer == "population" or time_s is not None:
        moments = [("", time_s)]
    else:
        times = np.unique(np.concatenate([frame_times(r, layer, year=year) for r in runs]))
        moments = key_times(times, runs[0].warmup_s) or [("", None)]
    states = []
    for label, t in moments:
        views = [None if layer is None else layer_view(r, layer, time_s=t, year=year, quantity=quantity)
                 for r in runs]
        plotter = render_views(runs[0].city, views, names, diff=diff, size=size, overlays=overlays)
        try:
            states.append((label or (views[0].caption if views[0] is not None else names[0]),
                           png_bytes(plotter)))
        finally:
            plotter.close()
    what = layer or "city"
    title = f"CityTwin - {' vs '.join(names)} - {what}" + (f" {year}" if year is not None else "")
    notes = [f"Run{'s' if len(runs) > 1 else ''}: " + "; ".join(
        f"{'AB'[k] + ' = ' if len(runs) > 1 else ''}{name} ({r.where})"
        for k, (name, r) in enumerate(zip(names, runs, strict=True)))]
    if diff and views[0] is not None and views[0].field is not None:
        notes.append(f"Difference A minus B: {difference_meaning(views[0].field)}; white where "
                     "they are equal.")
    return _write_text(path, html_page(title, states, notes, headline_kpis(runs, names, year))), len(states)


def _write_text(path: Path, text: str) -> Path:
    try:
        path.write_text(text, encoding="utf-8")
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
