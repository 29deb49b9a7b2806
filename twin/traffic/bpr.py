"""BPR link cost functions: time, its derivative and its integral (the Beckmann objective).

The Bureau of Public Roads function gives a link's travel time at flow ``x``::

    t(x) = fft * (1 + b * (x / cap) ** power)

and the generalized cost adds a flow-independent part, ``c(x) = t(x) + fixed`` (tolls and
distance times their factors). Kernels take plain per-link arrays; times are in whatever unit the
free-flow times use (seconds for a :class:`~twin.city.RoadNetwork`, the file's unit for TNTP) and
flows in the unit of the capacities (vehicles per hour).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def bpr_cost(flow, fft, b, power, capacity, fixed, out):
    """Generalized cost ``t(x) + fixed`` of every link at ``flow`` into ``out``."""
    for a in range(flow.shape[0]):
        out[a] = fixed[a] + fft[a] * (1.0 + b[a] * (flow[a] / capacity[a]) ** power[a])


@njit(cache=True)
def bpr_time(flow, fft, b, power, capacity):
    """Travel time ``t(x)`` of every link (no fixed cost)."""
    out = np.empty(flow.shape[0])
    for a in range(flow.shape[0]):
        out[a] = fft[a] * (1.0 + b[a] * (flow[a] / capacity[a]) ** power[a])
    return out


@njit(cache=True)
def bpr_derivative(flow, fft, b, power, capacity, out):
    """Derivative ``dt/dx`` of every link at ``flow`` into ``out`` (0 at zero flow when power < 1)."""
    for a in range(flow.shape[0]):
        p = power[a]
        if flow[a] > 0.0:
            out[a] = fft[a] * b[a] * p / capacity[a] * (flow[a] / capacity[a]) ** (p - 1.0)
        elif p == 1.0:
            out[a] = fft[a] * b[a] / capacity[a]
        else:
            out[a] = 0.0


@njit(cache=True)
def beckmann(flow, fft, b, power, capacity, fixed):
    """Beckmann objective: the sum over links of the integral of the cost from 0 to the flow."""
    total = 0.0
    for a in range(flow.shape[0]):
        x = flow[a]
        p = power[a]
        total += fixed[a] * x + fft[a] * (x + b[a] * capacity[a] / (p + 1.0) * (x / capacity[a]) ** (p + 1.0))
    return total
