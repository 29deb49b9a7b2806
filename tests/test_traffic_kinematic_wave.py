"""Kinematic-wave links against LWR shock-wave solutions, and the kernel against its Python twin.

References the project did not write: the LWR model with a triangular fundamental diagram
(Newell 1993, "A simplified theory of kinematic waves in highway traffic"). A queue behind a
bottleneck of capacity ``q_B`` fed by an uncongested flow ``q_A`` is in the congested state of
flow ``q_B``, density ``k_B = K - q_B / w``; its tail is a shock moving upstream at
``(q_A - q_B) / (k_A - k_B)`` (Rankine-Hugoniot). The loading must reproduce the tail's position
over time, the discharge rate and the moment the queue blocks an upstream diverge within 5 %;
the spatial queue, which packs its queue at jam density ``K`` and frees space the instant a
vehicle leaves, must fail the same checks.
"""

from __future__ import annotations

import numpy as np
import pytest
from traffic_twin import random_trips, reference_loading

from twin.city import RoadNetwork
from twin.traffic import DynamicLoading, LoadingSettings, Trips

SPEED = 20.0  # m/s, every link
JAM = 0.15  # veh/m/lane
LANE_CAPACITY = 0.5  # veh/s/lane (1,800 veh/h)
LENGTH = 500.0  # m, every link


def wave_speed(lanes: int) -> float:
    """Backward wave speed of the triangular diagram, m/s: q / (K - q / v)."""
    q, jam = LANE_CAPACITY * lanes, JAM * lanes
    return q / (jam - q / SPEED)


def shock_speed(q_a: float, q_b: float, lanes: int) -> float:
    """Speed of the queue tail between the free-flow state of flow ``q_a`` and the congested state
    of flow ``q_b`` on a ``lanes``-lane road, m/s (negative: upstream)."""
    k_a = q_a / SPEED
    k_b = JAM * lanes - q_b / wave_speed(lanes)
    return (q_a - q_b) / (k_a - k_b)


def network(links, node_x, node_y) -> RoadNetwork:
    """``links`` = (from, to, lanes, capacity veh/s) of 500 m at 20 m/s, plus slow return links
    (1 m/s, never used) that keep the graph strongly connected."""
    a, b, lanes, cap = (list(c) for c in zip(*links, strict=True))
    return RoadNetwork.from_arrays(
        node_x=node_x, node_y=node_y, link_from=a + b, link_to=b + a, length_m=LENGTH,
        free_speed_mps=[SPEED] * len(a) + [1.0] * len(a), lanes=lanes * 2,
        capacity_vph=[c * 3600.0 for c in cap] + [100.0] * len(a), jam_density_vpm=JAM,
    )


def link_between(net: RoadNetwork, a: int, b: int) -> int:
    return int(np.flatnonzero((net.link_from == a) & (net.link_to == b))[0])


def load_fixed(net: RoadNetwork, trips: Trips, link_model: str, horizon_s: float) -> DynamicLoading:
    """Vehicle by vehicle (platoon 1), 1 s steps, link exits recorded every second."""
    settings = LoadingSettings(time_step_s=1.0, platoon=1, route_choice="fixed", link_model=link_model,
                               record_interval_s=1.0, horizon_s=horizon_s)
    return DynamicLoading(net, trips, settings)


def break_time(load: DynamicLoading, link: int, shift_s: float, t_from: float, t_to: float) -> tuple:
    """Where the cumulative count of vehicles leaving ``link`` (shifted back by ``shift_s``) bends:
    the least-squares two-segment fit ``a + b t + c max(t - t_break, 0)`` over ``[t_from, t_to]``;
    returns (t_break, flow before, flow after), seconds and veh/s."""
    count = np.cumsum(load.rec_exits[:, link])
    t = np.arange(1, len(count) + 1, dtype=np.float64) - shift_s
    keep = (t >= t_from) & (t <= t_to)
    t, count = t[keep][::2], count[keep][::2]
    best = (np.inf, np.nan, (np.nan, np.nan, np.nan))
    for tb in t[3:-3]:
        x = np.column_stack([np.ones_like(t), t, np.maximum(t - tb, 0.0)])
        coef = np.linalg.lstsq(x, count, rcond=None)[0]
        sse = float(((x @ coef - count) ** 2).sum())
        if sse < best[0]:
            best = (sse, tb, coef)
    _, tb, coef = best
    return tb, coef[1], coef[1] + coef[2]


