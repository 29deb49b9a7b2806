"""Scenario inheritance (``extends``): merge rules, chains, cycles, provenance in errors, the
`twin validate` difference, and the shipped Hezhou policies as the baseline plus their policy keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

from twin.cli import main
from twin.config import merge_tables
from twin.errors import ScenarioError
from twin.scenario.spec import load_scenario, scenario_diff

SCENARIOS = ROOT / "scenarios"

PARENT = """[scenario]
name = "parent"
city = "testville"
horizon_years = 1
period_days = 0.05

[output]
picture = false

[access]
threshold_min = 5.0

[emergency]
units_per_station = { ambulance = 2, fire_engine = 2, police_car = 2, utility_crew = 1 }
surge = [{ start_h = 0.1, end_h = 0.2, rate_multiplier = 2.0 }]
"""


def write(tmp_path, **files: str):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_merge_child_wins_tables_merge_arrays_replace():
    parent = {"a": {"x": 1, "y": {"p": 1, "q": 2}, "list": [1, 2, 3]}, "b": 5}
    child = {"a": {"y": {"q": 9}, "list": [7]}, "c": {"z": 1}}
    assert merge_tables(parent, child) == {
        "a": {"x": 1, "y": {"p": 1, "q": 9}, "list": [7]}, "b": 5, "c": {"z": 1}}
    assert parent["a"]["y"] == {"p": 1, "q": 2}  # the parent is not changed


def test_child_is_parent_plus_its_keys(tmp_path):
    write(tmp_path, **{"parent.toml": PARENT, "child.toml": (
        'extends = "parent.toml"\n[scenario]\nname = "child"\n[access]\nthreshold_min = 9.0\n'
        "[emergency]\nunits_per_station = { ambulance = 4 }\n"
        "surge = [{ start_h = 0.0, end_h = 0.01, rate_multiplier = 3.0 }]\n")})
    parent, child = load_scenario(tmp_path / "parent.toml"), load_scenario(tmp_path / "child.toml")
    assert child.files == (str(tmp_path / "child.toml"), str(tmp_path / "parent.toml"))
    assert child.scenario.city == "testville" and child.output.picture is False  # inherited
    assert child.modules["access"].threshold_min == 9.0
    units = child.modules["emergency"].units_per_station
    assert units["ambulance"] == 4 and units["fire_engine"] == 2  # tables merge key by key
    assert [s.rate_multiplier for s in child.modules["emergency"].surge] == [3.0]  # arrays replace
    keys = [k for k, _, _ in scenario_diff(parent, child)]
    assert set(keys) == {"scenario.name", "access.threshold_min", "emergency.surge",
                         "emergency.units_per_station"}
    # a child that writes a parent's value again changes nothing
    write(tmp_path, **{"same.toml": 'extends = "parent.toml"\n[access]\nthreshold_min = 5.0\n'})
    assert scenario_diff(parent, load_scenario(tmp_path / "same.toml")) == []


@pytest.fixture
def chain(tmp_path):
    (tmp_path / "sub").mkdir()
    return write(tmp_path, **{
        "parent.toml": PARENT,
        "sub/mid.toml": 'extends = "../parent.toml"\n[access]\ninterval_min = 30.0\n',
        "sub/child.toml": 'extends = "mid.toml"\n[scenario]\nname = "c"\n[emergency]\nenabled = false\n',
    })


def test_chains_resolve_relative_to_each_file(chain):
    child = load_scenario(chain / "sub" / "child.toml")
    assert len(child.files) == 3 and child.files[-1].endswith("parent.toml")
    assert child.modules["access"].interval_min == 30.0 and child.modules["access"].threshold_min == 5.0
    assert list(child.modules) == ["access"]  # the parent's emergency section, switched off


def test_cycle_is_one_line_naming_the_chain(tmp_path):
    write(tmp_path, **{"a.toml": 'extends = "b.toml"\n' + PARENT, "b.toml": 'extends = "a.toml"\n'})
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "a.toml")
    message = str(err.value)
    assert "\n" not in message and "inheritance cycle" in message
    assert message.count("a.toml") == 3 and "b.toml" in message  # a -> b -> a
    write(tmp_path, **{"self.toml": 'extends = "self.toml"\n'})
    with pytest.raises(ScenarioError, match="inheritance cycle"):
        load_scenario(tmp_path / "self.toml")


def test_errors_name_the_file_that_wrote_the_key(tmp_path):
    bad_parent = PARENT.replace("threshold_min = 5.0", "threshold_min = -1.0")
    write(tmp_path, **{"parent.toml": bad_parent,
                       "child.toml": 'extends = "parent.toml"\n[scenario]\nname = "c"\n'})
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "child.toml")
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'parent.toml'} (inherited by {tmp_path / 'child.toml'})")
    assert "access.threshold_min" in message
    # the same mistake written in the child names the child alone
    write(tmp_path, **{"parent.toml": PARENT,
                       "child.toml": 'extends = "parent.toml"\n[access]\nthreshold_min = -1.0\n'})
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "child.toml")
    assert str(err.value).startswith(f"{tmp_path / 'child.toml'}: key 'access.threshold_min'")
    # an unknown key or section in the parent
    write(tmp_path, **{"parent.toml": PARENT + "[acess]\nx = 1\n"})
    with pytest.raises(ScenarioError, match=r"parent\.toml \(inherited by .*child\.toml\): unknown section"):
        load_scenario(tmp_path / "child.toml")


@pytest.mark.parametrize(("text", "message"), [
    ('extends = "nowhere.toml"\n', "parent scenario file"),
    ("extends = 3\n", "expected the parent scenario's file name"),
    ('extends = "sweep.toml"\n', "is a sweep file"),
])
def test_bad_extends(tmp_path, text, message):
    write(tmp_path, **{"child.toml": text, "sweep.toml": '[sweep]\nname = "s"\nbase = "x.toml"\n'})
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(tmp_path / "child.toml")
    assert "\n" not in str(err.value) and "key 'extends'" in str(err.value)


def test_with_overrides_keeps_the_chain(chain):
    child = load_scenario(chain / "sub" / "child.toml")
    assert child.with_overrides({"scenario.seed": 3}).files == child.files


def test_validate_prints_the_difference_to_the_parent(chain, capsys):
    assert main(["validate", str(chain / "sub" / "child.toml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("ok (scenario 'c', modules: access)")
    assert "resolved difference to the parent" in out[1] and "mid.toml" in out[1]
    body = {line.strip().split(":")[0]: line.strip() for line in out[2:]}
    assert set(body) == {"scenario.name", "emergency"}
    assert body["scenario.name"] == 'scenario.name: "parent" -> "c"'
    assert body["emergency"] == "emergency: on -> off"  # a module switched off is one line


def test_validate_follows_a_nested_table_key_by_key(capsys):
    """[traffic.modes] is a table inside [traffic]: the bus policy changes two of its keys, so
    the difference is those two keys, not the whole table printed twice."""
    assert main(["validate", str(SCENARIOS / "hezhou_bus_priority.toml")]) == 0
    body = capsys.readouterr().out.splitlines()[2:]
    assert [line.split(":")[0].strip() for line in body] == [
        "scenario.name", "scenario.description",
        "traffic.modes.bus_headway_factor", "traffic.modes.bus_lanes"]
    assert body[2] == "  traffic.modes.bus_headway_factor: 1.0 -> 0.67"
    assert body[3].startswith('  traffic.modes.bus_lanes: [] -> ["Chengdong Avenue", ')


POLICY_KEYS = {
    "hezhou_new_district_policy": {
        "migration.talent_policy", "migration.subsidy", "migration.amenity",
        "migration.construction", "migration.construction_years", "migration.new_jobs"},
    "hezhou_sensor_waste": {"waste.policy"},
    "hezhou_surge": {
        "emergency.policy", "emergency.tiered_reserve", "emergency.standby_per_station",
        "emergency.mutual_aid", "emergency.surge", "emergency.wartime_priority"},
    "hezhou_central_bridge_closure": {"traffic.closed_roads", "traffic.capacity_factor"},
    "hezhou_bus_priority": {"traffic.modes.bus_lanes", "traffic.modes.bus_headway_factor"},
}
"""The keys each shipped policy changes against the baseline (besides its name and description)."""


@pytest.mark.parametrize("name", sorted(POLICY_KEYS))
def test_shipped_policies_are_the_baseline_plus_their_policy_keys(name):
    baseline = load_scenario(SCENARIOS / "hezhou_baseline.toml")
    policy = load_scenario(SCENARIOS / f"{name}.toml")
    assert policy.files[1] == str(SCENARIOS / "hezhou_baseline.toml")
    changed = {key for key, _, _ in scenario_diff(baseline, policy)}
    assert changed == POLICY_KEYS[name] | {"scenario.name", "scenario.description"}
    assert list(policy.modules) == list(baseline.modules)  # like for like: same modules,
    assert policy.scenario.horizon_years == baseline.scenario.horizon_years  # horizon
    assert policy.scenario.period_days == baseline.scenario.period_days  # and period
    assert policy.modules["traffic"].link_model == baseline.modules["traffic"].link_model  # inherited


def test_bridge_closure_keeps_its_closure():
    policy = load_scenario(SCENARIOS / "hezhou_central_bridge_closure.toml")
    assert list(policy.modules["traffic"].closed_roads) == ["Central Bridge"]
    assert dict(policy.modules["traffic"].capacity_factor) == {"North Bridge": 1.5}


def test_sweep_bases_may_extend(tmp_path, chain):
    from twin.sweep.spec import load_sweep

    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nname = "s"\nbase = "{chain / "sub" / "child.toml"}"\n'
                    '[[levers]]\nkey = "access.threshold_min"\nlow = 1.0\nhigh = 4.0\n')
    spec = load_sweep(path)
    assert spec.base.modules["access"].interval_min == 30.0
    assert json.loads(json.dumps(spec.to_dict()))["base_scenario"]["scenario"]["name"] == "c"


def test_the_manifest_records_the_chain_with_hashes(chain, tmp_path):
    import hashlib

    from twin.scenario import run

    child = load_scenario(chain / "sub" / "child.toml")
    result = run(child, tmp_path / "run", progress=False, picture=False)
    files = result.manifest["scenario_files"]
    assert [f["path"] for f in files] == list(child.files)
    for f in files:
        assert f["sha256"] == hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest()
    assert result.manifest["scenario"]["access"]["interval_min"] == 30.0  # the resolved scenario


def test_validate_a_child_of_a_partial_parent(tmp_path, capsys):
    write(tmp_path, **{"common.toml": '[scenario]\ncity = "testville"\nperiod_days = 0.05\n',
                       "child.toml": 'extends = "common.toml"\n[scenario]\nname = "c"\n[access]\n'})
    assert main(["validate", str(tmp_path / "child.toml")]) == 0
    out = capsys.readouterr().out
    assert "ok (scenario 'c', modules: access)" in out and "parent does not validate on its own" in out


def test_a_city_path_is_relative_to_the_file_that_names_it(tmp_path):
    from twin.city import load_city

    (tmp_path / "base").mkdir()
    seed = ROOT / "seeds" / "testville.toml"
    if not seed.is_file():
        pytest.skip("the testville seed file moved")
    (tmp_path / "base" / "town.toml").write_text(seed.read_text())
    write(tmp_path, **{"base/parent.toml": PARENT.replace('city = "testville"', 'city = "town.toml"'),
                       "child.toml": 'extends = "base/parent.toml"\n[scenario]\nname = "c"\n'})
    child = load_scenario(tmp_path / "child.toml")
    assert child.file_of("scenario.city") == str(tmp_path / "base" / "parent.toml")
    assert load_city(child.scenario.city, child.file_of("scenario.city")).info()["nodes"] > 0
