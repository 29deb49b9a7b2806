"""Scenario files: the shipped ones validate; bad ones fail with one precise line."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_validate(path):
    text = path.read_text()
    if "[sweep]" in text:
        pytest.skip("a sweep file (validated by the sweep tests)")
    scenario = load_scenario(path)
    assert scenario.name


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = '[scenario]\nname = "t"\ncity = "testville"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[scenario]\nname = "t"\nhorizon_yeras = 2\n',
         "key 'scenario.horizon_yeras': unknown key (did you mean 'horizon_years'?)"),
        ('[scenario]\nname = "t"\nhorizon_years = 0\n', "key 'scenario.horizon_years': must be >= 1"),
        ('[scenario]\nname = "t"\nhorizon_years = -3\n', "must be >= 1 and <= 100 years, got -3"),
        ('[scenario]\nname = "t"\nseed = "one"\n', "key 'scenario.seed': expected an integer, got str"),
        ('[scenario]\nname = "t"\nperiod_days = 0\n', "key 'scenario.period_days': must be > 0"),
        (GOOD + "[acess]\n", "unknown section [acess] (did you mean 'access'?)"),
        (GOOD + "[access]\nthreshold_min = -1\n", "key 'access.threshold_min': must be > 0"),
        (GOOD + '[access]\nkinds = ["hospital", "spa"]\n', "key 'access.kinds[1]': 'spa' is not allowed"),
        (GOOD + "[indicators]\nweights = { services = -1 }\n", "key 'indicators.weights.services'"),
        (GOOD + "[indicators.bounds]\n'services.x' = [1]\n", "expected [worst, best]"),
        ('[scenario\nname = "t"\n', "invalid TOML: "),
        ("[output]\npicture = true\n", "the [scenario] section is required"),
    ],
)
def test_bad_scenarios_get_one_line_errors(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_invalid_toml_reports_the_line(tmp_path):
    path = write(tmp_path, '[scenario]\nname = "t"\nseed = = 3\n')
    with pytest.raises(ScenarioError, match=r"line 3"):
        load_scenario(path)


def test_missing_file():
    with pytest.raises(ScenarioError, match="nope.toml: scenario file not found"):
        load_scenario("nope.toml")


def test_enabled_false_switches_a_module_off(tmp_path):
    scenario = load_scenario(write(tmp_path, GOOD + "[access]\nenabled = false\n[waste]\n"))
    assert list(scenario.modules) == ["waste"]


def test_overrides_revalidate_and_keep_the_rest(tmp_path):
    base = load_scenario(write(tmp_path, GOOD + "[access]\nthreshold_min = 5\n"))
    changed = base.with_overrides({"access.threshold_min": 9.0, "scenario.seed": 4})
    assert changed.modules["access"].threshold_min == 9.0 and changed.scenario.seed == 4
    assert base.modules["access"].threshold_min == 5.0
    assert changed.scenario.city == "testville"
    with pytest.raises(ScenarioError, match="must be > 0"):
        base.with_overrides({"access.threshold_min": -2})
    assert base.digest() != changed.digest()


def test_registry_domains_match_the_modules():
    """twin validate checks [indicators.weights] against registry.DOMAINS without importing modules."""
    from twin.registry import DOMAINS, module_classes

    assert {name: cls.domain for name, cls in module_classes().items()} == DOMAINS
