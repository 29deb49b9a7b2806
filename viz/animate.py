"""The operating day as a video: MP4 (imageio-ffmpeg, H.264) or GIF, with a clock label.

The scene is built once; each frame changes only the values and overlay points of the meshes
already drawn (:meth:`viz.scene.CityScene.update`), renders off-screen and hands the pixels to
the video writer. Two runs give a side-by-side video with linked cameras and one colour scale
fixed over the whole video. The population layer changes by year, so its frames are years.
:func:`write_story` is the presenter's preset: a flight over the city at the peak hour, then
the difference of two runs at that hour.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import imageio.v2 as imageio
import imageio_ffmpeg
import matplotlib
import numpy as np
from PIL import Image

from twin.errors import TwinInputError
from viz.compare import (
    check_same_city,
    common_clim,
    common_year,
    policy_overlays,
    render_difference,
    render_side_by_side,
    with_overlays,
)
from viz.export import check_output
from viz.layers import (
    LAYERS,
    LayerView,
    RunTables,
    busiest_time,
    clock,
    frame_times,
    layer_view,
    population_years,
    run_labels,
    thin,
    traffic_view,
)
from viz.scene import CityScene, new_plotter


@dataclasses.dataclass(frozen=True)
class AnimationStats:
    """What was written: the file, frames, seconds spent rendering and writing, frames/s."""

    path: Path
    frames: int
    seconds: float

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


def _frames(runs: list[RunTables], layer: str, year: int | None, quantity: str,
            step_s: float, every_s: float = 0.0) -> tuple[list[str], Callable[[int], list[LayerView]]]:
    """Clock labels and a function giving frame k's views (one per run), made when drawn so a
    long video never holds every frame's arrays at once."""
    if layer == "population":
        years = np.unique(np.concatenate([population_years(r) for r in runs]))
        return ([str(int(y)) for y in years],
                lambda k: [layer_view(r, layer, year=int(years[k])) for r in runs])
    times = thin(np.unique(np.concatenate([frame_times(r, layer, year=year, step_s=step_s)
                                           for r in runs])), every_s)
    if times.size == 0:
        raise TwinInputError(f"{runs[0].where}: the {layer} layer has no time samples to animate")
    return ([clock(t, runs[0].warmup_s) for t in times],
            lambda k: [layer_view(r, layer, time_s=float(times[k]), year=year, quantity=quantity)
                       for r in runs])


def video_clim(count: int, views_at: Callable[[int], list[LayerView]],
               first: list[LayerView]) -> tuple[float, float] | None:
    """One colour range for the whole video: the field's fixed range, or the union over every
    frame (views made one frame at a time and dropped)."""
    if first[0].field is None or first[0].field.clim is not None:
        return common_clim([v.field for v in first])
    ranges = [common_clim([v.field for v in (first if k == 0 else views_at(k))]) for k in range(count)]
    finite = np.array([r for r in ranges if r is not None], dtype=float)
    if first[0].field.diverging:
        top = float(np.abs(finite).max())
        return (-top, top)
    return float(finite[:, 0].min()), float(finite[:, 1].max())


