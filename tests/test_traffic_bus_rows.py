"""Buses as vehicles of the loading: rows that follow their own path inside an en-route loading."""

from __future__ import annotations

import numpy as np
import pytest
from traffic_twin import random_trips, reference_loading

from twin.city import RoadNetwork
from twin.traffic.bus_rows import bus_path_rows
from twin.traffic.loading import DynamicLoading, LoadingSettings, PathRows, simulate
from twin.traffic.loading_kernel import ARRIVED, UNREACHABLE
from twin.traffic.modes_config import ModesConfig
from twin.traffic.transit import generate_lines
from twin.traffic.trips import Trips

HOURS = ModesConfig().bus_service_hours
SERVICE_START_S, SERVICE_END_S = HOURS[0] * 3600.0, HOURS[1] * 3600.0


def ring() -> RoadNetwork:
    """A 4-node ring 0-1-2-3 (100 m sides) with the chords 0-2 and 2-0 (141 m): links 0 (0-1), 1
    (0-2), 2 (1-2), 3 (2-3), 4 (2-0), 5 (3-0) in CSR order."""
    return RoadNetwork.from_arrays(
        node_x=[0.0, 100.0, 100.0, 0.0], node_y=[0.0, 0.0, 100.0, 100.0],
        link_from=[0, 1, 2, 3, 0, 2], link_to=[1, 2, 3, 0, 2, 0], length_m=[100.0] * 4 + [141.0] * 2,
        free_speed_mps=10.0, lanes=1, capacity_vph=1800.0, source="ring",
    )


def path_rows(paths, depart, size=2) -> PathRows:
    return PathRows(np.asarray(depart, np.float64), np.full(len(paths), size, dtype=np.int64),
                    np.concatenate([[0], np.cumsum([len(p) for p in paths])]).astype(np.int64),
                    np.concatenate(paths).astype(np.int64))


