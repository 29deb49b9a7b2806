"""A bus lane is a lane of the loading: a bus-only twin beside its link (traffic.module.with_bus_lanes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from twin import load_scenario
from twin.city import RoadNetwork
from twin.config import parse
from twin.engine import TwinModel
from twin.traffic import TrafficConfig, TrafficModule
from twin.traffic.loading import LoadingSettings, PathRows, simulate
from twin.traffic.module import with_bus_lanes
from twin.traffic.signals import fixed_time_plan, retime
from twin.traffic.transit import general_capacity_vph
from twin.traffic.trips import Trips

ROOT = Path(__file__).resolve().parent.parent
FREE_S = 2500.0 / 15.0
"""Free-flow time of the corridor, 0 -> 3, seconds."""


def corridor() -> RoadNetwork:
    """Nodes 0-1-2-3 on a line (0, 1000, 2000, 2500 m): 'Corridor' 0 -> 1 -> 2, two lanes of
    1000 veh/h each; 'Exit' 2 -> 3, one lane of 600 veh/h (the bottleneck: the cars queue on the
    corridor); 'Back' links the other way. 15 m/s everywhere, 0.15 veh/m per lane at jam."""
    return RoadNetwork.from_arrays(
        node_x=[0.0, 1000.0, 2000.0, 2500.0], node_y=[0.0] * 4,
        link_from=[0, 1, 2, 1, 2, 3], link_to=[1, 2, 3, 0, 1, 2], length_m=[1000.0, 1000.0, 500.0] * 2,
        free_speed_mps=15.0, lanes=[2, 2, 1, 1, 1, 1], capacity_vph=[2000.0, 2000.0] + [600.0] * 4,
        road=[0, 0, 1, 2, 2, 2], road_names=("Corridor", "Exit", "Back"), source="corridor",
    )


def run_corridor(bus_lane: bool):
    """1200 cars/h from 0 to 3 for an hour (twice the exit's capacity) and a bus (2 car
    equivalents) every 5 minutes along the corridor: on the bus lanes' twins with ``bus_lane``,
    else in the car queue on links that keep (lanes - 1) / lanes of their capacity (the rule
    before the twins: a bus lane only in the bus skim)."""
    city_net = corridor()
    net, twin_of = with_bus_lanes(city_net, ("Corridor",))
    lane = np.flatnonzero(twin_of >= 0)
    capacity = general_capacity_vph(net, net.link_capacity_vph, twin_of >= 0)
    storage = net.storage_veh.copy()
    storage[lane] *= (net.link_lanes[lane] - 1.0) / net.link_lanes[lane]
    bus_only = np.zeros(net.n_links, dtype=bool)
    bus_only[twin_of[lane]] = True
    link = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(net.link_from, net.link_to, strict=True))
            if not bus_only[i]}
    path = np.array([link[0, 1], link[1, 2], link[2, 3]])
    if bus_lane:
        path = np.where(twin_of[path] >= 0, twin_of[path], path)
    else:  # the old rule: no twin to drive (closed), the buses queue with the cars; storage uncut
        bus_only[:] = False
        storage = net.storage_veh
    depart = np.arange(12) * 300.0 + 600.0
    buses = PathRows(depart, np.full(12, 2, dtype=np.int64), np.arange(13) * 3, np.tile(path, 12))
    trips = Trips.from_arrays(np.zeros(720), np.full(720, 3), np.linspace(0.0, 3600.0, 720), 2)
    settings = LoadingSettings(time_step_s=2.0, platoon=2, route_update_s=60.0, record_interval_s=600.0,
                               horizon_s=3 * 3600.0)
    closed = np.zeros(net.n_links, dtype=bool)
    if not bus_lane:
        closed[twin_of[lane]] = True
    load = simulate(net, trips, settings, capacity_vph=capacity, storage_veh=storage, closed=closed,
                    path_rows=buses, bus_only=bus_only)
    return net, twin_of, load


def test_buses_on_a_bus_lane_pass_the_car_queue_at_free_flow_and_cars_never_enter_it():
    """Fails on the model before the twins, where buses on a bus lane queued with the cars (its
    case here, ``bus_lane=False``, is that model: the buses are as late as the cars)."""
    net, twin_of, load = run_corridor(bus_lane=True)
    _, _, old = run_corridor(bus_lane=False)
    cars = slice(0, load.n_trip_rows)
    car_time = load.row_travel_time_s()[cars]
    bus_time = load.row_travel_time_s()[load.n_trip_rows:]
    assert np.nanmean(car_time) > FREE_S + 600.0  # the cars queue
    assert np.all(bus_time <= FREE_S + 2 * load.settings.time_step_s + 1e-9)  # within two steps
    old_bus = old.row_travel_time_s()[old.n_trip_rows:]
    assert np.mean(old_bus) > FREE_S + 300.0  # in the car queue the buses are late like the cars
    # no car row entered a twin: every vehicle that entered one is a bus
    twin = twin_of[twin_of >= 0]
    assert load.rec_entries[:, twin].sum() == 12 * 2 * len(twin)
    assert load.rec_exits[:, twin].sum(axis=0).tolist() == [24.0] * len(twin)
    # the cars took the links they may use, and the exit ran at its capacity
    assert old.summary()["completed"] <= load.summary()["completed"] + 24


def test_a_bus_lane_leaves_cars_lanes_minus_one_lanes_of_capacity_and_storage(testville):
    roads = tuple(testville.network.road_names)
    cfg = parse(TrafficConfig, {"modes": {"enabled": True, "bus_lanes": list(roads)}, "sample_share": 0.5},
                source="test")
    module = TrafficModule(cfg)
    model = TwinModel(testville, [module], seed=1, period_days=1.0)
    model.step()
    net = module.network
    lane = np.flatnonzero(module.twin_of >= 0)
    twin = module.twin_of[lane]
    lanes = net.link_lanes[lane]
    assert lane.size and (lanes >= 2).all() and (net.link_lanes[twin] == 1).all()
    assert np.array_equal(net.link_from[twin], net.link_from[lane]) and np.array_equal(net.link_to[twin],
                                                                                          net.link_to[lane])
    assert np.allclose(module.capacity[lane], 0.5 * net.link_capacity_vph[lane] * (lanes - 1) / lanes)
    assert np.allclose(module.capacity[twin], 0.5 * net.link_capacity_vph[lane] / lanes)
    assert np.allclose(module.storage[lane], 0.5 * net.storage_veh[lane] * (lanes - 1) / lanes)
    assert np.allclose(module.storage[twin], 0.5 * net.storage_veh[lane] / lanes)
    assert np.array_equal(module.parent_storage, 0.5 * net.storage_veh)  # before the levers: no bus lane
    lines = module.modes.supply.lines
    assert np.isin(twin, lines.link).any() and not np.isin(lane, lines.link).any()
    assert not np.isin(twin, module.modes.base.lines.link).any()
    load = module.loading
    assert (load.rec_entries[:, twin].sum() == bus_vehicles_entering(load, twin))
    assert load.rec_entries[:, twin].sum() > 0
    # the buses' remembered times on the twins are their own
    memory = module.modes.link_memory_s
    assert np.isfinite(memory[twin]).all() and (memory[twin] >= 0.999 * net.free_flow_time_s[twin]).all()
    # at a signal the cars discharge from lanes - 1 lanes, the bus lane from one (veh/h, sampled)
    signals, per_lane = load.signals, 0.5 * cfg.signal_saturation_vph
    on = signals.cycle_s[lane] > 0
    assert on.any() and np.array_equal(signals.green_s[twin], signals.green_s[lane])
    cars = np.maximum(module.capacity[lane], (lanes - 1) * per_lane)
    assert np.allclose(signals.saturation_vph[lane][on], cars[on])
    assert np.allclose(signals.saturation_vph[twin][on], np.maximum(module.capacity[twin], per_lane)[on])
    # published city-order arrays leave the twins out
    assert len(model.published.get("link_travel_time_s")) == testville.network.n_links


def bus_vehicles_entering(load, links) -> float:
    """Vehicles of the path rows (buses) that entered ``links`` (from their own paths)."""
    bus = np.arange(load.n_trip_rows, load.n_rows)
    total = 0.0
    for row in bus:
        first, n = load.veh_path_first[row], load.veh_path_len[row]
        at = np.arange(first, first + n)
        entered = np.isfinite(load.path_enter[at]) & np.isin(load.path_buf[at], links)
        total += load.veh_size[row] * entered.sum()
    return total


def test_a_twin_shares_its_links_green_and_the_cars_time_the_phase(testville):
    net, twin_of = with_bus_lanes(testville.network, tuple(testville.network.road_names))
    lane = np.flatnonzero(twin_of >= 0)
    twin = twin_of[lane]
    plan = fixed_time_plan(net, net.link_capacity_vph, "all", 90.0, 4.0, 1800.0)
    signalised = plan.cycle_s[lane] > 0
    assert signalised.any()
    for field in ("cycle_s", "start_s", "green_s"):
        assert np.array_equal(getattr(plan, field)[twin], getattr(plan, field)[lane]), field
    rng = np.random.default_rng(1)
    flow = rng.uniform(100.0, 900.0, net.n_links)  # cars on every approach
    flow[twin] = 24.0  # a bus of two car equivalents every five minutes
    timed = retime(plan, net, flow, 4.0)
    no_buses = flow.copy()
    no_buses[twin] = 0.0
    assert np.array_equal(timed.green_s, retime(plan, net, no_buses, 4.0).green_s)  # the cars time it
    for field in ("start_s", "green_s"):
        assert np.array_equal(getattr(timed, field)[twin], getattr(timed, field)[lane]), field
    more = flow.copy()
    more[lane[signalised]] *= 3.0  # more cars on the bus-lane roads: their phases get more green
    assert (retime(plan, net, more, 4.0).green_s[lane[signalised]] >= timed.green_s[lane[signalised]]).all()


NO_BUS_LANE_DIGEST = "6d2bf1ecf95c15af81896581162da17aa183d4f9b2db715852398874f9f0eb25"
"""Digest of :func:`loading_digest` on the code before the bus-lane twins (commit 238e2ae)."""


def loading_digest(city) -> str:
    cfg = parse(TrafficConfig, {"modes": {"enabled": True}, "warmup_days": 1}, source="test")
    module = TrafficModule(cfg)
    model = TwinModel(city, [module], seed=1, period_days=1.0)
    model.step()
    load = module.loading
    h = hashlib.sha256()
    for a in (load.veh_arrive, load.rec_exits, load.rec_time, load.path_row_link_times_s(),
              module.modes.link_memory_s, module._remembered):
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return h.hexdigest()


def test_without_a_bus_lane_the_run_is_bit_identical_to_before(testville):
    assert loading_digest(testville) == NO_BUS_LANE_DIGEST


@pytest.mark.parametrize(("name", "twins"), [("hezhou_baseline", 0), ("hezhou_bus_priority", 28)])
def test_hezhou_baseline_network_is_untouched(hezhou, name, twins):
    cfg = load_scenario(ROOT / "scenarios" / f"{name}.toml").modules["traffic"]
    net, twin_of = with_bus_lanes(hezhou.network, cfg.modes.bus_lanes)
    assert int((twin_of >= 0).sum()) == twins
    assert (net is hezhou.network) == (twins == 0)
