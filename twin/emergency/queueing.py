"""Analytic queueing results the simulation is validated against (never used to simulate).

- Erlang C (M/M/c): probability that a call waits, and the mean wait.
- The hypercube queueing model (Larson 1974) of a loss system: ``n`` distinguishable units,
  areas with Poisson call rates and a fixed preference order of units per area, exponential
  service; the steady state over the 2^n busy/free states solves ``pi Q = 0``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg


def erlang_c(units: int, arrival_rate: float, service_rate: float) -> tuple[float, float]:
    """(P(wait), mean wait) of an M/M/c queue; the wait is in the time unit of the rates.

    Raises ValueError unless the load ``arrival_rate / (units * service_rate)`` is below 1.
    """
    a = arrival_rate / service_rate
    rho = a / units
    if not 0 < rho < 1:
        raise ValueError(f"utilisation {rho:g} must be in (0, 1) for a steady state")
    b = erlang_b(units, a)
    p_wait = b / (1.0 - rho * (1.0 - b))
    return p_wait, p_wait / (units * service_rate - arrival_rate)


def hypercube_loss(
    area_rates: Sequence[float], service_rate: float, preferences: Sequence[Sequence[int]]
) -> dict[tuple[int, ...], float]:
    """Steady-state probabilities of the hypercube loss model, by busy tuple (unit 0 first).

    Args:
        area_rates: Poisson call rate of each area.
        service_rate: rate at which a busy unit finishes (1 / mean service time).
        preferences: for each area, the units in dispatch order; a call finding all busy is lost.
    """
    n = 1 + max(max(p) for p in preferences)
    states = 1 << n
    q = np.zeros((states, states))
    for s in range(states):
        for rate, order in zip(area_rates, preferences, strict=True):
            free = next((u for u in order if not s >> u & 1), None)
            if free is not None:
                q[s, s | 1 << free] += rate
        for u in range(n):
            if s >> u & 1:
                q[s, s & ~(1 << u)] += service_rate
    np.fill_diagonal(q, -q.sum(axis=1))
    a = np.vstack([q.T, np.ones(states)])
    rhs = np.zeros(states + 1)
    rhs[-1] = 1.0
    pi = scipy.linalg.lstsq(a, rhs)[0]
    return {tuple(s >> u & 1 for u in range(n)): float(pi[s]) for s in range(states)}


def erlang_b(units: int, offered_load: float) -> float:
    """Blocking probability of an M/M/c/c loss system with ``offered_load`` erlangs (stable recursion)."""
    b = 1.0
    for k in range(1, units + 1):
        b = offered_load * b / (k + offered_load * b)
    return b
