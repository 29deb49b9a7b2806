"""The composite governance index: indicator scores, dimension scores and one 0-100 number.

The indicators, their targets and bounds and the dimension weights are the fixed system of
``system.toml`` (:mod:`twin.indicators.system`, docs/governance_index.md); a scenario may
override weights (``[indicators.weights]``) and bounds (``[indicators.bounds]``). Each indicator
scores 100 at its target and 0 at its bound, linearly between, clipped; a dimension scores the
mean of its indicators; the index is the weighted mean of the dimension scores.

The index exists only when every indicator of every dimension was reported in the year. A year
with a dimension's module switched off, or an indicator missing (no medical call, say), gets
``index_partial`` and ``index_coverage`` (% of the system's indicators scored) instead, and the
incomplete dimensions are ``score_<dimension>_partial``: a partial figure never carries the name
of a full one, so no tool compares the two by accident.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from twin.indicators.indicator import Indicator
from twin.indicators.system import IndexSystem, effective_bounds, load_system

INDEX_DOMAIN = "governance"
FULL_INDEX = "index"
PARTIAL_INDEX = "index_partial"


def score(value: float, worst: float, best: float) -> float:
    """Linear 0-100 score of ``value`` between ``worst`` and ``best`` (either order), clipped."""
    if best == worst:
        return 100.0 if value == best else 0.0
    return float(np.clip((value - worst) / (best - worst), 0.0, 1.0) * 100.0)


def governance_index(
    indicators: list[Indicator],
    weights: Mapping[str, float],
    bounds: Mapping[str, tuple[float, float]],
    system: IndexSystem | None = None,
) -> list[Indicator]:
    """Dimension scores and the full or partial index as indicators of the ``governance`` domain.

    ``weights``: dimension -> weight overrides; ``bounds``: 'dimension.indicator' -> (worst, best)
    overrides (checked when the scenario is read); ``system`` defaults to :func:`load_system`.
    A NaN value counts as not reported.
    """
    system = system or load_system()
    limits = effective_bounds(system, bounds)
    reported = {ind.key: ind.value for ind in indicators if math.isfinite(ind.value)}
    out = []
    total = total_weight = 0.0
    scored = expected = 0
    for dim in system.dimensions:
        scores = [score(reported[i.key], *limits[i.key]) for i in dim.indicators if i.key in reported]
        expected += len(dim.indicators)
        scored += len(scores)
        if not scores:
            continue
        complete = len(scores) == len(dim.indicators)
        name = f"score_{dim.key}" if complete else f"score_{dim.key}_partial"
        what = "" if complete else f" ({len(scores)} of its {len(dim.indicators)} indicators reported)"
        dim_score = float(np.mean(scores))
        out.append(Indicator(INDEX_DOMAIN, name, dim_score, "score 0-100", "higher", (0.0, 100.0),
                             f"{dim.title}: mean score of its indicators{what}"))
        weight = float(weights.get(dim.key, dim.weight))
        total += weight * dim_score
        total_weight += weight
    if total_weight <= 0:
        return out
    version = f"indicator system v{system.version}"
    if scored == expected:
        out.append(Indicator(INDEX_DOMAIN, FULL_INDEX, total / total_weight, "score 0-100", "higher",
                             (0.0, 100.0), f"composite governance index ({version}, every dimension)"))
    else:
        out.append(Indicator(INDEX_DOMAIN, PARTIAL_INDEX, total / total_weight, "score 0-100", "higher",
                             (0.0, 100.0), f"PARTIAL governance index ({version}): only the dimensions "
                             "reported; not comparable with a full index"))
        out.append(Indicator(INDEX_DOMAIN, "index_coverage", 100.0 * scored / expected, "%",
                             description="share of the system's indicators scored in the partial index"))
    return out
