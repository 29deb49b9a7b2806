"""Sweep files: TOML validated into a frozen :class:`SweepSpec` with :mod:`twin.config`.

A sweep names a base scenario, the levers (policy choices) and uncertainties (exogenous
conditions) to vary, each a dotted scenario key with a real, integer or categorical range, a
design and a number of replicates. Every key a lever or uncertainty names must exist in the
base scenario (errors list the keys that can be swept, with a "did you mean").
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twin.config import frozen_mapping, option, parse, read_toml, to_dict
from twin.errors import ScenarioError
from twin.scenario import Scenario, load_scenario

DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "saltelli", "morris")
KINDS = ("real", "integer", "categorical")
NOT_SWEPT = ("scenario.name", "scenario.description", "scenario.seed", "scenario.replicate")
"""Scenario keys a sweep sets itself (seed and replicate) or that do not change a run."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Variable:
    """One lever or uncertainty: a dotted scenario key and the range it takes."""

    key: str = option(doc="dotted scenario key, e.g. 'access.threshold_min'")
    kind: str = option("real", choices=KINDS, doc="real, integer or categorical")
    low: float | None = option(None, doc="lowest value (real and integer)")
    high: float | None = option(None, doc="highest value (real and integer)")
    values: tuple[Any, ...] = option((), doc="the values a categorical variable takes (in order)")

    def check(self) -> str | None:
        if self.kind == "categorical":
            if len(self.values) < 2:
                return f"{self.key}: a categorical variable needs at least 2 values, got {list(self.values)}"
            if self.low is not None or self.high is not None:
                return f"{self.key}: a categorical variable takes values, not low/high"
            return None
        if self.values:
            return f"{self.key}: a {self.kind} variable takes low and high, not values"
        if self.low is None or self.high is None:
            return f"{self.key}: a {self.kind} variable needs low and high"
        if self.kind == "integer" and (self.low != int(self.low) or self.high != int(self.high)):
            return f"{self.key}: an integer variable needs integer low and high, got {self.low}, {self.high}"
        if not self.low < self.high:
            return f"{self.key}: empty range: low ({self.low:g}) must be < high ({self.high:g})"
        return None

    def from_unit(self, u: float) -> Any:
        """The value at position ``u`` in [0, 1] of the range (bins for integer and categorical)."""
        if self.kind == "real":
            return float(self.low + u * (self.high - self.low))
        if self.kind == "integer":
            count = int(self.high) - int(self.low) + 1
            return int(self.low) + min(int(u * count), count - 1)
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def levels(self, count: int) -> list[Any]:
        """``count`` evenly spaced values (every value for categorical and small integer ranges)."""
        if self.kind == "categorical":
            return list(self.values)
        if self.kind == "integer":
            span = int(self.high) - int(self.low) + 1
            if span <= count:
                return list(range(int(self.low), int(self.high) + 1))
            return sorted(
                {int(round(self.low + i * (self.high - self.low) / (count - 1))) for i in range(count)}
            )
        return [float(self.low + i * (self.high - self.low) / (count - 1)) for i in range(count)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class SweepSection:
    name: str = option(doc="sweep name")
    description: str = option("", doc="free text")
    base: str = option(doc="base scenario file, relative to the sweep file")
    design: str = option(
        "full_factorial",
        choices=DESIGNS,
        doc="how points are chosen: full_factorial, latin_hypercube, sobol "
        "(scipy.stats.qmc), saltelli or morris (SALib)",
    )
    samples: int = option(
        8,
        ge=1,
        doc="latin_hypercube/sobol: uncertainty samples, each run under "
        "every policy; saltelli: base samples N (a power of 2); "
        "morris: trajectories",
    )
    levels: int = option(
        3,
        ge=2,
        le=1000,
        doc="values per real (or wide integer) variable in a full "
        "factorial and for levers crossed with samples; "
        "morris: grid levels",
    )
    second_order: bool = option(False, doc="saltelli: also sample for second-order Sobol indices")
    replicates: int = option(
        1,
        ge=1,
        le=10_000,
        doc="replicates per point; replicate r uses the same random numbers "
        "at every point (common random numbers)",
    )
    seed: int = option(0, ge=0, doc="seed of the design's random sampling (not of the runs)")
    max_runs: int = option(100_000, ge=1, doc="refuse designs with more runs than this")
    overrides: Mapping[str, Any] = option(
        default_factory=frozen_mapping,
        doc='dotted scenario keys set for every run of the sweep, e.g. { "scenario.horizon_years" = 1 }',
    )
    keep_tables: tuple[str, ...] = option(
        ("incidents", "zone_population"),
        doc="run tables (state/ or timeseries/ names) kept per run "
        "when a module writes them, for `twin compare`",
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class SweepFile:
    sweep: SweepSection = option(doc="the sweep")
    levers: tuple[Variable, ...] = option((), doc="policy choices")
    uncertainties: tuple[Variable, ...] = option((), doc="exogenous conditions")

    def check(self) -> str | None:
        if not self.levers and not self.uncertainties:
            return "a sweep needs at least one [[levers]] or [[uncertainties]] entry"
        keys = [v.key for v in self.levers + self.uncertainties]
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        if duplicated:
            return f"key {duplicated[0]!r} is swept twice"
        return None


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the parsed file plus its base scenario."""

    file: SweepFile
    base: Scenario
    source: str

    @property
    def name(self) -> str:
        return self.file.sweep.name

    @property
    def variables(self) -> tuple[Variable, ...]:
        return self.file.levers + self.file.uncertainties

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the sweep file (defaults filled in) and the resolved base scenario."""
        return {"sweep": to_dict(self.file), "base_scenario": self.base.to_dict()}

    def digest(self) -> str:
        """sha256 of the resolved sweep; a resumed sweep must have the same one."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


def sweepable_keys(scenario: Scenario) -> list[str]:
    """Dotted keys of a scenario that hold a value (not a table) and may be swept.

    Entries of tables keyed by name are included (``migration.subsidy.chengdong``) when the
    scenario has them.
    """
    keys: list[str] = []

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for name, value in node.items():
            dotted = f"{prefix}.{name}" if prefix else name
            if isinstance(value, Mapping):
                walk(value, dotted)
            elif dotted not in NOT_SWEPT:
                keys.append(dotted)

    walk(scenario.to_dict(), "")
    return keys


def _unknown(key: str, base: Scenario, allowed: list[str]) -> str:
    hint = difflib.get_close_matches(key, allowed, n=1)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    section = key.split(".")[0]
    shown = [k for k in allowed if k.split(".")[0] == section] or allowed  # the same section first
    more = len(allowed) - len(shown[:12])
    listed = ", ".join(shown[:12]) + (f" ... ({more} more in docs/scenarios.md)" if more else "")
    return (
        f"{key!r} is not a key of the base scenario {base.source}{did}; "
        f"keys that can be swept include: {listed}"
    )


def _check_keys(spec: SweepFile, base: Scenario, source: str) -> None:
    allowed = sweepable_keys(base)
    for group, variables in (("levers", spec.levers), ("uncertainties", spec.uncertainties)):
        for i, variable in enumerate(variables):
            if variable.key not in allowed:
                raise ScenarioError(
                    f"{source}: key '{group}[{i}].key': {_unknown(variable.key, base, allowed)}"
                )


def _check_values(spec: SweepFile, base: Scenario, source: str) -> None:
    """Each variable's extreme values must validate in the base scenario (bounds, types)."""
    for variable in spec.levers + spec.uncertainties:
        for u in (0.0, 1.0):
            try:
                base.with_overrides({variable.key: variable.from_unit(u)})
            except ScenarioError as exc:
                raise ScenarioError(
                    f"{source}: {variable.key} = {variable.from_unit(u)!r} is not a valid value: {exc}"
                ) from None
        if variable.kind == "categorical":
            for value in variable.values:
                try:
                    base.with_overrides({variable.key: value})
                except ScenarioError as exc:
                    raise ScenarioError(
                        f"{source}: {variable.key} = {value!r} is not a valid value: {exc}"
                    ) from None


def sweep_from_dict(data: Mapping[str, Any], source: str = "<memory>") -> SweepSpec:
    """Validate plain data (as read from TOML) into a :class:`SweepSpec`."""
    file = parse(SweepFile, data, source=source)
    base_path = Path(file.sweep.base)
    if not base_path.is_absolute() and source != "<memory>":
        base_path = Path(source).parent / base_path
    if not base_path.is_file():
        raise ScenarioError(f"{source}: key 'sweep.base': scenario file {str(base_path)!r} not found")
    base = load_scenario(base_path)
    allowed = sweepable_keys(base)
    for key, value in file.sweep.overrides.items():
        if key not in allowed:
            raise ScenarioError(f"{source}: key 'sweep.overrides': {_unknown(key, base, allowed)}")
        try:
            base = base.with_overrides({key: value})
        except ScenarioError as exc:
            raise ScenarioError(f"{source}: key 'sweep.overrides': {key} = {value!r}: {exc}") from None
    _check_keys(file, base, source)
    _check_values(file, base, source)
    return SweepSpec(file, base, source)


def is_sweep_file(path: str | Path) -> bool:
    """True when ``path`` is a TOML file with a [sweep] table (so `twin validate` can tell)."""
    try:
        return "sweep" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep TOML file; errors name the file, the key and what is allowed."""
    return sweep_from_dict(read_toml(path, "sweep"), source=str(path))
