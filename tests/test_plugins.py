"""Plug-ins (twin/plugins.py, docs/extending.md): the example package examples/citytwin-air,
installed by scripts/setup.sh with its entry point, runs, sweeps on a real 2-worker Dask cluster
and views with the stock ``twin`` command; the registration APIs keep their promises.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from test_startup import imported_by
from test_sweep_dask_cluster import scheduler  # noqa: F401  (the 2-worker cluster fixture)

import twin
import viz
from twin import registry
from twin.cli import main
from twin.errors import TwinInputError
from viz import registry as layers

AIR = ROOT / "examples" / "citytwin-air" / "scenarios" / "testville_air.toml"


@pytest.fixture(scope="module")
def air_run(tmp_path_factory) -> Path:
    """``twin run`` of the plug-in's testville scenario (it names the plug-in)."""
    out = tmp_path_factory.mktemp("air") / "run"
    assert main(["run", str(AIR), "--out", str(out), "--quiet", "--no-picture"]) == 0
    return out


def test_the_example_plugin_is_installed_with_its_entry_point():
    found = importlib.metadata.entry_points(group="citytwin.modules")
    assert ("air", "citytwin_air") in {(ep.name, ep.value) for ep in found}


def test_twin_run_runs_the_plugin_module_fed_by_traffic(air_run):
    manifest = json.loads((air_run / "manifest.json").read_text())
    assert manifest["scenario"]["scenario"]["plugins"] == ["citytwin_air"]
    assert manifest["modules"] == ["traffic", "air"]  # registered after traffic
    table = pd.read_csv(air_run / "indicators.csv", keep_default_na=False)
    air = table[table.domain == "environment"].set_index("indicator")
    assert set(air.index) == {"mean_concentration_ugm3", "residents_above_limit_pct"}
    assert set(air.better) == {"lower"} and (air.low == "").all()  # not scored by the index
    series = pd.read_parquet(air_run / "timeseries" / "air_quality.parquet")
    assert len(np.unique(series.time_s)) == 6 * 4 - 1  # every 15 min of the quarter day, not t = 0
    background = 15.0
    assert (series.concentration_ugm3 >= background).all()
    assert (series.concentration_ugm3 > background).any()  # the traffic's emissions reached it


def test_the_box_model_concentration_follows_flow_and_congestion(testville):
    """One link's emissions, by hand: flow x length x factor, into its zone's box."""
    from citytwin_air.config import AirConfig
    from citytwin_air.module import AirModule

    from twin.engine import TwinModel

    class Traffic(twin.Module):  # the module checks that traffic runs beside it
        name = "traffic"

    module = AirModule(AirConfig())
    model = TwinModel(testville, [Traffic(None), module])
    module.setup(model)
    net, cfg = testville.network, module.config
    flow = np.zeros(net.n_links)
    flow[0] = 1800.0
    free = net.link_free_speed_mps * 3.6
    zone = module.link_zone[0]
    width = np.sqrt(testville.zones.area_m2[zone])
    grams_per_s = 1800.0 / 3600.0 * net.link_length_m[0] / 1000.0 * cfg.nox_g_per_veh_km
    expected = cfg.background_ugm3 + grams_per_s * 1e6 / (cfg.wind_mps * cfg.mixing_height_m * width)
    at_free = module.concentration(model, flow, free)
    assert at_free[zone] == pytest.approx(expected, rel=1e-12)
    assert np.delete(at_free, zone) == pytest.approx(cfg.background_ugm3)
    crawling = module.concentration(model, flow, free / 4.0)  # 4x slower: 4 ** 0.5 = 2x the emissions
    assert crawling[zone] - cfg.background_ugm3 == pytest.approx(2.0 * (expected - cfg.background_ugm3))


def test_twin_view_draws_the_plugin_layer_off_screen(air_run, tmp_path, capsys):
    out = tmp_path / "air.png"
    assert main(["view", str(air_run), "--layer", "air_quality", "--time", "01:10", "--png", str(out),
                 "--size", "400x300"]) == 0
    assert "picture:" in capsys.readouterr().out
    from PIL import Image

    pixels = np.asarray(Image.open(out).convert("RGB"))
    assert pixels.shape == (300, 400, 3) and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20
    view = viz.layer_view(viz.RunTables(air_run), "air_quality", time_s=4000.0)
    assert view.caption.startswith("air quality at 01:00")  # the sample at or before 01:06:40
    assert viz.frame_times(viz.RunTables(air_run), "air_quality").size == 23


