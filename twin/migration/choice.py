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
from numba import njit, prange
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
def _stream_state(key, chooser, purpose):
    z = _mix64(np.uint64(key) + np.uint64(chooser) * _GOLDEN)
    return _mix64(z ^ (np.uint64(purpose) * np.uint64(0xD1B54A32D192ED03)))


@njit(cache=True, inline="always")
def _uniform_at(state, index):
    z = _mix64(state + np.uint64(index) * _GOLDEN)
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")
def stream_uniform(key, chooser, purpose, index):
    """A uniform number in (0, 1) for (key, chooser id, purpose, index); pure, no state."""
    return _uniform_at(_stream_state(key, chooser, purpose), index)


@njit(cache=True)
def uniforms(key, ids, purpose):
    """One uniform per chooser id for a purpose (vectorised :func:`stream_uniform`)."""
    out = np.empty(ids.size)
    for i in range(ids.size):
        out[i] = stream_uniform(key, ids[i], purpose, 0)
    return out


@njit(cache=True, inline="always")
def _least_cost_zone(key, chooser, row, origin, utility, weight, stay_bonus, vacancy, uniform, zone_weight):
    """The zone with the least ``E_j * exp(-V_j)`` among zones with ``vacancy > 0`` (-1 if none).

    Logarithms dominate the cost, so they are computed only where needed (inlined for speed):
    ``1 - u <= -log(u) <= (1 - u) / u`` bounds every cost; the least upper bound ``limit``
    rules out every zone whose lower bound exceeds it, and exact costs decide among the rest
    (the same zone as computing every cost; a relative slack of 1e-9 covers rounding).
    """
    state = _stream_state(key, chooser, PURPOSE_CHOICE)
    limit = np.inf
    for j in range(uniform.size):
        u = _uniform_at(state, j)
        w = weight[row, j]
        if j == origin:
            w = np.exp(-(utility[row, j] + stay_bonus))
        uniform[j] = u
        zone_weight[j] = w
        if vacancy[j] > 0:
            limit = min(limit, (1.0 - u) / u * w)
    limit *= 1.0 + 1e-9
    best = np.inf
    best_zone = -1
    for j in range(uniform.size):
        if vacancy[j] > 0 and (1.0 - uniform[j]) * zone_weight[j] <= limit:
            cost = -np.log(uniform[j]) * zone_weight[j]
            if cost < best:
                best = cost
                best_zone = j
    if best_zone < 0:  # exp(-V) overflowed in every vacant zone (V below -709): compare logs
        for j in range(uniform.size):
            value = utility[row, j] + (stay_bonus if j == origin else 0.0)
            if vacancy[j] > 0 and value > -np.inf:
                cost = np.log(-np.log(uniform[j])) - value
                if best_zone < 0 or cost < best:
                    best = cost
                    best_zone = j
    return best_zone


@njit(cache=True, parallel=True)
def _unconstrained_choices(key, chooser_id, chooser_type, chooser_origin, utility, weight, stay_bonus):
    n_zones = utility.shape[1]
    open_all = np.ones(n_zones, dtype=np.int64)
    first = np.empty(chooser_id.size, dtype=np.int64)
    for c in prange(chooser_id.size):  # independent choosers: same result on any thread count
        uniform, zone_weight = np.empty(n_zones), np.empty(n_zones)
        first[c] = _least_cost_zone(
            key,
            chooser_id[c],
            chooser_type[c],
            chooser_origin[c],
            utility,
            weight,
            stay_bonus,
            open_all,
            uniform,
            zone_weight,
        )
    return first


@njit(cache=True)
def choose_zones(key, chooser_id, chooser_type, chooser_origin, utility, stay_bonus, vacancy, order):
    """Each chooser, in ``order``, takes the zone maximising utility + Gumbel among vacant zones.

    The maximum of ``V_j + G_j`` (G standard Gumbel, ``G = -log E``, E standard exponential
    ``-log U``) is reached at the minimum of ``E_j * exp(-V_j)``: the kernel uses that form,
    one logarithm per draw instead of two. Every chooser's best zone ignoring capacity is found
    first, in parallel; in order, a chooser whose best zone is still vacant takes it, and only
    a chooser whose best zone has filled up recomputes among the vacant zones (inlined for speed;
    the result is the one of the plain sequential rule, :func:`choose_zones_python`).

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
    weight = np.exp(-utility)  # closed zones (-inf) get an infinite cost: never chosen
    first = _unconstrained_choices(key, chooser_id, chooser_type, chooser_origin, utility, weight, stay_bonus)
    uniform, zone_weight = np.empty(utility.shape[1]), np.empty(utility.shape[1])
    chosen = np.full(chooser_id.size, -1, dtype=np.int64)
    for k in range(order.size):
        c = order[k]
        zone = first[c]
        if zone >= 0 and vacancy[zone] <= 0:
            zone = _least_cost_zone(
                key,
                chooser_id[c],
                chooser_type[c],
                chooser_origin[c],
                utility,
                weight,
                stay_bonus,
                vacancy,
                uniform,
                zone_weight,
            )
        if zone >= 0:
            vacancy[zone] -= 1
            chosen[c] = zone
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


def exponential_row(key: int, chooser: int, n_zones: int) -> np.ndarray:
    """One chooser's standard exponential draws ``-log U`` for zones 0..n_zones-1 (as the kernel's)."""
    return -np.log(stream_uniform_numpy(key, chooser, PURPOSE_CHOICE, np.arange(n_zones)))


def zone_costs(key: int, chooser: int, values: np.ndarray) -> np.ndarray:
    """``E_j * exp(-V_j)`` per zone: the zone with the least cost is the logit (Gumbel-max) choice."""
    return exponential_row(key, chooser, values.size) * np.exp(-values)


def vacant_choice(key: int, chooser: int, values: np.ndarray, vacancy: np.ndarray) -> int:
    """The zone of least :func:`zone_costs` among vacant zones of finite utility (-1 if none),
    as the kernel chooses it: where ``exp(-V)`` overflows in every such zone, by ``log E_j - V_j``."""
    open_zone = (vacancy > 0) & ~np.isneginf(values)
    if not open_zone.any():
        return -1
    costs = np.where(open_zone, zone_costs(key, chooser, values), np.inf)
    if costs.min() == np.inf:
        with np.errstate(divide="ignore"):
            costs = np.where(open_zone, np.log(exponential_row(key, chooser, values.size)) - values, np.inf)
    return int(np.argmin(costs))


def choose_zones_python(
    key: int, chooser_id, chooser_type, chooser_origin, utility, stay_bonus: float, vacancy, order
) -> np.ndarray:
    """Slow, obviously-correct twin of :func:`choose_zones` (tests only); same draws, same result."""
    vacancy = np.array(vacancy, dtype=np.int64)
    chosen = np.full(len(chooser_id), -1, dtype=np.int64)
    for c in order:
        values = utility[chooser_type[c]].copy()
        if chooser_origin[c] >= 0:
            values[chooser_origin[c]] += stay_bonus
        chosen[c] = vacant_choice(key, chooser_id[c], values, vacancy)
        if chosen[c] >= 0:
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