def within(value: float, reference: float, rel: float = 0.05) -> bool:
    return bool(abs(value - reference) <= rel * abs(reference))


# -- a corridor with a bottleneck -------------------------------------------------------------
CORRIDOR_LINKS = 5  # 2-lane links of 500 m, then a 1-lane bottleneck link
DEMAND = 0.75  # veh/s (2,700 veh/h) into the corridor, for DEMAND_S seconds
DEMAND_S = 1800.0


def corridor_run(link_model: str) -> dict:
    """Queue tail positions over time and the discharge rate, against the shock-wave solution."""
    n_nodes = CORRIDOR_LINKS + 2
    links = [(i, i + 1, 2, 2 * LANE_CAPACITY) for i in range(CORRIDOR_LINKS)]
    links.append((CORRIDOR_LINKS, CORRIDOR_LINKS + 1, 1, LANE_CAPACITY))
    net = network(links, np.arange(n_nodes) * LENGTH, np.zeros(n_nodes))
    n = int(DEMAND * DEMAND_S)
    trips = Trips.from_arrays(np.zeros(n), np.full(n, n_nodes - 1), np.arange(n) / DEMAND, 1)
    load = load_fixed(net, trips, link_model, 3600.0)
    # the queue reaches the origin when vehicles first wait there to enter the first link
    spilled_at = np.nan
    while load.t < DEMAND_S:
        load.advance(load.t + 1.0)
        if np.isnan(spilled_at) and load.vehicles_waiting > 0:
            spilled_at = load.t - 1.0
    load.advance(3600.0)

    neck_x = CORRIDOR_LINKS * LENGTH  # the bottleneck's entrance, where the queue starts
    formed = neck_x / SPEED  # when the first vehicle reaches it
    speed = shock_speed(DEMAND, LANE_CAPACITY, 2)
    # per node of the corridor: the queue length the shock-wave solution gives at the moment the
    # model's queue tail passes the node (where the flow through it bends from q_A to q_B)
    queue_m, analytic_m, flow_after = [], [], []
    for j in range(1, CORRIDOR_LINKS):
        x = j * LENGTH
        t_pass, _, after = break_time(load, link_between(net, j - 1, j), 0.0, x / SPEED + 5.0, DEMAND_S)
        queue_m.append(neck_x - x)
        analytic_m.append(-speed * (t_pass - formed))
        flow_after.append(after)
    queue_m.append(neck_x)
    analytic_m.append(-speed * (spilled_at - formed))
    neck = link_between(net, CORRIDOR_LINKS, CORRIDOR_LINKS + 1)
    _, discharge, _ = break_time(load, neck, 0.0, formed + 60.0, DEMAND_S)
    return {"queue_m": np.array(queue_m), "analytic_m": np.array(analytic_m), "flow_after": flow_after,
            "discharge": discharge, "completed": load.summary()["completed"], "trips": n}


def queue_tail_matches(run: dict) -> bool:
    return all(within(q, a) for q, a in zip(run["queue_m"], run["analytic_m"], strict=True))


@pytest.fixture(scope="module")
def corridor_kw():
    return corridor_run("kinematic_wave")


@pytest.fixture(scope="module")
def corridor_sq():
    return corridor_run("spatial_queue")


def test_queue_tail_moves_upstream_at_the_shock_speed(corridor_kw):
    # shock at -1.82 m/s: the tail passes 500, 1,000, 1,500, 2,000 m upstream of the bottleneck
    # and reaches the origin (2,500 m) at 125 + 275 x (1, 2, 3, 4, 5) s
    assert corridor_kw["completed"] == corridor_kw["trips"]
    assert queue_tail_matches(corridor_kw), (corridor_kw["queue_m"], corridor_kw["analytic_m"])


def test_bottleneck_discharges_at_capacity_behind_and_through_the_queue(corridor_kw):
    assert within(corridor_kw["discharge"], LANE_CAPACITY)
    # behind the tail the queue moves at the bottleneck's flow (the congested state q_B)
    assert all(within(f, LANE_CAPACITY) for f in corridor_kw["flow_after"])