def video_palette(views: list[LayerView], frame: np.ndarray, colours: int = 128) -> np.ndarray:
    """The 256 colours (256, 3) of a GIF: ``colours`` evenly spaced along the colour map of the
    views' field (and of overlays coloured by value), so the roads, bins and colour bar keep the
    legend's colours, and the rest median-cut colours of the first ``frame`` (background,
    ground, buildings, text)."""
    maps = []
    for view in views:
        if view.field is not None:
            maps.append(view.field.cmap)
        maps += [o.cmap for o in view.overlays if o.values is not None]
    maps = list(dict.fromkeys(maps))
    ramp = [np.asarray(matplotlib.colormaps[m](np.linspace(0.0, 1.0, colours // max(len(maps), 1)))
                       [:, :3] * 255).round() for m in maps]
    ramp = np.concatenate(ramp) if ramp else np.zeros((0, 3))
    rest = 256 - len(ramp)
    image = Image.fromarray(np.ascontiguousarray(frame[..., :3], dtype=np.uint8))
    scene = image.quantize(colors=rest, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    used = np.asarray(scene.getpalette()[:3 * rest], dtype=float).reshape(-1, 3)
    palette = np.zeros((256, 3))
    palette[:len(ramp)], palette[len(ramp):len(ramp) + len(used)] = ramp, used
    return palette.astype(np.uint8)


class GifWriter:
    """A GIF written frame by frame through ffmpeg with one palette for every frame (no
    dithering): frames are streamed to ffmpeg as they come, so memory does not grow with the
    video's length, and a colour keeps its palette entry, hence its legend colour, all along."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, palette: np.ndarray) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="twin-gif-")
        palette_png = Path(self._folder.name) / "palette.png"
        Image.fromarray(palette.reshape(16, 16, 3)).save(palette_png)
        graph = f"movie={palette_png.as_posix()}[p];[0:v][p]paletteuse=dither=none"
        self._frames = imageio_ffmpeg.write_frames(
            str(path), size, fps=fps, codec="gif", pix_fmt_out="pal8", quality=None,
            macro_block_size=1, ffmpeg_log_level="error",
            output_params=["-lavfi", graph, "-loop", "0"])
        self._frames.send(None)

    def append_data(self, frame: np.ndarray) -> None:
        """Add one (h, w, 3) picture."""
        self._frames.send(np.ascontiguousarray(frame[..., :3], dtype=np.uint8))

    def close(self) -> None:
        """Finish the file."""
        try:
            self._frames.close()
        finally:
            self._folder.cleanup()


def write_animation(runs: list[RunTables], layer: str, path: str | Path, *,
                    size: tuple[int, int] = (1920, 1080), fps: float = 8.0,
                    orbit_deg: float = 0.0, year: int | None = None,
                    quantity: str = "speed_ratio", step_s: float = 900.0, every_s: float = 0.0,
                    antialias: bool = False) -> AnimationStats:
    """Write ``layer`` of one run (or two side by side) over the day to an MP4 or GIF file.

    Args:
        runs: one or two runs of the same city.
        layer: one of :data:`viz.layers.LAYERS`.
        path: output file, ``.mp4`` (H.264) or ``.gif``.
        size: frame size in pixels (width, height); MP4 wants both even.
        fps: frames per second of the video (each frame is one sample time of the layer).
        orbit_deg: turn the camera this many degrees around the city over the whole video.
        year: year of the multi-year run to show (default: the last).
        quantity: traffic link quantity (see :data:`viz.layers.TRAFFIC_QUANTITIES`).
        step_s: time between frames where the layer has no sampling of its own (seconds).
        every_s: at least this many seconds of the day between two frames (0: every sample),
            for a short video or a small GIF.
        antialias: smooth edges (4x multi-sampling) as pictures do; off by default because on a
            software renderer (Mesa llvmpipe, headless machines) it makes each Hezhou frame
            about ten times slower (2.2 s instead of 0.2 s at 1920x1080).
    """
    if layer not in LAYERS:
        raise TwinInputError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    if not 1 <= len(runs) <= 2:
        raise TwinInputError("an animation shows one run or two runs side by side")
    if fps <= 0:
        raise TwinInputError(f"--fps must be > 0, got {fps}")
    path = check_output(path, "mp4")
    if path.suffix.lower() == ".mp4" and (size[0] % 2 or size[1] % 2):
        raise TwinInputError(f"--size {size[0]}x{size[1]}: an MP4 needs an even width and height")
    if len(runs) == 2:
        check_same_city(*runs)
    labels, views_at = _frames(runs, layer, year, quantity, step_s, every_s)
    first = views_at(0)
    clim = video_clim(len(labels), views_at, first)
    city = runs[0].city
    if len(runs) == 2:
        plotter, scenes = render_side_by_side(city, first, run_labels(runs), size=size, clim=clim)
    else:
        plotter = new_plotter(size)
        scenes = [CityScene(plotter, city, first[0], title=runs[0].name, clim=clim)]
    if not antialias:
        plotter.disable_anti_aliasing()
    writer = None
    start = time.perf_counter()
    try:
        for k, label in enumerate(labels):
            for i, (scene, view) in enumerate(zip(scenes, first if k == 0 else views_at(k),
                                                  strict=True)):
                plotter.subplot(0, i)
                scene.update(view)
                scene.set_clock(label)
            if orbit_deg:
                scenes[0].set_camera(azimuth_deg=orbit_deg * k / max(len(labels) - 1, 1))
            plotter.render()
            frame = plotter.screenshot(return_img=True)
            if writer is None:
                writer = (GifWriter(path, size, fps, video_palette(first, frame))
                          if path.suffix.lower() == ".gif" else _mp4_writer(path, fps))
            writer.append_data(frame)
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot write the video ({exc})") from None
    finally:
        if writer is not None:
            writer.close()
        plotter.close()
    return AnimationStats(path, len(labels), time.perf_counter() - start)


def _mp4_writer(path: Path, fps: float):
    """An H.264 writer (imageio-ffmpeg) that streams each frame to ffmpeg."""
    return imageio.get_writer(path, fps=fps, codec="libx264", quality=7, macro_block_size=2,
                              ffmpeg_log_level="error")


def write_story(runs: list[RunTables], path: str | Path, *, size: tuple[int, int] = (1920, 1080),
                fps: float = 8.0, year: int | None = None, fly_s: float = 5.0,
                hold_s: float = 4.0) -> AnimationStats:
    """The presenter's story as an MP4: a flight over the city at the peak hour of run A (its
    traffic, what its policy changed drawn), then A minus B at that hour (which colour is
    better said in the title), turning slowly; with one run, its peak hour again from above.

    Args:
        runs: one run, or two of the same city (A, the policy; B, the base it is compared with).
        path: the ``.mp4`` file.
        size: frame size in pixels (width, height), both even.
        fps: frames per second.
        year: the year shown (default: the last year both runs hold).
        fly_s, hold_s: seconds of the flight and of the difference.
    """
    if not 1 <= len(runs) <= 2:
        raise TwinInputError("a story shows one run, or two runs and their difference")
    if fps <= 0:
        raise TwinInputError(f"--fps must be > 0, got {fps}")
    path = check_output(path, "mp4")
    if path.suffix.lower() != ".mp4":
        raise TwinInputError(f"{path}: --story writes an MP4 video (a file ending in .mp4)")
    if size[0] % 2 or size[1] % 2:
        raise TwinInputError(f"--size {size[0]}x{size[1]}: an MP4 needs an even width and height")
    if len(runs) == 2:
        check_same_city(*runs)
        year = common_year(runs) if year is None else year
    peak = busiest_time(runs[0], year)
    views = [traffic_view(r, time_s=peak, year=year) for r in runs]
    names, overlays, city = run_labels(runs), policy_overlays(runs), runs[0].city
    n_fly, n_hold = max(int(round(fly_s * fps)), 2), max(int(round(hold_s * fps)), 1)
    writer = _mp4_writer(path, fps)
    start = time.perf_counter()
    try:
        plotter = new_plotter(size)
        scene = CityScene(plotter, city, with_overlays(views[0], overlays[0]), title=names[0])
        plotter.disable_anti_aliasing()
        try:
            scene.set_clock(f"peak hour {clock(peak, runs[0].warmup_s)}")
            for k in range(n_fly):  # from high above and to the south-west, down and round
                t = k / (n_fly - 1)
                scene.set_camera(azimuth_deg=-40.0 + 60.0 * t, tilt_deg=20.0 + 30.0 * t)
                plotter.camera.zoom(1.0 + 0.35 * np.sin(np.pi * t))
                plotter.render()
                writer.append_data(plotter.screenshot(return_img=True))
        finally:
            plotter.close()
        if len(runs) == 2:
            plotter, scene = render_difference(city, views[0], views[1], names[0], names[1],
                                               size=size, overlays=sum(overlays, ()))
        else:
            plotter = new_plotter(size)
            scene = CityScene(plotter, city, with_overlays(views[0], overlays[0]), title=names[0])
        plotter.disable_anti_aliasing()
        try:
            scene.set_clock(clock(peak, runs[0].warmup_s))
            for k in range(n_hold):
                scene.set_camera(azimuth_deg=20.0 * k / max(n_hold - 1, 1))
                plotter.render()
                writer.append_data(plotter.screenshot(return_img=True))
        finally:
            plotter.close()
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot write the video ({exc})") from None
    finally:
        writer.close()
    return AnimationStats(path, n_fly + n_hold, time.perf_counter() - start)
