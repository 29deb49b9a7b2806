"""Rendered pictures of the test city: size, not blank, known colours, reference image, HTML."""

from __future__ import annotations

import re
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pandas as pd
import pytest

from viz import building_mesh, render_city, render_run_picture, save_html, save_png
from viz.layers import Field, LayerView, RunTables, layer_view
from viz.scene import ribbon_points
from viz.synthetic import synthetic_tables

REFERENCE = Path(__file__).parent / "data" / "viz_reference_testville.png"
RED_AT_ZERO = np.array([165, 0, 38])  # matplotlib RdYlGn at 0.0
GREEN_AT_ONE = np.array([0, 104, 55])  # matplotlib RdYlGn at 1.0


def near(image: np.ndarray, rgb: np.ndarray, tol: float = 20.0) -> int:
    """Pixels within ``tol`` (euclidean, 0-255 scale) of colour ``rgb``."""
    return int((np.linalg.norm(image[..., :3].astype(float) - rgb, axis=-1) < tol).sum())


def test_building_mesh_is_one_mesh_with_roofs_of_the_footprint_area(testville):
    b = testville.buildings
    mesh = building_mesh(testville)
    n_vertices = len(b.footprint_xy)
    assert mesh.n_cells == len(b) + n_vertices  # one roof per building, one wall per edge
    assert mesh.bounds[5] == pytest.approx(float(b.height_m.max()))
    roofs = mesh.extract_cells(np.arange(len(b))).compute_cell_sizes(length=False, volume=False)
    assert np.allclose(roofs.cell_data["Area"], b.footprint_area_m2, rtol=1e-9)
    roof_z = mesh.points[n_vertices:, 2]
    owner = np.repeat(np.arange(len(b)), np.diff(b.footprint_start))
    assert np.array_equal(roof_z, b.height_m[owner].astype(float))


def test_ribbons_lie_on_the_right_of_the_direction_of_travel():
    east = ribbon_points(np.array([0.0]), np.array([0.0]), np.array([10.0]), np.array([0.0]),
                         np.array([2.0]), 1.0)
    assert east[:, 1].min() == pytest.approx(-2.0) and east[:, 1].max() == 0.0
    west = ribbon_points(np.array([10.0]), np.array([0.0]), np.array([0.0]), np.array([0.0]),
                         np.array([2.0]), 1.0)
    assert west[:, 1].max() == pytest.approx(2.0) and west[:, 1].min() == 0.0


def test_picture_has_the_requested_size_and_is_not_blank(tmp_path, testville):
    path = render_run_picture(testville, tmp_path / "city.png", title="testville", size=(480, 300))
    image = imageio.imread(path)
    assert image.shape[:2] == (300, 480)
    assert image[..., :3].std() > 20
    colours = np.unique(image[..., :3].reshape(-1, 3), axis=0)
    assert len(colours) > 200


def test_known_traffic_state_is_drawn_in_its_colour(testville):
    n = testville.network.n_links
    pictures = {}
    for ratio in (0.0, 1.0):
        field = Field("link", np.full(n, ratio), "speed ratio", "ratio", "RdYlGn", (0.0, 1.0),
                      width=np.ones(n))
        plotter, _ = render_city(testville, LayerView("traffic", "", field), size=(640, 400))
        image = plotter.screenshot(return_img=True)
        plotter.close()
        pictures[ratio] = image[:, : int(0.85 * image.shape[1])]  # the city, not the colour bar
    assert near(pictures[0.0], RED_AT_ZERO) > 1000
    assert near(pictures[0.0], GREEN_AT_ONE) < 50
    assert near(pictures[1.0], GREEN_AT_ONE) > 1000
    assert near(pictures[1.0], RED_AT_ZERO) < 50


def test_plain_city_matches_the_stored_reference_image(testville):
    plotter, _ = render_city(testville, title="testville", size=(400, 250))
    image = plotter.screenshot(return_img=True)
    plotter.close()
    reference = imageio.imread(REFERENCE)[..., :3]
    assert image.shape == reference.shape
    assert np.abs(image.astype(float) - reference).mean() < 6.0  # different GL drivers blend edges


def test_every_layer_renders_from_synthetic_tables(testville, tmp_path):
    state, series = synthetic_tables(testville, seed=3)
    run = RunTables(state=state, timeseries=series, name="synthetic", city=testville)
    for layer in ("traffic", "emergency", "waste", "population"):
        plotter, _ = render_city(testville, layer_view(run, layer, time_s=3 * 3600.0),
                                 title=layer, size=(320, 200))
        image = imageio.imread(save_png(plotter, tmp_path / f"{layer}.png"))
        plotter.close()
        assert image.shape[:2] == (200, 320) and image[..., :3].std() > 20


def test_html_export_writes_a_self_contained_page(tmp_path, testville):
    plotter, _ = render_city(testville, title="Testville plain", size=(320, 200))
    path = save_html(plotter, tmp_path / "city.html", title="Testville plain")
    plotter.close()
    text = path.read_text()
    assert "<title>Testville plain</title>" in text and text.count("data:image/png;base64,") == 1
    assert not re.search(r"(src|href)=\"(?!data:)", text)  # nothing to fetch


def test_run_picture_draws_the_traffic_state_when_the_run_has_one(tmp_path, testville):
    n = testville.network.n_links
    jammed = pd.DataFrame({"link": np.arange(n), "flow_veh": 100.0, "mean_speed_mps": 0.0,
                           "speed_ratio": 0.0, "max_queue_veh": 5.0})
    path = render_run_picture(testville, tmp_path / "city.png", title="jammed",
                              state={"link_state": jammed}, size=(640, 400))
    image = imageio.imread(path)[:, : int(0.85 * 640)]
    assert near(image, RED_AT_ZERO) > 1000


def test_static_page_moments_are_the_key_hours_of_a_day():
    from viz.export import key_times

    day = key_times(np.arange(0.0, 86400.0, 900.0))
    assert day == [("night 03:00", 10800.0), ("AM peak 08:00", 28800.0), ("midday 12:30", 45000.0),
                   ("PM peak 17:30", 63000.0)]
    quarter_day = key_times(np.arange(0.0, 6 * 3600.0, 900.0))  # too short for the key hours
    assert [t for _, t in quarter_day] == [0.0, 7200.0, 13500.0, 20700.0]
    assert key_times(np.zeros(0)) == []


def test_a_layer_draws_only_the_facilities_it_needs(testville):
    from viz.scene import FACILITY_GROUPS

    state, series = synthetic_tables(testville, seed=1)
    run = RunTables(state=state, timeseries=series, name="synthetic", city=testville)
    drawn = {}
    for layer in ("emergency", "traffic", None):
        view = None if layer is None else layer_view(run, layer, time_s=3600.0)
        plotter, scene = render_city(testville, view, size=(160, 100))
        plotter.close()
        drawn[layer] = [g.label for g in scene.groups]
    assert drawn["emergency"] == ["hospital", "ambulance base", "fire station", "police station"]
    assert drawn["traffic"] == [] and drawn[None] == [g.label for g in FACILITY_GROUPS]
