"""Configuration validation: precise one-line errors, frozen results, the generated reference."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest

from twin.config import describe, option, parse, to_dict
from twin.errors import ScenarioError


@dataclasses.dataclass(frozen=True, kw_only=True)
class Inner:
    speed: float = option(10.0, unit="m/s", gt=0, doc="speed")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outer:
    name: str = option(doc="a name")
    count: int = option(1, ge=1, le=5)
    mode: str = option("fast", choices=("fast", "slow"))
    inner: Inner = option(default_factory=Inner)
    items: tuple[Inner, ...] = option(())
    weights: Mapping[str, float] = option(default_factory=dict, ge=0)


def test_parse_fills_defaults_and_nests():
    cfg = parse(Outer, {"name": "x", "items": [{"speed": 3}]}, source="f.toml")
    assert cfg.count == 1 and cfg.inner.speed == 10.0 and cfg.items[0].speed == 3.0
    assert isinstance(cfg.items[0].speed, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.count = 2  # type: ignore[misc]
    assert to_dict(cfg)["items"] == [{"speed": 3.0}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "cuont": 2}, "f.toml: key 'cuont': unknown key (did you mean 'count'?)"),
        ({"name": "x", "count": "2"}, "f.toml: key 'count': expected an integer, got str '2'"),
        ({"name": "x", "count": 9}, "f.toml: key 'count': must be >= 1 and <= 5, got 9"),
        ({"name": "x", "count": True}, "key 'count': expected an integer"),
        ({"name": "x", "mode": "fats"}, "key 'mode': 'fats' is not allowed (did you mean 'fast'?)"),
        ({"name": "x", "inner": {"speed": -1}}, "key 'inner.speed': must be > 0 m/s, got -1"),
        ({"name": "x", "items": [{"sped": 1}]}, "key 'items[0].sped': unknown key"),
        ({"name": "x", "weights": {"a": -1}}, "key 'weights.a': must be >= 0"),
        ({}, "key 'name': is required"),
        ({"name": "x", "count": float("nan")}, "key 'count'"),
    ],
)
def test_bad_values_name_file_key_and_allowed(data, message):
    with pytest.raises(ScenarioError) as err:
        parse(Outer, data, source="f.toml")
    text = str(err.value)
    assert message in text
    assert "\n" not in text


def test_describe_lists_every_key_with_unit():
    rows = {r["key"]: r for r in describe(Outer, "outer")}
    assert rows["outer.inner.speed"]["unit"] == "m/s"
    assert rows["outer.mode"]["allowed"] == "one of 'fast', 'slow'"
    assert "[[outer.items]]" in rows


def test_scenarios_reference_is_up_to_date():
    from pathlib import Path

    from twin.scenario.reference import reference_markdown

    path = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"
    assert path.read_text() == reference_markdown(), (
        "docs/scenarios.md is stale: run `python -m twin.scenario.reference > docs/scenarios.md`"
    )
