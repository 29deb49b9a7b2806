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
    right = frames[12][:, 250:].astype(float)  # the colour bar: the saturated pixels right of the city
    rows, cols = np.nonzero(right.max(axis=-1) - right.min(axis=-1) > 60)
    bar = right[rows.min() + 2:rows.max() - 1, int(np.median(cols))]  # its middle column, top down
    distance = np.linalg.norm(bar[:, None, :] - lut[None, :, :], axis=-1).min(axis=1)
    assert distance.max() < 10.0  # the bar keeps the legend's colours
    assert np.linalg.norm(bar[0] - bar[-1]) > 150  # and spans the map (green top, red bottom)