def test_the_entry_point_loads_the_plugin_without_a_plugins_key(tmp_path):
    """A fresh process: the scenario names no plug-in, the installed entry point supplies [air];
    ``twin --help`` imports no plug-in (entry points load on first need)."""
    path = tmp_path / "s.toml"
    path.write_text(AIR.read_text().replace('plugins = ["citytwin_air"]', ""))
    done = subprocess.run([sys.executable, "-m", "twin.cli", "validate", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "modules: traffic, air" in done.stdout
    code, packages = imported_by("--help")
    assert code == 0 and "citytwin_air" not in packages


def test_twin_sweep_runs_the_plugin_on_a_two_worker_dask_cluster(tmp_path, scheduler, capsys):  # noqa: F811
    """The workers (separate ``dask worker`` processes) import the plug-in before building the
    model: its key is swept, and a stiller air gives higher concentrations in every run pair."""
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'[sweep]\nname = "air"\nbase = "{AIR}"\ndesign = "full_factorial"\nlevels = 2\n'
                     'replicates = 1\n[[levers]]\nkey = "air.wind_mps"\nlow = 1.0\nhigh = 4.0\n')
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out"), "--scheduler", scheduler,
                 "--quiet"]) == 0
    assert "2 runs (0 failed)" in capsys.readouterr().out
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    mean = results[results.indicator == "mean_concentration_ugm3"]
    assert len(mean) == 2 and set(mean.better) == {"lower"}
    values = mean.sort_values("air.wind_mps").value.to_numpy()
    assert values[0] > values[1] > 15.0  # 1 m/s of wind, then 4 m/s: excess falls as 1 / wind


@pytest.fixture
def clean_registry():
    """The registries as they are, restored in place after the test (registrations are
    process-wide and other modules hold the same dicts)."""
    tables = (registry.MODULES, registry.CONFIGS, registry.DOMAINS, layers.LAYERS, layers.FRAME_TIMES)
    saved = [dict(table) for table in tables]
    yield
    for table, content in zip(tables, saved, strict=True):
        table.clear()
        table.update(content)


def test_register_module_orders_the_steps_and_refuses_clashes(clean_registry):
    twin.register_module("noise", "pkg.noise:Noise", "pkg.noise:NoiseConfig", domain="environment",
                         before="traffic")
    twin.register_module("late", "pkg.late:Late", "pkg.late:LateConfig", domain="late")
    order = list(registry.MODULES)
    assert order.index("noise") == order.index("traffic") - 1 and order[-1] == "late"
    assert list(registry.CONFIGS) == order and list(registry.DOMAINS) == order
    twin.register_module("late", "pkg.late:Late", "pkg.late:LateConfig", domain="late")  # again: no-op
    with pytest.raises(TwinInputError, match=r"section \[late\] is already registered to pkg.late:Late"):
        twin.register_module("late", "pkg.other:Late", "pkg.late:LateConfig", domain="late")
    with pytest.raises(TwinInputError, match=r"\[traffic\] is already registered"):
        twin.register_module("traffic", "pkg.t:T", "pkg.t:TConfig", domain="traffic")
    with pytest.raises(TwinInputError, match=r"\[scenario\] is reserved"):
        twin.register_module("scenario", "pkg.t:T", "pkg.t:TConfig", domain="x")
    with pytest.raises(TwinInputError, match="after='trafic' names no section"):
        twin.register_module("x", "pkg.t:T", "pkg.t:TConfig", domain="x", after="trafic")
    with pytest.raises(TwinInputError, match="not a Python identifier"):
        twin.register_module("my-air", "pkg.t:T", "pkg.t:TConfig", domain="x")


def test_a_module_class_must_carry_its_section_and_domain(clean_registry):
    class Wrong(twin.Module):
        name = "wrong_name"
        domain = "environment"

    twin.register_module("right", Wrong, object, domain="environment")
    with pytest.raises(TwinInputError, match=r"must be 'right' and 'environment', got 'wrong_name'"):
        registry.module_classes()


def test_register_layer_adds_a_twin_view_layer_and_refuses_clashes(clean_registry):
    def view(run, *, time_s, year):
        return viz.LayerView("mine", "mine")

    viz.register_layer("mine", view)
    viz.register_layer("mine", view)  # again: no-op
    assert list(viz.LAYERS)[-1] == "mine" and viz.layer_view(None, "mine").caption == "mine"
    with pytest.raises(TwinInputError, match="layer 'traffic' is already registered"):
        viz.register_layer("traffic", view)
    with pytest.raises(TwinInputError, match="expected letters, digits"):
        viz.register_layer("my layer", view)


def test_docs_extending_shows_the_examples_the_tests_run():
    """Each code block marked ``<!-- example: FILE -->`` in docs/extending.md is that file, which
    tests/test_docs_examples.py runs."""
    text = (ROOT / "docs" / "extending.md").read_text()
    marked = re.findall(r"<!-- example: (\S+) -->\n```python\n(.*?)```", text, flags=re.S)
    assert {"docs/examples/extending_register_module.py", "docs/examples/extending_register_layer.py"} <= {
        name for name, _ in marked}
    for name, block in marked:
        assert block == (ROOT / name).read_text(), name


def test_the_scenario_reference_documents_plugin_sections_only_when_asked():
    """docs/scenarios.md documents the built-in sections whatever is installed; ``--plugins``
    adds the installed plug-ins' sections."""
    from twin.scenario.reference import reference_markdown

    assert "## [air]" not in reference_markdown()
    with_plugins = reference_markdown(plugins=[])
    assert "## [air]" in with_plugins and "| `air.wind_mps` | number | `3.0` | m/s |" in with_plugins
