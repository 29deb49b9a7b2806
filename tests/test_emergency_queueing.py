"""The real emergency module as a queue: Erlang C and the hypercube loss model.

Every simulated figure is compared through a 99 % batch-means confidence interval (30 batches
of consecutive calls or of time after a warm-up); the tests also require that interval to be
narrow, so a loose run cannot pass by being uninformative.
"""

from __future__ import annotations

import functools

import pytest
from scipy import stats

from twin.emergency.queueing import erlang_b, erlang_c, hypercube_loss
from twin.emergency.validation import erlang_experiment, hypercube_experiment


def test_erlang_c_published_values():
    assert erlang_c(3, 2.0, 1.0) == pytest.approx((0.444444, 0.444444), abs=5e-7)
    assert erlang_c(10, 8.0, 1.0) == pytest.approx((0.409180, 0.204590), abs=5e-7)


def test_erlang_b_matches_its_definition():
    a, c = 4.2, 6
    pmf = stats.poisson.pmf(range(c + 1), a)
    assert erlang_b(c, a) == pytest.approx(pmf[c] / pmf.sum(), rel=1e-12)


def test_hypercube_two_units_published_values():
    p = hypercube_loss([0.6, 0.4], 1.0, [[0, 1], [1, 0]])
    assert p[(0, 0)] == pytest.approx(0.40, abs=1e-12)
    assert p[(1, 0)] == pytest.approx(0.22, abs=1e-12)
    assert p[(0, 1)] == pytest.approx(0.18, abs=1e-12)
    assert p[(1, 1)] == pytest.approx(0.20, abs=1e-12)


@functools.lru_cache(maxsize=4)
def _erlang(units: int, arrival: float, seed: int, calls: int = 200_000) -> dict:
    return erlang_experiment(units, arrival, 1.0, calls, seed)


def _inside(simulated: float, half: float, analytic: float) -> bool:
    return abs(simulated - analytic) <= half


@pytest.mark.parametrize(("units", "arrival", "seed"), [(3, 2.0, 11), (10, 8.0, 12)])
def test_module_matches_erlang_c(units, arrival, seed):
    r = _erlang(units, arrival, seed)
    assert _inside(r["simulated_p_wait"], r["p_wait_ci_half_width"], r["analytic_p_wait"])
    assert _inside(r["simulated_mean_wait"], r["mean_wait_ci_half_width"], r["analytic_mean_wait"])
    assert r["p_wait_ci_half_width"] < 0.05 * r["analytic_p_wait"]
    assert r["mean_wait_ci_half_width"] < 0.20 * r["analytic_mean_wait"]
    assert r["utilisation"] == pytest.approx(r["analytic_utilisation"], rel=0.02)


@pytest.mark.slow
@pytest.mark.parametrize(("units", "arrival", "seed"), [(3, 2.0, 21), (10, 8.0, 22)])
def test_module_matches_erlang_c_long(units, arrival, seed):
    r = _erlang(units, arrival, seed, 1_500_000)
    assert _inside(r["simulated_p_wait"], r["p_wait_ci_half_width"], r["analytic_p_wait"])
    assert _inside(r["simulated_mean_wait"], r["mean_wait_ci_half_width"], r["analytic_mean_wait"])
    assert r["p_wait_ci_half_width"] < 0.02 * r["analytic_p_wait"]
    assert r["mean_wait_ci_half_width"] < 0.08 * r["analytic_mean_wait"]


def test_erlang_check_can_fail():
    """The same run is far outside the interval of a queue with one unit more."""
    r = _erlang(3, 2.0, 11)
    wrong_p, _ = erlang_c(4, 2.0, 1.0)
    assert not _inside(r["simulated_p_wait"], r["p_wait_ci_half_width"], wrong_p)


def test_module_matches_hypercube():
    r = hypercube_experiment(40_000, 3)
    for name in ("both_free", "only_unit_1_busy", "only_unit_2_busy", "both_busy"):
        row = r[name]
        assert _inside(row["simulated"], row["ci_half_width"], row["analytic"]), (name, row)
        assert row["ci_half_width"] < 0.05 * row["analytic"]
    # Poisson arrivals see time averages: the lost share estimates P(both busy)
    assert r["lost_share"] == pytest.approx(0.20, abs=0.01)
    # the check can fail: a first-due rule swapped between areas gives other state probabilities
    swapped = hypercube_loss([0.6, 0.4], 1.0, [[1, 0], [0, 1]])
    assert not _inside(
        r["only_unit_1_busy"]["simulated"], r["only_unit_1_busy"]["ci_half_width"], swapped[(1, 0)]
    )
