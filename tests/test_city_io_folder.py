"""Saved city folders: exact round trips, bad folders, and scenarios that run on a folder."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from twin.city.io import load_city_folder, save_city_folder
from twin.city.io.folder import PARTS, city_arrays
from twin.cli import main
from twin.errors import TwinInputError


def assert_same_city(a, b) -> None:
    arrays_a, names_a = city_arrays(a)
    arrays_b, names_b = city_arrays(b)
    assert arrays_a.keys() == arrays_b.keys() and names_a == names_b
    for key, value in arrays_a.items():
        assert value.dtype == arrays_b[key].dtype, key
        np.testing.assert_array_equal(value, arrays_b[key], err_msg=key)
    assert (a.name, a.label, a.source_hash) == (b.name, b.label, b.source_hash)
    assert (a.river is None) == (b.river is None)
    if a.river is not None:
        assert (a.river.name, a.river.width_m) == (b.river.name, b.river.width_m)
    assert a.info() == b.info()


@pytest.mark.parametrize("seed", ["testville", "hezhou"])
def test_round_trip_is_exact(seed, request, tmp_path):
    city = request.getfixturevalue(seed)
    save_city_folder(city, tmp_path / seed)
    loaded = load_city_folder(tmp_path / seed)
    assert_same_city(city, loaded)
    # every array field of every part is stored (nothing forgotten when the City grows)
    n_fields = sum(isinstance(getattr(getattr(city, p), f.name), np.ndarray)
                   for p in PARTS for f in dataclasses.fields(getattr(city, p)))
    assert len(city_arrays(city)[0]) == n_fields + (city.river is not None)
    assert not loaded.network.link_length_m.flags.writeable


def test_existing_folder_is_refused_unless_forced(testville, tmp_path):
    save_city_folder(testville, tmp_path / "c")
    with pytest.raises(TwinInputError, match="exists"):
        save_city_folder(testville, tmp_path / "c")
    save_city_folder(testville, tmp_path / "c", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: (d / "city.json").unlink(), "not a city folder"),
    (lambda d: (d / "city.json").write_text("{"), "city.json: damaged city header"),
    (lambda d: (d / "city.json").write_text(json.dumps({"format": "x"})), "format must be"),
    (lambda d: (d / "arrays.npz").write_bytes(b"junk"), "arrays.npz: damaged city arrays"),
    (lambda d: (d / "arrays.npz").write_bytes((d / "arrays.npz").read_bytes()[:5000]),
     "arrays.npz: damaged city arrays .*twin city import OSM_FILE --out .* --force"),
    (lambda d: (d / "arrays.npz").write_bytes(b""), "arrays.npz: damaged city arrays"),
])
def test_bad_folders_give_one_line_errors(testville, tmp_path, change, message, capsys):
    save_city_folder(testville, tmp_path / "c")
    change(tmp_path / "c")
    with pytest.raises(TwinInputError, match=message):
        load_city_folder(tmp_path / "c")
    assert main(["city", "info", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin: error:") and err.count("\n") == 1


def test_city_info_of_a_folder_matches_the_seed(testville, tmp_path, capsys):
    save_city_folder(testville, tmp_path / "tv")
    assert main(["city", "info", str(tmp_path / "tv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(testville.info()))


def test_scenario_runs_on_a_city_folder(testville, tmp_path, capsys):
    """`twin run` on a scenario whose city is a folder (relative to the scenario file)."""
    save_city_folder(testville, tmp_path / "cities" / "tv")
    scenario = tmp_path / "on_folder.toml"
    scenario.write_text('[scenario]\nname = "on_folder"\ncity = "cities/tv"\nseed = 3\n'
                        'horizon_years = 1\nperiod_days = 0.25\n\n[access]\nthreshold_min = 5.0\n')
    assert main(["run", str(scenario), "--out", str(tmp_path / "run"), "--quiet", "--no-picture"]) == 0
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["inputs"]["city"] == testville.source_hash
    assert manifest["city"]["links"] == testville.network.n_links
