"""Stills and videos that tell a story (issue 16 items 3-5): what a policy changed drawn on the
map, framing on the built-up area, videos in the legend's colours with bounded memory."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageSequence

from twin.cli import main
from viz.synthetic import write_synthetic_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A busy and a calm synthetic Testville run; the calm one's scenario scales the bridge's
    capacity, adds an ambulance station and has a surge with a hazard circle."""
    root = tmp_path_factory.mktemp("story_runs")
    a = write_synthetic_run("testville", root / "a", seed=1, congestion=1.0, name="busy")
    b = write_synthetic_run("testville", root / "b", seed=2, congestion=0.3, name="calm")
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["scenario"]["traffic"] = {"capacity_factor": {"Test Bridge": 0.5}}
    manifest["scenario"]["emergency"] = {
        "stations": [{"name": "North EMS", "unit_kind": "ambulance", "x": 100.0, "y": 200.0}],
        "surge": [{"start_h": 1.0, "end_h": 3.0, "circle": [0.0, 0.0, 300.0], "polygon": []}]}
    (b / "manifest.json").write_text(json.dumps(manifest))
    return a, b


def near(image: np.ndarray, rgb: str, tol: float = 20.0) -> int:
    """Pixels of ``image`` within ``tol`` (euclidean, 0-255) of colour ``rgb`` ("#rrggbb")."""
    target = np.array([int(rgb[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return int((np.linalg.norm(image[..., :3].astype(float) - target, axis=-1) < tol).sum())


def test_gif_frames_use_one_palette_holding_the_legend_colours(runs, tmp_path):
    out = tmp_path / "day.gif"
    assert main(["view", str(runs[0]), "--layer", "traffic", "--mp4", str(out),
                 "--size", "320x200"]) == 0
    gif = Image.open(out)
    frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
    assert len(frames) == 24 and frames[0].shape == (200, 320, 3)
    colours = np.unique(np.concatenate([f.reshape(-1, 3) for f in frames]), axis=0)
    assert len(colours) <= 256  # one palette for the whole video
    lut = matplotlib.colormaps["RdYlGn"](np.linspace(0.0, 1.0, 256))[:, :3] * 255
    right = frames[12][100:, 250:].astype(float)  # the bar: saturated pixels right of the city,
    # below the legend
    rows, cols = np.nonzero(right.max(axis=-1) - right.min(axis=-1) > 60)
    bar = right[rows.min() + 2:rows.max() - 1, int(np.median(cols))]  # its middle column, top down
    distance = np.linalg.norm(bar[:, None, :] - lut[None, :, :], axis=-1).min(axis=1)
    assert distance.max() < 10.0  # the bar keeps the legend's colours
    assert np.linalg.norm(bar[0] - bar[-1]) > 150  # and spans the map (green top, red bottom)


def label_extents(plotter, scene, panel: int) -> list[tuple[float, float, float, float]]:
    """Each district label's text extent on screen (left, right, panel left, panel right, in
    pixels), measured by VTK's text renderer at the label's font size from its projected point
    (where a point label starts)."""
    from vtkmodules.vtkRenderingCore import vtkTextProperty, vtkTextRenderer

    renderer = plotter.renderers[panel]
    width = plotter.window_size[0]
    view = renderer.GetViewport()
    prop = vtkTextProperty()
    prop.SetFontSize(scene._pt(18))
    prop.SetBold(True)
    extents = []
    for point, text in zip(scene.label_points, scene.city.districts.label, strict=True):
        renderer.SetWorldPoint(*point, 1.0)
        renderer.WorldToDisplay()
        x = renderer.GetDisplayPoint()[0]
        box = [0, 0, 0, 0]
        vtkTextRenderer().GetBoundingBox(prop, text, box, 72)
        extents.append((x, x + box[1] - box[0], view[0] * width, view[2] * width))  # starts at x
    return extents


@pytest.mark.parametrize("city, size", [("testville", (480, 300)), ("hezhou", (1920, 1080))])
def test_side_by_side_district_labels_lie_inside_their_panels(city, size, request):
    from viz.compare import render_side_by_side

    plotter, scenes = render_side_by_side(request.getfixturevalue(city), [None, None],
                                          ["A: a", "B: b"], size=size)
    try:
        plotter.render()
        for k, scene in enumerate(scenes):
            for left, right, low, high in label_extents(plotter, scene, k):
                assert low <= left and right <= high, (k, left, right, low, high)
    finally:
        plotter.close()


def test_difference_draws_capacity_roads_new_stations_and_hazard_areas(runs, tmp_path):
    from viz.compare import policy_overlays
    from viz.layers import RunTables

    labels = [[o.label for o in run if o.label] for run in policy_overlays([RunTables(r) for r in runs])]
    assert labels == [[], ["capacity in B: Test Bridge x0.5", "new station in B: North EMS",
                           "hazard area in B"]]
    out = tmp_path / "diff.png"
    assert main(["view", *map(str, runs), "--layer", "traffic", "--diff", "--png", str(out),
                 "--size", "800x500"]) == 0
    image = np.asarray(Image.open(out).convert("RGB"))
    city = image[:, : int(0.8 * image.shape[1])]  # left of the legend and the colour bar
    for colour in ("#ff8c00", "#8b0000", "#1f5fd0"):  # capacity, station, hazard outline
        assert near(city, colour, tol=12.0) > 30, colour


@pytest.mark.parametrize("city", ["testville", "hezhou"])
def test_whole_city_camera_frames_the_built_up_area(city, request):
    from viz import render_city
    from viz.scene import USE_COLORS

    plotter, _ = render_city(request.getfixturevalue(city), size=(800, 500))
    image = plotter.screenshot(return_img=True)
    plotter.close()
    city = image[:, : int(0.8 * image.shape[1])]  # the legend takes the right fifth
    mask = np.zeros(city.shape[:2], bool)
    for colour in USE_COLORS.values():
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
        mask |= np.linalg.norm(city.astype(float) - target, axis=-1) < 40
    cols = np.flatnonzero(mask.any(axis=0))
    assert (cols[-1] - cols[0]) / city.shape[1] > 0.85  # at most 15 % empty across


def test_focus_frames_one_district(runs, tmp_path):
    whole, focus = tmp_path / "whole.png", tmp_path / "focus.png"
    for out, extra in ((whole, []), (focus, ["--focus", "New Town"])):
        assert main(["view", str(runs[0]), "--png", str(out), "--size", "400x250", *extra]) == 0
    a = np.asarray(Image.open(whole).convert("RGB")).astype(float)
    b = np.asarray(Image.open(focus).convert("RGB")).astype(float)
    assert np.abs(a - b).mean() > 10  # a different picture: the district fills it


def test_story_flies_over_the_city_then_shows_the_difference_at_the_peak(runs, tmp_path):
    import imageio.v2 as imageio

    out = tmp_path / "story.mp4"
    assert main(["view", *map(str, runs), "--story", str(out), "--size", "320x200"]) == 0
    frames = [f for f in imageio.get_reader(out, format="FFMPEG")]
    assert len(frames) == 72  # 5 s of flight and 4 s of difference at 8 frames/s
    first, middle, last = (frames[k].astype(float) for k in (0, 20, 60))
    assert np.abs(first - middle).mean() > 5  # the camera moves
    blue = near(frames[60], "#2166ac", tol=60.0) + near(frames[60], "#b2182b", tol=60.0)
    assert blue > near(frames[0], "#2166ac", tol=60.0) + 100  # the diverging difference map


def test_colour_by_colours_the_buildings_by_a_zone_value(runs, tmp_path):
    plain, coloured = tmp_path / "plain.png", tmp_path / "coloured.png"
    for out, extra in ((plain, []), (coloured, ["--colour-by", "waste_fill"])):
        assert main(["view", str(runs[0]), "--layer", "traffic", "--png", str(out),
                     "--size", "400x250", *extra]) == 0
    a = np.asarray(Image.open(plain).convert("RGB"))[:, :300]
    b = np.asarray(Image.open(coloured).convert("RGB"))[:, :300]
    lut = matplotlib.colormaps["YlOrRd"](np.linspace(0.3, 1.0, 8))[:, :3] * 255
    hexes = ["#" + "".join(f"{int(v):02x}" for v in c) for c in lut]
    hits = [near(b, h, tol=25.0) - near(a, h, tol=25.0) for h in hexes]
    assert sum(hits) > 200  # buildings now in the fill colour map's oranges and reds
