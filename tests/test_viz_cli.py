"""``twin view``: pictures, side by side, difference, video, HTML; bad input exits 2 in one line."""

from __future__ import annotations

import json
import os
import re

import imageio.v2 as imageio
import pytest

from twin.cli import main
from viz.synthetic import write_synthetic_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("viz_runs")
    a = write_synthetic_run("testville", root / "a", seed=1, congestion=1.0, name="busy")
    b = write_synthetic_run("testville", root / "b", seed=2, congestion=0.3, name="calm")
    return a, b


def view(*args: str) -> int:
    return main(["view", *map(str, args)])


def test_view_png_at_a_time_has_the_requested_size(runs, tmp_path):
    out = tmp_path / "traffic.png"
    assert view(runs[0], "--layer", "traffic", "--time", "04:30", "--png", out,
                "--size", "400x240") == 0
    assert imageio.imread(out).shape[:2] == (240, 400)


def test_view_two_runs_side_by_side_and_difference(runs, tmp_path):
    side = tmp_path / "side.png"
    assert view(*runs, "--layer", "waste", "--png", side, "--size", "480x200") == 0
    assert imageio.imread(side).shape[:2] == (200, 480)
    diff = tmp_path / "diff.png"
    assert view(*runs, "--layer", "traffic", "--diff", "--png", diff, "--size", "320x200") == 0
    assert imageio.imread(diff)[..., :3].std() > 20


def test_view_mp4_has_one_frame_per_sample_time(runs, tmp_path):
    out = tmp_path / "day.mp4"
    assert view(runs[0], "--layer", "traffic", "--mp4", out, "--size", "160x96", "--orbit", "30") == 0
    frames = [frame for frame in imageio.get_reader(out, format="FFMPEG")]  # its len() is inf
    assert len(frames) == 24 and frames[0].shape == (96, 160, 3)  # 6 h of 15-minute intervals


def test_view_html_is_a_static_page_of_key_moments(runs, tmp_path):
    out = tmp_path / "ab.html"
    assert view(*runs, "--layer", "traffic", "--html", out, "--size", "480x200") == 0
    text = out.read_text()
    assert "<title>CityTwin - busy vs calm - traffic 2026</title>" in text and "A = busy" in text
    assert text.count('class="state"') == 4  # four moments spread over the 6-hour period
    assert not re.findall(r"https?://", text)  # no outside host, not even in a comment


@pytest.mark.parametrize("args, message", [
    (["--layer", "noise", "--png", "x.png"], "unknown layer; layers: traffic, emergency"),
    (["--layer", "traffic", "--time", "25:99", "--png", "x.png"], "--time '25:99'"),
    (["--png", "x.png", "--size", "big"], "--size 'big'"),
    (["--png", "x.jpg"], "wants a file ending in .png"),
    (["--png", "/no/such/folder/x.png"], "does not exist"),
    (["--layer", "traffic", "--mp4", "x.mp4", "--time", "08:00"], "a video shows the whole day"),
])
def test_view_bad_input_is_one_line_and_exit_2(runs, args, message, capsys):
    assert view(runs[0], *args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_view_missing_table_names_the_run_and_the_layer(runs, tmp_path, capsys):
    folder = write_synthetic_run("testville", tmp_path / "no_waste")
    (folder / "state" / "bins.parquet").unlink()
    assert view(folder, "--layer", "waste", "--png", tmp_path / "w.png") == 2
    err = capsys.readouterr().err
    assert f"{folder}: the waste layer needs state/bins.parquet" in err and err.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_view_unwritable_folder_exits_2(runs, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert view(runs[0], "--png", locked / "x.png") == 2
    finally:
        locked.chmod(0o700)
    assert "cannot write there" in capsys.readouterr().err


def test_view_refuses_runs_of_different_cities(runs, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    manifest = json.loads((runs[1] / "manifest.json").read_text())
    manifest["inputs"]["city"] = "another-city-hash"
    (other / "manifest.json").write_text(json.dumps(manifest))
    assert view(runs[0], other, "--png", tmp_path / "x.png") == 2
    assert "different cities" in capsys.readouterr().err


def test_twin_run_writes_a_real_city_picture(quick_scenario, tmp_path):
    from twin.scenario import run

    result = run(quick_scenario, tmp_path / "run", picture=True)
    assert not result.manifest["notes"]
    image = imageio.imread(result.path / "city.png")
    assert image.shape[:2] == (1000, 1600) and image[..., :3].std() > 20
