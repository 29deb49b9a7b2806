"""Scenario files: TOML validated into a frozen :class:`Scenario`.

A scenario has three fixed sections ([scenario], [indicators], [output]) and one section per
module it switches on ([access], [traffic], ...): a module runs when its section is present
(and ``enabled`` is not false). Unknown sections and keys are errors with a "did you mean".
The file is data only: nothing in it is evaluated or imported.

Inheritance: a top-level ``extends = "parent.toml"`` (a path relative to the file, before any
table) makes the file the parent plus its own keys. Tables merge key by key (recursively), the
child's values win, and arrays (arrays of tables too) replace the parent's whole. Parents may
extend further files; a cycle is an error naming the chain. Errors in an inherited key name the
file that wrote it.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twin.config import (
    Provenance,
    frozen_mapping,
    merge_tables,
    option,
    parse,
    read_toml,
    to_dict,
    written_in,
)
from twin.errors import ScenarioError
from twin.indicators.system import load_system
from twin.plugins import load as load_plugins
from twin.registry import DOMAINS, config_classes
from twin.writing import name_problem


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunSection:
    name: str = option(doc="scenario name: a file name (the default run folder is runs/NAME-seedN)")
    description: str = option("", doc="free text")
    city: str = option("hezhou", doc="seed city name ('hezhou', 'testville') or a seed/city path")
    seed: int = option(0, ge=0, doc="master random seed; every random stream derives from it")
    replicate: int = option(0, ge=0, le=1_000_000, doc="replicate number (sweeps set it)")
    start_year: int = option(2025, ge=1900, le=2200, doc="first simulated year")
    horizon_years: int = option(1, ge=1, le=100, unit="years", doc="years simulated")
    period_days: float = option(
        1.0, gt=0, le=366, unit="days", doc="representative operating period simulated each year"
    )
    warmup_days: int = option(
        0, ge=0, le=60, unit="days",
        doc="whole days simulated before each year's period_days and left out of every indicator "
        "(all modules run and carry their stocks across them; traffic runs them without its network "
        "levers in the first year, so a closure starts on the first recorded day)",
    )
    plugins: tuple[str, ...] = option(
        (), doc="installed Python modules to import before the sections are read (dotted names, "
        "e.g. 'mypkg.air'; never file paths): plug-ins that add modules, policies, agent classes "
        "and view layers (docs/extending.md)",
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class IndicatorsSection:
    weights: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=0,
        doc="weight per dimension (domain) in the governance index (default: the indicator system's, 1)",
    )
    bounds: Mapping[str, tuple[float, ...]] = option(
        default_factory=frozen_mapping,
        doc="'domain.indicator' = [worst, best] overrides of an index indicator's bound and target "
            "(docs/governance_index.md)",
    )

    def check(self) -> str | None:
        for key, pair in self.bounds.items():
            if len(pair) != 2:
                return f"bounds.{key}: expected [worst, best], got {list(pair)}"
            if "." not in key:
                return f"bounds.{key}: keys are 'domain.indicator'"
        return None


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutputSection:
    picture: bool = option(True, doc="render a 3D picture of the city into the run folder")
    timeseries: bool = option(True, doc="write module time series (Parquet)")


FIXED_SECTIONS = {"scenario": RunSection, "indicators": IndicatorsSection, "output": OutputSection}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Scenario:
    """A validated scenario: fixed sections plus the configs of the modules it switches on."""

    scenario: RunSection
    indicators: IndicatorsSection = dataclasses.field(default_factory=IndicatorsSection)
    output: OutputSection = dataclasses.field(default_factory=OutputSection)
    modules: Mapping[str, Any] = dataclasses.field(default_factory=frozen_mapping)
    source: str = "<memory>"
    files: tuple[str, ...] = ()
    """The files read, the scenario's own first, then each parent it ``extends`` in turn."""

    @property
    def name(self) -> str:
        return self.scenario.name

    def file_of(self, key: str) -> str:
        """The file that wrote dotted ``key`` (a parent's, for an inherited key; else the source):
        relative paths in a value are relative to that file."""
        return getattr(self.source, "origins", {}).get(key, str(self.source))

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (TOML-shaped), every default filled in."""
        data = {name: to_dict(getattr(self, name)) for name in FIXED_SECTIONS}
        for name, config in self.modules.items():
            data[name] = to_dict(config)
        return data

    def digest(self) -> str:
        """sha256 of the resolved scenario (stable key for caches and sweeps)."""
        import json

        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with dotted keys replaced (``{"scenario.seed": 3}``), re-validated."""
        data = self.to_dict()
        for dotted, value in overrides.items():
            parts = dotted.split(".")
            node = data
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    raise ScenarioError(f"{self.source}: no table {part!r} for override {dotted!r}")
                node = node[part]
            if parts[-1] not in node and len(parts) > 1 and parts[0] in FIXED_SECTIONS:
                raise ScenarioError(f"{self.source}: override {dotted!r} names no key")
            node[parts[-1]] = value
        return dataclasses.replace(scenario_from_dict(data, source=self.source), files=self.files)


