"""Scenario files: TOML validated into a frozen :class:`Scenario`.

A scenario has three fixed sections ([scenario], [indicators], [output]) and one section per
module it switches on ([access], [traffic], ...): a module runs when its section is present
(and ``enabled`` is not false). Unknown sections and keys are errors with a "did you mean".
The file is data only: nothing in it is evaluated or imported.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twin.config import frozen_mapping, option, parse, read_toml, to_dict
from twin.errors import ScenarioError
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


@dataclasses.dataclass(frozen=True, kw_only=True)
class IndicatorsSection:
    weights: Mapping[str, float] = option(
        default_factory=frozen_mapping, ge=0, doc="weight per domain in the index (default 1)"
    )
    bounds: Mapping[str, tuple[float, ...]] = option(
        default_factory=frozen_mapping,
        doc="'domain.indicator' = [worst, best] overrides of the normalisation bounds",
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

    @property
    def name(self) -> str:
        return self.scenario.name

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
        return scenario_from_dict(data, source=self.source)


def scenario_from_dict(data: Mapping[str, Any], source: str = "<memory>") -> Scenario:
    """Validate plain data (as read from TOML) into a :class:`Scenario`."""
    modules = config_classes()
    allowed = list(FIXED_SECTIONS) + list(modules)
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ScenarioError(
                f"{source}: unknown section [{key}]{did}; allowed: {', '.join(allowed)}"
            )
    if "scenario" not in data:
        raise ScenarioError(f"{source}: the [scenario] section is required (with at least name)")
    fixed = {k: parse(cls, data.get(k, {}), source=source, key=k) for k, cls in FIXED_SECTIONS.items()}
    problem = name_problem(fixed["scenario"].name)
    if problem:
        raise ScenarioError(f"{source}: key 'scenario.name': {problem}")
    configs = {}
    for name, cls in modules.items():
        if name not in data:
            continue
        section = dict(data[name]) if isinstance(data[name], Mapping) else data[name]
        if isinstance(section, dict):
            enabled = section.pop("enabled", True)
            if not isinstance(enabled, bool):
                raise ScenarioError(f"{source}: key '{name}.enabled': expected true or false")
            if not enabled:
                continue
        configs[name] = parse(cls, section, source=source, key=name)
    if not configs:
        raise ScenarioError(
            f"{source}: no module is switched on; add a section for at least one of "
            f"{', '.join(f'[{m}]' for m in modules)}")
    problem = _indicators_problem(fixed["indicators"], configs)
    if problem:
        raise ScenarioError(f"{source}: key 'indicators.{problem}")
    return Scenario(**fixed, modules=frozen_mapping(configs), source=source)


def _indicators_problem(section: IndicatorsSection, modules: Mapping[str, Any]) -> str | None:
    """Weights and bounds that name no domain, or weights that leave no index (``None`` if fine).

    Indicator names inside a domain are known only once the modules report, so
    :func:`twin.indicators.governance_index` checks those.
    """
    domains = sorted(set(DOMAINS.values()))
    keys = [("weights", k, k) for k in section.weights]
    keys += [("bounds", k, k.split(".", 1)[0]) for k in section.bounds]
    for table, key, domain in keys:
        if domain not in domains:
            hint = difflib.get_close_matches(domain, domains, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            return f"{table}.{key}': {domain!r} is not a domain{did}; domains: {', '.join(domains)}"
    running = sorted({DOMAINS[name] for name in modules})
    if not any(section.weights.get(d, 1.0) > 0 for d in running):
        return (f"weights': every domain that runs ({', '.join(running)}) has weight 0, which leaves "
                "no index; give at least one a weight > 0")
    return None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file; errors name the file, the key and what is allowed."""
    return scenario_from_dict(read_toml(path, "scenario"), source=str(path))
