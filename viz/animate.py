"""The operating day as a video: MP4 (imageio-ffmpeg, H.264) or GIF, with a clock label.

The scene is built once; each frame changes only the values and overlay points of the meshes
already drawn (:meth:`viz.scene.CityScene.update`), renders off-screen and hands the pixels to
the video writer. Two runs give a side-by-side video with linked cameras and one colour scale
fixed over the whole video. The population layer changes by year, so its frames are years.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import imageio.v2 as imageio
import numpy as np

from twin.errors import TwinInputError
from viz.compare import check_same_city, common_clim, render_side_by_side
from viz.export import check_output
from viz.layers import (
    LAYERS,
    LayerView,
    RunTables,
    clock,
    frame_times,
    layer_view,
    population_years,
    run_labels,
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
            step_s: float) -> tuple[list[str], list[list[LayerView]]]:
    """Clock labels and, per frame, one view per run."""
    if layer == "population":
        years = np.unique(np.concatenate([population_years(r) for r in runs]))
        labels = [str(int(y)) for y in years]
        views = [[layer_view(r, layer, year=int(y)) for r in runs] for y in years]
        return labels, views
    times = np.unique(np.concatenate([frame_times(r, layer, year=year, step_s=step_s)
                                      for r in runs]))
    if times.size == 0:
        raise TwinInputError(f"{runs[0].where}: the {layer} layer has no time samples to animate")
    views = [[layer_view(r, layer, time_s=float(t), year=year, quantity=quantity) for r in runs]
             for t in times]
    return [clock(t) for t in times], views


def write_animation(runs: list[RunTables], layer: str, path: str | Path, *,
                    size: tuple[int, int] = (1920, 1080), fps: float = 8.0,
                    orbit_deg: float = 0.0, year: int | None = None,
                    quantity: str = "speed_ratio", step_s: float = 900.0,
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
    labels, views = _frames(runs, layer, year, quantity, step_s)
    clim = common_clim([v.field for frame in views for v in frame])
    city = runs[0].city
    if len(runs) == 2:
        plotter, scenes = render_side_by_side(city, views[0], run_labels(runs), size=size,
                                              clim=clim)
    else:
        plotter = new_plotter(size)
        scenes = [CityScene(plotter, city, views[0][0], title=runs[0].name, clim=clim)]
    if not antialias:
        plotter.disable_anti_aliasing()
    if path.suffix.lower() == ".gif":
        writer = imageio.get_writer(path, mode="I", duration=1000.0 / fps, loop=0)
    else:
        writer = imageio.get_writer(path, fps=fps, codec="libx264", quality=7,
                                    macro_block_size=2, ffmpeg_log_level="error")
    start = time.perf_counter()
    try:
        for k, (label, frame) in enumerate(zip(labels, views, strict=True)):
            for i, (scene, view) in enumerate(zip(scenes, frame, strict=True)):
                plotter.subplot(0, i)
                scene.update(view)
                scene.set_clock(label)
            if orbit_deg:
                scenes[0].set_camera(azimuth_deg=orbit_deg * k / max(len(labels) - 1, 1))
            plotter.render()
            writer.append_data(plotter.screenshot(return_img=True))
    except OSError as exc:
        raise TwinInputError(f"{path}: cannot write the video ({exc})") from None
    finally:
        writer.close()
        plotter.close()
    return AnimationStats(path, len(labels), time.perf_counter() - start)