def scenario_from_dict(data: Mapping[str, Any], source: str = "<memory>") -> Scenario:
    """Validate plain data (as read from TOML) into a :class:`Scenario`.

    The plug-ins installed (entry points) and those ``[scenario] plugins`` names are imported
    first, so the sections they add are known (:mod:`twin.plugins`)."""
    run = data.get("scenario")
    where = f"{written_in(source, 'scenario.plugins')}: key 'scenario.plugins'"
    load_plugins(run.get("plugins", ()) if isinstance(run, Mapping) else (), where)
    modules = config_classes()
    allowed = list(FIXED_SECTIONS) + list(modules)
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ScenarioError(
                f"{written_in(source, key)}: unknown section [{key}]{did}; allowed: {', '.join(allowed)}"
            )
    if "scenario" not in data:
        raise ScenarioError(f"{source}: the [scenario] section is required (with at least name)")
    fixed = {k: parse(cls, data.get(k, {}), source=source, key=k) for k, cls in FIXED_SECTIONS.items()}
    problem = name_problem(fixed["scenario"].name)
    if problem:
        raise ScenarioError(f"{written_in(source, 'scenario.name')}: key 'scenario.name': {problem}")
    configs = {}
    for name, cls in modules.items():
        if name not in data:
            continue
        section = dict(data[name]) if isinstance(data[name], Mapping) else data[name]
        if isinstance(section, dict):
            enabled = section.pop("enabled", True)
            if not isinstance(enabled, bool):
                raise ScenarioError(
                    f"{written_in(source, name + '.enabled')}: key '{name}.enabled': expected true or false")
            if not enabled:
                continue
        configs[name] = parse(cls, section, source=source, key=name)
    if not configs:
        raise ScenarioError(
            f"{source}: no module is switched on; add a section for at least one of "
            f"{', '.join(f'[{m}]' for m in modules)}")
    problem = _indicators_problem(fixed["indicators"], configs)
    if problem:
        raise ScenarioError(f"{written_in(source, 'indicators')}: key 'indicators.{problem}")
    return Scenario(**fixed, modules=frozen_mapping(configs), source=source)


