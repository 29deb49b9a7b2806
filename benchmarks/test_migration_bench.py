"""Migration kernels (pytest-benchmark): location choice and the yearly household events."""

from __future__ import annotations

import numpy as np
import pytest

from twin.migration.choice import choice_order, choose_zones
from twin.migration.flows import household_events

N_ZONES = 124


@pytest.fixture(scope="module")
def choosers():
    rng = np.random.default_rng(0)
    n = 100_000
    ids = np.arange(n, dtype=np.int64)
    return dict(
        key=np.uint64(11),
        chooser_id=ids,
        chooser_type=rng.integers(0, 12, n).astype(np.int64),
        chooser_origin=rng.integers(-1, N_ZONES, n).astype(np.int64),
        utility=rng.normal(size=(12, N_ZONES)),
        stay_bonus=2.0,
        vacancy=np.full(N_ZONES, 2 * n // N_ZONES, dtype=np.int64),
        order=choice_order(np.uint64(11), ids),
    )


def test_choose_zones_100k_choosers_124_zones(benchmark, choosers):
    def run():
        args = dict(choosers, vacancy=choosers["vacancy"].copy())
        return choose_zones(**args)

    chosen = benchmark(run)
    assert (chosen >= 0).all()


def test_household_events_1m_households(benchmark):
    rng = np.random.default_rng(1)
    n = 1_000_000
    size = rng.integers(1, 6, n).astype(np.int64)
    age = rng.integers(0, 4, n).astype(np.int64)
    rates = np.array([0.05, 0.03, 0.01, 0.0]), np.array([0.001, 0.002, 0.006, 0.035])
    moves = np.array([0.15, 0.08, 0.05, 0.03]), np.array([0.03, 0.015, 0.008, 0.004])
    result = benchmark(household_events, np.uint64(3), np.arange(n, dtype=np.int64), size, age,
                       rng.integers(0, 2, n).astype(np.int64), rng.integers(0, 20, n).astype(np.int64),
                       rates[0], rates[1], moves[1], moves[0], 0.5, 1.5, 10, 0.5, 0.02, 1 / 15)
    assert result[0].sum() > 0
