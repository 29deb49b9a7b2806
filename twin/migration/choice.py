"""Location choice: a multinomial logit over zones, sampled with per-chooser random streams.

Every random number a household draws is a pure function of (year key, household id, purpose,
index): a counter-based hash (SplitMix64), not a position in a shared stream. Two scenarios
that differ only in a policy therefore give each household the same Gumbel draws for every
zone (common random numbers): its choice changes only where the policy changed its utilities.

Choice by maximum of utility + Gumbel noise is exactly a draw from the logit probabilities
``P(j) = exp(V_j) / sum_k exp(V_k)`` (McFadden 1974). Capacity is handled by letting choosers
pick in a fixed random order among zones that still have a vacant dwelling.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.special import softmax

from twin.errors import TwinInputError

PURPOSE_CHOICE = 1
PURPOSE_MOVE = 2
PURPOSE_ORDER = 3
PURPOSE_LEAVE = 4
PURPOSE_BIRTH = 5
PURPOSE_DEATH = 6
PURPOSE_FORM = 7
PURPOSE_AGEING = 8

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def stream_uniform(key, chooser, purpose, index):
    """A uniform number in (0, 1) for (key, chooser id, purpose, index); pure, no state."""
    z = _mix64(np.uint64(key) + np.uint64(chooser) * _GOLDEN)
    z = _mix64(z ^ (np.uint64(purpose) * np.uint64(0xD1B54A32D192ED03)))
    z = _mix64(z + np.uint64(index) * _GOLDEN)
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def stream_gumbel(key, chooser, index):
    """A standard Gumbel draw for chooser ``chooser`` and alternative ``index``."""
    return -np.log(-np.log(stream_uniform(key, chooser, PURPOSE_CHOICE, index)))


@njit(cache=True)
def uniforms(key, ids, purpose):
    """One uniform per chooser id for a purpose (vectorised :func:`stream_uniform`)."""
    out = np.empty(ids.size)
    for i in range(ids.size):
        out[i] = stream_uniform(key, ids[i], purpose, 0)
    return out


@njit(cache=True)
def choose_zones(key, chooser_id, chooser_type, chooser_origin, utility, stay_bonus, vacancy, order):
    """Each chooser, in ``order``, takes the zone maximising utility + Gumbel among vacant zones.

    Args:
        key: the year's stream key (uint64).
        chooser_id: stable household ids (int64), the stream of each chooser.
        chooser_type: row of ``utility`` for each chooser (int64).
        chooser_origin: current zone of each chooser, or -1 for a newcomer (int64).
        utility: (n_types, n_zones) systematic utilities, utils; -inf marks a closed zone.
        stay_bonus: utils added to a chooser's own zone (moving cost avoided).
        vacancy: vacant dwellings per zone (int64); decremented in place as choosers settle.
        order: permutation of choosers giving the order in which they choose.

    Returns:
        The chosen zone per chooser, -1 where no zone had a vacant dwelling left.
    """
    n_zones = utility.shape[1]
    chosen = np.full(chooser_id.size, -1, dtype=np.int64)
    for k in range(order.size):
        c = order[k]
        row = chooser_type[c]
        best = -np.inf
        best_zone = -1
        for j in range(n_zones):
            if vacancy[j] <= 0 or utility[row, j] == -np.inf:
                continue
            value = utility[row, j] + stream_gumbel(key, chooser_id[c], j)
            if j == chooser_origin[c]:
                value += stay_bonus
            if value > best:
                best = value
                best_zone = j
        if best_zone >= 0:
            vacancy[best_zone] -= 1
            chosen[c] = best_zone
    return chosen


def stream_uniform_numpy(key: int, chooser: int, purpose: int, index: np.ndarray) -> np.ndarray:
    """Plain-numpy twin of :func:`stream_uniform` for many indices at once (same numbers)."""
    with np.errstate(over="ignore"):

        def mix(z):
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            return z ^ (z >> np.uint64(31))

        z = mix(np.array([key], dtype=np.uint64) + np.array([chooser], dtype=np.uint64) * _GOLDEN)
        z = mix(z ^ (np.array([purpose], dtype=np.uint64) * np.uint64(0xD1B54A32D192ED03)))
        z = mix(z + np.asarray(index, dtype=np.uint64) * _GOLDEN)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def gumbel_row(key: int, chooser: int, n_zones: int) -> np.ndarray:
    """The Gumbel draws of one chooser for zones 0..n_zones-1 (numpy; same as the kernel's)."""
    return -np.log(-np.log(stream_uniform_numpy(key, chooser, PURPOSE_CHOICE, np.arange(n_zones))))


def choose_zones_python(
    key: int, chooser_id, chooser_type, chooser_origin, utility, stay_bonus: float, vacancy, order
) -> np.ndarray:
    """Slow, obviously-correct twin of :func:`choose_zones` (tests only); same draws, same result."""
    vacancy = np.array(vacancy, dtype=np.int64)
    chosen = np.full(len(chooser_id), -1, dtype=np.int64)
    for c in order:
        values = utility[chooser_type[c]] + gumbel_row(key, chooser_id[c], utility.shape[1])
        if chooser_origin[c] >= 0:
            values[chooser_origin[c]] += stay_bonus
        values[(vacancy <= 0) | np.isneginf(utility[chooser_type[c]])] = -np.inf
        if values.max() > -np.inf:
            chosen[c] = int(np.argmax(values))
            vacancy[chosen[c]] -= 1
    return chosen


def check_utilities(utility: np.ndarray, what: str = "utilities") -> None:
    """Refuse utilities that are NaN or +inf (-inf is allowed: a closed alternative)."""
    bad = np.isnan(utility) | (utility == np.inf)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise TwinInputError(
            f"migration: {what} must be finite (or -inf for a closed zone); "
            f"got {utility[row, col]!r} at type {row}, zone {col}"
        )


def logit_probabilities(utility: np.ndarray) -> np.ndarray:
    """Analytic logit choice probabilities per row (scipy softmax; -inf gives probability 0)."""
    check_utilities(utility)
    return softmax(utility, axis=-1)


def choice_order(key: int, chooser_id: np.ndarray) -> np.ndarray:
    """A random order of choosers that depends only on the key and their ids (stable sort)."""
    return np.argsort(uniforms(np.uint64(key), chooser_id, PURPOSE_ORDER), kind="stable")