def test_spatial_queue_misses_the_queue_tail(corridor_sq):
    # the spatial queue stores its queue at jam density (0.30 veh/m against the LWR state's
    # 0.175), so its tail moves at (0.75 - 0.5) / (0.0375 - 0.30) = -0.95 m/s instead of -1.82:
    # when it has reached 500 m upstream, the shock-wave solution's queue is already 956 m long
    assert not queue_tail_matches(corridor_sq)
    assert corridor_sq["analytic_m"][-2] > 1.5 * corridor_sq["queue_m"][-2]
    # it does discharge at capacity: only the backward waves are missing
    assert within(corridor_sq["discharge"], LANE_CAPACITY)


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_a_wrong_backward_wave_speed_misses_the_queue_tail(monkeypatch, factor):
    # the wrong model: the backward-wave time across each link scaled by 0.8 or 1.25 (a wave
    # speed off by a quarter, as with a miscalibrated jam density); the tail must then miss the
    # shock-wave solution by more than the 5 % the right model keeps
    import twin.traffic.loading as loading

    right = loading.backward_wave_time_s
    monkeypatch.setattr(loading, "backward_wave_time_s", lambda *a: right(*a) * factor)
    assert not queue_tail_matches(corridor_run("kinematic_wave"))


# -- spill-back onto an upstream diverge ------------------------------------------------------
MAIN, SIDE = 0.7, 0.2  # veh/s toward the bottleneck and toward the side branch
DIVERGE_DEMAND_S = 900.0


def diverge_spill_time(link_model: str) -> tuple[float, float, float]:
    """A diverge 500 m upstream of a bottleneck's entrance: (the time its side branch's inflow
    drops, the flow before and after), from the side branch's cumulative count."""
    # 0 -> 1 -> 2 -> 3 with the bottleneck 2 -> 3, and the side branch 1 -> 4
    links = [(0, 1, 2, 1.0), (1, 2, 2, 1.0), (2, 3, 1, LANE_CAPACITY), (1, 4, 2, 1.0)]
    net = network(links, [0.0, 500.0, 1000.0, 1500.0, 1000.0], [0.0, 0.0, 0.0, 0.0, 500.0])
    n = int((MAIN + SIDE) * DIVERGE_DEMAND_S)
    dest = np.where(np.arange(n) % 9 < 7, 3, 4)  # 7 of 9 vehicles to the bottleneck
    trips = Trips.from_arrays(np.zeros(n), dest, np.arange(n) / (MAIN + SIDE), 1)
    load = load_fixed(net, trips, link_model, 2400.0)
    load.advance(2400.0)
    assert load.summary()["completed"] == n
    # vehicles enter the side branch LENGTH / SPEED before they leave it
    return break_time(load, link_between(net, 1, 4), LENGTH / SPEED, 30.0, DIVERGE_DEMAND_S)


def test_spill_back_blocks_the_upstream_diverge_at_the_predicted_time():
    formed = 2 * LENGTH / SPEED  # the first vehicle reaches the bottleneck at 50 s
    predicted = formed + LENGTH / -shock_speed(MAIN, LANE_CAPACITY, 2)  # 50 + 350 s
    t_spill, before, after = diverge_spill_time("kinematic_wave")
    assert within(t_spill - formed, predicted - formed)
    # then the diverge passes vehicles in arrival order (FIFO), so the side branch gets its share
    # of what the queue lets through: 0.5 x 0.2 / 0.7 veh/s
    assert within(before, SIDE) and within(after, LANE_CAPACITY * SIDE / MAIN)


def test_spatial_queue_blocks_the_diverge_too_late():
    # without the backward wave the link fills to jam density first: 712 s instead of 400 s
    formed = 2 * LENGTH / SPEED
    predicted = formed + LENGTH / -shock_speed(MAIN, LANE_CAPACITY, 2)
    t_spill, _, _ = diverge_spill_time("spatial_queue")
    assert not within(t_spill - formed, predicted - formed)
    assert t_spill - formed > 1.5 * (predicted - formed)


# -- a short street saturated by rows of several vehicles ------------------------------------
SHORT_M, STREET_VPH = 96.0, 1300.0  # Hezhou's one-lane local street at Babu Bridge's east landing


