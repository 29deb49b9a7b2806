"""Property-based fuzzing of the scenario validator (issue 18, item 4).

Scenario data is generated the way TOML can hold it: sections and keys drawn from the declared
keys (:func:`twin.config.describe`, plus the entries of the default tables), values of every
TOML type including NaN, infinities, huge and negative numbers, strings, lists and tables,
written onto an empty scenario or onto the valid testville_quick scenario. Whatever comes in,
validation ends in a scenario or in a :class:`~twin.errors.TwinInputError` whose message is one
line naming the file, never in another exception. A scenario that validates also round-trips:
its resolved data validates again to the same digest.
"""

from __future__ import annotations

import copy
import tomllib

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.config import describe, to_dict
from twin.errors import TwinInputError
from twin.registry import config_classes
from twin.scenario.spec import FIXED_SECTIONS, scenario_from_dict

SOURCE = "fuzz.toml"
BASE = tomllib.loads((ROOT / "scenarios" / "testville_quick.toml").read_text())


def _leaf_values(data: object, prefix: tuple[str, ...]) -> dict[tuple[str, ...], object]:
    """Every dotted path inside nested tables (the tables themselves included), with its value."""
    out: dict[tuple[str, ...], object] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out[(*prefix, key)] = value
            out.update(_leaf_values(value, (*prefix, key)))
    return out


def _declared() -> dict[tuple[str, ...], object]:
    """Every declared key path with its default (or testville_quick) value; None for no default."""
    sections = {**FIXED_SECTIONS, **config_classes()}
    known: dict[tuple[str, ...], object] = {(name,): None for name in sections}
    for name, cls in sections.items():
        known.update({tuple(row["key"].strip("[]").split(".")): None for row in describe(cls, name)})
        if name != "scenario":  # every other section has defaults: walk its tables' entries
            known.update(_leaf_values(to_dict(cls()), (name,)))
    known.update(_leaf_values(BASE, ()))
    return known


DECLARED = _declared()
PATHS = sorted(DECLARED)
NAMES = sorted({p[-1] for p in PATHS} | {"new_town", "old_town", "Link Road", "enabled", ""})
"""Keys that mean something somewhere: a misplaced known key is a likelier bug than random text."""

ODD = st.sampled_from([0, 1, 2, 24, 10**15, 10**15 + 1, 2**63, -(2**63), 10**40, 10**400, 2.0, 2.5,
                       1e-9, 1e15, 1e16, 1e300, -1e300, -0.0])
"""Numbers at and beyond the edges: huge, tiny, integers written as floats."""

SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**6), max_value=10**6),
    ODD,
    st.booleans(),
    st.text(max_size=6),
    st.sampled_from(NAMES),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=5)), inner, max_size=4),
    ),
    max_leaves=12,
)


def like(default: object) -> st.SearchStrategy:
    """Values near ``default`` in type and size (they reach the checks behind the type checks)."""
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.one_of(st.integers(min_value=-5, max_value=300), ODD)
    if isinstance(default, float):
        scale = 2 * abs(default) + 1
        return st.one_of(st.floats(min_value=-scale, max_value=scale), st.just(default),
                         st.floats(allow_nan=True, allow_infinity=True), ODD)
    if isinstance(default, str):
        return st.one_of(st.just(default), st.sampled_from(NAMES))
    if isinstance(default, list | tuple):
        item = like(default[0]) if default else SCALARS
        return st.one_of(st.just(list(default)), st.lists(item, max_size=len(default) + 2))
    if isinstance(default, dict):
        item = like(next(iter(default.values()))) if default else VALUES
        keys = st.sampled_from([*default, *NAMES])
        return st.one_of(st.just(default), st.dictionaries(keys, item, max_size=len(default) + 1))
    return VALUES


def edit(draws: st.DataObject) -> tuple[tuple[str, ...], object]:
    """One change: a declared key, or a made-up key in a section (one in five), or a made-up
    section (one in 25); a value, or None to delete the key."""
    sections = st.sampled_from(sorted({p[0] for p in PATHS}))
    in_section = st.tuples(sections, st.lists(st.sampled_from(NAMES), min_size=1, max_size=2))
    made_up = in_section.map(lambda t: (t[0], *t[1]))
    section = st.lists(st.sampled_from(NAMES), min_size=1, max_size=2).map(tuple)
    path = draws.draw(st.sampled_from(PATHS) if draws.draw(st.integers(0, 4)) else
                      section if not draws.draw(st.integers(0, 4)) else made_up)
    default = DECLARED.get(path)
    return path, draws.draw(st.one_of(like(default), like(default), VALUES, st.none()))


def _apply(data: dict, path: tuple[str, ...], value: object) -> None:
    node = data
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if value is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


@settings(max_examples=200, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(start=st.sampled_from(["empty", "quick"]), draws=st.data())
def test_validation_ends_in_a_scenario_or_one_line(start, draws):
    data = copy.deepcopy(BASE) if start == "quick" else {"scenario": {"name": "fuzz"}}
    for _ in range(draws.draw(st.integers(min_value=1, max_value=4))):
        _apply(data, *edit(draws))
    try:
        scenario = scenario_from_dict(data, source=SOURCE)
    except TwinInputError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(f"{SOURCE}: "), message
        return
    again = scenario_from_dict(scenario.to_dict(), source=SOURCE)
    assert again.digest() == scenario.digest()


def test_the_generator_reaches_deep_keys():
    """The fuzz draws keys inside tables of tables (not only the flat ones describe lists)."""
    assert ("emergency", "types", "medical", "rate_per_1000") in PATHS
    assert ("waste", "trucks", "residual") in PATHS
    assert ("indicators", "weights") in PATHS