def test_day_of_buses_leaves_every_headway_in_service_hours(testville):
    lines = generate_lines(testville, 0, 500.0)
    headway = np.full(lines.n_runs, 10.0)
    rows = bus_path_rows(lines, headway, 2.0, 1.0, 86_400.0, HOURS)
    per_run = int((SERVICE_END_S - SERVICE_START_S) / 600.0)
    assert len(rows) == lines.n_runs * per_run
    assert rows.depart_s[:3].tolist() == [SERVICE_START_S, SERVICE_START_S + 600.0, SERVICE_START_S + 1200.0]
    assert rows.depart_s.max() < SERVICE_END_S and (rows.size == 2).all()
    for i in (0, per_run - 1, per_run, len(rows) - 1):  # first and last bus of the first two runs
        np.testing.assert_array_equal(rows.path[rows.path_start[i]:rows.path_start[i + 1]],
                                      lines.run_links(i // per_run))
    # half the cars simulated: half the buses
    sampled = bus_path_rows(lines, headway, 2.0, 0.5, 86_400.0, HOURS)
    assert len(sampled) == len(rows) // 2 and sampled.depart_s[1] - sampled.depart_s[0] == 1200.0
    assert len(bus_path_rows(lines, headway, 2.0, 1.0, SERVICE_START_S, HOURS)) == 0  # a day that ends before
    night = bus_path_rows(lines, headway, 2.0, 1.0, 86_400.0, (5.5, 23.5))  # service hours from the scenario
    assert len(night) == lines.n_runs * 108 and night.depart_s.min() == 5.5 * 3600.0
    assert night.depart_s.max() == 23.5 * 3600.0 - 600.0


def test_bus_follows_its_path_in_an_enroute_loading_and_stays_out_of_the_trip_results():
    """A bus on the ring 0-1-2 keeps to it while en-route cars 0 -> 2 take the chord."""
    net = ring()
    trips = Trips.from_arrays([0, 0], [2, 2], [0.0, 10.0], [3, 2])
    settings = LoadingSettings(time_step_s=1.0, platoon=5, route_update_s=30.0, record_interval_s=60.0,
                               horizon_s=600.0)
    bus = path_rows([np.array([0, 2])], [0.0])
    load = simulate(net, trips, settings, path_rows=bus)
    cars = simulate(net, trips, settings)
    exits = load.rec_exits.sum(axis=0)
    assert exits.tolist() == [2.0, 5.0, 2.0, 0.0, 0.0, 0.0]  # the bus on 0-1-2, the cars on the chord
    # it enters in the step ending at 3 s, once link 0's inflow budget (0.5 veh/s) covers its two
    # vehicles (at that step's midpoint, 2.5 s: it waited), then 10 s a link
    assert load.veh_link[-1] == ARRIVED and load.veh_arrive[-1] == pytest.approx(22.5)
    s, c = load.summary(), cars.summary()
    for key in ("trips", "completed", "mean_travel_time_s", "vehicle_km", "still_travelling", "not_departed"):
        assert s[key] == pytest.approx(c[key]), key
    assert s["vehicle_km"] == pytest.approx(5 * 0.141)
    assert load.arrived_vehicles == 7  # the loading's own counters weigh the bus as two vehicles
    times = load.path_row_link_times_s()
    assert times[[0, 2]].tolist() == [10.0, 10.0] and np.isnan(times[[1, 3, 4, 5]]).all()


def test_bus_on_a_closed_link_does_not_run():
    net = ring()
    closed = np.zeros(net.n_links, dtype=bool)
    closed[2] = True
    settings = LoadingSettings(time_step_s=1.0, horizon_s=600.0)
    load = simulate(net, Trips.from_arrays([0], [2], [0.0], 1), settings, closed=closed,
                    path_rows=path_rows([np.array([0, 2]), np.array([1])], [0.0, 0.0]))
    assert load.veh_link[1:].tolist() == [UNREACHABLE, ARRIVED] and load.unrun_path_rows == 1
    assert load.summary()["unreachable_trips"] == 0 and load.summary()["completed"] == 1


def corridor() -> RoadNetwork:
    """A one-way corridor 0 -> 1 -> 2 of 600 veh/h links (links 0 and 2), with links back."""
    return RoadNetwork.from_arrays(
        node_x=[0.0, 500.0, 1000.0], node_y=[0.0, 0.0, 0.0], link_from=[0, 1, 2, 1], link_to=[1, 2, 1, 0],
        length_m=500.0, free_speed_mps=10.0, lanes=1, capacity_vph=600.0, source="corridor",
    )


def test_buses_take_road_capacity_from_cars_at_saturation():
    """Loaded beyond its capacity, the corridor with a bus every minute lets fewer cars through:
    each bus passes the bottleneck as two cars (a loading that ignored the bus rows' size fails)."""
    net = corridor()
    trips = Trips.from_arrays(np.zeros(100), np.full(100, 2), np.linspace(0.0, 600.0, 100), 5)
    settings = LoadingSettings(time_step_s=1.0, route_update_s=60.0, record_interval_s=300.0,
                               horizon_s=1800.0)
    buses = path_rows([np.array([0, 2])] * 30, np.arange(30) * 60.0)
    alone = simulate(net, trips, settings)
    shared = simulate(net, trips, settings, path_rows=buses)
    neck = shared.rec_exits.sum(axis=0)[2]
    assert neck == pytest.approx(alone.rec_exits.sum(axis=0)[2], abs=5)  # the link runs at capacity in both
    assert alone.summary()["completed"] - shared.summary()["completed"] >= 0.8 * 2 * 30
    assert shared.summary()["trips"] == alone.summary()["trips"] == 500


TWIN_CASES = [("kinematic_wave", "enroute"), ("spatial_queue", "enroute"), ("kinematic_wave", "fixed")]


@pytest.mark.parametrize(("link_model", "route_choice"), TWIN_CASES)
def test_kernel_matches_plain_python_rules_with_buses(testville, link_model, route_choice):
    net = testville.network
    trips = random_trips(net.n_nodes, 400, np.random.default_rng(11))
    lines = generate_lines(testville, 0, 500.0)
    buses = bus_path_rows(lines, np.full(lines.n_runs, 1.0), 2.0, 1.0, SERVICE_START_S + 1200.0, HOURS)
    buses = PathRows(buses.depart_s - SERVICE_START_S, buses.size, buses.path_start, buses.path)
    settings = LoadingSettings(time_step_s=2.0, platoon=3, route_choice=route_choice, link_model=link_model,
                               horizon_s=3600.0, route_update_s=300.0)
    load = DynamicLoading(net, trips, settings, capacity_vph=net.link_capacity_vph * 0.1, path_rows=buses)
    load.advance(3600.0)
    assert load.summary()["completed"] < trips.vehicles  # congested enough that queues matter
    bus = slice(load.n_trip_rows, load.n_rows)
    assert (load.veh_link[bus] == ARRIVED).any()
    arrive, exits, end_node = reference_loading(load, 3600.0)
    np.testing.assert_array_equal(arrive, load.veh_arrive)
    np.testing.assert_array_equal(end_node, load.veh_end_node)
    np.testing.assert_array_equal(exits, load.rec_exits.sum(axis=0))


def run_modes(city, seed=1):
    from twin.config import parse
    from twin.engine import TwinModel
    from twin.traffic import TrafficConfig, TrafficModule

    module = TrafficModule(parse(TrafficConfig, {"modes": {"enabled": True}}, source="test"))
    model = TwinModel(city, [module], seed=seed, period_days=1.0)
    model.step()
    return model, module


def test_module_with_modes_moves_the_buses_and_reports_cars_only(testville):
    model, module = run_modes(testville)
    load, supply = module.loading, module.modes.supply
    buses = slice(load.n_trip_rows, load.n_rows)
    expected = bus_path_rows(supply.lines, supply.headway_min, 2.0, module.config.sample_share, 86_400.0,
                             HOURS)
    assert load.n_rows - load.n_trip_rows == len(expected) > 0
    assert (load.veh_link[buses] == ARRIVED).all() and (load.veh_size[buses] == 2).all()
    share = module.config.sample_share
    np.testing.assert_array_equal(module.capacity, module.network.link_capacity_vph * share)  # no bus flows
    values = {ind.name: ind.value for _, ind in model.indicator_rows}
    cars = load.veh_size[: load.n_trip_rows][load.veh_link[: load.n_trip_rows] == ARRIVED].sum()
    assert values["completed_trips"] == pytest.approx(cars / module.config.sample_share)
    trip_times = module.timeseries()["trip_times"]
    assert trip_times.vehicles.sum() == pytest.approx(values["completed_trips"])
    # the buses' remembered link times: what they took on their links (free flow at most a step off here)
    on_lines = np.unique(supply.lines.link)
    memory = module.modes.link_memory_s[on_lines]
    fft = module.network.free_flow_time_s[on_lines]
    assert np.all(memory >= fft - 1e-9) and np.all(np.isfinite(memory))


def test_module_with_buses_is_deterministic(testville):
    a, b = run_modes(testville)[1], run_modes(testville)[1]
    np.testing.assert_array_equal(a.loading.veh_arrive, b.loading.veh_arrive)
    assert a.timeseries()["link_timeseries"].equals(b.timeseries()["link_timeseries"])
    assert a.modes.daily_frame().equals(b.modes.daily_frame())


def test_mode_choice_remembers_the_buses_own_link_times(testville, monkeypatch):
    """The bus skim's link times are the simulated buses' traversals where they drove (not the
    mean of every vehicle on the link), the link's experienced time elsewhere."""
    from twin.traffic.modes import ModeChoice

    seen = []
    end_day = ModeChoice.end_day

    def spy(self, year, day, recorded, experienced_link_s, weight):
        seen.append(experienced_link_s.copy())
        end_day(self, year, day, recorded, experienced_link_s, weight)

    monkeypatch.setattr(ModeChoice, "end_day", spy)
    _, module = run_modes(testville)
    load = module.loading
    bus = load.path_row_link_times_s()
    drove = np.isfinite(bus)
    experienced = module._experienced_link_times(load)
    assert drove.any() and np.array_equal(seen[-1][drove], bus[drove])
    assert np.array_equal(seen[-1][~drove], experienced[~drove])
    assert not np.allclose(bus[drove], experienced[drove])  # the cars' and the buses' times differ
