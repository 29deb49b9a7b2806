"""Waste kernels against their slow twins; generation conserves mass; sensors and policies."""

from __future__ import annotations

import numpy as np
import pytest

from twin.waste.bins import Bins, cluster_buildings, deposit, deposit_reference
from twin.waste.generation import building_generation, building_generation_reference, sum_into_bins
from twin.waste.policies import FixedSchedule, ThresholdPolicy, read_sensors
from twin.waste.streams import JOB_KG_DAY, RESIDENT_KG_DAY, RESIDUAL, STREAMS

RATES = np.array([RESIDENT_KG_DAY[s] for s in STREAMS]), np.array([JOB_KG_DAY[s] for s in STREAMS])


@pytest.mark.parametrize("compliance", [0.0, 0.35, 1.0])
def test_generation_kernel_matches_its_twin_and_conserves_mass(compliance):
    rng = np.random.default_rng(1)
    residents = rng.integers(0, 200, 300).astype(float)
    jobs = rng.integers(0, 80, 300).astype(float)
    residents[:5] = 0.0
    jobs[:3] = 0.0
    noise = rng.lognormal(0.0, 0.3, (300, 4))
    placed, wrong = building_generation(residents, jobs, *RATES, 1.1, noise, compliance, 0.3)
    ref_placed, ref_wrong = building_generation_reference(
        residents, jobs, *RATES, 1.1, noise, compliance, 0.3
    )
    np.testing.assert_allclose(placed, ref_placed, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(wrong, ref_wrong, rtol=1e-12, atol=1e-12)
    true_total = ((np.outer(residents, RATES[0]) + np.outer(jobs, RATES[1])) * 1.1 * noise).sum(axis=1)
    np.testing.assert_allclose(placed.sum(axis=1), true_total, rtol=1e-12)
    assert np.all(placed >= 0) and np.all(wrong <= placed + 1e-12)


def test_full_compliance_leaves_sorted_streams_clean():
    noise = np.ones((2, 4))
    placed, wrong = building_generation(
        np.array([10.0, 0.0]), np.array([0.0, 5.0]), *RATES, 1.0, noise, 1.0, 0.5
    )
    assert np.all(wrong == 0.0)
    np.testing.assert_allclose(placed[0], 10 * RATES[0])
    _, wrong_low = building_generation(np.array([10.0]), np.array([0.0]), *RATES, 1.0, noise[:1], 0.0, 0.5)
    sorted_kg = 10 * RATES[0].sum() - 10 * RATES[0][RESIDUAL]
    assert wrong_low[0, RESIDUAL] == pytest.approx(sorted_kg)


def test_deposit_kernel_matches_its_twin():
    rng = np.random.default_rng(2)
    n = 500
    capacity = rng.integers(1_000, 50_000, n)
    state = [rng.integers(0, 1_000, n), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, bool)]
    twin = [a.copy() for a in state]
    for _ in range(30):
        add = rng.integers(0, 3_000, n)
        deposit(state[0], capacity, add, state[1], state[2], state[3])
        deposit_reference(twin[0], capacity, add, twin[1], twin[2], twin[3])
    for a, b in zip(state, twin, strict=True):
        np.testing.assert_array_equal(a, b)
    assert state[2].sum() > 0 and np.all(state[0] <= capacity)


def test_sum_into_bins_adds_each_building_once():
    building_bin = np.array([[0, 1], [2, 3], [0, 1]])
    placed = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_allclose(sum_into_bins(building_bin, placed, 4), [6.0, 8.0, 3.0, 4.0])


def test_clusters_are_grid_cells():
    cluster, n = cluster_buildings(
        np.array([1.0, 99.0, 101.0, 250.0]), np.array([0.0, 50.0, 0.0, 0.0]), 100.0
    )
    assert n == 3 and cluster[0] == cluster[1] != cluster[2] != cluster[3]


