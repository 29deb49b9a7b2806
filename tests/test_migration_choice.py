"""Location choice: kernel vs slow twin vs Mesa agents, logit shares, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from twin.errors import TwinInputError
from twin.migration.choice import (
    PURPOSE_MOVE,
    check_utilities,
    choice_order,
    choose_zones,
    choose_zones_python,
    logit_probabilities,
    stream_uniform_numpy,
    uniforms,
)
from twin.migration.mesa_view import agent_choice_rule
from twin.migration.state import ChoiceProblem

KEY = np.uint64(20250101)
NO_LIMIT = 10**9
ALPHA = 0.01
"""Significance of the chi-square goodness-of-fit tests."""


def _choose(utility, ids, types=None, origins=None, vacancy=None, stay=0.0, key=KEY):
    n = ids.size
    types = np.zeros(n, dtype=np.int64) if types is None else types
    origins = np.full(n, -1, dtype=np.int64) if origins is None else origins
    vacancy = np.full(utility.shape[1], NO_LIMIT, dtype=np.int64) if vacancy is None else vacancy.copy()
    return choose_zones(key, ids, types, origins, utility, stay, vacancy, choice_order(key, ids))


def test_kernel_matches_python_twin_and_mesa_agents_with_capacity():
    rng = np.random.default_rng(3)
    n, zones = 1500, 12
    utility = rng.normal(size=(12, zones))
    utility[2, 5] = -np.inf
    ids = np.sort(rng.choice(10**6, n, replace=False)).astype(np.int64)
    types = rng.integers(0, 12, n).astype(np.int64)
    origins = rng.integers(-1, zones, n).astype(np.int64)
    vacancy = rng.integers(0, 160, zones).astype(np.int64)
    order = choice_order(KEY, ids)
    fast = choose_zones(KEY, ids, types, origins, utility, 1.5, vacancy.copy(), order)
    slow = choose_zones_python(int(KEY), ids, types, origins, utility, 1.5, vacancy.copy(), order)
    problem = ChoiceProblem(KEY, ids, types, origins, utility, 1.5, vacancy.copy())
    agents = agent_choice_rule()(problem, order)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast, agents)
    taken = np.bincount(fast[fast >= 0], minlength=zones)
    assert (taken <= vacancy).all()
    assert (fast == -1).sum() == n - min(n, vacancy[vacancy > 0].sum())
    assert not np.any((types == 2) & (fast == 5))


def test_very_low_utilities_still_fill_vacant_zones_by_utility():
    """exp(-V) overflows below about -709 utils (prices exploding in a long run made every vacant
    zone's weight infinite, and movers were left with no zone): every chooser is still housed
    while dwellings are vacant, the kernel, its twin and the Mesa agents agree, and the choice
    still follows utility differences (the better zone fills first)."""
    n, zones = 300, 3
    utility = np.array([[0.0, -900.0, -905.0]])  # zone 0 fills up; 1 and 2 overflow exp(-V)
    ids = np.arange(n, dtype=np.int64) * 7 + 1
    types, origins = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    vacancy = np.array([100, 100, 150], dtype=np.int64)
    order = choice_order(KEY, ids)
    fast = choose_zones(KEY, ids, types, origins, utility, 0.0, vacancy.copy(), order)
    slow = choose_zones_python(int(KEY), ids, types, origins, utility, 0.0, vacancy.copy(), order)
    agents = agent_choice_rule()(ChoiceProblem(KEY, ids, types, origins, utility, 0.0, vacancy.copy()),
                                 order)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast, agents)
    assert (fast >= 0).all()
    assert np.bincount(fast, minlength=zones).tolist() == [100, 100, 100]  # zone 1 beats 2 by 5 utils


def test_streams_are_uniform_and_match_the_numpy_twin():
    ids = np.arange(200_000, dtype=np.int64)
    u = uniforms(KEY, ids, PURPOSE_MOVE)
    assert ((u > 0) & (u < 1)).all()
    assert stats.kstest(u, "uniform").pvalue > ALPHA
    np.testing.assert_array_equal(
        u[:50], [stream_uniform_numpy(int(KEY), i, PURPOSE_MOVE, np.arange(1))[0] for i in range(50)]
    )


def test_choice_shares_match_analytic_logit_probabilities():
    """Fixed utilities, no capacity: chi-square of simulated zone counts vs n * P_logit."""
    utility = np.array([[0.0, 0.5, -1.0, 1.2, 0.3, -0.4, 2.0, 0.0]])
    n = 200_000
    chosen = _choose(utility, np.arange(n, dtype=np.int64))
    counts = np.bincount(chosen, minlength=utility.shape[1])
    expected = n * logit_probabilities(utility)[0]
    assert stats.chisquare(counts, expected).pvalue > ALPHA
    # the same test has power: it rejects probabilities off by a small tilt
    tilted = logit_probabilities(utility * 1.05)[0] * n
    assert stats.chisquare(counts, tilted).pvalue < ALPHA


def test_stay_bonus_shares_match_logit_with_bonus():
    utility = np.array([[0.2, 0.0, -0.3, 0.4]])
    n = 100_000
    origins = np.full(n, 2, dtype=np.int64)
    chosen = _choose(utility, np.arange(n, dtype=np.int64), origins=origins, stay=1.0)
    with_bonus = utility.copy()
    with_bonus[0, 2] += 1.0
    expected = n * logit_probabilities(with_bonus)[0]
    assert stats.chisquare(np.bincount(chosen, minlength=4), expected).pvalue > ALPHA


@pytest.mark.parametrize("change", [+0.8, -0.8])
def test_common_random_numbers_policy_on_one_zone(change):
    """Raising zone k only attracts to k; lowering it only pushes away from k; others keep their choice."""
    rng = np.random.default_rng(5)
    utility = rng.normal(size=(1, 10))
    k = 4
    policy = utility.copy()
    policy[0, k] += change
    ids = np.arange(50_000, dtype=np.int64)
    base = _choose(utility, ids)
    after = _choose(policy, ids)
    changed = base != after
    assert changed.any()
    if change > 0:
        assert (after[changed] == k).all()
        assert (after[base == k] == k).all()
    else:
        assert (base[changed] == k).all()
        np.testing.assert_array_equal(base[base != k], after[base != k])


def test_bad_utilities_are_refused():
    with pytest.raises(TwinInputError, match="finite"):
        logit_probabilities(np.array([[0.0, np.nan]]))
    with pytest.raises(TwinInputError, match="finite"):
        check_utilities(np.array([[np.inf, 0.0]]))
    assert logit_probabilities(np.array([[0.0, -np.inf]]))[0, 1] == 0.0


def test_choices_do_not_depend_on_the_thread_count():
    import numba

    rng = np.random.default_rng(9)
    utility = rng.normal(size=(12, 30))
    ids = np.arange(5000, dtype=np.int64)
    types = rng.integers(0, 12, ids.size).astype(np.int64)
    vacancy = np.full(30, 150, dtype=np.int64)
    results = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        results.append(_choose(utility, ids, types=types, vacancy=vacancy))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0], results[1])
