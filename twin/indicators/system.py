"""The governance index's fixed indicator system, read from ``system.toml`` beside this file.

Five dimensions (one per module domain), each with named indicators: unit, direction, target
(scores 100), bound (scores 0) and the standard each figure comes from ("ASSUMPTION ..." where
none states it). The table's SHA-256 and version identify the index definition in run manifests.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import tomllib
from collections.abc import Mapping
from pathlib import Path

SYSTEM_FILE = Path(__file__).with_name("system.toml")


@dataclasses.dataclass(frozen=True)
class SystemIndicator:
    """One indicator of the system: ``target`` scores 100, ``bound`` scores 0 (in ``unit``)."""

    dimension: str
    name: str
    unit: str
    better: str
    target: float
    bound: float
    target_source: str
    bound_source: str

    @property
    def key(self) -> str:
        return f"{self.dimension}.{self.name}"


@dataclasses.dataclass(frozen=True)
class Dimension:
    """A dimension: the module domain it reads, its title, weight and indicators."""

    key: str
    title: str
    seed: str
    weight: float
    indicators: tuple[SystemIndicator, ...]

    def names(self) -> list[str]:
        return [i.name for i in self.indicators]


@dataclasses.dataclass(frozen=True)
class IndexSystem:
    """The whole system; ``sha256`` is the hash of the file it was read from."""

    version: int
    scoring: str
    dimensions: tuple[Dimension, ...]
    sha256: str

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def identity(self) -> dict[str, object]:
        """What a manifest records: the version and the table's hash."""
        return {"version": self.version, "sha256": self.sha256}

    def bounds_problem(self, key: str, pair: tuple[float, ...]) -> str | None:
        """Why ``[indicators.bounds]`` key 'dimension.indicator' = [worst, best] is refused (or None)."""
        dimension, _, name = key.partition(".")
        dim = self.dimension(dimension)
        if dim is None:
            return None  # the caller names unknown dimensions with its own list
        found = next((i for i in dim.indicators if i.name == name), None)
        if found is None:
            hint = difflib.get_close_matches(name, dim.names(), n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            return (f"the {dimension} dimension of the index has no indicator {name!r}{did}; "
                    f"its indicators: {', '.join(dim.names())}")
        worst, best = pair
        if worst == best or (best < worst) != (found.better == "lower"):
            order = "worst > best" if found.better == "lower" else "worst < best"
            return f"{name} is better {found.better}: expected [worst, best] with {order}, got {list(pair)}"
        return None


@functools.cache
def load_system(path: Path = SYSTEM_FILE) -> IndexSystem:
    """Read and check the indicator system (a wrong table is a programming error: ValueError)."""
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    dimensions = []
    for key, dim in data["dimensions"].items():
        indicators = []
        for name, row in dim["indicators"].items():
            ind = SystemIndicator(key, name, row["unit"], row["better"], float(row["target"]),
                                  float(row["bound"]), row["target_source"], row["bound_source"])
            ascending = ind.target > ind.bound
            if ind.better not in ("higher", "lower") or ascending != (ind.better == "higher"):
                raise ValueError(f"{path}: {ind.key}: target {ind.target} and bound {ind.bound} "
                                 f"disagree with better = {ind.better!r}")
            indicators.append(ind)
        dimensions.append(Dimension(key, dim["title"], dim["seed"], float(dim["weight"]), tuple(indicators)))
    return IndexSystem(int(data["version"]), data["scoring"], tuple(dimensions),
                       hashlib.sha256(raw).hexdigest())


def effective_bounds(
    system: IndexSystem, overrides: Mapping[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """'dimension.indicator' -> (bound, target) with the scenario's [worst, best] overrides applied."""
    out = {i.key: (i.bound, i.target) for d in system.dimensions for i in d.indicators}
    out.update({k: (float(v[0]), float(v[1])) for k, v in overrides.items()})
    return out


def markdown_table(system: IndexSystem) -> str:
    """The system as the Markdown table of docs/governance_index.md (one row per indicator)."""
    lines = ["| dimension | indicator | unit | better | target (100) | bound (0) | target source "
             "| bound source |", "|---|---|---|---|---|---|---|---|"]
    for dim in system.dimensions:
        for i in dim.indicators:
            lines.append(f"| {dim.key} (weight {dim.weight:g}) | `{i.name}` | {i.unit} | {i.better} | "
                         f"{i.target:g} | {i.bound:g} | {i.target_source} | {i.bound_source} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(load_system()))