def make_bins(n: int = 40, stream: int = 0) -> Bins:
    rng = np.random.default_rng(3)
    cap = np.full(n, 100_000, np.int64)
    z = np.zeros(n, np.int64)
    return Bins(
        cluster=np.arange(n),
        stream=np.full(n, stream),
        node=np.arange(n),
        x=rng.uniform(-1, 1, n),
        y=rng.uniform(-1, 1, n),
        containers=np.ones(n, np.int64),
        capacity_l=np.full(n, 200.0),
        capacity_g=cap,
        density_kg_l=np.full(n, 0.5),
        expected_day_g=np.full(n, 20_000.0),
        has_sensor=np.ones(n, bool),
        fill_g=rng.integers(0, 100_000, n),
        generated_g=z.copy(),
        collected_g=z.copy(),
        overflow_g=z.copy(),
        overflowed=np.zeros(n, bool),
    )


def test_sensors_read_the_fill_and_fail_as_configured():
    bins = make_bins()
    index, level = read_sensors(np.random.default_rng(0), bins, 0.0, 0.0)
    np.testing.assert_array_equal(index, np.arange(len(bins)))
    np.testing.assert_allclose(level, bins.fill_g)
    index, _ = read_sensors(np.random.default_rng(0), bins, 0.05, 1.0)
    assert index.size == 0


def test_fixed_schedule_visits_every_bin_once_per_cycle():
    bins = make_bins()
    policy = FixedSchedule(
        bins, np.array([3, 1, 1, 1]), np.array([[0.0, 0.0]]), np.zeros(len(bins), np.int64)
    )
    everything = np.arange(len(bins))
    seen = np.concatenate([policy.select(day, 0, everything, bins.fill_g).must for day in range(3)])
    np.testing.assert_array_equal(np.sort(seen), everything)
    assert (
        policy.select(3, 0, everything, bins.fill_g).must.tolist()
        == policy.select(0, 0, everything, bins.fill_g).must.tolist()
    )


def test_threshold_policy_splits_must_and_optional():
    bins = make_bins()
    estimate = np.linspace(0, 100_000, len(bins))
    sel = ThresholdPolicy(bins, 0.8, 0.6, 900.0).select(0, 0, np.arange(len(bins)), estimate)
    end = np.minimum(estimate + 20_000, 100_000) / 100_000
    np.testing.assert_array_equal(sel.must, np.flatnonzero(end >= 0.8))
    np.testing.assert_array_equal(sel.optional, np.flatnonzero((end < 0.8) & (end >= 0.6)))
    assert np.all((sel.prize > 0) & (sel.prize <= 900.0))


def test_a_truck_leg_is_a_shortest_path(testville):
    """The point-to-point search stopped at the target against scipy's full Dijkstra."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from twin.kernels.shortest_path import point_to_point

    net = testville.network
    weight = np.ascontiguousarray(net.free_flow_time_s * np.random.default_rng(3).uniform(1, 2, net.n_links))
    graph = csr_matrix((weight, (net.link_from, net.link_to)), shape=(len(net.node_x),) * 2)
    rng = np.random.default_rng(4)
    for source, target in rng.integers(0, len(net.node_x), (40, 2)):
        links = point_to_point(net.out_start, net.link_to, net.link_from, weight, int(source), int(target))
        best = dijkstra(graph, indices=int(source))[int(target)]
        if source == target:
            assert links.size == 0
            continue
        assert net.link_from[links[0]] == source and net.link_to[links[-1]] == target
        assert (net.link_to[links[:-1]] == net.link_from[links[1:]]).all()  # a connected path
        assert weight[links].sum() == pytest.approx(best, rel=1e-12)
    closed = weight.copy()
    far = int(net.link_to[0])
    closed[net.link_to == far] = np.inf  # every road into ``far`` closed
    start = int(net.link_from[(net.link_to != far) & (net.link_from != far)][0])
    assert point_to_point(net.out_start, net.link_to, net.link_from, closed, start, far).size == 0
