"""A baseline scenario runs end to end on a city imported from the pyrosm sample extract."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pyrosm = pytest.importorskip("pyrosm")

from twin.cli import main  # noqa: E402
from twin.registry import module_classes  # noqa: E402

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent


def test_quick_scenario_runs_on_the_imported_sample(tmp_path, capsys):
    city_dir = tmp_path / "sample_city"
    assert main(["city", "import", pyrosm.get_data("test_pbf"), "--out", str(city_dir),
                 "--facilities", str(DATA / "city_import_facilities.geojson")]) == 0
    # the testville quick scenario, with every module section it has, moved onto the sample
    quick = (ROOT / "scenarios" / "testville_quick.toml").read_text()
    modules = [k for k in tomllib.loads(quick) if k not in ("scenario", "indicators", "output")]
    scenario = tmp_path / "sample_quick.toml"
    scenario.write_text(quick.replace('city = "testville"', 'city = "sample_city"')
                        .replace('name = "testville_quick"', 'name = "sample_quick"'))
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet", "--no-picture"]) == 0
    capsys.readouterr()
    indicators = pd.read_parquet(out / "indicators.parquet")
    domains = {module_classes()[m].domain for m in modules}
    finite = indicators[np.isfinite(indicators.value)]
    assert domains <= set(finite.domain)  # every module reported numbers on the imported city
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["city"]["name"] == "test" and manifest["city"]["links"] == 469