def _indicators_problem(section: IndicatorsSection, modules: Mapping[str, Any]) -> str | None:
    """Weights and bounds that name no domain, bounds that name no indicator of the index's
    system or turn its direction round, or weights that leave no index (``None`` if fine)."""
    domains = sorted(set(DOMAINS.values()))
    keys = [("weights", k, k) for k in section.weights]
    keys += [("bounds", k, k.split(".", 1)[0]) for k in section.bounds]
    for table, key, domain in keys:
        if domain not in domains:
            hint = difflib.get_close_matches(domain, domains, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            return f"{table}.{key}': {domain!r} is not a domain{did}; domains: {', '.join(domains)}"
    system = load_system()
    for key, pair in section.bounds.items():
        if problem := system.bounds_problem(key, pair):
            return f"bounds.{key}': {problem}"
    running = sorted({DOMAINS[name] for name in modules if system.dimension(DOMAINS[name])})
    if running and not any(section.weights.get(d, system.dimension(d).weight) > 0 for d in running):
        return (f"weights': every domain that runs ({', '.join(running)}) has weight 0, which leaves "
                "no index; give at least one a weight > 0")
    return None


EXTENDS = "extends"
"""The top-level key naming a scenario's parent file (a path relative to the file)."""


def _origins(data: Mapping[str, Any], file: str, prefix: str = "") -> dict[str, str]:
    """Dotted key -> ``file`` for every value in ``data`` (tables are walked, arrays are values)."""
    found: dict[str, str] = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            found.update(_origins(value, file, dotted))
        else:
            found[dotted] = file
    return found


def read_scenario_file(path: str | Path) -> tuple[dict[str, Any], Provenance, tuple[str, ...]]:
    """A scenario file's data with its ``extends`` chain merged in.

    Returns (data, source, files): ``source`` knows which file wrote each key (for errors) and
    ``files`` lists the file and then its parents, nearest first.
    """
    layers: list[tuple[str, dict[str, Any]]] = []
    seen: list[Path] = []
    current = Path(path)
    while True:
        data = read_toml(current, "scenario")
        if layers and "sweep" in data:
            raise ScenarioError(f"{layers[-1][0]}: key '{EXTENDS}': {current} is a sweep file "
                                "([sweep] table); extend a scenario file")
        seen.append(current.resolve())
        parent = data.pop(EXTENDS, None)
        layers.append((str(current), data))
        if parent is None:
            break
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(f"{current}: key '{EXTENDS}': expected the parent scenario's file "
                                f"name (a string), got {parent!r}")
        nxt = Path(parent) if Path(parent).is_absolute() else current.parent / parent
        if nxt.resolve() in seen:
            chain = " -> ".join([name for name, _ in layers] + [str(nxt)])
            raise ScenarioError(f"{path}: key '{EXTENDS}': inheritance cycle {chain}")
        if not nxt.is_file():
            raise ScenarioError(f"{current}: key '{EXTENDS}': parent scenario file {str(nxt)!r} not found")
        current = nxt
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, data in reversed(layers):  # the farthest parent first, the file itself last
        merged = merge_tables(merged, data)
        mine = _origins(data, name)
        for key in mine:  # a value replacing a parent's table replaces the table's origins too
            origins = {k: v for k, v in origins.items() if not k.startswith(key + ".")}
        origins.update(mine)
    return merged, Provenance(str(path), origins), tuple(name for name, _ in layers)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file (and the files it ``extends``); errors name the file
    that wrote the key, the key and what is allowed."""
    data, source, files = read_scenario_file(path)
    return dataclasses.replace(scenario_from_dict(data, source=source), files=files)


NOT_SET = "(not set)"
"""How :func:`scenario_diff` shows a key one side lacks (a module that does not run there)."""


def scenario_diff(parent: Scenario, child: Scenario) -> list[tuple[str, Any, Any]]:
    """(key, parent value, child value) for each resolved key that differs, in file order.

    Keys are ``section.key``; a nested table of the schema (``[traffic.modes]``) is followed key
    by key (``traffic.modes.bus_lanes``), while a mapping- or array-valued key
    (``emergency.units_per_station``, ``emergency.surge``) is one value. A section that only one
    side has (a module that runs on one side only) is one row keyed by the section's name.
    Defaults are filled in on both sides, so a key written with its default value is no change.
    """
    old, new = _sections(parent), _sections(child)
    rows: list[tuple[str, Any, Any]] = []
    for section in list(old) + [k for k in new if k not in old]:
        if section not in old or section not in new:
            rows.append((section, to_dict(old[section]) if section in old else NOT_SET,
                         to_dict(new[section]) if section in new else NOT_SET))
            continue
        a, b = _leaves(old[section], section), _leaves(new[section], section)
        for key in list(a) + [k for k in b if k not in a]:
            va, vb = a.get(key, NOT_SET), b.get(key, NOT_SET)
            if va != vb:
                rows.append((key, va, vb))
    return rows


def _sections(scenario: Scenario) -> dict[str, Any]:
    """Section name -> its configuration: the fixed sections, then the modules that run."""
    return {name: getattr(scenario, name) for name in FIXED_SECTIONS} | dict(scenario.modules)


def _leaves(config: Any, prefix: str) -> dict[str, Any]:
    """Dotted key -> plain value of each key of a configuration, nested schema tables (a field
    holding a configuration dataclass) followed key by key; any other value is one leaf."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        return {prefix: to_dict(config)}
    leaves: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        key = f"{prefix}.{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            leaves.update(_leaves(value, key))
        else:
            leaves[key] = to_dict(value)
    return leaves
