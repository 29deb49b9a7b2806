"""Housing market clearing, expected demand, gravity shares and the household-events kernel."""

from __future__ import annotations

import numpy as np
from scipy import stats

from twin.migration.choice import (
    PURPOSE_AGEING,
    PURPOSE_BIRTH,
    PURPOSE_DEATH,
    PURPOSE_FORM,
    PURPOSE_LEAVE,
    PURPOSE_MOVE,
    logit_probabilities,
    stream_uniform_numpy,
)
from twin.migration.flows import gravity_shares, household_events
from twin.migration.housing import HousingMarket, expected_demand

RATES = dict(
    birth_rate=np.array([0.05, 0.03, 0.01, 0.0]),
    death_rate=np.array([0.01, 0.02, 0.05, 0.1]),
    leave_rate=np.array([0.04, 0.02, 0.01, 0.005]),
    move_rate=np.array([0.15, 0.08, 0.05, 0.03]),
    owner_move_factor=0.5,
    recent_move_factor=1.5,
    long_stay_years=10,
    long_stay_factor=0.5,
    formation_rate=0.05,
    ageing_rate=1 / 15,
)


EVENTS = ("births", "deaths", "leaves", "moves", "forms")


def _events_python(key, ids, size, age, owner, years, r):
    """Slow twin of household_events: the same rules written out, one household at a time."""
    def u(h, purpose, index=0):
        return stream_uniform_numpy(int(key), int(h), purpose, np.array([index]))[0]

    out = {name: np.zeros(ids.size, dtype=np.int64) for name in EVENTS}
    new_age = age.copy()
    for i, h in enumerate(ids):
        a = age[i]
        out["deaths"][i] = sum(u(h, PURPOSE_DEATH, m) < r["death_rate"][a] for m in range(size[i]))
        if size[i] == out["deaths"][i]:
            continue
        out["births"][i] = u(h, PURPOSE_BIRTH) < r["birth_rate"][a]
        if a < 3 and u(h, PURPOSE_AGEING) < r["ageing_rate"]:
            new_age[i] = a + 1
        if u(h, PURPOSE_LEAVE) < r["leave_rate"][a]:
            out["leaves"][i] = 1
            continue
        p = r["move_rate"][a] * (r["owner_move_factor"] if owner[i] else 1.0)
        p *= r["recent_move_factor"] if years[i] < 2 else r["long_stay_factor"] if years[i] >= 10 else 1.0
        out["moves"][i] = u(h, PURPOSE_MOVE) < p
        alive = size[i] - out["deaths"][i] + out["births"][i]
        out["forms"][i] = alive >= 3 and a >= 1 and u(h, PURPOSE_FORM) < r["formation_rate"]
    return out, new_age


def _households(n, seed=0):
    rng = np.random.default_rng(seed)
    return (np.arange(n, dtype=np.int64) * 3 + 1, rng.integers(1, 7, n).astype(np.int64),
            rng.integers(0, 4, n).astype(np.int64), rng.integers(0, 2, n).astype(np.int64),
            rng.integers(0, 20, n).astype(np.int64))


def test_household_events_match_the_python_twin():
    ids, size, age, owner, years = _households(3000)
    key = np.uint64(99)
    fast = household_events(key, ids, size, age, owner, years, *RATES.values())
    slow, slow_age = _events_python(key, ids, size, age, owner, years, RATES)
    for got, name in zip(fast[:5], EVENTS, strict=True):
        np.testing.assert_array_equal(got.astype(np.int64), slow[name], err_msg=name)
    np.testing.assert_array_equal(fast[5], slow_age)


def test_death_counts_follow_the_binomial_rate():
    ids, size, age, owner, years = _households(200_000, seed=1)
    deaths = household_events(np.uint64(5), ids, size, age, owner, years, *RATES.values())[1]
    for band in range(4):
        persons = int(size[age == band].sum())
        test = stats.binomtest(int(deaths[age == band].sum()), persons, RATES["death_rate"][band])
        assert test.pvalue > 0.01, band


def test_expected_demand_matches_a_sum_of_logit_probabilities():
    rng = np.random.default_rng(2)
    utility = rng.normal(size=(3, 4))
    utility[1, 2] = -np.inf
    groups = rng.integers(0, 20, size=(3, 5)).astype(float)
    demand = expected_demand(utility, groups, stay_bonus=1.2)
    brute = np.zeros(4)
    for t in range(3):
        for o in range(5):
            v = utility[t].copy()
            if o < 4:
                v[o] += 1.2
            brute += groups[t, o] * logit_probabilities(v[None, :])[0]
    np.testing.assert_allclose(demand, brute, rtol=1e-12)


def test_price_clearing_raises_prices_where_demand_exceeds_supply():
    market = HousingMarket.from_dwellings(np.array([100, 100, 100]))
    vacancy = np.array([20, 20, 20])
    base = np.log(vacancy)[None, :] + np.array([[1.0, 0.0, -0.5]])
    weight = np.full((1, 3), -2.0)
    groups = np.array([[0, 0, 0, 40.0]])
    before = expected_demand(base + weight * market.price, groups, 0.0)
    after = market.clear(base, weight, groups, 0.0, vacancy, adjustment=0.3, iterations=50)
    assert market.relative[0] > market.relative[1] > market.relative[2]
    gap_before = np.abs(before / before.sum() - 1 / 3).max()
    gap_after = np.abs(after / after.sum() - 1 / 3).max()
    assert gap_after < 0.05 * gap_before
    np.testing.assert_allclose((market.relative * market.dwellings).sum() / market.dwellings.sum(), 1.0)


def test_gravity_shares_are_mass_over_distance_power():
    shares = gravity_shares(np.array([10.0, 40.0]), np.array([100.0, 200.0]), 2.0)
    np.testing.assert_allclose(shares, [0.5, 0.5])
    shares = gravity_shares(np.array([10.0, 10.0]), np.array([100.0, 200.0]), 1.0)
    np.testing.assert_allclose(shares, [2 / 3, 1 / 3])
