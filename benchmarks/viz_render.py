"""Benchmark the 3D viewer: scene build and render at 1920x1080, and animation frames per second.

Cities: the Hezhou seed city (36,163 buildings) and a synthetic city of 100,000 buildings (the
Hezhou footprints tiled with offsets, so footprints, heights and uses are realistic). The layer
tables are the synthetic contract tables of :mod:`viz.synthetic`.

Run: ``python benchmarks/viz_render.py`` (prints a Markdown table for docs/performance.md).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

from twin.city import City  # noqa: E402
from twin.city.buildings import Buildings  # noqa: E402
from viz import CityScene, RunTables, layer_view, new_plotter  # noqa: E402
from viz.animate import write_animation  # noqa: E402
from viz.synthetic import synthetic_tables  # noqa: E402

SIZE = (1920, 1080)


def tiled_city(city: City, n_buildings: int) -> City:
    """``city`` with its buildings copied (shifted by a few metres) up to ``n_buildings``."""
    b = city.buildings
    copies = -(-n_buildings // len(b))
    rows = np.arange(copies * len(b))[:n_buildings]
    source = rows % len(b)
    shift = (rows // len(b)) * 7.0
    counts = np.diff(b.footprint_start)[source]
    start = np.concatenate([[0], np.cumsum(counts)])
    vertex = np.concatenate([np.arange(b.footprint_start[i], b.footprint_start[i + 1])
                             for i in source])
    xy = b.footprint_xy[vertex] + np.repeat(shift, counts)[:, None]
    buildings = Buildings(
        x=b.x[source] + shift, y=b.y[source] + shift, height_m=b.height_m[source],
        use=b.use[source], zone=b.zone[source], node=b.node[source],
        residents=b.residents[source], jobs=b.jobs[source], footprint_start=start,
        footprint_xy=xy)
    return dataclasses.replace(city, buildings=buildings, name=f"{city.name}-x{n_buildings}")


def time_scene(city: City, view, repeats: int = 3) -> tuple[float, float]:
    """Median seconds to build the scene and to render the first frame."""
    build, render = [], []
    for _ in range(repeats):
        plotter = new_plotter(SIZE)
        start = time.perf_counter()
        CityScene(plotter, city, view, title=city.name)
        build.append(time.perf_counter() - start)
        start = time.perf_counter()
        plotter.screenshot(return_img=True)
        render.append(time.perf_counter() - start)
        plotter.close()
    return float(np.median(build)), float(np.median(render))


def main() -> None:
    hezhou = City.from_seed("hezhou")
    big = tiled_city(hezhou, 100_000)
    rows = []
    for city in (hezhou, big):
        state, series = synthetic_tables(city, seed=1)
        run = RunTables(state=state, timeseries=series, name="bench", city=city)
        for label, view in (("city by use", None),
                            ("traffic layer", layer_view(run, "traffic"))):
            build, render = time_scene(city, view)
            rows.append(f"| {city.name} ({len(city.buildings):,} buildings), {label} "
                        f"| {build:.2f} s | {render:.2f} s |")
    state, series = synthetic_tables(hezhou, seed=1)
    run = RunTables(state=state, timeseries=series, name="bench", city=hezhou)
    with tempfile.TemporaryDirectory() as tmp:
        stats = write_animation([run], "traffic", Path(tmp) / "day.mp4", size=SIZE)
        two = write_animation([run, run], "traffic", Path(tmp) / "two.mp4", size=SIZE)
        orbit = write_animation([run], "traffic", Path(tmp) / "orbit.mp4", size=SIZE, orbit_deg=90)
        smooth = write_animation([run], "traffic", Path(tmp) / "aa.mp4", size=SIZE, antialias=True)
    print(f"load: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("| scene at 1920x1080 | build | first render |")
    print("|---|---|---|")
    print("\n".join(rows))
    print(f"\nanimation, Hezhou traffic, 1920x1080 MP4, {stats.frames} frames, frames/s:")
    for label, result in (("one run", stats), ("two runs side by side", two),
                          ("one run, 90 degree orbit", orbit),
                          ("one run, anti-aliased (4x MSAA)", smooth)):
        print(f"- {label}: {result.frames_per_s:.2f}")


if __name__ == "__main__":
    main()
