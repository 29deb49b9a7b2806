"""Designs: which points (lever and uncertainty values) a sweep runs.

* ``full_factorial``: every combination of every variable's levels.
* ``latin_hypercube`` and ``sobol`` (scipy.stats.qmc): the uncertainties are sampled
  (``samples`` points) and every policy (each combination of lever levels) runs on every sample,
  so policies can be compared pairwise and by regret. With only one group, that group is sampled.
* ``saltelli`` and ``morris`` (SALib): levers and uncertainties sampled jointly as one problem on
  the unit cube, for sensitivity indices; the unit-cube coordinates are kept for the analysis.

Samples are drawn on the unit cube and mapped to values by :meth:`Variable.from_unit` (integer
and categorical variables take equal-width bins). Points are numbered in design order.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from twin.errors import ScenarioError
from twin.sweep.spec import SweepSpec, Variable


@dataclasses.dataclass(frozen=True)
class Design:
    """The points of a sweep: a table (``point`` + one column per variable key).

    ``unit`` holds the unit-cube coordinates of SALib designs (points x variables), else None.
    """

    points: pd.DataFrame
    unit: np.ndarray | None
    levers: tuple[str, ...]
    uncertainties: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.points)


def salib_problem(variables: tuple[Variable, ...]) -> dict:
    """The SALib problem of a sweep: every variable on [0, 1] (mapped to values afterwards)."""
    return {
        "num_vars": len(variables),
        "names": [v.key for v in variables],
        "bounds": [[0.0, 1.0]] * len(variables),
    }


def _power_of_two(n: int, what: str, source: str) -> int:
    m = int(np.log2(n))
    if 2**m != n:
        raise ScenarioError(
            f"{source}: key 'sweep.samples': {what} needs a power of 2, got {n} "
            f"(try {2**m} or {2 ** (m + 1)})"
        )
    return m


def _unit_samples(design: str, d: int, n: int, seed: int, source: str) -> np.ndarray:
    from scipy.stats import qmc

    if design == "sobol":
        m = _power_of_two(n, "a Sobol design", source)
        return qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed)).random_base2(m)
    return qmc.LatinHypercube(d, rng=np.random.default_rng(seed)).random(n)


def _factorial(variables: tuple[Variable, ...], levels: int) -> list[tuple]:
    return list(itertools.product(*(v.levels(levels) for v in variables)))


def _from_unit(variables: tuple[Variable, ...], unit: np.ndarray) -> list[tuple]:
    return [tuple(v.from_unit(float(u)) for v, u in zip(variables, row, strict=True)) for row in unit]


def make_design(spec: SweepSpec) -> Design:
    """The points of ``spec``'s design (deterministic for a given spec, including its seed)."""
    s = spec.file.sweep
    levers, uncertainties = spec.file.levers, spec.file.uncertainties
    variables = levers + uncertainties
    unit = None
    if s.design == "full_factorial":
        rows = _factorial(variables, s.levels)
    elif s.design in ("latin_hypercube", "sobol"):
        sampled = uncertainties or levers
        crossed = levers if uncertainties else ()
        samples = _from_unit(sampled, _unit_samples(s.design, len(sampled), s.samples, s.seed, spec.source))
        policies = _factorial(crossed, s.levels)
        rows = [policy + sample for policy in policies for sample in samples]
    else:
        from SALib.sample import morris, sobol

        problem = salib_problem(variables)
        if s.design == "saltelli":
            _power_of_two(s.samples, "a Saltelli design", spec.source)
            unit = sobol.sample(problem, s.samples, calc_second_order=s.second_order, seed=s.seed)
        else:
            if s.levels % 2:
                raise ScenarioError(
                    f"{spec.source}: key 'sweep.levels': a Morris design needs an even "
                    f"number of levels, got {s.levels}"
                )
            unit = morris.sample(problem, s.samples, num_levels=s.levels, seed=s.seed)
        rows = _from_unit(variables, unit)
    runs = len(rows) * s.replicates
    if runs > s.max_runs:
        raise ScenarioError(
            f"{spec.source}: the {s.design} design has {runs:,} runs ({len(rows):,} points x "
            f"{s.replicates} replicates), more than sweep.max_runs = {s.max_runs:,}"
        )
    columns = [v.key for v in variables]
    points = pd.DataFrame(
        {
            key: pd.Series([row[i] for row in rows], dtype=_dtype(v))
            for i, (key, v) in enumerate(zip(columns, variables, strict=True))
        }
    )
    points.insert(0, "point", np.arange(len(points), dtype=np.int64))
    return Design(points, unit, tuple(v.key for v in levers), tuple(v.key for v in uncertainties))


def _dtype(variable: Variable) -> str:
    if variable.kind == "real":
        return "float64"
    if variable.kind == "integer":
        return "int64"
    kinds = {type(v) for v in variable.values}
    if kinds <= {int}:
        return "int64"
    if kinds <= {int, float}:
        return "float64"
    if kinds <= {bool}:
        return "bool"
    return "object"