def short_street_flow(platoon: int) -> float:
    """Vehicles per hour out of a 96 m one-lane street (jam storage 14.4 vehicles) between two
    500 m streets of the same capacity, 1,300 veh/h, fed 1,800 veh/h for an hour in rows of
    ``platoon`` at 3 s steps: the mean over minutes 20-60, when a queue stands upstream."""
    lengths = [500.0, SHORT_M, 500.0]
    net = RoadNetwork.from_arrays(
        node_x=[0.0, 500.0, 596.0, 1096.0], node_y=[0.0] * 4, link_from=[0, 1, 2, 1, 2, 3],
        link_to=[1, 2, 3, 0, 1, 2], length_m=lengths * 2, free_speed_mps=[8.0] * 3 + [1.0] * 3,
        lanes=[1] * 6, capacity_vph=[STREET_VPH] * 3 + [100.0] * 3, jam_density_vpm=JAM,
    )
    n = 1800 // platoon
    trips = Trips.from_arrays(np.zeros(n), np.full(n, 3), np.arange(n) * 3600.0 / n, platoon)
    settings = LoadingSettings(time_step_s=3.0, platoon=platoon, route_choice="fixed", record_interval_s=60.0,
                               horizon_s=3 * 3600.0)
    load = DynamicLoading(net, trips, settings)
    load.advance(3 * 3600.0)
    assert load.summary()["completed"] == n * platoon
    assert load.vehicles_waiting == 0
    return float(load.rec_exits[20:60, link_between(net, 1, 2)].sum()) * 60.0 / 40.0


@pytest.mark.parametrize("platoon", [1, 5])
def test_a_short_street_passes_its_capacity_in_rows(platoon):
    # 14.4 vehicles of storage hold two rows of 5: with the wave time of the full storage each row
    # held its space for 14.4 / q = 40 s, and the street passed 10 vehicles per 40 s (905 veh/h,
    # 70 %); the wave time of the storage whole rows fill lets it pass its 1,300 veh/h
    assert within(short_street_flow(platoon), STREET_VPH)


def test_the_full_storage_wave_time_starves_a_short_street(monkeypatch):
    import twin.traffic.loading as loading

    right = loading.backward_wave_time_s
    monkeypatch.setattr(loading, "backward_wave_time_s", lambda fft, q, storage, row: right(fft, q, storage))
    assert short_street_flow(5) < 0.75 * STREET_VPH


# -- the kernel against its plain-Python twin -------------------------------------------------
@pytest.mark.parametrize("link_model", ["kinematic_wave", "spatial_queue"])
def test_enroute_kernel_matches_plain_python_twin_under_congestion(testville, link_model):
    net = testville.network
    rng = np.random.default_rng(5)
    n = 300
    trips = random_trips(net.n_nodes, n, rng)
    settings = LoadingSettings(time_step_s=2.0, platoon=3, route_choice="enroute", link_model=link_model,
                               route_update_s=120.0, horizon_s=2400.0)
    capacity = net.link_capacity_vph * 0.1  # a tenth of the capacity: queues, spill-back, re-routing
    load = DynamicLoading(net, trips, settings, capacity_vph=capacity)
    load.advance(2400.0)
    assert load.summary()["completed"] < trips.vehicles  # congested enough that queues matter
    # the wave times are the triangular diagram's L / w (zero for the spatial queue)
    q, v = load.capacity_vps, net.link_free_speed_mps
    jam = np.maximum(np.floor(load.storage / 3 + 1e-9), 1) * 3 / net.link_length_m  # whole rows of 3
    wave = net.link_length_m / (q / (jam - q / v))
    expected = wave if link_model == "kinematic_wave" else np.zeros_like(wave)
    np.testing.assert_allclose(load.wave_time_s, expected, rtol=1e-9, atol=1e-9)
    if link_model == "kinematic_wave":
        assert load.wave_time_s.min() > 0
    arrive, exits, end_node = reference_loading(load, 2400.0)
    np.testing.assert_array_equal(arrive, load.veh_arrive)
    np.testing.assert_array_equal(end_node, load.veh_end_node)
    np.testing.assert_array_equal(exits, load.rec_exits.sum(axis=0))
