"""The composite governance index: per-indicator scores, domain scores and one 0-100 number.

Each directed indicator is scored linearly between its bounds (worst -> 0, best -> 100,
clipped); a domain's score is the mean of its indicators' scores; the index is the mean of the
domain scores weighted by the scenario's [indicators.weights] (domains without a weight get 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy as np

from twin.errors import ScenarioError
from twin.indicators.indicator import Indicator

INDEX_DOMAIN = "governance"


def score(value: float, worst: float, best: float) -> float:
    """Linear 0-100 score of ``value`` between ``worst`` and ``best`` (either order), clipped."""
    if best == worst:
        return 100.0 if value == best else 0.0
    return float(np.clip((value - worst) / (best - worst), 0.0, 1.0) * 100.0)


def governance_index(
    indicators: list[Indicator],
    weights: Mapping[str, float],
    bounds: Mapping[str, tuple[float, float]],
) -> list[Indicator]:
    """Domain scores and the composite index as indicators of the ``governance`` domain.

    A ``bounds`` key naming no directed indicator of a domain that reported is an error (a
    :class:`~twin.errors.ScenarioError` naming the key), not silently ignored.
    """
    _check_bounds_keys(indicators, bounds)
    by_domain: dict[str, list[float]] = {}
    for ind in indicators:
        if not ind.better:
            continue
        worst, best = bounds.get(ind.key, ind.bounds)
        by_domain.setdefault(ind.domain, []).append(score(ind.value, worst, best))
    out = []
    total, total_weight = 0.0, 0.0
    for domain in sorted(by_domain):
        domain_score = float(np.mean(by_domain[domain]))
        weight = float(weights.get(domain, 1.0))
        out.append(Indicator(INDEX_DOMAIN, f"score_{domain}", domain_score, "score 0-100",
                             "higher", (0.0, 100.0), f"mean score of the {domain} indicators"))
        total += weight * domain_score
        total_weight += weight
    if total_weight > 0:
        out.append(Indicator(INDEX_DOMAIN, "index", total / total_weight, "score 0-100", "higher",
                             (0.0, 100.0), "composite governance index (weighted domain scores)"))
    return out


def _check_bounds_keys(indicators: list[Indicator], bounds: Mapping[str, tuple[float, float]]) -> None:
    directed: dict[str, list[str]] = {}
    for ind in indicators:
        if ind.better:
            directed.setdefault(ind.domain, []).append(ind.name)
    for key in bounds:
        domain, _, name = key.partition(".")
        if domain in directed and name not in directed[domain]:
            hint = difflib.get_close_matches(name, directed[domain], n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ScenarioError(
                f"key 'indicators.bounds.{key}': the {domain} domain scores no indicator {name!r}{did}; "
                f"its scored indicators: {', '.join(directed[domain])}")
